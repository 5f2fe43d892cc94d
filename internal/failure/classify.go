package failure

import (
	"errors"
	"net/http"

	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Classify turns an error from an AWS call into the typed error the state
// machine routes on: conflicts and failed preconditions become
// *ConflictError, throttling and server-side failures *ThrottledError, and
// everything else *OperationError. Errors that are already typed pass through.
// Callers that give "not found" a meaning of their own check IsNotFound first.
func Classify(op string, err error) error {
	if err == nil {
		return nil
	}
	if isTyped(err) {
		return err
	}
	switch {
	case hasCode(err, conflictCodes):
		return &ConflictError{Op: op, Err: err}
	case hasCode(err, throttleCodes) || serverSide(err):
		return &ThrottledError{Op: op, Err: err}
	}
	return &OperationError{Op: op, Err: err}
}

// IsNotFound reports whether err says the resource (function, alias, object,
// alarm, execution) does not exist.
func IsNotFound(err error) bool { return hasCode(err, notFoundCodes) }

// IsPreconditionFailed reports whether err is a failed conditional write
// (S3 If-Match / If-None-Match, Lambda RevisionId).
func IsPreconditionFailed(err error) bool {
	return hasCode(err, map[string]bool{"PreconditionFailed": true, "PreconditionFailedException": true, "ConditionalRequestConflict": true})
}

var (
	conflictCodes = map[string]bool{
		"ResourceConflictException":   true,
		"PreconditionFailedException": true,
		"PreconditionFailed":          true,
		"ConditionalRequestConflict":  true,
		"OperationAborted":            true,
	}
	throttleCodes = map[string]bool{
		"TooManyRequestsException": true,
		"ThrottlingException":      true,
		"Throttling":               true,
		"Throttled":                true, // SNS
		"RequestTimeout":           true, // S3: the connection idled out
		"RequestTimeoutException":  true,
		"PriorRequestNotComplete":  true,
		"ThrottledException":       true,
		"RequestLimitExceeded":     true,
		"SlowDown":                 true,
		"ServiceException":         true,
		"ServiceUnavailable":       true,
		"InternalError":            true,
		"InternalFailure":          true,
		"EC2ThrottledException":    true,
	}
	notFoundCodes = map[string]bool{
		"ResourceNotFoundException": true,
		"ResourceNotFound":          true,
		"NotFound":                  true,
		"NoSuchKey":                 true,
		"NoSuchVersion":             true,
		"NoSuchBucket":              true,
		"ExecutionDoesNotExist":     true,
		"NotFoundException":         true,
	}
)

func hasCode(err error, codes map[string]bool) bool {
	var apiErr smithy.APIError
	return errors.As(err, &apiErr) && codes[apiErr.ErrorCode()]
}

// serverSide reports a failure on AWS's side or a throttle the service
// named in no error code: a 5xx or 429 status.
func serverSide(err error) bool {
	var respErr *smithyhttp.ResponseError
	if !errors.As(err, &respErr) {
		return false
	}
	code := respErr.HTTPStatusCode()
	return code >= 500 || code == http.StatusTooManyRequests
}

func isTyped(err error) bool {
	switch err.(type) {
	case *ValidationError, *LockHeldError, *ArtifactError, *ConflictError, *ThrottledError,
		*OperationError, *TestFailedError, *AlarmBreachedError, *HaltedError, *RollbackFailedError:
		return true
	}
	return false
}
