package main

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"

	"github.com/greenlight/greenlight/internal/failure"
	"github.com/greenlight/greenlight/internal/ledger"
	"github.com/greenlight/greenlight/internal/release"
)

// releaser gives a function's lock back.
type releaser interface {
	Release(ctx context.Context, fn, executionARN string) error
}

// alarmDeleter deletes alarms.
type alarmDeleter interface {
	DeleteAlarms(context.Context, *cloudwatch.DeleteAlarmsInput, ...func(*cloudwatch.Options)) (*cloudwatch.DeleteAlarmsOutput, error)
}

var (
	_ releaser     = (*ledger.Ledger)(nil)
	_ alarmDeleter = (*cloudwatch.Client)(nil)
)

// Handler cleans up after a release on every terminal path. It is safe to run
// twice, and safe to run for an execution that never got the lock: it then
// leaves the other execution's lock alone.
type Handler struct {
	Ledger     releaser
	CloudWatch alarmDeleter
}

// Handle deletes the release alarm, then releases the lock.
func (h *Handler) Handle(ctx context.Context, d *release.Document) (*release.Document, error) {
	if a := d.State.ReleaseAlarm; a != "" {
		// CloudWatch answers ResourceNotFound for an alarm that is already
		// gone (a repeat of this task) or was never created (deploy failed
		// before it): either way there is nothing left to delete.
		_, err := h.CloudWatch.DeleteAlarms(ctx, &cloudwatch.DeleteAlarmsInput{AlarmNames: []string{a}})
		if err != nil && !failure.IsNotFound(err) {
			return nil, failure.Classify("delete alarm "+a, err)
		}
	}
	if err := h.Ledger.Release(ctx, d.Function, d.ExecutionARN); err != nil {
		return nil, failure.Classify("release lock of "+d.Function, err)
	}
	return d, nil
}
