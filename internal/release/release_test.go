package release

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/greenlight/greenlight/internal/failure"
	"github.com/greenlight/greenlight/internal/strategy"
)

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func problems(t *testing.T, err error) []string {
	t.Helper()
	var v *failure.ValidationError
	if !errors.As(err, &v) {
		t.Fatalf("error %v is not a *failure.ValidationError", err)
	}
	return v.Problems
}

func TestParseEvent(t *testing.T) {
	in, err := ParseEvent(readFixture(t, "s3-event.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := Input{Function: "orders", Artifact: Artifact{
		Bucket: "greenlight-artifacts", Key: "releases/orders/42.zip",
		VersionID: "IYV3p45BT0ac8hjHg1houSdS1a.Mro8e", Size: 5576,
	}}
	if !reflect.DeepEqual(in, want) {
		t.Errorf("ParseEvent = %+v, want %+v", in, want)
	}
}

func TestParseEventProblems(t *testing.T) {
	tests := []struct {
		name  string
		event string
		want  []string // substrings, one per expected problem
	}{
		{"not json", `{`, []string{"not valid JSON"}},
		{"wrong source and type", `{"source":"aws.ec2","detail-type":"Object Deleted","detail":{"bucket":{"name":"b"},"object":{"key":"releases/f/1.zip"}}}`,
			[]string{`source is "aws.ec2"`, `detail-type is "Object Deleted"`}},
		{"no detail", `{"source":"aws.s3","detail-type":"Object Created"}`, []string{"no detail", "not under releases/"}},
		{"key outside releases", `{"source":"aws.s3","detail-type":"Object Created","detail":{"bucket":{"name":"b"},"object":{"key":"other/f/1.zip"}}}`,
			[]string{"not under releases/"}},
		{"not a zip", `{"source":"aws.s3","detail-type":"Object Created","detail":{"bucket":{"name":"b"},"object":{"key":"releases/f/1.json"}}}`,
			[]string{"does not end in <build>.zip"}},
		{"detail not an object", `{"source":"aws.s3","detail-type":"Object Created","detail":[1]}`, []string{"not an S3 object", "not under"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseEvent([]byte(tt.event))
			got := problems(t, err)
			if len(got) != len(tt.want) {
				t.Fatalf("problems = %q, want %d", got, len(tt.want))
			}
			for i, w := range tt.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("problem %d = %q, want it to mention %q", i, got[i], w)
				}
			}
		})
	}
}

func TestIsEvent(t *testing.T) {
	if !IsEvent(readFixture(t, "s3-event.json")) {
		t.Error("S3 event not recognised")
	}
	if IsEvent(readFixture(t, "console-input.json")) {
		t.Error("console input taken for an event")
	}
	if IsEvent([]byte("not json")) {
		t.Error("garbage taken for an event")
	}
}

