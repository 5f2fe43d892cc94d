// Package failure holds the typed errors that greenlight's Lambdas return to
// the state machine.
//
// aws-lambda-go reports the Go type name of the outermost error as the Step
// Functions error name, so each handler returns one of these types unwrapped,
// and the workflow's Retry and Catch rules refer to the same names (see the
// Name constants). Causes are kept inside with %w so logs keep the detail.
package failure

import (
	"fmt"
	"strings"
)

// Error names as Step Functions sees them. Each equals the Go type name of
// the matching error type; a test keeps them in step.
const (
	NameValidation     = "ValidationError"
	NameLockHeld       = "LockHeldError"
	NameArtifact       = "ArtifactError"
	NameConflict       = "ConflictError"
	NameThrottled      = "ThrottledError"
	NameTestFailed     = "TestFailedError"
	NameAlarmBreached  = "AlarmBreachedError"
	NameHalted         = "HaltedError"
	NameRollbackFailed = "RollbackFailedError"
	NameOperation      = "OperationError"
)

// ValidationError lists every problem found in a release request at once.
type ValidationError struct {
	Problems []string
}

func (e *ValidationError) Error() string {
	return "invalid release: " + strings.Join(e.Problems, "; ")
}

// Add records a problem; it formats like fmt.Sprintf.
func (e *ValidationError) Add(format string, args ...any) {
	e.Problems = append(e.Problems, fmt.Sprintf(format, args...))
}

// Err returns e when it holds a problem and nil otherwise, so that a
// validation pass can end with "return v.Err()" without returning a typed nil.
func (e *ValidationError) Err() error {
	if e == nil || len(e.Problems) == 0 {
		return nil
	}
	return e
}

// LockHeldError says that another running execution is releasing the function.
type LockHeldError struct {
	Function     string
	ExecutionARN string // the holder
	ReleaseID    string // the holder's release
}

func (e *LockHeldError) Error() string {
	return fmt.Sprintf("%s is being released by %s (execution %s)", e.Function, e.ReleaseID, e.ExecutionARN)
}

// ArtifactError says the artifact cannot be deployed: it is gone, too big, not
// a zip, or its checksum does not match.
type ArtifactError struct {
	Reason string
	Err    error
}

func (e *ArtifactError) Error() string {
	if e.Err != nil {
		return "artifact: " + e.Reason + ": " + e.Err.Error()
	}
	return "artifact: " + e.Reason
}

func (e *ArtifactError) Unwrap() error { return e.Err }

// ConflictError says a resource changed under us (a concurrent update, a
// RevisionId or ETag that no longer matches). Retrying is safe.
type ConflictError struct {
	Op  string
	Err error
}

func (e *ConflictError) Error() string { return e.Op + ": conflict: " + e.Err.Error() }

func (e *ConflictError) Unwrap() error { return e.Err }

// ThrottledError says AWS throttled the call or failed on its side. Retrying
// after a pause is safe.
type ThrottledError struct {
	Op  string
	Err error
}

func (e *ThrottledError) Error() string { return e.Op + ": throttled or unavailable: " + e.Err.Error() }

func (e *ThrottledError) Unwrap() error { return e.Err }

// OperationError says an AWS call failed in a way that retrying will not
// fix (access denied, a missing resource, an invalid parameter).
type OperationError struct {
	Op  string
	Err error
}

func (e *OperationError) Error() string { return e.Op + ": " + e.Err.Error() }

func (e *OperationError) Unwrap() error { return e.Err }

// TestResult is the outcome of one test case or of the hook.
type TestResult struct {
	Name   string `json:"name"`
	Passed bool   `json:"passed"`
	Detail string `json:"detail,omitempty"`
}

// TestFailedError lists the test cases that failed against the green version.
type TestFailedError struct {
	Failed []TestResult
}

func (e *TestFailedError) Error() string {
	parts := make([]string, len(e.Failed))
	for i, r := range e.Failed {
		parts[i] = r.Name + ": " + r.Detail
	}
	return fmt.Sprintf("%d test(s) failed: %s", len(e.Failed), strings.Join(parts, "; "))
}

// BreachedAlarm names an alarm that stopped a release.
type BreachedAlarm struct {
	Name   string
	State  string
	Reason string
}

// AlarmBreachedError says one or more alarms are in ALARM (or missing).
type AlarmBreachedError struct {
	Alarms []BreachedAlarm
}

func (e *AlarmBreachedError) Error() string {
	parts := make([]string, len(e.Alarms))
	for i, a := range e.Alarms {
		parts[i] = fmt.Sprintf("%s is %s (%s)", a.Name, a.State, a.Reason)
	}
	return "alarm breached: " + strings.Join(parts, "; ")
}

// HaltedError says an operator or the alarm guard stopped the release.
type HaltedError struct {
	Reason string
	By     string
}

func (e *HaltedError) Error() string { return "release halted by " + e.By + ": " + e.Reason }

// ByOutsideChange is the HaltedError.By of a release that found its live
// alias changed by someone else (an operator's update-alias, another tool).
// Such a release moves no traffic again: whoever changed live owns it now.
const ByOutsideChange = "outside change"

// RollbackFailedError says the function could not be put back on its previous
// version; it needs attention.
type RollbackFailedError struct {
	Function string
	Err      error
}

func (e *RollbackFailedError) Error() string {
	return "rollback of " + e.Function + " failed: " + e.Err.Error()
}

func (e *RollbackFailedError) Unwrap() error { return e.Err }

// OfMember names the member of a group release that err comes from, keeping
// err's type (the error name the workflow's Retry and Catch rules match):
// the member's function leads the message, as in "shop-api: …", so that
// the notification can say which member decided the outcome. Errors that
// name their function already, and nil, are returned as they are.
func OfMember(fn string, err error) error {
	prefix := fn + ": "
	switch e := err.(type) {
	case *ValidationError:
		c := &ValidationError{Problems: make([]string, len(e.Problems))}
		for i, p := range e.Problems {
			c.Problems[i] = prefix + p
		}
		return c
	case *ArtifactError:
		return &ArtifactError{Reason: prefix + e.Reason, Err: e.Err}
	case *ConflictError:
		return &ConflictError{Op: prefix + e.Op, Err: e.Err}
	case *ThrottledError:
		return &ThrottledError{Op: prefix + e.Op, Err: e.Err}
	case *OperationError:
		return &OperationError{Op: prefix + e.Op, Err: e.Err}
	case *TestFailedError:
		c := &TestFailedError{Failed: make([]TestResult, len(e.Failed))}
		for i, r := range e.Failed {
			r.Name = prefix + r.Name
			c.Failed[i] = r
		}
		return c
	case *AlarmBreachedError:
		c := &AlarmBreachedError{Alarms: make([]BreachedAlarm, len(e.Alarms))}
		for i, a := range e.Alarms {
			a.Reason = prefix + a.Reason
			c.Alarms[i] = a
		}
		return c
	case *HaltedError:
		return &HaltedError{Reason: prefix + e.Reason, By: e.By}
	}
	return err
}
