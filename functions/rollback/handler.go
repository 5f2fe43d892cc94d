package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/greenlight/greenlight/internal/failure"
	"github.com/greenlight/greenlight/internal/ledger"
	"github.com/greenlight/greenlight/internal/release"
	"github.com/greenlight/greenlight/internal/traffic"
)

// lockUpdater records the rollback in the lock record.
type lockUpdater interface {
	Update(ctx context.Context, fn, executionARN string, change func(*ledger.Record)) (ledger.Record, error)
	Reclaim(ctx context.Context, r ledger.Record) (ledger.Record, error)
}

var (
	_ lockUpdater     = (*ledger.Ledger)(nil)
	_ traffic.Aliases = (*awslambda.Client)(nil)
)

// Handler rolls a release back.
type Handler struct {
	Lambda traffic.Aliases
	Ledger lockUpdater
}

// Handle restores blue, traffic first. It moves nothing when the execution
// no longer holds the function's lock, or when live was changed outside
// greenlight (by the HaltedError of failure.ByOutsideChange, or to a version
// this release never set): the document ends in release.PhaseStopped with
// the reason in state.stopped.
//
// Otherwise it restores blue, traffic first. It is safe to repeat, and it works
// from any point of the release, even when the task that failed never
// returned its state: blue is state.blue, or else the live alias's primary
// version, which a shift never changes.
//
// A first release has no blue to return to. Live is created only after the
// tests pass, so usually there is nothing to undo; when live already serves
// green, rollback deletes nothing (callers would lose the function) and fails
// with *failure.RollbackFailedError so that the release ends in the loud
// terminal state. Every failure is a *failure.RollbackFailedError.
//
// A group release restores every released member, each by these rules, and
// goes on after a member's failure so that no member is left behind; the
// first failure is returned. Only the member whose live alias was changed
// outside greenlight is left as it was set. The group ends rolled back when
// any member was restored, stopped when none was.
func (h *Handler) Handle(ctx context.Context, d *release.Document) (*release.Document, error) {
	if !d.IsGroup() {
		return h.rollback(ctx, d)
	}
	err := d.ConcurrentMembers(true, func(m *release.Document) error {
		if m.Error != nil && !strings.Contains(m.Error.Cause, "halted by "+failure.ByOutsideChange+": "+m.Function+": ") {
			e := *m.Error
			e.Cause = strings.ReplaceAll(e.Cause, "halted by "+failure.ByOutsideChange, "halted by another member's "+failure.ByOutsideChange)
			m.Error = &e
		}
		_, err := h.rollback(ctx, m)
		return err
	})
	if err != nil {
		return nil, err
	}
	d.State.Phase, d.State.Weight, d.State.Stopped = release.PhaseRolledBack, 0, ""
	var stopped []string
	released := 0
	for _, m := range d.Members {
		if !m.Released() {
			continue
		}
		released++
		if m.State.Phase == release.PhaseStopped {
			stopped = append(stopped, m.Function+": "+m.State.Stopped)
		}
	}
	if len(stopped) == released {
		d.State.Phase, d.State.Stopped = release.PhaseStopped, strings.Join(stopped, "; ")
	}
	return d, nil
}

