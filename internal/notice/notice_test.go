package notice

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/greenlight/greenlight/internal/release"
	"github.com/greenlight/greenlight/internal/strategy"
)

const execARN = "arn:aws:states:eu-west-1:123456789012:execution:greenlight:abc"

var started = time.Date(2026, 11, 22, 10, 15, 0, 0, time.UTC)

func doc() *release.Document {
	return &release.Document{
		Function:     "orders",
		ReleaseID:    "orders-20261122T101500Z-c469",
		Artifact:     release.Artifact{Bucket: "b", Key: "releases/orders/42.zip", VersionID: "v"},
		Strategy:     strategy.Strategy{Name: strategy.Canary10Percent5Minutes},
		ExecutionARN: execARN,
		StartedAt:    started,
		State: release.State{
			Blue: "3", Green: "4",
			StepsTaken:  []release.StepTaken{{Percent: 10, At: started.Add(time.Minute)}},
			AlarmStates: map[string]string{"orders-5xx": "ALARM"},
		},
	}
}

func TestSubjects(t *testing.T) {
	failed := doc()
	failed.Error = &release.TaskError{Error: "AlarmBreachedError", Cause: `{"errorMessage":"alarm breached: orders-5xx is ALARM","errorType":"AlarmBreachedError"}`}
	first := doc()
	first.State.Blue = ""
	first.Error = failed.Error
	unknown := &release.Document{Error: &release.TaskError{Error: "ValidationError"}}
	guarded := doc()
	guarded.Error = &release.TaskError{Error: "HaltedError", Cause: `{"errorMessage":"release halted by guard: alarm orders-5xx is ALARM","errorType":"HaltedError"}`}
	halted := doc()
	halted.Error = &release.TaskError{Error: "HaltedError", Cause: `{"errorMessage":"release halted by alice: bad latency","errorType":"HaltedError"}`}
	untested := doc()
	untested.Error = &release.TaskError{Error: "TestFailedError"}
	odd := doc()
	odd.Error = &release.TaskError{Error: "States.Timeout"}
	long := doc()
	long.Function = strings.Repeat("f", 64)
	// A console input that failed validation names any function it likes.
	broken := &release.Document{Function: "orders\r\nBcc: x", Error: &release.TaskError{Error: "ValidationError"}}
	wide := doc()
	wide.Function = strings.Repeat("é", 80)
	// SNS refuses a subject that is not ASCII.
	build := doc()
	build.Artifact.Key = "releases/orders/bücher–ß✓.zip"
	outside := doc()
	outside.Error = &release.TaskError{Error: "HaltedError", Cause: `{"errorMessage":"release halted by outside change: the live alias orders:live was changed outside greenlight","errorType":"HaltedError"}`}
	outside.State.Phase, outside.State.Stopped = release.PhaseStopped, "the live alias was changed outside greenlight; traffic was not moved"
	lost := doc()
	lost.Error = &release.TaskError{Error: "HaltedError", Cause: `{"errorMessage":"release halted by greenlight: the release lock of orders is gone or taken","errorType":"HaltedError"}`}
	lost.State.Phase, lost.State.Stopped = release.PhaseStopped, "the release lock of orders is taken by another release; traffic was not moved"
	umlaut := &release.Document{Function: "ördérs", Error: &release.TaskError{Error: "ValidationError"}}
	drifted := doc()
	drifted.Drift = []string{"live alias live of orders serves version 2, the last release (orders-41) left it on 3", "$LATEST code changed outside greenlight"}
	drifted.Artifact.Key = "releases/orders/7.zip"
	drifted.Strategy.Name = "AllAtOnce"
	tests := []struct {
		event Event
		d     *release.Document
		want  string
	}{
		{Started, doc(), "greenlight: releasing orders build 42 (Canary10Percent5Minutes)"},
		{Promoted, doc(), "greenlight: orders promoted to version 4 (Canary10Percent5Minutes)"},
		{RolledBack, failed, "greenlight: orders rolled back to version 3 (alarm in ALARM)"},
		{RolledBack, guarded, "greenlight: orders rolled back to version 3 (alarm in ALARM)"},
		{RolledBack, halted, "greenlight: orders rolled back to version 3 (halted by operator)"},
		{RolledBack, untested, "greenlight: orders rolled back to version 3 (pre-traffic tests failed)"},
		{RolledBack, odd, "greenlight: orders rolled back to version 3 (States.Timeout)"},
		{RolledBack, first, "greenlight: orders release rolled back, live unchanged (alarm in ALARM)"},
		{Failed, unknown, "greenlight: unknown release failed (invalid release)"},
		{Rejected, doc(), "greenlight: orders release rejected, another release is in progress"},
		{Noop, doc(), "greenlight: orders unchanged, code and configuration identical to version 3"},
		{RollbackFailed, doc(), "greenlight: ALERT orders rollback failed, function needs attention"},
		{Promoted, long, "greenlight: " + strings.Repeat("f", 64) + " promoted to version..."},
		{Failed, broken, "greenlight: orders  Bcc: x release failed (invalid release)"},
		{Started, wide, "greenlight: releasing " + strings.Repeat("e", 74) + "..."},
		// Such a key never starts a release (release.SplitKey refuses it),
		// so a document that holds one is not named by its build.
		{Started, build, "greenlight: releasing orders release (Canary10Percent5Minutes)"},
		{RolledBack, outside, "greenlight: orders release stopped, traffic not moved (live changed outside greenlight)"},
		{RolledBack, lost, "greenlight: orders release stopped, traffic not moved (release lock lost)"},
		{Failed, umlaut, "greenlight: orders release failed (invalid release)"},
		{Started, drifted, "greenlight: releasing orders build 7 (AllAtOnce); drift: live alias live of orders serves versio..."},
		{Promoted, drifted, "greenlight: orders promoted to version 4 (AllAtOnce)"},
	}
	for _, tt := range tests {
		t.Run(string(tt.event), func(t *testing.T) {
			m := Compose(tt.event, tt.d, started, nil)
			if m.Subject != tt.want {
				t.Errorf("subject = %q, want %q", m.Subject, tt.want)
			}
			if n := utf8.RuneCountInString(m.Subject); n >= 100 {
				t.Errorf("subject is %d characters, SNS takes fewer than 100", n)
			}
			for _, r := range m.Subject {
				if r >= utf8.RuneSelf || r < ' ' || r == 0x7f {
					t.Errorf("subject %q holds %q, SNS takes printable ASCII only", m.Subject, r)
				}
			}
		})
	}
}