func TestParseConsoleStrict(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"unknown field", `{"function":"f","stratgy":"AllAtOnce"}`, `unknown field "stratgy"`},
		{"trailing data", `{"function":"f"} {}`, "trailing data"},
		{"wrong type", `{"function":5}`, "cannot unmarshal"},
		{"bad strategy", `{"strategy":7}`, "cannot unmarshal"},
		{"trailing bracket", `{"function":"f"}]`, "trailing data"},
		{"trailing brace", `{"function":"f"}}`, "trailing data"},
		{"key in another case", `{"Function":"f"}`, `key "Function" in $ is not a field: field names are case-sensitive, did you mean "function"?`},
		{"key twice in two cases", `{"function":"f","strategy":"AllAtOnce","Strategy":"Canary10Percent5Minutes"}`, `did you mean "strategy"?`},
		{"look-alike letter folded by encoding/json", `{"function":"f","\u017ftrategy":"AllAtOnce"}`, `did you mean "strategy"?`},
		{"nested key in another case", `{"function":"f","configuration":{"MemorySize":512}}`, `in $.configuration is not a field`},
		{"misspelt strategy step field", `{"function":"f","strategy":{"steps":[{"percent":50,"bakeSecond":60}]}}`, `unknown field "bakeSecond"`},
		{"misspelt strategy field", `{"function":"f","strategy":{"name":"Canary10Percent5Minutes","aproval":true}}`, `unknown field "aproval"`},
		{"strategy field in another case", `{"function":"f","strategy":{"name":"Canary10Percent5Minutes","Approval":true}}`, `did you mean "approval"?`},
		{"null function", `{"function":null}`, "$.function is null, where a string is expected"},
		{"null variable value", `{"function":"f","configuration":{"environment":{"set":{"FEATURE":null}}}}`, "$.configuration.environment.set.FEATURE is null"},
		{"null test name", `{"function":"f","tests":[{"name":null}]}`, "$.tests[0].name is null"},
		{"byte order mark", "\xef\xbb\xbf{\"function\":\"f\"}", "byte order mark"},
		{"not UTF-8", "{\"function\":\"f\",\"configuration\":{\"environment\":{\"set\":{\"FEATURE\":\"\xff\"}}}}", "not valid UTF-8"},
		{"group key in another case", `{"group":"shop","Tests":[]}`, `did you mean "tests"?`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConsole([]byte(tt.in))
			if got := problems(t, err); len(got) != 1 || !strings.Contains(got[0], tt.want) {
				t.Errorf("problems = %q, want one mentioning %q", got, tt.want)
			}
		})
	}
}

