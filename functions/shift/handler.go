package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/greenlight/greenlight/internal/alarm"
	"github.com/greenlight/greenlight/internal/clockenv"
	"github.com/greenlight/greenlight/internal/decision"
	"github.com/greenlight/greenlight/internal/failure"
	"github.com/greenlight/greenlight/internal/ledger"
	"github.com/greenlight/greenlight/internal/release"
	"github.com/greenlight/greenlight/internal/strategy"
	"github.com/greenlight/greenlight/internal/traffic"
	"github.com/greenlight/greenlight/internal/verdict"
)

// lockBook reads halts and records progress.
type lockBook interface {
	Check(ctx context.Context, fn, executionARN string) (ledger.Record, error)
	Update(ctx context.Context, fn, executionARN string, change func(*ledger.Record)) (ledger.Record, error)
	traffic.Locker
}

var (
	_ lockBook                           = (*ledger.Ledger)(nil)
	_ traffic.Aliases                    = (*awslambda.Client)(nil)
	_ cloudwatch.DescribeAlarmsAPIClient = (*cloudwatch.Client)(nil)
)

// Handler applies schedule[state.step] to the live alias.
type Handler struct {
	Lambda     traffic.Aliases
	CloudWatch cloudwatch.DescribeAlarmsAPIClient
	Ledger     lockBook
	// Waits and Tasks serve the bake and approval states (see Await).
	Waits waitBook
	Tasks decision.Responder
	// Now defaults to clockenv.Now: the time of the cloud the function runs in.
	Now func() time.Time
}

// Handle moves traffic one step. Before the first step it refuses to move
// anything when a watched alarm is already in ALARM. A step of 100 % (and a
// first release, which has no blue) points live at green outright.
//
// A group release moves every released member's live alias to the same
// weight; before the first step it also checks the group's own alarms. A
// member that cannot move stops the step with its error, and the group
// rolls back as one.
func (h *Handler) Handle(ctx context.Context, d *release.Document) (*release.Document, error) {
	if !d.IsGroup() {
		return h.shift(ctx, d)
	}
	if err := h.preflight(ctx, d); err != nil {
		return nil, err
	}
	if _, err := ledger.CheckUnchanged(ctx, h.Ledger, d); err != nil {
		return nil, err
	}
	err := d.ConcurrentMembers(true, func(m *release.Document) error {
		_, err := h.shift(ctx, m)
		return failure.OfMember(m.Function, err)
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// preflight refuses to move anything, before the first step, when an alarm
// d watches is already in ALARM.
func (h *Handler) preflight(ctx context.Context, d *release.Document) error {
	if d.State.Step != 0 {
		return nil
	}
	alarms, err := alarm.Fetch(ctx, h.CloudWatch, d.WatchedAlarms())
	if err != nil {
		return failure.Classify("read alarms", err)
	}
	v := verdict.Assess(alarms, verdict.Policy{Watch: d.WatchedAlarms()})
	d.State.AlarmStates = v.States
	return v.Err()
}

// shift moves one function one step: the release's, or a group member's.
func (h *Handler) shift(ctx context.Context, d *release.Document) (*release.Document, error) {
	fn, s := d.Function, &d.State
	if _, err := h.Ledger.Check(ctx, fn, d.ExecutionARN); err != nil {
		return nil, err
	}
	if s.Step < 0 || s.Step >= len(d.Schedule) {
		return nil, &failure.OperationError{Op: "shift " + fn, Err: fmt.Errorf("step %d is outside the schedule of %d steps", s.Step, len(d.Schedule))}
	}
	if err := h.preflight(ctx, d); err != nil {
		return nil, err
	}
	step := d.Schedule[s.Step]
	if err := unchanged(ctx, h.Lambda, d, step); err != nil {
		return nil, err
	}
	var err error
	if s.FirstRelease || s.Blue == "" || step.Percent >= 100 {
		step.Percent = 100
		err = traffic.Point(ctx, h.Lambda, fn, d.LiveAlias, s.Green)
	} else {
		err = traffic.Split(ctx, h.Lambda, fn, d.LiveAlias, s.Blue, s.Green, step.Percent/100)
	}
	if err != nil {
		return nil, failure.Classify("shift "+d.LiveAlias, err)
	}
	s.Phase, s.Weight, s.BakeSeconds, s.Next = release.PhaseShifting, step.Percent/100, step.BakeSeconds, ""
	s.ApprovalSeconds = 0
	if step.Approval && step.Percent < 100 {
		s.ApprovalSeconds = d.Strategy.ApprovalTimeout()
	}
	s.StepsTaken = append(s.StepsTaken, release.StepTaken{Percent: step.Percent, At: h.now()})
	rec, err := h.Ledger.Update(ctx, fn, d.ExecutionARN, func(r *ledger.Record) {
		r.Phase, r.Weight, r.Step = s.Phase, s.Weight, s.Step
	})
	if errors.Is(err, ledger.ErrNotHeld) {
		// The lock went while traffic moved (the execution was stopped and
		// the watchdog restored blue before this step landed): undo it.
		moved := traffic.Alias{Version: s.Green}
		if s.Weight < 1 {
			moved = traffic.Alias{Version: s.Blue, Weights: map[string]float64{s.Green: s.Weight}}
		}
		if err := traffic.Retract(ctx, h.Lambda, h.Ledger, d, moved); err != nil {
			return nil, err
		}
	}
	if err != nil {
		return nil, ledger.AsHalt(fn, err)
	}
	if rec.Halt != nil {
		// The guard halted the release while this step was moving traffic,
		// and may have restored blue before the move: restore it again.
		if s.Blue != "" {
			if err := traffic.Point(ctx, h.Lambda, fn, d.LiveAlias, s.Blue); err != nil {
				return nil, failure.Classify("restore "+d.LiveAlias, err)
			}
		}
		return nil, &failure.HaltedError{Reason: rec.Halt.Reason, By: rec.Halt.By}
	}
	return d, nil
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now().UTC()
	}
	return clockenv.Now().UTC()
}

// unchanged checks, before a step moves traffic, that live is where the
// last step left it (blue alone before the first step), or already where
// this step puts it (the step is being repeated). Anything else is someone
// else's change, which a release never overwrites.
func unchanged(ctx context.Context, c traffic.Aliases, d *release.Document, step strategy.Step) error {
	s := &d.State
	if s.FirstRelease || s.Blue == "" {
		return nil
	}
	last := traffic.Alias{Version: s.Blue}
	if s.Step > 0 && s.Weight > 0 {
		last.Weights = map[string]float64{s.Green: s.Weight}
	}
	next := traffic.Alias{Version: s.Green}
	if step.Percent < 100 {
		next = traffic.Alias{Version: s.Blue, Weights: map[string]float64{s.Green: step.Percent / 100}}
	}
	return traffic.Unchanged(ctx, c, d.Function, d.LiveAlias, last, next)
}
