package main

import (
	"context"
	"errors"

	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/greenlight/greenlight/internal/failure"
	"github.com/greenlight/greenlight/internal/ledger"
	"github.com/greenlight/greenlight/internal/release"
	"github.com/greenlight/greenlight/internal/traffic"
)

// lockBook reads halts and records the promotion.
type lockBook interface {
	Check(ctx context.Context, fn, executionARN string) (ledger.Record, error)
	Update(ctx context.Context, fn, executionARN string, change func(*ledger.Record)) (ledger.Record, error)
	traffic.Locker
}

var (
	_ lockBook        = (*ledger.Ledger)(nil)
	_ traffic.Aliases = (*awslambda.Client)(nil)
)

// Handler promotes green.
type Handler struct {
	Lambda traffic.Aliases
	Ledger lockBook
}

// Handle points the live alias at green with routing cleared, creating the
// alias on a first release. It is safe to repeat. A release halted since its
// last verify, or while this task moves live, is not promoted: blue is put
// back and it fails with *failure.HaltedError.
//
// A group release promotes every released member. A member that may not be
// promoted fails the task with its error, and the group rolls back as one,
// members already promoted included.
func (h *Handler) Handle(ctx context.Context, d *release.Document) (*release.Document, error) {
	if !d.IsGroup() {
		return h.promote(ctx, d)
	}
	if _, err := ledger.CheckUnchanged(ctx, h.Ledger, d); err != nil {
		return nil, err
	}
	err := d.ConcurrentMembers(true, func(m *release.Document) error {
		_, err := h.promote(ctx, m)
		return failure.OfMember(m.Function, err)
	})
	if err != nil {
		return nil, err
	}
	d.State.Phase, d.State.Weight, d.State.Next = release.PhasePromoted, 1, release.NextPromote
	return d, nil
}

// promote promotes one function: the release's, or a group member's.
func (h *Handler) promote(ctx context.Context, d *release.Document) (*release.Document, error) {
	fn, s := d.Function, &d.State
	if _, err := h.Ledger.Check(ctx, fn, d.ExecutionARN); err != nil {
		return nil, err
	}
	if !s.FirstRelease && s.Blue != "" {
		// Live is where the last step left it, or already on green when
		// promote is repeated; anything else is someone else's change.
		last := traffic.Alias{Version: s.Blue}
		if s.Weight > 0 && s.Weight < 1 {
			last.Weights = map[string]float64{s.Green: s.Weight}
		}
		if err := traffic.Unchanged(ctx, h.Lambda, fn, d.LiveAlias, last, traffic.Alias{Version: s.Green}); err != nil {
			return nil, err
		}
	}
	// The candidate alias first: it may have been deleted during the
	// release, and it must point at the promoted version afterwards.
	if err := traffic.Point(ctx, h.Lambda, fn, d.CandidateAlias, s.Green); err != nil {
		return nil, failure.Classify("point "+d.CandidateAlias+" at green", err)
	}
	if err := traffic.Point(ctx, h.Lambda, fn, d.LiveAlias, s.Green); err != nil {
		return nil, failure.Classify("promote "+d.LiveAlias, err)
	}
	rec, err := h.Ledger.Update(ctx, fn, d.ExecutionARN, func(r *ledger.Record) {
		if r.Halt == nil {
			r.Phase, r.Weight = release.PhasePromoted, 1
		}
	})
	if errors.Is(err, ledger.ErrNotHeld) {
		// The lock went while live moved (the execution was stopped and the
		// watchdog restored blue before the promotion landed): undo it.
		if err := traffic.Retract(ctx, h.Lambda, h.Ledger, d, traffic.Alias{Version: s.Green}); err != nil {
			return nil, err
		}
	}
	if err != nil {
		return nil, ledger.AsHalt(fn, err)
	}
	if rec.Halt != nil {
		// The guard or an operator halted the release while live was being
		// moved, and may have restored blue before the move: restore it
		// again rather than end as promoted on a halted release.
		if s.Blue != "" {
			if err := traffic.Point(ctx, h.Lambda, fn, d.LiveAlias, s.Blue); err != nil {
				return nil, failure.Classify("restore "+d.LiveAlias, err)
			}
		}
		return nil, &failure.HaltedError{Reason: rec.Halt.Reason, By: rec.Halt.By}
	}
	s.Phase, s.Weight, s.Next = release.PhasePromoted, 1, release.NextPromote
	return d, nil
}