func TestParseManifest(t *testing.T) {
	s, err := ParseManifest(readFixture(t, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if s.Strategy == nil || s.Strategy.Name != strategy.Linear10PercentEvery1Minute || len(s.Tests) != 1 || s.ErrorAlarm.Threshold != 2 {
		t.Errorf("manifest = %+v", s)
	}
	if _, err := ParseManifest([]byte(`{"function":"orders"}`)); err == nil {
		t.Error("manifest naming a function was accepted")
	}
}

func TestSettingsOver(t *testing.T) {
	canary := &strategy.Strategy{Name: strategy.Canary10Percent10Minutes}
	linear := &strategy.Strategy{Name: strategy.Linear10PercentEvery1Minute}
	base := Settings{Strategy: canary, Alarms: []string{"a"}, Hook: "h", LiveAlias: "prod", Tests: []Test{{Name: "t"}}}
	got := Settings{Strategy: linear, Alarms: []string{}, CandidateAlias: "next"}.Over(base)
	want := Settings{Strategy: linear, Alarms: []string{}, Hook: "h", LiveAlias: "prod", CandidateAlias: "next", Tests: []Test{{Name: "t"}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Over = %+v, want %+v", got, want)
	}
}

func TestSplitKey(t *testing.T) {
	tests := []struct {
		key, fn, build string
		ok             bool
	}{
		{"releases/orders/42.zip", "orders", "42", true},
		{"releases/orders/2026/11/42.zip", "orders", "2026/11/42", true},
		{"releases/orders/.zip", "", "", false},
		{"releases//42.zip", "", "", false},
		{"releases/orders.zip", "", "", false},
		{"uploads/orders/42.zip", "", "", false},
		{"releases/orders/../pay/x.zip", "", "", false},
		{"releases/orders/./x.zip", "", "", false},
		{"releases/../orders/x.zip", "", "", false},
		{"releases/orders//x.zip", "", "", false},
		{"releases/orders/..zip", "", "", false},
		{`releases/orders/..\pay\x.zip`, "", "", false},
		{"releases/orders/x..y.zip", "orders", "x..y", true},
		{"releases/orders/v1(rc)_2-x!'*.zip", "orders", "v1(rc)_2-x!'*", true},
		{"releases/orders/build 1.zip", "", "", false},
		{"releases/orders/build+1.zip", "", "", false},
		{"releases/orders/build%201.zip", "", "", false},
		{"releases/orders/2026-12-06T05:35:47Z.zip", "", "", false},
		{"releases/orders/build\x00.zip", "", "", false},
		{"releases/orders/café.zip", "", "", false},
		{"releases/orders/x.zip?versionId=1", "", "", false},
		{"releases/orders/x.ZIP", "", "", false},
		{"releases/orders/x.zip/", "", "", false},
	}
	for _, tt := range tests {
		fn, build, err := SplitKey(tt.key)
		if (err == nil) != tt.ok || fn != tt.fn || build != tt.build {
			t.Errorf("SplitKey(%q) = %q, %q, %v", tt.key, fn, build, err)
		}
	}
	if _, _, err := SplitKey("releases/orders/v1+2.zip"); err == nil || !strings.Contains(err.Error(), `holds '+': name releases with S3's safe characters only`) {
		t.Errorf("SplitKey of a key with a + = %v, want it to name the +", err)
	}
	if got := ManifestKey("releases/orders/42.zip"); got != "releases/orders/42.json" {
		t.Errorf("ManifestKey = %q", got)
	}
}

var started = time.Date(2026, 11, 22, 10, 15, 0, 0, time.UTC)

const execARN = "arn:aws:states:us-east-1:123456789012:execution:greenlight:abc"

func TestNewMatchesGolden(t *testing.T) {
	in, err := ParseConsole(readFixture(t, "console-input.json"))
	if err != nil {
		t.Fatal(err)
	}
	manifest, err := ParseManifest(readFixture(t, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	d, err := New(Request{Input: in, Source: SourceConsole, Settings: in.Settings.Over(manifest.Settings), ExecutionARN: execARN, StartedAt: started})
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	want := readFixture(t, "document.json")
	if !jsonEqual(t, got, want) {
		t.Errorf("document differs from testdata/document.json:\n%s", got)
	}
	// The golden document round-trips unchanged.
	var back Document
	if err := json.Unmarshal(want, &back); err != nil {
		t.Fatal(err)
	}
	again, _ := json.Marshal(back)
	if !jsonEqual(t, again, want) {
		t.Errorf("round trip differs:\n%s", again)
	}
}

func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatal(err)
	}
	return reflect.DeepEqual(x, y)
}

func TestNewDefaultsAndWorkflowFields(t *testing.T) {
	in, err := ParseEvent(readFixture(t, "s3-event.json"))
	if err != nil {
		t.Fatal(err)
	}
	d, err := New(Request{Input: in, Source: SourceS3, ExecutionARN: execARN, StartedAt: started})
	if err != nil {
		t.Fatal(err)
	}
	if d.Strategy.Name != DefaultStrategy || d.LiveAlias != "live" || d.CandidateAlias != "green" || d.ErrorAlarm != DefaultErrorAlarm {
		t.Errorf("defaults not applied: %+v", d)
	}
	if !strings.HasPrefix(d.ReleaseID, "orders-20261122T101500Z-") || d.State.ReleaseAlarm != "greenlight-"+d.ReleaseID+"-errors" {
		t.Errorf("releaseId %q, releaseAlarm %q", d.ReleaseID, d.State.ReleaseAlarm)
	}
	// The workflow's Choice and Wait states read these paths; they must be
	// present even when zero.
	b, _ := json.Marshal(d)
	var m struct {
		State map[string]json.RawMessage `json:"state"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"bakeSeconds", "next", "noop", "firstRelease", "step", "weight", "blue", "green"} {
		if _, ok := m.State[k]; !ok {
			t.Errorf("state.%s missing from %s", k, b)
		}
	}
	if !bytes.Contains(b, []byte(`"alarms":[]`)) {
		t.Errorf("alarms should be an empty list, got %s", b)
	}
}

func TestNewReportsEveryProblem(t *testing.T) {
	in, err := ParseConsole(readFixture(t, "bad-console-input.json"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = New(Request{Input: in, Source: "ftp", Settings: in.Settings})
	want := []string{
		`function "orders!"`,
		`source "ftp"`,
		"artifact.bucket is empty",
		`artifact key "builds/orders.tar" is not under releases/`,
		"artifact.versionId is empty",
		"artifact.sha256",
		"strategy step 0: bakeSeconds -1",
		"strategy step 1: percent 40 does not increase",
		"tests[0] has no name",
		`tests[2] name "a" is used twice`,
		`hook "not a function!"`,
		`alarms[1] "x" is listed twice`,
		`alarms[2] "" is not an alarm name`,
		"errorAlarm.threshold",
		"errorAlarm.periodSeconds 45",
		"errorAlarm.evaluationPeriods 0",
		`liveAlias "1"`,
		`candidateAlias "1"`,
		"must differ",
		"executionArn is empty",
		"startedAt is not set",
	}
	got := problems(t, err)
	if len(got) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	for i := range want {
		if !strings.Contains(got[i], want[i]) {
			t.Errorf("problem %d = %q, want it to mention %q", i, got[i], want[i])
		}
	}
}

func TestNewChecksArtifactBelongsToFunction(t *testing.T) {
	in := Input{Function: "payments", Artifact: Artifact{Bucket: "b", Key: "releases/orders/1.zip", VersionID: "v"}}
	_, err := New(Request{Input: in, Source: SourceConsole, ExecutionARN: execARN, StartedAt: started})
	if got := problems(t, err); len(got) != 1 || !strings.Contains(got[0], `under function "orders", not "payments"`) {
		t.Errorf("problems = %q", got)
	}
}

func TestFunctionNameProblems(t *testing.T) {
	const notName = " is not a Lambda function name (1-64 letters, digits, - or _)"
	tests := []struct {
		fn, want string
	}{
		{"arn:aws:lambda:us-east-1:123456789012:function:orders", `"arn:aws:lambda:us-east-1:123456789012:function:orders"` + notName + ": give the function's name alone, not an ARN or a name:qualifier"},
		{"123456789012:function:orders", `"123456789012:function:orders"` + notName + ": give the function's name alone, not an ARN or a name:qualifier"},
		{"orders:live", `"orders:live"` + notName + ": give the function's name alone, not an ARN or a name:qualifier"},
		{" orders ", `" orders "` + notName + ": remove the spaces around it"},
		{"ordérs", `"ordérs"` + notName},
		{"orders\u200b", `"orders\u200b"` + notName},
		{strings.Repeat("a", 65), `"` + strings.Repeat("a", 65) + `"` + notName},
	}
	for _, tt := range tests {
		t.Run(tt.fn, func(t *testing.T) {
			in := Input{Function: tt.fn, Configuration: &Configuration{MemorySize: new(int32(256))}}
			_, err := New(Request{Input: in, Source: SourceConsole, ExecutionARN: execARN, StartedAt: started})
			if got := problems(t, err); len(got) != 1 || got[0] != "function "+tt.want {
				t.Errorf("problems = %q, want [%q]", got, "function "+tt.want)
			}
		})
	}
}

func TestNormalizeSHA256(t *testing.T) {
	const b64 = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
	tests := []struct {
		in, want string
		ok       bool
	}{
		{b64, b64, true},
		{"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", b64, true},
		{"e3b0", "", false},
		{"not-a-sum", "", false},
	}
	for _, tt := range tests {
		got, err := NormalizeSHA256(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("NormalizeSHA256(%q) = %q, %v", tt.in, got, err)
		}
	}
}

func TestSettingsValidate(t *testing.T) {
	tests := []struct {
		name string
		s    Settings
		want []string
	}{
		{"nothing set", Settings{}, nil},
		{"valid", Settings{Alarms: []string{"a"}, ErrorAlarm: &ErrorAlarm{Threshold: 5, PeriodSeconds: 120, EvaluationPeriods: 3}, LiveAlias: "prod"}, nil},
		{"one alias alone", Settings{CandidateAlias: "live"}, nil},
		{"aliases equal", Settings{LiveAlias: "x", CandidateAlias: "x"}, []string{`liveAlias and candidateAlias are both "x"; they must differ`}},
		{"alarm name with a newline", Settings{Alarms: []string{"errors\n"}}, []string{`alarms[0] "errors\n" holds an ASCII control character, which CloudWatch does not allow in an alarm name`}},
		{"alarm name with a tab", Settings{Alarms: []string{"a\tb"}}, []string{`alarms[0] "a\tb" holds an ASCII control character, which CloudWatch does not allow in an alarm name`}},
		{"alarm name in UTF-8", Settings{Alarms: []string{"Fehlerquote – zu hoch"}}, nil},
		{"every problem", Settings{
			Strategy:   &strategy.Strategy{Name: "Slow"},
			Alarms:     []string{""},
			ErrorAlarm: &ErrorAlarm{PeriodSeconds: 60, EvaluationPeriods: 1},
			LiveAlias:  "1",
		}, []string{
			`strategy "Slow" is not one of ` + fmt.Sprint(strategy.Names()) + ` or Custom`,
			`alarms[0] "" is not an alarm name (1-255 characters)`,
			"errorAlarm.threshold 0 must be above 0",
			`liveAlias "1" is not a Lambda alias name (letters, digits, - or _, not only digits)`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.s.Validate(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Validate() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestErrorAlarmLimits(t *testing.T) {
	tests := []struct {
		period, evaluations int32
		want                string // a problem, or "" for none
	}{
		{60, 1, ""},
		{60, 1440, ""},
		{60, 1441, "is 86460 s; CloudWatch allows at most 86400 s"},
		{3600, 168, ""},
		{3600, 169, "is 608400 s; CloudWatch allows at most 604800 s"},
		{10, 1, "errorAlarm.periodSeconds 10 must be a multiple of 60"},
		{30, 1, "errorAlarm.periodSeconds 30 must be a multiple of 60"},
		{90, 1, "errorAlarm.periodSeconds 90 must be a multiple of 60"},
		{0, 1, "errorAlarm.periodSeconds 0 must be a multiple of 60"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%dx%d", tt.period, tt.evaluations), func(t *testing.T) {
			got := Settings{ErrorAlarm: &ErrorAlarm{Threshold: 1, PeriodSeconds: tt.period, EvaluationPeriods: tt.evaluations}}.Validate()
			switch {
			case tt.want == "" && len(got) > 0:
				t.Errorf("problems %q, want none", got)
			case tt.want != "" && (len(got) != 1 || !strings.Contains(got[0], tt.want)):
				t.Errorf("problems %q, want one mentioning %q", got, tt.want)
			}
		})
	}
}

func TestDuplicateKeys(t *testing.T) {
	tests := []struct {
		name, in string
		ok       bool
	}{
		{"top level", `{"strategy":"AllAtOnce","strategy":"Canary10Percent5Minutes"}`, false},
		{"nested", `{"errorAlarm":{"threshold":1,"threshold":5}}`, false},
		{"inside a list", `{"tests":[{"name":"a","name":"b"}]}`, false},
		{"in a payload", `{"tests":[{"name":"a","payload":{"x":1,"x":2}}]}`, false},
		{"same key in two objects", `{"tests":[{"name":"a"},{"name":"b"}]}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseManifest([]byte(tt.in))
			if (err == nil) != tt.ok {
				t.Fatalf("ParseManifest(%s) = %v, want ok=%v", tt.in, err, tt.ok)
			}
			if err != nil && !strings.Contains(problems(t, err)[0], "appears twice") {
				t.Errorf("problem = %q, want it to name the repeated key", problems(t, err))
			}
		})
	}
	if _, err := ParseConsole([]byte(`{"function":"a","function":"b"}`)); err == nil {
		t.Error("console input with a repeated key was accepted")
	}
}

func TestAliasProblems(t *testing.T) {
	configured := Settings{LiveAlias: "live", CandidateAlias: "green"}
	tests := []struct {
		name      string
		requested Settings
		want      int
	}{
		{"none", Settings{}, 0},
		{"the configured ones", configured, 0},
		{"another candidate", Settings{CandidateAlias: "next"}, 0},
		{"candidate is live", Settings{CandidateAlias: "live"}, 1},
		{"swapped", Settings{CandidateAlias: "live", LiveAlias: "prod"}, 2},
		{"another live alias", Settings{LiveAlias: "prod"}, 1},
		{"live is the candidate", Settings{LiveAlias: "green", CandidateAlias: "blue"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := AliasProblems("orders", configured, tt.requested); len(got) != tt.want {
				t.Errorf("AliasProblems = %q, want %d problem(s)", got, tt.want)
			}
		})
	}
}

func TestTestBounds(t *testing.T) {
	many := make([]Test, MaxTests+1)
	for i := range many {
		many[i].Name = fmt.Sprint(i)
	}
	alarms := make([]string, MaxAlarms+1)
	for i := range alarms {
		alarms[i] = fmt.Sprint("a", i)
	}
	tests := []struct {
		name string
		s    Settings
		want string
	}{
		{"expect a string", Settings{Tests: []Test{{Name: "t", Expect: json.RawMessage(`"ok"`)}}}, "expect is not a JSON object"},
		{"expect a number", Settings{Tests: []Test{{Name: "t", Expect: json.RawMessage(`200`)}}}, "expect is not a JSON object"},
		{"expect null", Settings{Tests: []Test{{Name: "t", Expect: json.RawMessage(`null`)}}}, "expect is not a JSON object"},
		{"too many tests", Settings{Tests: many}, "at most 20"},
		{"long name", Settings{Tests: []Test{{Name: strings.Repeat("n", MaxTestNameLength+1)}}}, "at most 128"},
		{"too many alarms", Settings{Alarms: alarms}, "at most 20"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.s.Validate()
			if len(got) != 1 || !strings.Contains(got[0], tt.want) {
				t.Errorf("Validate = %q, want one problem mentioning %q", got, tt.want)
			}
		})
	}
	if got := (Settings{Tests: []Test{{Name: "t", Expect: json.RawMessage(`{"statusCode":200}`)}}}).Validate(); len(got) != 0 {
		t.Errorf("an object expect was refused: %q", got)
	}
}

