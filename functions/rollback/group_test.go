package main

import (
	"context"
	"encoding/json"
	"maps"
	"testing"

	"github.com/greenlight/greenlight/internal/drift/drifttest"
	"github.com/greenlight/greenlight/internal/failure"
	"github.com/greenlight/greenlight/internal/ledger"
	"github.com/greenlight/greenlight/internal/ledger/ledgertest"
	"github.com/greenlight/greenlight/internal/release"
	"github.com/greenlight/greenlight/internal/release/releasetest"
	"github.com/greenlight/greenlight/internal/traffic"
)

// outsideChange is what the workflow's Catch records when the step found
// fn's live alias changed outside greenlight.
func outsideChange(t *testing.T, fn string) *release.TaskError {
	err := failure.OfMember(fn, &failure.HaltedError{By: failure.ByOutsideChange,
		Reason: "the live alias " + fn + ":live was changed outside greenlight; traffic is left as it is"})
	cause, jerr := json.Marshal(map[string]string{"errorMessage": err.Error(), "errorType": failure.NameHalted})
	if jerr != nil {
		t.Fatal(jerr)
	}
	return &release.TaskError{Error: failure.NameHalted, Cause: string(cause)}
}

// rollbackGroup rolls back group shop (releasetest.Group) mid-canary, a
// tenth on green, after change set the scene.
func rollbackGroup(t *testing.T, change func(*release.Document, drifttest.Fleet, *ledgertest.Bucket)) (*release.Document, drifttest.Fleet) {
	t.Helper()
	d := releasetest.Group(t)
	d.State.Phase, d.State.Step, d.State.Weight = release.PhaseShifting, 1, 0.1
	b := ledgertest.NewBucket()
	b.Hold(t, d)
	f := drifttest.FleetOf(d)
	if change != nil {
		change(d, f, b)
	}
	got, err := (&Handler{Lambda: f, Ledger: &ledger.Ledger{S3: b, Bucket: "artifacts"}}).Handle(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	return got, f
}

// TestGroupRollback: every released member is restored, traffic and
// candidate alias, but the member whose live alias was changed outside
// greenlight, which is left as it was set.
func TestGroupRollback(t *testing.T) {
	tests := []struct {
		name          string
		change        func(*release.Document, drifttest.Fleet, *ledgertest.Bucket)
		wantLive      map[string]string
		wantCandidate map[string]string
		wantStopped   string // the member left as it was
	}{
		{"mid-canary", nil,
			map[string]string{"shop-api": "version 3", "shop-worker": "version 6", "shop-admin": "version 2"},
			map[string]string{"shop-api": "version 3", "shop-worker": "version 6", "shop-admin": "version 2"}, ""},
		{"after promote", func(d *release.Document, f drifttest.Fleet, _ *ledgertest.Bucket) {
			d.State.Weight = 1
			for fn, v := range map[string]string{"shop-api": "4", "shop-worker": "7"} {
				if err := traffic.Point(context.Background(), f, fn, "live", v); err != nil {
					t.Fatal(err)
				}
			}
		},
			map[string]string{"shop-api": "version 3", "shop-worker": "version 6", "shop-admin": "version 2"},
			map[string]string{"shop-api": "version 3", "shop-worker": "version 6", "shop-admin": "version 2"}, ""},
		{"live of one member changed outside greenlight", func(d *release.Document, f drifttest.Fleet, _ *ledgertest.Bucket) {
			d.Error = outsideChange(t, "shop-api")
			if err := traffic.Split(context.Background(), f, "shop-api", "live", "3", "4", 0.5); err != nil {
				t.Fatal(err)
			}
		},
			map[string]string{"shop-api": "version 3 with 0.5 on version 4", "shop-worker": "version 6", "shop-admin": "version 2"},
			map[string]string{"shop-api": "version 4", "shop-worker": "version 6", "shop-admin": "version 2"}, "shop-api"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, f := rollbackGroup(t, tt.change)
			if live := f.Serving("live"); !maps.Equal(live, tt.wantLive) {
				t.Errorf("live = %v, want %v", live, tt.wantLive)
			}
			if candidate := f.Serving("green"); !maps.Equal(candidate, tt.wantCandidate) {
				t.Errorf("candidate = %v, want %v", candidate, tt.wantCandidate)
			}
			if got.State.Phase != release.PhaseRolledBack || got.State.Weight != 0 || got.State.Stopped != "" {
				t.Errorf("group state = %+v, want rolled back", got.State)
			}
			for _, m := range got.Members[:2] {
				want := release.PhaseRolledBack
				if m.Function == tt.wantStopped {
					want = release.PhaseStopped
				}
				if m.State.Phase != want {
					t.Errorf("%s phase %s (%s), want %s", m.Function, m.State.Phase, m.State.Stopped, want)
				}
			}
		})
	}
}

// TestGroupRollbackAllStopped: when no released member may be restored,
// the group ends stopped, with every member's reason.
func TestGroupRollbackAllStopped(t *testing.T) {
	tests := []struct {
		name        string
		change      func(*release.Document, drifttest.Fleet, *ledgertest.Bucket)
		wantStopped string
	}{
		{"every lock taken by a later release", func(_ *release.Document, _ drifttest.Fleet, b *ledgertest.Bucket) {
			for _, fn := range []string{"shop-api", "shop-worker"} {
				b.Put(t, ledger.Record{Function: fn, ExecutionARN: "arn:later"})
			}
		}, "shop-api: the release lock of shop-api is taken by another release; traffic was not moved; " +
			"shop-worker: the release lock of shop-worker is taken by another release; traffic was not moved"},
		{"one member changed outside greenlight, the other on a version the release never set", func(d *release.Document, f drifttest.Fleet, _ *ledgertest.Bucket) {
			d.Error = outsideChange(t, "shop-api")
			if err := traffic.Point(context.Background(), f, "shop-worker", "live", "9"); err != nil {
				t.Fatal(err)
			}
		}, "shop-api: the live alias was changed outside greenlight; traffic was not moved; " +
			"shop-worker: the live alias serves version 9, which this release did not set; traffic was not moved"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before map[string]string
			got, f := rollbackGroup(t, func(d *release.Document, f drifttest.Fleet, b *ledgertest.Bucket) {
				tt.change(d, f, b)
				before = f.Serving("live")
			})
			if got.State.Phase != release.PhaseStopped || got.State.Stopped != tt.wantStopped {
				t.Errorf("group phase %s, stopped %q; want stopped %q", got.State.Phase, got.State.Stopped, tt.wantStopped)
			}
			if live := f.Serving("live"); !maps.Equal(live, before) {
				t.Errorf("live = %v, want it left at %v", live, before)
			}
		})
	}
}
