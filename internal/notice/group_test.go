package notice

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/greenlight/greenlight/internal/failure"
	"github.com/greenlight/greenlight/internal/release"
	"github.com/greenlight/greenlight/internal/strategy"
)

// group is a release of group shop: shop-api and shop-worker are in the
// bundle, shop-admin is not and keeps its blue.
func group(t *testing.T) *release.Document {
	t.Helper()
	canary := strategy.Strategy{Name: strategy.Canary10Percent5Minutes}
	d, err := release.NewGroup(release.GroupRequest{
		Group:    "shop",
		Source:   release.SourceS3,
		Artifact: release.Artifact{Bucket: "b", Key: "releases/shop/42.zip", VersionID: "v"},
		Settings: release.Settings{Strategy: &canary, Alarms: []string{"shop-availability"}},
		Members: []release.MemberRequest{
			{Function: "shop-api", InBundle: true, Settings: release.Settings{Alarms: []string{"shop-api-5xx", "shared-5xx"}}},
			{Function: "shop-worker", InBundle: true, Settings: release.Settings{Alarms: []string{"shop-worker-lag", "shared-5xx"}}},
			{Function: "shop-admin"},
		},
		ExecutionARN: execARN,
		StartedAt:    started,
	})
	if err != nil {
		t.Fatal(err)
	}
	api, worker, admin := d.Members[0], d.Members[1], d.Members[2]
	api.State.Blue, api.State.Green, api.State.CodeChanged = "3", "4", true
	api.State.AlarmStates = map[string]string{"shop-api-5xx": "OK"}
	worker.State.Blue, worker.State.Green, worker.State.CodeChanged = "6", "7", true
	worker.State.Changes = []release.Change{{Key: "environment.API_KEY", From: "****", To: "****"}, {Key: "memorySize", From: "128", To: "256"}}
	admin.State.Blue, admin.State.Noop = "2", true
	d.State.Phase = release.PhaseShifting
	d.State.StepsTaken = []release.StepTaken{{Percent: 10, At: started.Add(time.Minute)}}
	d.State.AlarmStates = map[string]string{"shop-availability": "OK"}
	return d
}

// taskError is what the workflow's Catch records of err returned by a task.
func taskError(err error) *release.TaskError {
	name := reflect.TypeOf(err).Elem().Name()
	cause, _ := json.Marshal(map[string]string{"errorMessage": err.Error(), "errorType": name})
	return &release.TaskError{Error: name, Cause: string(cause)}
}

func breached(alarm string) *failure.AlarmBreachedError {
	return &failure.AlarmBreachedError{Alarms: []failure.BreachedAlarm{{Name: alarm, State: "ALARM", Reason: "Threshold Crossed"}}}
}

