package main

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"

	"github.com/greenlight/greenlight/internal/alarm"
	"github.com/greenlight/greenlight/internal/failure"
	"github.com/greenlight/greenlight/internal/ledger"
	"github.com/greenlight/greenlight/internal/release"
	"github.com/greenlight/greenlight/internal/verdict"
)

// lockReader reads halts and promote requests.
type lockReader interface {
	Check(ctx context.Context, fn, executionARN string) (ledger.Record, error)
}

var (
	_ lockReader                         = (*ledger.Ledger)(nil)
	_ cloudwatch.DescribeAlarmsAPIClient = (*cloudwatch.Client)(nil)
)

// Handler decides after a bake.
type Handler struct {
	CloudWatch cloudwatch.DescribeAlarmsAPIClient
	Ledger     lockReader
}

// Handle fails with *failure.HaltedError when the release was halted and
// with *failure.AlarmBreachedError (naming the alarms) when a watched alarm
// is breached. Otherwise it advances state.step and sets state.next to
// "promote" after the last partial step (or on an operator's promote
// request), and to "shift" before another one.
//
// A group release checks the group's alarms, the halts and promote
// requests of the members it does not change, then every released member's
// halts, promote requests, approvals and alarms: any member's halt or
// alarm rolls the whole group back, and a promote request on any member
// promotes the whole group.
func (h *Handler) Handle(ctx context.Context, d *release.Document) (*release.Document, error) {
	if !d.IsGroup() {
		return h.verify(ctx, d)
	}
	if err := h.alarms(ctx, d); err != nil {
		return nil, err
	}
	promote, err := ledger.CheckUnchanged(ctx, h.Ledger, d)
	if err != nil {
		return nil, err
	}
	err = d.EachMember(true, func(m *release.Document) error {
		if _, err := h.verify(ctx, m); err != nil {
			return failure.OfMember(m.Function, err)
		}
		promote = promote || m.State.Next == release.NextPromote
		return nil
	})
	if err != nil {
		return nil, err
	}
	if promote {
		d.State.Next = release.NextPromote
	}
	return d, nil
}

// alarms records the states of the alarms d watches and fails when one is
// breached.
func (h *Handler) alarms(ctx context.Context, d *release.Document) error {
	watched := d.WatchedAlarms()
	alarms, err := alarm.Fetch(ctx, h.CloudWatch, watched)
	if err != nil {
		return failure.Classify("read alarms", err)
	}
	v := verdict.Assess(alarms, verdict.Policy{Watch: watched})
	d.State.AlarmStates = v.States
	return v.Err()
}

// verify decides for one function: the release's, or a group member's.
func (h *Handler) verify(ctx context.Context, d *release.Document) (*release.Document, error) {
	rec, err := h.Ledger.Check(ctx, d.Function, d.ExecutionARN)
	if err != nil {
		return nil, err
	}
	if err := h.alarms(ctx, d); err != nil {
		return nil, err
	}
	s := &d.State
	if a := rec.Approved; a != nil && a.Step == s.Step {
		s.Approvals = append(s.Approvals, release.Approval{Step: a.Step, By: a.By, Reason: a.Reason, At: a.At})
	}
	s.Step++
	switch {
	case rec.Promote != nil, s.Step >= len(d.Schedule), d.Schedule[s.Step].Percent >= 100:
		s.Next = release.NextPromote
	default:
		s.Next = release.NextShift
	}
	return d, nil
}
