package asl

import (
	"errors"
	"fmt"
)

// Error names predefined by the Amazon States Language.
const (
	ErrAll                      = "States.ALL"
	ErrTaskFailed               = "States.TaskFailed"
	ErrTimeout                  = "States.Timeout"
	ErrHeartbeatTimeout         = "States.HeartbeatTimeout"
	ErrRuntime                  = "States.Runtime"
	ErrNoChoiceMatched          = "States.NoChoiceMatched"
	ErrIntrinsicFailure         = "States.IntrinsicFailure"
	ErrDataLimitExceeded        = "States.DataLimitExceeded"
	ErrBranchFailed             = "States.BranchFailed"
	ErrExceedToleratedFailure   = "States.ExceedToleratedFailureThreshold"
	ErrResultPathMatchFailure   = "States.ResultPathMatchFailure"
	ErrParameterPathFailure     = "States.ParameterPathFailure"
	ErrPermissions              = "States.Permissions"
	ErrQueryEvaluationError     = "States.QueryEvaluationError"
	ErrItemReaderFailed         = "States.ItemReaderFailed"
	errAbortedName              = "States.Aborted"
	toleratedFailureExceedCause = "The specified tolerated failure threshold was exceeded"
)

// Error is a named failure as Step Functions reports it: the name Retry and
// Catch match on, and a cause. A TaskResolver returns an *Error to fail a task
// with a chosen name; any other error fails it as States.TaskFailed.
type Error struct {
	Name  string
	Cause string
	// catchable lets States.ALL catch an error whose name it otherwise
	// leaves alone: the States.DataLimitExceeded of an oversized task result
	// is reported as the task's failure, and AWS catches it with States.ALL
	// (test_states_errors.py::test_service_task_lambada_catch_state_all_data_limit_exceeded_on_large_utf8_response).
	catchable bool
}

func (e *Error) Error() string {
	if e.Cause == "" {
		return e.Name
	}
	return e.Name + ": " + e.Cause
}

// asError turns any error into the *Error a state fails with.
func asError(err error, fallback string) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Name: fallback, Cause: err.Error()}
}

// DefinitionError reports an invalid state machine definition; Problems are
// AWS-style entries such as "MISSING_TRANSITION_TARGET: Missing 'Next'
// target: B at /States/A/Next".
type DefinitionError struct {
	Problems []string
}

func (e *DefinitionError) Error() string {
	msg := "Invalid State Machine Definition: '"
	for i, p := range e.Problems {
		if i > 0 {
			msg += ", "
		}
		msg += p
	}
	return msg + "'"
}

// Errors returned by the callback operations of an Engine.
var (
	// ErrTaskDoesNotExist means the token belongs to no waiting task (it
	// finished, timed out, or never existed).
	ErrTaskDoesNotExist = errors.New("task does not exist anymore")
	// ErrInvalidToken means the token is malformed.
	ErrInvalidToken = errors.New("invalid token")
)

// resultTooLarge is the failure of a state or task whose result is larger
// than MaxPayloadSize; who is the state's name, or for a Task's own result
// the service of an integration ("lambda" for arn:aws:states:::lambda:invoke)
// or the ARN of a Lambda function.
func resultTooLarge(who string) *Error {
	return &Error{Name: ErrDataLimitExceeded, Cause: fmt.Sprintf("The state/task '%s' returned a result with a size exceeding the maximum number of bytes service limit.", who)}
}

// runtimeError builds the States.Runtime failure AWS raises when a state's
// data processing goes wrong.
func runtimeError(state string, entered int64, format string, args ...any) *Error {
	return &Error{Name: ErrRuntime, Cause: fmt.Sprintf("An error occurred while executing the state '%s' (entered at the event id #%d). ", state, entered) + fmt.Sprintf(format, args...)}
}
