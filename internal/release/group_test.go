package release

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/greenlight/greenlight/internal/failure"
	"github.com/greenlight/greenlight/internal/strategy"
)

func groupRequest() GroupRequest {
	canary := strategy.Strategy{Name: "Custom", Steps: []strategy.Step{{Percent: 10, BakeSeconds: 60}}}
	return GroupRequest{
		Group:  "shop",
		Source: SourceS3,
		Artifact: Artifact{
			Bucket: "greenlight-artifacts", Key: "releases/shop/42.zip", VersionID: "v42",
		},
		Settings: Settings{Strategy: &canary, Tests: []Test{{Name: "order", Function: "shop-api"}}},
		Members: []MemberRequest{
			{Function: "shop-api", InBundle: true, Settings: Settings{Alarms: []string{"api-5xx"}}},
			{Function: "shop-worker", InBundle: true, Settings: Settings{LiveAlias: "prod"}},
		},
		ExecutionARN: execARN,
		StartedAt:    started,
	}
}

func TestNewGroup(t *testing.T) {
	d, err := NewGroup(groupRequest())
	if err != nil {
		t.Fatal(err)
	}
	if !d.IsGroup() || d.Function != "shop" || d.Group != "shop" || strings.Join(d.Functions, ",") != "shop-api,shop-worker" {
		t.Errorf("group %q function %q functions %v", d.Group, d.Function, d.Functions)
	}
	if !strings.HasPrefix(d.ReleaseID, "shop-20261122T101500Z-") || len(d.Schedule) != 2 {
		t.Errorf("release id %q, schedule %v", d.ReleaseID, d.Schedule)
	}
	api, worker := d.Member(0), d.Member(1)
	if api.IsGroup() || api.Group != "shop" || api.ExecutionARN != execARN || api.ReleaseID != d.ReleaseID || len(api.Schedule) != 2 {
		t.Errorf("member view lacks the group's shared fields: %+v", api)
	}
	if api.LiveAlias != DefaultLiveAlias || worker.LiveAlias != "prod" || api.Alarms[0] != "api-5xx" {
		t.Errorf("members' own settings: api %s %v, worker %s", api.LiveAlias, api.Alarms, worker.LiveAlias)
	}
	if api.State.ReleaseAlarm == worker.State.ReleaseAlarm || !strings.Contains(worker.State.ReleaseAlarm, "shop-worker") {
		t.Errorf("release alarms %q and %q: each member needs its own", api.State.ReleaseAlarm, worker.State.ReleaseAlarm)
	}
	// The document round-trips, and stays small.
	b, _ := json.Marshal(d)
	var back Document
	if err := json.Unmarshal(b, &back); err != nil || !back.IsGroup() || back.Members[1].Function != "shop-worker" {
		t.Errorf("round trip: %v %+v", err, back)
	}
}

func TestNewGroupProblems(t *testing.T) {
	tests := []struct {
		name   string
		change func(*GroupRequest)
		want   []string
	}{
		{"nothing to release", func(r *GroupRequest) {
			r.Artifact = Artifact{}
			for i := range r.Members {
				r.Members[i].InBundle = false
			}
		}, []string{"nothing to release"}},
		{"no members", func(r *GroupRequest) { r.Members = nil }, []string{"group shop has 0 members"}},
		{"bundle of another group", func(r *GroupRequest) { r.Artifact.Key = "releases/other/1.zip" }, []string{`is under function "other", not "shop"`}},
		{"test of a non-member", func(r *GroupRequest) { r.Settings.Tests = []Test{{Name: "t", Function: "billing"}} },
			[]string{`tests[0].function "billing" is not a member of group shop`}},
		{"member configuration", func(r *GroupRequest) {
			r.Members[1].Configuration = &Configuration{MemorySize: new(int32(1))}
		}, []string{"member shop-worker: configuration.memorySize"}},
		{"member aliases", func(r *GroupRequest) { r.Members[0].Settings.CandidateAlias = "live" },
			[]string{"member shop-api: liveAlias and candidateAlias are both"}},
		{"bad group name", func(r *GroupRequest) { r.Group = "shop/x" }, []string{`group "shop/x" is not a group name`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := groupRequest()
			tt.change(&r)
			_, err := NewGroup(r)
			var v *failure.ValidationError
			if !errors.As(err, &v) {
				t.Fatalf("err = %v, want a ValidationError", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%v\ndoes not say %q", err, w)
				}
			}
		})
	}
}