func TestGroupSubjects(t *testing.T) {
	with := func(change func(d *release.Document)) func(t *testing.T) *release.Document {
		return func(t *testing.T) *release.Document {
			d := group(t)
			change(d)
			return d
		}
	}
	fails := func(err error) func(t *testing.T) *release.Document {
		return with(func(d *release.Document) { d.Error = taskError(err) })
	}
	promoted := func(d *release.Document) { d.State.Phase = release.PhasePromoted }
	tests := []struct {
		name  string
		event Event
		doc   func(t *testing.T) *release.Document
		want  string
	}{
		{"started", Started, group, "greenlight: releasing group shop build 42 (Canary10Percent5Minutes)"},
		{"started with drift", Started, with(func(d *release.Document) { d.Drift = []string{"shop-api: $LATEST code changed outside greenlight"} }),
			"greenlight: releasing group shop build 42 (Canary10Percent5Minutes); drift: shop-api: $LATEST co..."},
		{"configuration only", Started, with(func(d *release.Document) { d.Artifact = release.Artifact{} }),
			"greenlight: releasing group shop configuration (Canary10Percent5Minutes)"},
		{"promoted", Promoted, with(promoted), "greenlight: group shop promoted (shop-api 4, shop-worker 7)"},
		{"a member's alarm", RolledBack, fails(failure.OfMember("shop-worker", breached("shop-worker-lag"))),
			"greenlight: group shop rolled back (shop-worker: alarm in ALARM)"},
		{"the group's alarm", RolledBack, fails(breached("shop-availability")), "greenlight: group shop rolled back (alarm in ALARM)"},
		{"an alarm two members watch", RolledBack, fails(breached("shared-5xx")), "greenlight: group shop rolled back (alarm in ALARM)"},
		{"the guard on a member's alarm", RolledBack, fails(&failure.HaltedError{By: "guard", Reason: "alarm shop-api-5xx is ALARM"}),
			"greenlight: group shop rolled back (shop-api: alarm in ALARM)"},
		{"an operator", RolledBack, fails(&failure.HaltedError{By: "alice", Reason: "latency"}),
			"greenlight: group shop rolled back (halted by operator)"},
		{"a member's test", RolledBack, fails(failure.OfMember("shop-api", &failure.TestFailedError{Failed: []failure.TestResult{{Name: "ping", Detail: "500"}}})),
			"greenlight: group shop rolled back (shop-api: pre-traffic tests failed)"},
		{"the group's test", RolledBack, fails(&failure.TestFailedError{Failed: []failure.TestResult{{Name: "checkout", Detail: "shop-api: 500"}}}),
			"greenlight: group shop rolled back (pre-traffic tests failed)"},
		{"first release", RolledBack, with(func(d *release.Document) {
			d.Error = taskError(breached("shop-availability"))
			for _, m := range d.Members {
				m.State.Blue, m.State.FirstRelease = "", true
			}
		}), "greenlight: group shop release rolled back, live unchanged (alarm in ALARM)"},
		{"a member's artifact", Failed, fails(failure.OfMember("shop-worker", &failure.ArtifactError{Reason: "shop-worker.zip is not in the bundle"})),
			"greenlight: group shop release failed (shop-worker: bad artifact)"},
		{"a member lost its lock", RolledBack, with(func(d *release.Document) {
			d.Error = taskError(failure.OfMember("shop-api", &failure.HaltedError{By: "greenlight", Reason: "the release lock of shop-api is gone or taken"}))
			d.State.Phase = release.PhaseStopped
			d.Members[0].State.Stopped = "the release lock of shop-api is taken by another release; traffic was not moved"
		}), "greenlight: group shop release stopped, traffic not moved (shop-api: release lock lost)"},
		{"rejected", Rejected, fails(&failure.LockHeldError{Function: "shop-worker", ExecutionARN: "arn:x", ReleaseID: "shop-worker-41"}),
			"greenlight: group shop release rejected, another release is in progress"},
		{"noop", Noop, group, "greenlight: group shop unchanged, every member identical to its live version"},
		{"rollback failed", RollbackFailed, fails(&failure.RollbackFailedError{Function: "shop-worker", Err: errors.New("throttled")}),
			"greenlight: ALERT group shop rollback failed, shop-worker needs attention"},
		{"aborted promoted", Aborted, with(func(d *release.Document) { promoted(d); d.Error = &release.TaskError{Error: "execution TIMED_OUT"} }),
			"greenlight: group shop release aborted (execution TIMED_OUT), live on shop-api 4, shop-worker 7"},
		{"aborted", Aborted, with(func(d *release.Document) { d.Error = &release.TaskError{Error: "execution ABORTED"} }),
			"greenlight: group shop release aborted (execution ABORTED), live on shop-api 3, shop-worker 6"},
		{"aborted before the lock", Aborted, func(*testing.T) *release.Document {
			return &release.Document{Function: "shop", Group: "shop", Error: &release.TaskError{Error: "execution ABORTED"}}
		}, "greenlight: group shop release aborted (execution ABORTED), live unchanged"},
		{"refused at prepare", Failed, func(*testing.T) *release.Document {
			return &release.Document{Group: "shop", Error: &release.TaskError{Error: failure.NameValidation}}
		}, "greenlight: group shop release failed (invalid release)"},
		{"many members", Promoted, with(func(d *release.Document) {
			promoted(d)
			for i := range 8 {
				fn := fmt.Sprintf("shop-service-%d", i)
				d.Members = append(d.Members, &release.Document{Function: fn, FromBundle: true, State: release.State{Blue: "1", Green: "2"}})
			}
		}), "greenlight: group shop promoted (shop-api 4, shop-worker 7, shop-service-0 2, +7 more)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := Compose(tt.event, tt.doc(t), started, nil)
			if m.Subject != tt.want {
				t.Errorf("subject = %q, want %q", m.Subject, tt.want)
			}
			if n := utf8.RuneCountInString(m.Subject); n >= 100 {
				t.Errorf("subject is %d characters, SNS takes fewer than 100", n)
			}
			want := map[string]string{AttrEvent: string(m.Body.Event), AttrFunction: "shop", AttrGroup: "shop"}
			if !reflect.DeepEqual(m.Attributes, want) {
				t.Errorf("attributes = %v, want %v", m.Attributes, want)
			}
		})
	}
}

