package demo

import (
	"archive/zip"
	"bytes"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		name                        string
		status, blue, live, routing string
		want                        Outcome
	}{
		{"promoted", "SUCCEEDED", "1", "2", "", Promoted},
		{"first release promoted", "SUCCEEDED", "", "1", "", Promoted},
		{"rolled back", "FAILED", "1", "1", "", RolledBack},
		{"still running", "RUNNING", "1", "1", "2=0.1", Unfinished},
		{"failed but left weights", "FAILED", "1", "1", "2=0.1", Outcome("unexpected: status FAILED, live 1 2=0.1")},
		{"succeeded with weights", "SUCCEEDED", "1", "1", "2=0.1", Outcome("unexpected: status SUCCEEDED, live 1 2=0.1")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := classify(tt.status, tt.blue, tt.live, tt.routing); got != tt.want {
				t.Errorf("classify = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	canaryRolledBack := storyNamed(t, "canary, alarm rolls it back")
	testsFail := storyNamed(t, "pre-traffic tests fail")
	memoryCut := storyNamed(t, "memory cut, alarm rolls it back")
	tests := []checkCase{
		{
			name:  "alarm rollback as promised",
			story: canaryRolledBack,
			res: Result{Outcome: RolledBack, Status: "FAILED", BlueVersion: "2", LiveVersion: "2", Cause: "alarm x is ALARM",
				Traffic:      Snapshot{Requests: map[string]int{"v2": 90, "v3": 10}},
				Notification: &Message{Body: `{"errorRate": 0.3, "x": 1}`, Attributes: map[string]string{"event": "rolledBack"}}},
		},
		{
			name:  "tests failed yet green got traffic",
			story: testsFail,
			res: Result{Outcome: RolledBack, Status: "FAILED", BlueVersion: "2", LiveVersion: "2", Error: "TestFailedError", Feature: "b",
				Traffic: Snapshot{Requests: map[string]int{"v2": 90, "v4": 1}}, Notification: &Message{Attributes: map[string]string{"event": "rolledBack"}}},
			failed: []string{"green never received traffic"},
		},
		{
			name:  "feature flag promoted, blue kept its value mid-canary",
			story: storyNamed(t, "feature flag, configuration only"),
			res: Result{Outcome: Promoted, Status: "SUCCEEDED", BlueVersion: "2", LiveVersion: "3", Feature: "b",
				BakeFeatures: &Features{Green: "b", Blue: "a"}, Traffic: Snapshot{Requests: map[string]int{"v2": 90, "v3": 10}},
				Notification: &Message{Attributes: map[string]string{"event": "promoted"}}},
		},
		{
			name:  "feature flag promoted, but never sampled mid-canary",
			story: storyNamed(t, "feature flag, configuration only"),
			res: Result{Outcome: Promoted, Status: "SUCCEEDED", BlueVersion: "2", LiveVersion: "3", Feature: "b",
				Traffic:      Snapshot{Requests: map[string]int{"v2": 90, "v3": 10}},
				Notification: &Message{Attributes: map[string]string{"event": "promoted"}}},
			failed: []string{"mid-canary, green answers FEATURE=b and blue FEATURE=a"},
		},
		{
			name:  "memory cut rolled back, feature kept",
			story: memoryCut,
			res: Result{Outcome: RolledBack, Status: "FAILED", BlueVersion: "3", LiveVersion: "3", Cause: "alarm x is ALARM", Feature: "b",
				Traffic:      Snapshot{Requests: map[string]int{"v3": 90, "v4": 10}},
				Notification: &Message{Attributes: map[string]string{"event": "rolledBack"}}},
		},
		{
			name:  "memory cut rolled back, feature lost",
			story: memoryCut,
			res: Result{Outcome: RolledBack, Status: "FAILED", BlueVersion: "3", LiveVersion: "3", Cause: "alarm x is ALARM", Feature: "a",
				Traffic:      Snapshot{Requests: map[string]int{"v3": 90, "v4": 10}},
				Notification: &Message{Attributes: map[string]string{"event": "rolledBack"}}},
			failed: []string{"live answers FEATURE=b"},
		},
		{
			name:   "wrong reason and no notification",
			story:  canaryRolledBack,
			res:    Result{Outcome: RolledBack, Status: "FAILED", BlueVersion: "2", LiveVersion: "2", Error: "States.Timeout", Traffic: Snapshot{Requests: map[string]int{"v3": 1}}},
			failed: []string{"the reason names ALARM", "notification gives green's error rate", "notification rolledBack"},
		},
		{
			name:   "left mixed",
			story:  storyNamed(t, "canary, promoted"),
			res:    Result{Outcome: Unfinished, BlueVersion: "1", LiveVersion: "1", LiveRouting: "2=0.1", Traffic: Snapshot{Requests: map[string]int{"v2": 3}}, Notification: &Message{Attributes: map[string]string{"event": "promoted"}}},
			failed: []string{"outcome", "live alias serves one version at 100 %", "live moved to the new version", "live answers FEATURE=a"},
		},
	}
	testChecks(t, tests)
}

// checkCase is a result of a story and the checks on it that must fail.
type checkCase struct {
	name   string
	story  Story
	res    Result
	failed []string // names of checks that must fail
}

func testChecks(t *testing.T, tests []checkCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var failed []string
			for _, c := range check(tt.story, tt.res, true) {
				if !c.OK {
					failed = append(failed, c.Name)
				}
			}
			if strings.Join(failed, "|") != strings.Join(tt.failed, "|") {
				t.Errorf("failed checks = %q, want %q", failed, tt.failed)
			}
		})
	}
}

