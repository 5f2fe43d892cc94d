package main

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/greenlight/greenlight/internal/release"
	"github.com/greenlight/greenlight/internal/release/releasetest"
)

// named is a test whose payload names it, so that a call says which test
// it runs; expect, when given, is what the response must hold.
func named(name, fn, expect string) release.Test {
	tc := release.Test{Name: name, Function: fn, Payload: json.RawMessage(`{"test":"` + name + `"}`)}
	if expect != "" {
		tc.Expect = json.RawMessage(expect)
	}
	return tc
}

// testGroup tests group shop (releasetest.Group), shop-worker behind its
// candidate alias "canary", with each member's own tests and the group's;
// every function answers {"ok":true}.
func testGroup(t *testing.T, members map[string][]release.Test, group []release.Test) (*release.Document, []string, error) {
	t.Helper()
	d := releasetest.Group(t)
	for _, m := range d.Members {
		m.Tests = members[m.Function]
	}
	d.Members[1].CandidateAlias = "canary"
	d.Tests = group
	f := &fakeLambda{responses: map[string]*awslambda.InvokeOutput{}}
	for _, fn := range d.Functions {
		f.responses[fn] = ok(`{"ok":true}`)
	}
	got, err := (&Handler{Lambda: f}).Handle(context.Background(), d)
	var calls []string
	for _, c := range f.calls {
		calls = append(calls, aws.ToString(c.FunctionName)+":"+aws.ToString(c.Qualifier)+" "+string(c.Payload))
	}
	return got, calls, err
}

// TestGroupTestCalls: a member's tests invoke it through its candidate
// alias, never a version; a group test invokes the member it names, the
// first member by default; a member not released is not tested.
func TestGroupTestCalls(t *testing.T) {
	ping := named("ping", "", "")
	tests := []struct {
		name    string
		members map[string][]release.Test
		group   []release.Test
		want    []string
	}{
		{"members' tests through their candidate aliases",
			map[string][]release.Test{"shop-api": {ping}, "shop-worker": {ping}}, nil,
			[]string{`shop-api:green {"test":"ping"}`, `shop-worker:canary {"test":"ping"}`}},
		{"group tests invoke the member they name, the first by default", nil,
			[]release.Test{named("order", "shop-worker", ""), named("smoke", "", "")},
			[]string{`shop-worker:canary {"test":"order"}`, `shop-api:green {"test":"smoke"}`}},
		{"a member not released is skipped",
			map[string][]release.Test{"shop-api": {ping}, "shop-admin": {ping}}, nil,
			[]string{`shop-api:green {"test":"ping"}`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, calls, err := testGroup(t, tt.members, tt.group)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(calls, tt.want) {
				t.Errorf("calls = %q, want %q", calls, tt.want)
			}
			if got.State.Phase != release.PhaseTested {
				t.Errorf("phase = %s", got.State.Phase)
			}
		})
	}
}

// TestGroupTestFailuresListedTogether: every test runs, and one
// TestFailedError lists the failures of every member, each led by its
// member, then the group's.
func TestGroupTestFailuresListedTogether(t *testing.T) {
	failing := `{"ok":false}`
	_, _, err := testGroup(t,
		map[string][]release.Test{
			"shop-api":    {named("ping", "", failing), named("health", "", "")},
			"shop-worker": {named("ping", "", failing)},
		},
		[]release.Test{named("order", "shop-worker", failing), named("smoke", "", "")})
	names := failedNames(t, err)
	if want := []string{"shop-api: ping", "shop-worker: ping", "order"}; !slices.Equal(names, want) {
		t.Errorf("failed = %q, want %q", names, want)
	}
}