// TestDocumentBound builds the largest release the bounds let prepare
// accept, grows it as far as a run can (every step taken, every alarm state,
// every test failed with the longest detail, an error), and checks that it
// stays under Step Functions' limit on state data.
func TestDocumentBound(t *testing.T) {
	steps := make([]strategy.Step, strategy.MaxSteps)
	for i := range steps {
		steps[i] = strategy.Step{Percent: float64(i+1) * 100 / float64(strategy.MaxSteps+1)}
	}
	tests := make([]Test, MaxTests)
	for i := range tests {
		tests[i] = Test{Name: fmt.Sprintf("%0*d", MaxTestNameLength, i)}
	}
	alarms := make([]string, MaxAlarms)
	for i := range alarms {
		alarms[i] = fmt.Sprintf("%0*d", MaxAlarmNameLength, i)
	}
	// Pad the first test's payload until the document is at its bound.
	in := Input{Function: "orders", Artifact: Artifact{Bucket: "b", Key: "releases/orders/1.zip", VersionID: "v"}}
	strat := strategy.Strategy{Name: strategy.Custom, Steps: steps}
	var d *Document
	for pad := MaxDocumentBytes; pad > 0 && d == nil; pad -= 256 {
		tests[0].Payload = json.RawMessage(`"` + strings.Repeat("x", pad) + `"`)
		d, _ = New(Request{Input: in, Source: SourceS3, ExecutionARN: execARN, StartedAt: started,
			Settings: Settings{Strategy: &strat, Tests: tests, Alarms: alarms}})
	}
	if d == nil {
		t.Fatal("no document fits the bound")
	}
	const maxDetail = 1024 // the test task quotes at most 512 bytes of a response
	d.State.AlarmStates = map[string]string{}
	for _, a := range d.WatchedAlarms() {
		d.State.AlarmStates[a] = "INSUFFICIENT_DATA"
	}
	for range d.Schedule {
		d.State.StepsTaken = append(d.State.StepsTaken, StepTaken{Percent: 99.99999, At: started})
	}
	for _, tc := range d.Tests {
		d.State.Tests = append(d.State.Tests, failure.TestResult{Name: tc.Name, Detail: strings.Repeat("d", maxDetail)})
	}
	d.Error = &TaskError{Error: failure.NameTestFailed, Cause: strings.Repeat("c", MaxTests*(MaxTestNameLength+maxDetail))}
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) > MaxStateBytes/2 {
		t.Errorf("the largest grown document is %d bytes; keep it under half of Step Functions' %d", len(b), MaxStateBytes)
	}
}