// rollback restores one function: the release's, or a group member's.
func (h *Handler) rollback(ctx context.Context, d *release.Document) (*release.Document, error) {
	fn, s := d.Function, &d.State
	fail := func(err error) (*release.Document, error) {
		return nil, &failure.RollbackFailedError{Function: fn, Err: failure.Classify("roll back "+fn, err)}
	}
	// An execution that no longer holds the lock never moves traffic
	// again: another release may own the function by now, and restoring
	// this release's blue would undo it. A lock that is merely gone
	// (deleted by hand) is taken back first, so that nobody else can
	// start a release while this one restores blue; live is checked
	// below, so a release that came and went in between is not undone.
	reclaimed, err := h.hold(ctx, d)
	if errors.Is(err, ledger.ErrNotHeld) {
		return stop(d, "the release lock of "+fn+" is taken by another release; traffic was not moved")
	} else if err != nil {
		return fail(err)
	}
	if d.Error != nil && strings.Contains(d.Error.Cause, "halted by "+failure.ByOutsideChange) {
		return stop(d, "the live alias was changed outside greenlight; traffic was not moved")
	}
	live, err := traffic.Get(ctx, h.Lambda, fn, d.LiveAlias)
	if err != nil {
		return fail(err)
	}
	if live != nil && !ours(live, s.Blue, s.Green) {
		return stop(d, fmt.Sprintf("the live alias serves %s, which this release did not set; traffic was not moved", live))
	}
	if reclaimed && live != nil && !live.Is(s.Blue, lastSplit(s)) {
		// While the lock was gone another release may have come and gone,
		// even one of the same code (so the same version): only live
		// exactly where this release's last step left it is surely ours.
		return stop(d, fmt.Sprintf("the release lock of %s was lost and live serves %s, not where this release left it; traffic was not moved", fn, live))
	}
	blue := s.Blue
	if blue == "" && live != nil && !s.FirstRelease {
		blue = live.Version
	}
	switch {
	case live == nil:
		// Nobody calls through live yet: nothing to restore.
	case blue == "":
		if live.Version == s.Green || live.Weights[s.Green] > 0 {
			return fail(fmt.Errorf("live alias %s serves green version %s and there is no earlier version to return to; "+
				"point it at a good version or delete it", d.LiveAlias, s.Green))
		}
	case live.Version != blue || len(live.Weights) > 0:
		if err := traffic.Point(ctx, h.Lambda, fn, d.LiveAlias, blue); err != nil {
			return fail(err)
		}
	}
	if blue != "" {
		candidate, err := traffic.Get(ctx, h.Lambda, fn, d.CandidateAlias)
		if err != nil {
			return fail(err)
		}
		if candidate != nil && candidate.Version != blue {
			if err := traffic.Point(ctx, h.Lambda, fn, d.CandidateAlias, blue); err != nil {
				return fail(err)
			}
		}
	}
	s.Phase, s.Weight, s.Blue = release.PhaseRolledBack, 0, blue
	if _, err := h.Ledger.Update(ctx, fn, d.ExecutionARN, func(r *ledger.Record) {
		r.Phase, r.Weight = s.Phase, s.Weight
	}); err != nil && !errors.Is(err, ledger.ErrNotHeld) {
		return fail(err)
	}
	return d, nil
}

// hold makes sure the execution holds the function's lock, taking it back
// when its record is gone (reclaimed); ErrNotHeld when another execution
// holds it.
func (h *Handler) hold(ctx context.Context, d *release.Document) (reclaimed bool, err error) {
	_, err = h.Ledger.Update(ctx, d.Function, d.ExecutionARN, func(*ledger.Record) {})
	if !errors.Is(err, ledger.ErrNotHeld) {
		return false, err
	}
	if _, err := h.Ledger.Reclaim(ctx, ledger.RecordFor(d)); err != nil {
		return false, err
	}
	return true, nil
}

// lastSplit is the weighted routing the release's last step left on live.
func lastSplit(s *release.State) map[string]float64 {
	if s.Weight > 0 && s.Weight < 1 {
		return map[string]float64{s.Green: s.Weight}
	}
	return nil
}

// ours reports whether live is a place this release could have left it:
// blue alone, green alone, or blue with a share on green.
func ours(live *traffic.Alias, blue, green string) bool {
	for v := range live.Weights {
		if v != green {
			return false
		}
	}
	return live.Version == green && len(live.Weights) == 0 || blue == "" || live.Version == blue
}

// stop ends a release that may not move traffic: the document says why, and
// the notification says the release stopped rather than rolled back.
func stop(d *release.Document, why string) (*release.Document, error) {
	d.State.Phase, d.State.Stopped = release.PhaseStopped, why
	return d, nil
}
