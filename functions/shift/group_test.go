package main

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/greenlight/greenlight/internal/decision"
	"github.com/greenlight/greenlight/internal/decision/decisiontest"
	"github.com/greenlight/greenlight/internal/drift/drifttest"
	"github.com/greenlight/greenlight/internal/failure"
	"github.com/greenlight/greenlight/internal/ledger"
	"github.com/greenlight/greenlight/internal/ledger/ledgertest"
	"github.com/greenlight/greenlight/internal/release"
	"github.com/greenlight/greenlight/internal/release/releasetest"
)

// groupWorld is group shop (releasetest.Group) before its first step: every
// member's lock held, live on blue, every alarm OK.
type groupWorld struct {
	h      *Handler
	fleet  drifttest.Fleet
	bucket *ledgertest.Bucket
	tasks  *decisiontest.Tasks
}

func newGroupWorld(t *testing.T, d *release.Document) *groupWorld {
	w := &groupWorld{fleet: drifttest.FleetOf(d), bucket: ledgertest.NewBucket(), tasks: &decisiontest.Tasks{}}
	w.bucket.Hold(t, d)
	alarms := &fakeAlarms{states: map[string]cwtypes.StateValue{}}
	for i := range d.Members {
		for _, a := range d.Member(i).WatchedAlarms() {
			alarms.states[a] = cwtypes.StateValueOk
		}
	}
	l := &ledger.Ledger{S3: w.bucket, Bucket: "artifacts", Now: func() time.Time { return now }}
	w.h = &Handler{Lambda: w.fleet, CloudWatch: alarms, Ledger: l, Waits: l, Tasks: w.tasks, Now: func() time.Time { return now }}
	return w
}

// TestGroupStepMovesEveryReleasedMemberAlike: a step gives every released
// member's live alias the same weight, leaves the member that is not
// released on its blue, and counts once for the group.
func TestGroupStepMovesEveryReleasedMemberAlike(t *testing.T) {
	tests := []struct {
		name       string
		steps      int // steps taken, verify advancing the step between them
		wantLive   map[string]string
		wantWeight float64
	}{
		{"first step", 1, map[string]string{
			"shop-api":    "version 3 with 0.1 on version 4",
			"shop-worker": "version 6 with 0.1 on version 7",
			"shop-admin":  "version 2",
		}, 0.1},
		{"last step", 2, map[string]string{
			"shop-api":    "version 4",
			"shop-worker": "version 7",
			"shop-admin":  "version 2",
		}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := releasetest.Group(t)
			w := newGroupWorld(t, d)
			for i := range tt.steps {
				d.State.Step = i
				got, err := w.h.Handle(context.Background(), d)
				if err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
				d = got
			}
			if live := w.fleet.Serving("live"); !maps.Equal(live, tt.wantLive) {
				t.Errorf("live = %v, want %v", live, tt.wantLive)
			}
			if s := d.State; s.Weight != tt.wantWeight || len(s.StepsTaken) != tt.steps || s.Phase != release.PhaseShifting {
				t.Errorf("group weight %v after %d steps taken, phase %s; want %v after %d", s.Weight, len(s.StepsTaken), s.Phase, tt.wantWeight, tt.steps)
			}
			for _, fn := range []string{"shop-api", "shop-worker"} {
				if rec, _ := w.bucket.Record(t, fn); rec.Weight != tt.wantWeight || rec.Phase != release.PhaseShifting {
					t.Errorf("%s lock record: weight %v, phase %s", fn, rec.Weight, rec.Phase)
				}
			}
			for _, c := range w.fleet["shop-admin"].Calls {
				if c != "GetAlias" {
					t.Errorf("shop-admin, not released, got %s", c)
				}
			}
		})
	}
}

// TestGroupStepHaltedOnOneMember: a halt on any member's record fails the
// step with a HaltedError that names the member.
func TestGroupStepHaltedOnOneMember(t *testing.T) {
	for _, fn := range []string{"shop-api", "shop-worker"} {
		t.Run(fn, func(t *testing.T) {
			d := releasetest.Group(t)
			w := newGroupWorld(t, d)
			rec, _ := w.bucket.Record(t, fn)
			rec.Halt = &ledger.Action{Reason: "operator", By: "cli"}
			w.bucket.Put(t, rec)
			_, err := w.h.Handle(context.Background(), d)
			var he *failure.HaltedError
			if !errors.As(err, &he) || he.By != "cli" || he.Reason != fn+": operator" {
				t.Fatalf("error = %v (%T), want the HaltedError of %s", err, err, fn)
			}
			if !strings.HasPrefix(err.Error(), "release halted by cli: "+fn+": ") {
				t.Errorf("error %q does not lead with %s", err, fn)
			}
			if live := w.fleet.Serving("live"); live[fn] != "version "+d.Members[slices.Index(d.Functions, fn)].State.Blue {
				t.Errorf("%s, halted, moved to %s", fn, live[fn])
			}
		})
	}
}

// TestGroupAwait: the bake's token is stored on every member's record, so
// that a decision on any member ends the group's wait; a decision already
// on any member's record answers it at once.
func TestGroupAwait(t *testing.T) {
	tests := []struct {
		name     string
		decide   func(*ledger.Record) // on the record of the member named
		member   string
		answered decision.Kind // "" when the token is left waiting
	}{
		{name: "no decision: the token waits on every member"},
		{"halted on the first member", func(r *ledger.Record) { r.Halt = &ledger.Action{Reason: "alarm", By: "guard"} }, "shop-api", decision.Rollback},
		{"halted on the last member", func(r *ledger.Record) { r.Halt = &ledger.Action{Reason: "alarm", By: "guard"} }, "shop-admin", decision.Rollback},
		{"promote requested on a member", func(r *ledger.Record) { r.Promote = &ledger.Action{By: "ops"} }, "shop-worker", decision.Promote},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := releasetest.Group(t)
			d.State.Step = 1
			w := newGroupWorld(t, d)
			if tt.decide != nil {
				rec, _ := w.bucket.Record(t, tt.member)
				tt.decide(&rec)
				w.bucket.Put(t, rec)
			}
			doc, err := w.h.Invoke(context.Background(), Input{Document: *d, TaskToken: "tok", Wait: decision.Bake})
			if err != nil || doc != nil {
				t.Fatalf("Invoke = %v, %v; want no document and no error", doc, err)
			}
			if got, _ := w.tasks.Answer("tok"); got.Decision != tt.answered {
				t.Errorf("answered %q, want %q", got.Decision, tt.answered)
			}
			if tt.answered != "" {
				return
			}
			for _, fn := range d.Functions {
				if r, _ := w.bucket.Record(t, fn); !r.Waiting(decision.Bake) || r.Wait.Token != "tok" || r.Wait.Step != 1 {
					t.Errorf("%s record wait = %+v, want the bake's token at step 1", fn, r.Wait)
				}
			}
		})
	}
}
