package workflow

// The definition routes on the error names of internal/failure (the
// failure.Name constants, each the Go type name aws-lambda-go reports for
// the matching error type), and on the names below, which Step Functions,
// the Lambda service and the workflow itself raise. A test pins that the
// rendered definition uses no other name.

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

// Error names the workflow raises itself: an execution that ends in one of
// its Fail states reports the state's error (DescribeExecution's Error).
// The loud ending, blue not restored, reports failure.NameRollbackFailed.
const (
	// ErrReleaseFailed: the release was not valid, could not start, or its
	// artifact could not be deployed; blue still serves all traffic.
	ErrReleaseFailed = "ReleaseFailed"
	// ErrReleaseRejected: another release of the function held the lock
	// for longer than the queue waits.
	ErrReleaseRejected = "ReleaseRejected"
	// ErrRolledBack: the release was rolled back; blue serves all traffic.
	ErrRolledBack = "RolledBack"
	// ErrUnexpectedVerdict: verify decided neither release.NextShift nor
	// release.NextPromote. It is not an ending: the release is rolled back.
	ErrUnexpectedVerdict = "UnexpectedVerdict"
	// ErrApprovalTimedOut: a step that needs approval got none within the
	// approval timeout. It is not an ending: the release is rolled back.
	ErrApprovalTimedOut = "ApprovalTimedOut"
)