// TestDecidedBy: the member whose error decided is read from what
// failure.OfMember makes of every error type a task returns, or from the
// alarm the error names.
func TestDecidedBy(t *testing.T) {
	member := func(err error) error { return failure.OfMember("shop-worker", err) }
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"validation", member(&failure.ValidationError{Problems: []string{"memorySize 64 is below 128"}}), "shop-worker"},
		{"artifact", member(&failure.ArtifactError{Reason: "not a zip"}), "shop-worker"},
		{"conflict", member(&failure.ConflictError{Op: "update alias", Err: errors.New("revision")}), "shop-worker"},
		{"throttled", member(&failure.ThrottledError{Op: "publish version", Err: errors.New("rate")}), "shop-worker"},
		{"operation", member(&failure.OperationError{Op: "get alias", Err: errors.New("denied")}), "shop-worker"},
		{"test", member(&failure.TestFailedError{Failed: []failure.TestResult{{Name: "ping", Detail: "500"}}}), "shop-worker"},
		{"alarm by name", member(breached("shop-worker-lag")), "shop-worker"},
		{"alarm by its reason", member(breached("not-configured")), "shop-worker"},
		{"halt", member(&failure.HaltedError{By: "arn:aws:iam::1:user/alice", Reason: "bad"}), "shop-worker"},
		{"rollback", &failure.RollbackFailedError{Function: "shop-worker", Err: errors.New("x")}, "shop-worker"},
		{"lock held", &failure.LockHeldError{Function: "shop-worker", ReleaseID: "r", ExecutionARN: "e"}, "shop-worker"},
		{"the guard", &failure.HaltedError{By: "guard", Reason: "alarm shop-worker-lag is ALARM"}, "shop-worker"},
		{"a member's error alarm", breached("greenlight-x-shop-api-errors"), ""},
		{"the group's alarm", breached("shop-availability"), ""},
		{"first alarm listed decides", &failure.AlarmBreachedError{Alarms: []failure.BreachedAlarm{
			{Name: "shop-api-5xx", State: "ALARM"}, {Name: "shop-availability", State: "ALARM"}}}, "shop-api"},
		{"the group's test", &failure.TestFailedError{Failed: []failure.TestResult{{Name: "shop-worker smoke", Detail: "500"}}}, ""},
		{"an operator", &failure.HaltedError{By: "alice", Reason: "shop-worker looks slow"}, ""},
		{"a longer name is no member's", &failure.OperationError{Op: "shop-workers: get alias", Err: errors.New("x")}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := group(t)
			d.Error = taskError(tt.err)
			if got := DecidedBy(d); got != tt.want {
				t.Errorf("DecidedBy(%q) = %q, want %q", Reason(d.Error), got, tt.want)
			}
		})
	}
	d := group(t)
	d.Members[0].State.ReleaseAlarm = "greenlight-r-shop-api-errors"
	d.Error = taskError(breached("greenlight-r-shop-api-errors"))
	if got := DecidedBy(d); got != "shop-api" {
		t.Errorf("the member's error alarm: DecidedBy = %q, want shop-api", got)
	}
	d.Error = nil
	if got := DecidedBy(d); got != "" {
		t.Errorf("no error: DecidedBy = %q", got)
	}
	if got := DecidedBy(doc()); got != "" {
		t.Errorf("a function's release: DecidedBy = %q", got)
	}
}

func TestGroupBodyMatchesGolden(t *testing.T) {
	d := group(t)
	d.Error = taskError(failure.OfMember("shop-worker", breached("shop-worker-lag")))
	d.Members[1].State.AlarmStates = map[string]string{"shop-worker-lag": "ALARM"}
	rate := 0.125
	m := Compose(RolledBack, d, started.Add(7*time.Minute), &rate)
	matchesGolden(t, m, "group-rolled-back.json")
}

// TestGroupMembersLive: which version each member serves, in the
// notifications that know it.
func TestGroupMembersLive(t *testing.T) {
	tests := []struct {
		event Event
		phase release.Phase
		want  []string // shop-api, shop-worker, shop-admin
	}{
		{Started, release.PhaseLocked, []string{"", "", ""}},
		{Promoted, release.PhasePromoted, []string{"4", "7", "2"}},
		{RolledBack, release.PhaseRolledBack, []string{"3", "6", "2"}},
		{Noop, release.PhaseNoop, []string{"3", "6", "2"}},
		{Aborted, release.PhasePromoted, []string{"4", "7", "2"}},
		{Aborted, release.PhaseShifting, []string{"3", "6", "2"}},
		{Failed, release.PhaseFailed, []string{"", "", ""}},
	}
	for _, tt := range tests {
		d := group(t)
		d.State.Phase = tt.phase
		body := Compose(tt.event, d, started, nil).Body
		var got []string
		for _, m := range body.Members {
			got = append(got, m.Live)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s in phase %s: live = %q, want %q", tt.event, tt.phase, got, tt.want)
		}
		if body.Blue != "" || body.Green != "" || body.Changed != nil {
			t.Errorf("%s: a group's body has blue %q, green %q, changed %q: they are its members'", tt.event, body.Blue, body.Green, body.Changed)
		}
	}
}

// TestMemberReleased: before deploy, a member outside the bundle with no
// configuration is already known not to be released.
func TestMemberReleased(t *testing.T) {
	d := group(t)
	for _, m := range d.Members {
		m.State = release.State{}
	}
	d.Members[1].FromBundle = false
	d.Members[1].Configuration = &release.Configuration{MemorySize: new(int32)}
	var got []bool
	for _, m := range Compose(Started, d, started, nil).Body.Members {
		got = append(got, m.Released)
	}
	if want := []bool{true, true, false}; !reflect.DeepEqual(got, want) {
		t.Errorf("released = %v, want %v", got, want)
	}
}

// TestMemberViewIsNoGroupNotice: the single-function view of a member
// names its group, but is a function's release.
func TestMemberViewIsNoGroupNotice(t *testing.T) {
	m := Compose(Promoted, group(t).Member(0), started, nil)
	if _, ok := m.Attributes[AttrGroup]; ok || m.Body.Group != "" || !strings.HasPrefix(m.Subject, "greenlight: shop-api promoted") {
		t.Errorf("subject %q, attributes %v, group %q", m.Subject, m.Attributes, m.Body.Group)
	}
}
