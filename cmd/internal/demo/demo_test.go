package demo

import (
	"bytes"
	"strings"
	"testing"
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
	tests := []struct {
		name   string
		story  Story
		res    Result
		failed []string // names of checks that must fail
	}{
		{
			name:  "alarm rollback as promised",
			story: canaryRolledBack,
			res: Result{Outcome: RolledBack, Status: "FAILED", BlueVersion: "2", LiveVersion: "2", Cause: "alarm x is ALARM",
				Traffic:      Snapshot{Requests: map[string]int{"2": 90, "3": 10}},
				Notification: &Message{Body: `{"errorRate": 0.3, "x": 1}`, Attributes: map[string]string{"event": "rolledBack"}}},
		},
		{
			name:  "tests failed yet green got traffic",
			story: testsFail,
			res: Result{Outcome: RolledBack, Status: "FAILED", BlueVersion: "2", LiveVersion: "2", Error: "TestFailedError", Feature: "b",
				Traffic: Snapshot{Requests: map[string]int{"2": 90, "4": 1}}, Notification: &Message{Attributes: map[string]string{"event": "rolledBack"}}},
			failed: []string{"green never received traffic"},
		},
		{
			name:  "feature flag promoted, blue kept its value mid-canary",
			story: storyNamed(t, "feature flag, configuration only"),
			res: Result{Outcome: Promoted, Status: "SUCCEEDED", BlueVersion: "2", LiveVersion: "3", Feature: "b",
				BakeFeatures: &Features{Green: "b", Blue: "a"}, Traffic: Snapshot{Requests: map[string]int{"2": 90, "3": 10}},
				Notification: &Message{Attributes: map[string]string{"event": "promoted"}}},
		},
		{
			name:  "feature flag promoted, but never sampled mid-canary",
			story: storyNamed(t, "feature flag, configuration only"),
			res: Result{Outcome: Promoted, Status: "SUCCEEDED", BlueVersion: "2", LiveVersion: "3", Feature: "b",
				Traffic:      Snapshot{Requests: map[string]int{"2": 90, "3": 10}},
				Notification: &Message{Attributes: map[string]string{"event": "promoted"}}},
			failed: []string{"mid-canary, green answers FEATURE=b and blue FEATURE=a"},
		},
		{
			name:  "memory cut rolled back, feature kept",
			story: memoryCut,
			res: Result{Outcome: RolledBack, Status: "FAILED", BlueVersion: "3", LiveVersion: "3", Cause: "alarm x is ALARM", Feature: "b",
				Traffic:      Snapshot{Requests: map[string]int{"3": 90, "4": 10}},
				Notification: &Message{Attributes: map[string]string{"event": "rolledBack"}}},
		},
		{
			name:  "memory cut rolled back, feature lost",
			story: memoryCut,
			res: Result{Outcome: RolledBack, Status: "FAILED", BlueVersion: "3", LiveVersion: "3", Cause: "alarm x is ALARM", Feature: "a",
				Traffic:      Snapshot{Requests: map[string]int{"3": 90, "4": 10}},
				Notification: &Message{Attributes: map[string]string{"event": "rolledBack"}}},
			failed: []string{"live answers FEATURE=b"},
		},
		{
			name:   "wrong reason and no notification",
			story:  canaryRolledBack,
			res:    Result{Outcome: RolledBack, Status: "FAILED", BlueVersion: "2", LiveVersion: "2", Error: "States.Timeout", Traffic: Snapshot{Requests: map[string]int{"3": 1}}},
			failed: []string{"the reason names ALARM", "notification gives green's error rate", "notification rolledBack"},
		},
		{
			name:   "left mixed",
			story:  storyNamed(t, "canary, promoted"),
			res:    Result{Outcome: Unfinished, BlueVersion: "1", LiveVersion: "1", LiveRouting: "2=0.1", Traffic: Snapshot{Requests: map[string]int{"2": 3}}, Notification: &Message{Attributes: map[string]string{"event": "promoted"}}},
			failed: []string{"outcome", "live alias serves one version at 100 %", "live moved to the new version", "live answers FEATURE=a"},
		},
	}
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
		Traffic: Snapshot{Requests: map[string]int{"2": 9, "3": 1}, Errors: map[string]int{"3": 1}}, Checks: []Check{{Name: "outcome"}}}
	WriteSummary(&b, []Result{ok, bad})
	out := b.String()
	for _, want := range []string{"first release", "none → 1", "PASS", "2 → 3", "10%", "10 (1)", "FAIL"} {
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
		{Snapshot{Requests: map[string]int{"2": 90, "3": 10}, Errors: map[string]int{"3": 3}}, "v2=90 v3=10 (3 errors)"},
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