// TestEachMember: every member's call starts from the same shared progress,
// so a step taken by each member is taken once; what each member learns is
// kept as its own; unreleased members are skipped when asked.
func TestEachMember(t *testing.T) {
	d, err := NewGroup(groupRequest())
	if err != nil {
		t.Fatal(err)
	}
	d.Members[1].State.Noop = true
	calls := 0
	err = d.EachMember(false, func(m *Document) error {
		calls++
		m.State.Step++
		m.State.StepsTaken = append(m.State.StepsTaken, StepTaken{Percent: 10})
		m.State.Green = m.Function + "-green"
		return nil
	})
	if err != nil || calls != 2 {
		t.Fatalf("err %v, %d calls", err, calls)
	}
	if d.State.Step != 1 || len(d.State.StepsTaken) != 1 {
		t.Errorf("group step %d with %d steps taken, want 1 and 1", d.State.Step, len(d.State.StepsTaken))
	}
	if d.Members[0].State.Green != "shop-api-green" || d.Members[0].ExecutionARN != "" || d.Members[0].Schedule != nil {
		t.Errorf("member kept %+v: its own fields only", d.Members[0])
	}
	calls = 0
	boom := errors.New("boom")
	err = d.AllMembers(true, func(m *Document) error { calls++; return boom })
	if !errors.Is(err, boom) || calls != 1 {
		t.Errorf("AllMembers over released members: err %v, %d calls; want boom and 1 (the worker is a no-op)", err, calls)
	}
	d.Members[1].State.Noop = false
	calls = 0
	if err := d.EachMember(true, func(*Document) error { calls++; return boom }); !errors.Is(err, boom) || calls != 1 {
		t.Errorf("EachMember: err %v after %d calls, want the first error at once", err, calls)
	}
	calls = 0
	if err := d.AllMembers(true, func(*Document) error { calls++; return boom }); !errors.Is(err, boom) || calls != 2 {
		t.Errorf("AllMembers: err %v after %d calls, want every member called", err, calls)
	}
	if d.AllNoop() {
		t.Error("AllNoop with released members")
	}
}

func TestParseGroupInputs(t *testing.T) {
	in, err := ParseConsole([]byte(`{"group":"shop","artifact":{"key":"releases/shop/1.zip"},"configuration":{"shop-api":{"memorySize":512}},"strategy":"AllAtOnce"}`))
	if err != nil {
		t.Fatal(err)
	}
	if in.Group != "shop" || in.Function != "" || *in.MemberConfiguration["shop-api"].MemorySize != 512 || in.Strategy == nil {
		t.Errorf("input %+v", in)
	}
	if _, err := ParseConsole([]byte(`{"group":"shop","function":"x"}`)); err == nil || !strings.Contains(err.Error(), `unknown field "function"`) {
		t.Errorf("a group input naming a function: %v", err)
	}
	m, err := ParseGroupManifest([]byte(`{"configuration":{"shop-worker":{"timeout":30}},"tests":[{"name":"t","function":"shop-api"}]}`))
	if err != nil || *m.MemberConfiguration["shop-worker"].Timeout != 30 || m.Tests[0].Function != "shop-api" {
		t.Errorf("manifest %+v, %v", m, err)
	}
	if _, err := ParseGroupManifest([]byte(`{"configuration":{"memorySize":512}}`)); err == nil {
		t.Error("a group manifest with a function's configuration was accepted")
	}
}

// TestConcurrentMembers: every member's call runs, each on its own view;
// the results are kept in member order and the first error in that order
// is returned.
func TestConcurrentMembers(t *testing.T) {
	d, err := NewGroup(groupRequest())
	if err != nil {
		t.Fatal(err)
	}
	errs := map[string]error{"shop-api": errors.New("api"), "shop-worker": errors.New("worker")}
	err = d.ConcurrentMembers(true, func(m *Document) error {
		m.State.Green = m.Function + "-green"
		m.State.Step++
		return errs[m.Function]
	})
	if err == nil || err.Error() != "api" {
		t.Errorf("err = %v, want the first member's", err)
	}
	if d.Members[0].State.Green != "shop-api-green" || d.Members[1].State.Green != "shop-worker-green" {
		t.Errorf("greens %q %q: every member's result is kept", d.Members[0].State.Green, d.Members[1].State.Green)
	}
	if d.State.Step != 0 {
		t.Errorf("step %d: a failed call does not move the group on", d.State.Step)
	}
	delete(errs, "shop-api")
	delete(errs, "shop-worker")
	if err := d.ConcurrentMembers(false, func(m *Document) error { m.State.Step++; return nil }); err != nil || d.State.Step != 1 {
		t.Errorf("err %v, step %d; want one step for the group", err, d.State.Step)
	}
}

func TestMemberChanges(t *testing.T) {
	mem := int32(256)
	tests := []struct {
		name               string
		m                  Document
		requested, changes bool
	}{
		{"in the bundle", Document{FromBundle: true}, true, true},
		{"configured", Document{Configuration: &Configuration{MemorySize: &mem}}, true, true},
		{"empty configuration", Document{Configuration: &Configuration{}}, false, false},
		{"neither", Document{}, false, false},
		{"found unchanged by deploy", Document{FromBundle: true, State: State{Noop: true}}, true, false},
		{"rebuilt from its lock record after deploy", Document{State: State{Green: "3"}}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.m.Requested(); got != tt.requested {
				t.Errorf("Requested() = %v, want %v", got, tt.requested)
			}
			if got := tt.m.Changes(); got != tt.changes {
				t.Errorf("Changes() = %v, want %v", got, tt.changes)
			}
		})
	}
}
