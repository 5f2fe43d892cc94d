// Package releasetest loads and builds release documents for the
// functions' tests: a single function's from testdata, a group's with
// release.NewGroup.
package releasetest

import (
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/greenlight/greenlight/internal/release"
)

// Load reads testdata/release.json of the calling test's package: the
// release document a task receives from the one before it.
func Load(t testing.TB) *release.Document {
	t.Helper()
	b, err := os.ReadFile("testdata/release.json")
	if err != nil {
		t.Fatal(err)
	}
	var d release.Document
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("testdata/release.json: %v", err)
	}
	return &d
}

// GroupExecutionARN is the execution that releases group shop in NewGroup
// and Group.
const GroupExecutionARN = "arn:aws:states:us-east-1:123456789012:execution:greenlight:shop"

// Bundle is group shop's bundle in NewGroup and Group.
var Bundle = release.Artifact{Bucket: "artifacts", Key: "releases/shop/42.zip", VersionID: "v42"}

// NewGroup builds, with release.NewGroup, the release of group shop of
// members by GroupExecutionARN: from Bundle when a member is in it, from
// the console otherwise.
func NewGroup(t testing.TB, members ...release.MemberRequest) *release.Document {
	t.Helper()
	r := release.GroupRequest{
		Group: "shop", Source: release.SourceConsole, Members: members,
		ExecutionARN: GroupExecutionARN, StartedAt: time.Date(2026, 11, 22, 10, 15, 0, 0, time.UTC),
	}
	for _, m := range members {
		if m.InBundle {
			r.Source, r.Artifact = release.SourceS3, Bundle
		}
	}
	d, err := release.NewGroup(r)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// Group is the release of group shop as deploy leaves it, its tests passed:
// shop-api (blue 3, green 4) and shop-worker (blue 6, green 7) are in the
// bundle and released; shop-admin, neither in the bundle nor configured,
// keeps its blue 2 and is not released. Each member watches its alarm
// <function>-5xx.
func Group(t testing.TB) *release.Document {
	t.Helper()
	member := func(fn string, inBundle bool) release.MemberRequest {
		return release.MemberRequest{Function: fn, InBundle: inBundle, Settings: release.Settings{Alarms: []string{fn + "-5xx"}}}
	}
	d := NewGroup(t, member("shop-api", true), member("shop-worker", true), member("shop-admin", false))
	for i, v := range [][2]string{{"3", "4"}, {"6", "7"}, {"2", "2"}} {
		s := &d.Members[i].State
		s.Phase, s.Blue, s.Green, s.Noop = release.PhaseDeployed, v[0], v[1], v[0] == v[1]
		if s.Noop {
			s.Phase = release.PhaseNoop
		}
	}
	d.State.Phase = release.PhaseTested
	return d
}
