package main

import (
	"context"
	"errors"
	"maps"
	"testing"

	"github.com/greenlight/greenlight/internal/drift/drifttest"
	"github.com/greenlight/greenlight/internal/failure"
	"github.com/greenlight/greenlight/internal/ledger"
	"github.com/greenlight/greenlight/internal/ledger/ledgertest"
	"github.com/greenlight/greenlight/internal/release"
	"github.com/greenlight/greenlight/internal/release/releasetest"
)

// promoteWorld is group shop (releasetest.Group) after its last partial
// step: every member's lock held, live with a tenth on green.
func promoteWorld(t *testing.T) (*release.Document, drifttest.Fleet, *ledgertest.Bucket) {
	d := releasetest.Group(t)
	d.State.Phase, d.State.Step, d.State.Weight, d.State.Next = release.PhaseShifting, 1, 0.1, release.NextPromote
	b := ledgertest.NewBucket()
	b.Hold(t, d)
	return d, drifttest.FleetOf(d), b
}

// TestGroupPromote: every released member serves green alone, and the
// group says promoted; the member that is not released stays on blue.
func TestGroupPromote(t *testing.T) {
	d, f, b := promoteWorld(t)
	h := &Handler{Lambda: f, Ledger: &ledger.Ledger{S3: b, Bucket: "artifacts"}}
	for range 2 { // idempotent
		got, err := h.Handle(context.Background(), d)
		if err != nil {
			t.Fatal(err)
		}
		if s := got.State; s.Phase != release.PhasePromoted || s.Weight != 1 || s.Next != release.NextPromote {
			t.Errorf("group state = %+v", s)
		}
	}
	want := map[string]string{"shop-api": "version 4", "shop-worker": "version 7", "shop-admin": "version 2"}
	if live := f.Serving("live"); !maps.Equal(live, want) {
		t.Errorf("live = %v, want %v", live, want)
	}
	if candidate := f.Serving("green"); !maps.Equal(candidate, want) {
		t.Errorf("candidate = %v, want %v", candidate, want)
	}
	for _, fn := range []string{"shop-api", "shop-worker"} {
		if rec, _ := b.Record(t, fn); rec.Phase != release.PhasePromoted || rec.Weight != 1 {
			t.Errorf("%s lock record: phase %s, weight %v", fn, rec.Phase, rec.Weight)
		}
	}
}

// TestGroupPromoteHaltedMember: a member halted before or while promote
// moves it fails the task with a HaltedError naming it, and its live alias
// does not end on green: rollback then restores the whole group.
func TestGroupPromoteHaltedMember(t *testing.T) {
	tests := []struct {
		name     string
		while    bool // halted while promote moves live, not before
		wantLive string
	}{
		{"halted before promote: left where the last step left it", false, "version 6 with 0.1 on version 7"},
		{"halted while promote moves live: back on blue", true, "version 6"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, f, b := promoteWorld(t)
			l := &ledger.Ledger{S3: b, Bucket: "artifacts"}
			h := &Handler{Lambda: f, Ledger: haltingLedger{l, "shop-worker"}}
			if !tt.while {
				if _, err := l.Halt(context.Background(), "shop-worker", ledger.Action{Reason: "shop-worker-5xx is ALARM", By: "guard"}); err != nil {
					t.Fatal(err)
				}
				h.Ledger = l
			}
			_, err := h.Handle(context.Background(), d)
			var he *failure.HaltedError
			if !errors.As(err, &he) || he.Reason != "shop-worker: shop-worker-5xx is ALARM" {
				t.Fatalf("error = %v (%T), want the HaltedError of shop-worker", err, err)
			}
			if live := f.Serving("live")["shop-worker"]; live != tt.wantLive {
				t.Errorf("shop-worker live = %s, want %s", live, tt.wantLive)
			}
			if rec, _ := b.Record(t, "shop-worker"); rec.Phase == release.PhasePromoted {
				t.Error("shop-worker's lock record says promoted on a halted release")
			}
		})
	}
}
