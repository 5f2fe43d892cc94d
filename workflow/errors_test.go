package workflow_test

import (
	"reflect"
	"testing"

	"github.com/greenlight/greenlight/internal/failure"
	"github.com/greenlight/greenlight/workflow"
)

// TestErrorNamesMatchFailureTypes keeps the names the definition routes on
// equal to the Go type names aws-lambda-go reports for the functions' errors.
func TestErrorNamesMatchFailureTypes(t *testing.T) {
	tests := []struct {
		name string
		err  error
	}{
		{workflow.ErrValidation, &failure.ValidationError{}},
		{workflow.ErrLockHeld, &failure.LockHeldError{}},
		{workflow.ErrArtifact, &failure.ArtifactError{}},
		{workflow.ErrConflict, &failure.ConflictError{}},
		{workflow.ErrThrottled, &failure.ThrottledError{}},
		{workflow.ErrTestFailed, &failure.TestFailedError{}},
		{workflow.ErrAlarmBreached, &failure.AlarmBreachedError{}},
		{workflow.ErrHalted, &failure.HaltedError{}},
		{workflow.ErrRollbackFailed, &failure.RollbackFailedError{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := reflect.TypeOf(tt.err).Elem().Name(); got != tt.name {
				t.Errorf("the error type is %s, the workflow routes on %s", got, tt.name)
			}
		})
	}
}
