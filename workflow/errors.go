package workflow

// Error names the state machine routes on. aws-lambda-go reports the Go type
// name of the error a handler returns as the Step Functions error name, so
// each constant equals the name of a type in internal/failure.
const (
	// ErrValidation: the release input is malformed or names a function the
	// stack is not configured for. Never retried; nothing was touched.
	ErrValidation = "ValidationError"
	// ErrLockHeld: another release of the same function holds the lock.
	// Retried with backoff, which is the queue; rejected when the queue gives up.
	ErrLockHeld = "LockHeldError"
	// ErrArtifact: the artifact is gone, not the object version or checksum the
	// release names, not a zip, or too big. Never retried.
	ErrArtifact = "ArtifactError"
	// ErrConflict: a concurrent change to the function (ResourceConflictException,
	// a failed RevisionId or ETag precondition). Retried with backoff.
	ErrConflict = "ConflictError"
	// ErrThrottled: AWS throttled the call or failed with a 5xx. Retried with backoff.
	ErrThrottled = "ThrottledError"
	// ErrTestFailed: a test case or the test hook failed against green. Never retried.
	ErrTestFailed = "TestFailedError"
	// ErrAlarmBreached: an alarm watching the release is in ALARM. Never retried.
	ErrAlarmBreached = "AlarmBreachedError"
	// ErrHalted: an operator or the guard function stopped the release. Never retried.
	ErrHalted = "HaltedError"
	// ErrRollbackFailed: blue could not be restored. Retried hard, then the
	// execution ends in the loud terminal state.
	ErrRollbackFailed = "RollbackFailedError"
)

// Error names Step Functions itself raises.
const (
	errAll        = "States.ALL"
	errTaskFailed = "States.TaskFailed"
	errTimeout    = "States.Timeout"
)

// Transient errors of the Lambda service while invoking a function.
var lambdaTransient = []string{
	"Lambda.ServiceException",
	"Lambda.AWSLambdaException",
	"Lambda.SdkClientException",
	"Lambda.TooManyRequestsException",
}