func TestWriteSummary(t *testing.T) {
	var b bytes.Buffer
	ok := Result{Story: Stories()[0], Outcome: Promoted, LiveVersion: "1", Checks: []Check{{Name: "outcome", OK: true}}}
	bad := Result{Story: Stories()[2], Outcome: Promoted, BlueVersion: "2", LiveVersion: "3", MaxWeight: 0.1,
		Traffic: Snapshot{Requests: map[string]int{"v2": 9, "v3": 1}, Errors: map[string]int{"v3": 1}}, Checks: []Check{{Name: "outcome"}}}
	group := Result{Story: GroupStories()[1], Outcome: Promoted, Members: []End{{ShopAPI, "1", "2", ""}, {ShopWorker, "1", "3", ""}}}
	WriteSummary(&b, []Result{ok, bad, group})
	out := b.String()
	for _, want := range []string{"first release", "none → 1", "PASS", "2 → 3", "10%", "10 (1)", "FAIL",
		"api a2 + worker w2", "api 1 → 2, worker 1 → 3"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
}

func TestSplitString(t *testing.T) {
	tests := []struct {
		s    split
		want string
	}{
		{split{}, "live: none"},
		{split{primary: "3"}, "live: v3 100%"},
		{split{primary: "3", extra: "4", weight: 0.1}, "live: v3 90% + v4 10%"},
	}
	for _, tt := range tests {
		if got := tt.s.String(); got != tt.want {
			t.Errorf("%+v.String() = %q, want %q", tt.s, got, tt.want)
		}
	}
}

func TestTrafficText(t *testing.T) {
	tests := []struct {
		s    Snapshot
		want string
	}{
		{Snapshot{}, "-"},
		{Snapshot{Requests: map[string]int{"v2": 90, "v3": 10}, Errors: map[string]int{"v3": 3}}, "v2=90 v3=10 (3 errors)"},
		{Snapshot{Requests: map[string]int{}, Failed: 2}, "unserved=2"},
	}
	for _, tt := range tests {
		if got := trafficText(tt.s); got != tt.want {
			t.Errorf("trafficText(%+v) = %q, want %q", tt.s, got, tt.want)
		}
	}
}

func storyNamed(t *testing.T, name string) Story {
	t.Helper()
	for _, s := range Stories() {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no story %q", name)
	return Story{}
}

func TestStoryWhat(t *testing.T) {
	want := map[string]string{
		"first release":                    "v1",
		"feature flag, configuration only": "configuration FEATURE=b",
		"memory cut, alarm rolls it back":  "configuration memory 128 MB",
	}
	for name, w := range want {
		if got := storyNamed(t, name).What(); got != w {
			t.Errorf("%s: What() = %q, want %q", name, got, w)
		}
	}
}

func TestGroupStories(t *testing.T) {
	want := map[string][2]string{ // What, build
		"group: first release":                    {"api a1 + worker w1", "a1-w1"},
		"group: the new stack beside the old one": {"api a2 + worker w2", "a2-w2"},
		"group: a failing worker rolls both back": {"api a1 + worker w3", "a1-w3"},
	}
	stories := GroupStories()
	if len(stories) != len(want) {
		t.Fatalf("%d group stories, want %d", len(stories), len(want))
	}
	for _, s := range stories {
		w, ok := want[s.Name]
		if !ok {
			t.Errorf("unexpected story %q", s.Name)
			continue
		}
		if got := [2]string{s.What(), s.build()}; got != w {
			t.Errorf("%s: What, build = %q, want %q", s.Name, got, w)
		}
	}
	if got := storyNamed(t, "canary, promoted").build(); got != "v2" {
		t.Errorf("build of a story of the demo function = %q, want v2", got)
	}
}

func TestCheckGroup(t *testing.T) {
	stories := GroupStories()
	beside, failing := stories[1], stories[2]
	promoted := []End{{ShopAPI, "1", "2", ""}, {ShopWorker, "1", "2", ""}}
	rolledBack := []End{{ShopAPI, "2", "2", ""}, {ShopWorker, "2", "2", ""}}
	probe := func(alias string, states map[string]int, wrong int) Probe {
		n := 0
		for _, c := range states {
			n += c
		}
		return Probe{Alias: alias, Calls: n, Wrong: wrong, States: states, Answers: map[string]int{"x": n}}
	}
	isolated := &Isolation{Candidate: probe("green", map[string]int{testState: 2, bakeState: 9}, 0), Live: probe("live", map[string]int{testState: 2, bakeState: 9}, 0)}
	groupMessage := func(event, decidedBy string) *Message {
		return &Message{
			Body:       `{"group":"greenlight-shop","members":[{"function":"greenlight-shop-api"},{"function":"greenlight-shop-worker"}],"decidedBy":"` + decidedBy + `"}`,
			Attributes: map[string]string{"event": event, "group": ShopGroup},
		}
	}
	isolationCandidate := "during the tests and the bake, greenlight-shop-api:green answers from api a2 and worker w2, both via green"
	isolationLive := "during the tests and the bake, greenlight-shop-api:live reaches live versions only, both via live"
	tests := []checkCase{
		{
			name:  "promoted as one, isolated",
			story: beside,
			res:   Result{Outcome: Promoted, Status: "SUCCEEDED", Members: promoted, Isolation: isolated, Notification: groupMessage("promoted", "")},
		},
		{
			name:  "not probed during the tests (the release's own test covers them), a live call through green",
			story: beside,
			res: Result{Outcome: Promoted, Status: "SUCCEEDED", Members: promoted, Notification: groupMessage("promoted", ""),
				Isolation: &Isolation{Candidate: probe("green", map[string]int{bakeState: 9}, 0), Live: probe("live", map[string]int{testState: 1, bakeState: 9}, 1)}},
			failed: []string{isolationLive},
		},
		{
			name:  "not probed during the bake",
			story: beside,
			res: Result{Outcome: Promoted, Status: "SUCCEEDED", Members: promoted, Notification: groupMessage("promoted", ""),
				Isolation: &Isolation{Candidate: probe("green", map[string]int{testState: 3}, 0), Live: probe("live", map[string]int{testState: 3}, 0)}},
			failed: []string{isolationCandidate, isolationLive},
		},
		{
			name:   "never probed, notification of one function",
			story:  beside,
			res:    Result{Outcome: Promoted, Status: "SUCCEEDED", Members: promoted, Notification: &Message{Body: `{"function":"greenlight-shop"}`, Attributes: map[string]string{"event": "promoted"}}},
			failed: []string{isolationCandidate, isolationLive, "the notification names the group greenlight-shop and its members"},
		},
		{
			name:  "rolled back as one, the worker decided",
			story: failing,
			res:   Result{Outcome: RolledBack, Status: "FAILED", Members: rolledBack, Cause: "alarm w is ALARM", Notification: groupMessage("rolledBack", ShopWorker)},
		},
		{
			name:   "rolled back, the api named",
			story:  failing,
			res:    Result{Outcome: RolledBack, Status: "FAILED", Members: rolledBack, Cause: "alarm w is ALARM", Notification: groupMessage("rolledBack", ShopAPI)},
			failed: []string{"the notification says greenlight-shop-worker decided"},
		},
		{
			name:  "the worker left on green",
			story: failing,
			res: Result{Outcome: outcome("FAILED", []End{{ShopAPI, "2", "2", ""}, {ShopWorker, "2", "3", ""}}), Status: "FAILED",
				Members: []End{{ShopAPI, "2", "2", ""}, {ShopWorker, "2", "3", ""}}, Cause: "alarm w is ALARM", Notification: groupMessage("rolledBack", ShopWorker)},
			failed: []string{"outcome", "every member's live alias still serves its previous version"},
		},
	}
	testChecks(t, tests)
}

func TestOutcome(t *testing.T) {
	tests := []struct {
		name   string
		status string
		ends   []End
		want   Outcome
	}{
		{"one function", "SUCCEEDED", []End{{"f", "1", "2", ""}}, Promoted},
		{"every member promoted", "SUCCEEDED", []End{{"a", "1", "2", ""}, {"w", "3", "4", ""}}, Promoted},
		{"every member rolled back", "FAILED", []End{{"a", "1", "1", ""}, {"w", "3", "3", ""}}, RolledBack},
		{"mixed", "FAILED", []End{{"a", "1", "1", ""}, {"w", "3", "4", ""}},
			Outcome("mixed: a rolledBack, w unexpected: status FAILED, live 4 ")},
	}
	for _, tt := range tests {
		if got := outcome(tt.status, tt.ends); got != tt.want {
			t.Errorf("%s: outcome = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestSplitsText(t *testing.T) {
	ss := []split{{primary: "3", extra: "4", weight: 0.1}, {primary: "5"}}
	if got, want := splitsText(ShopGroup, ShopMembers, ss), "live: api v3 90% + v4 10%, worker v5 100%"; got != want {
		t.Errorf("splitsText = %q, want %q", got, want)
	}
	if got, want := splitsText("", []string{DemoFunction}, ss[:1]), "live: v3 90% + v4 10%"; got != want {
		t.Errorf("splitsText of one function = %q, want %q", got, want)
	}
}

func TestByBuilds(t *testing.T) {
	tests := []struct {
		name   string
		out    awslambda.InvokeOutput
		label  string
		failed bool
	}{
		{"answered", awslambda.InvokeOutput{Payload: []byte(`{"api":"a2","alias":"live","worker":{"worker":"w3","alias":"live","functionVersion":"4"}}`)}, "a2→w3", false},
		{"the worker failed the request", awslambda.InvokeOutput{Payload: []byte(`{"statusCode":502,"body":"worker failed"}`)}, "502", true},
		{"function error", awslambda.InvokeOutput{FunctionError: aws.String("Unhandled"), Payload: []byte(`{}`)}, "error", true},
		{"not an answer", awslambda.InvokeOutput{Payload: []byte(`"ok"`)}, "unreadable", true},
	}
	for _, tt := range tests {
		if label, failed := byBuilds(&tt.out); label != tt.label || failed != tt.failed {
			t.Errorf("%s: byBuilds = %q, %v; want %q, %v", tt.name, label, failed, tt.label, tt.failed)
		}
	}
}

func TestBundle(t *testing.T) {
	b, err := Bundle(map[string][]byte{ShopWorker: []byte("worker zip"), ShopAPI: []byte("api zip")})
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	if got, want := strings.Join(names, " "), ShopAPI+".zip "+ShopWorker+".zip"; got != want {
		t.Errorf("bundle holds %s, want %s", got, want)
	}
}