func TestBodyMatchesGolden(t *testing.T) {
	d := doc()
	d.Error = &release.TaskError{Error: "AlarmBreachedError", Cause: `{"errorMessage":"alarm breached: orders-5xx is ALARM (Threshold Crossed)","errorType":"AlarmBreachedError"}`}
	rate := 0.25
	m := Compose(RolledBack, d, started.Add(7*time.Minute), &rate)
	matchesGolden(t, m, "rolled-back.json")
	wantAttrs := map[string]string{"event": "rolledBack", "function": "orders"}
	if !reflect.DeepEqual(m.Attributes, wantAttrs) {
		t.Errorf("attributes = %v", m.Attributes)
	}
}

// matchesGolden compares m's body with testdata/name as JSON.
func matchesGolden(t *testing.T, m Message, name string) {
	t.Helper()
	got, err := m.JSON()
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("body differs from testdata/%s:\n%s", name, got)
	}
}

// TestDriftInStartedBody: the started notification lists every drift
// finding; the others do not repeat them.
func TestDriftInStartedBody(t *testing.T) {
	d := doc()
	d.Drift = []string{"live alias live routes 10 % to version 8 besides 7", "$LATEST configuration changed outside greenlight: memorySize: 512 → 1024"}
	for _, event := range Events() {
		body, err := Compose(event, d, started, nil).JSON()
		if err != nil {
			t.Fatal(err)
		}
		var got struct {
			Drift []string `json:"drift"`
		}
		if err := json.Unmarshal([]byte(body), &got); err != nil {
			t.Fatal(err)
		}
		want := []string(nil)
		if event == Started {
			want = d.Drift
		}
		if !reflect.DeepEqual(got.Drift, want) {
			t.Errorf("%s: drift = %q, want %q", event, got.Drift, want)
		}
	}
}

func TestReason(t *testing.T) {
	tests := []struct{ cause, want string }{
		{`{"errorMessage":"boom","errorType":"X"}`, "boom"},
		{"States.Timeout after 60s", "States.Timeout after 60s"},
		{`{"other":1}`, `{"other":1}`},
	}
	for _, tt := range tests {
		if got := Reason(&release.TaskError{Cause: tt.cause}); got != tt.want {
			t.Errorf("Reason(%q) = %q", tt.cause, got)
		}
	}
}

func TestConsoleURL(t *testing.T) {
	tests := []struct{ arn, want string }{
		{execARN, "https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/" + execARN},
		{"arn:aws-cn:states:cn-north-1:1:execution:sm:x", "https://cn-north-1.console.amazonaws.cn/states/home?region=cn-north-1#/v2/executions/details/arn:aws-cn:states:cn-north-1:1:execution:sm:x"},
		{"arn:aws:lambda:us-east-1:1:function:f", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := ConsoleURL(tt.arn); got != tt.want {
			t.Errorf("ConsoleURL(%q) = %q", tt.arn, got)
		}
	}
}

func TestEventValid(t *testing.T) {
	for _, e := range events {
		if !e.Valid() {
			t.Errorf("%s not valid", e)
		}
	}
	if Event("deployed").Valid() {
		t.Error("unknown event valid")
	}
}
