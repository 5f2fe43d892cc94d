package main

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"

	"github.com/greenlight/greenlight/internal/drift"
	"github.com/greenlight/greenlight/internal/failure"
	"github.com/greenlight/greenlight/internal/ledger"
	"github.com/greenlight/greenlight/internal/release"
)

// book records what the release left and gives the function's lock back.
type book interface {
	Get(ctx context.Context, fn string) (ledger.Record, string, error)
	Release(ctx context.Context, fn, executionARN string) error
	drift.Recorder
}

// alarmDeleter deletes alarms.
type alarmDeleter interface {
	DeleteAlarms(context.Context, *cloudwatch.DeleteAlarmsInput, ...func(*cloudwatch.Options)) (*cloudwatch.DeleteAlarmsOutput, error)
}

var (
	_ book         = (*ledger.Ledger)(nil)
	_ alarmDeleter = (*cloudwatch.Client)(nil)
)

// Handler cleans up after a release on every terminal path. It is safe to run
// twice, and safe to run for an execution that never got the lock: it then
// leaves the other execution's lock alone.
type Handler struct {
	Ledger     book
	CloudWatch alarmDeleter
	Lambda     drift.Reader
}

// Handle deletes the release alarm, records what the release left the
// function in (for the next release's drift check), then releases the lock.
//
// A group release cleans up after every member, released or not (each holds
// a lock), and goes on after a member's failure; the first is returned.
func (h *Handler) Handle(ctx context.Context, d *release.Document) (*release.Document, error) {
	err := d.ConcurrentMembers(false, func(m *release.Document) error {
		err := h.unlock(ctx, m)
		if d.IsGroup() {
			err = failure.OfMember(m.Function, err)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// unlock cleans up after one function: the release's, or a group member's.
func (h *Handler) unlock(ctx context.Context, d *release.Document) error {
	if a := d.State.ReleaseAlarm; a != "" {
		// CloudWatch answers ResourceNotFound for an alarm that is already
		// gone (a repeat of this task) or was never created (deploy failed
		// before it): either way there is nothing left to delete.
		_, err := h.CloudWatch.DeleteAlarms(ctx, &cloudwatch.DeleteAlarmsInput{AlarmNames: []string{a}})
		if err != nil && !failure.IsNotFound(err) {
			return failure.Classify("delete alarm "+a, err)
		}
	}
	if err := h.leave(ctx, d); err != nil {
		return err
	}
	if err := h.Ledger.Release(ctx, d.Function, d.ExecutionARN); err != nil {
		return failure.Classify("release lock of "+d.Function, err)
	}
	return nil
}

// leave records what the release left, while it still holds the lock: no
// other release can have changed the function since. A repeat after the
// lock was released, or a release that never held it, records nothing.
func (h *Handler) leave(ctx context.Context, d *release.Document) error {
	held, _, err := h.Ledger.Get(ctx, d.Function)
	if errors.Is(err, ledger.ErrNotHeld) {
		return nil
	}
	if err != nil {
		return failure.Classify("read lock of "+d.Function, err)
	}
	if held.ExecutionARN != d.ExecutionARN {
		return nil
	}
	return drift.Leave(ctx, h.Lambda, h.Ledger, drift.Left{
		Function: d.Function, ReleaseID: d.ReleaseID, ExecutionARN: d.ExecutionARN, State: drift.State{LiveAlias: d.LiveAlias},
	})
}
