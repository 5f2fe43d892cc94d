// Package bus holds the small interfaces through which the local cloud's
// services reach each other: S3 and CloudWatch put events on EventBridge,
// Lambda records metrics in CloudWatch, EventBridge starts Step Functions
// executions and invokes Lambda functions, Step Functions invokes Lambda and
// publishes to SNS. Each service depends on these interfaces only, never on
// another service's package, so each can be built and tested alone.
package bus

import (
	"context"
	"encoding/json"
	"time"
)

// Account and Region are the identity every local resource lives in.
const (
	Account = "000000000000"
	Region  = "us-east-1"
)

// Event is an EventBridge event as a producer hands it to the bus.
type Event struct {
	Source     string          // e.g. "aws.s3"
	DetailType string          // e.g. "Object Created"
	Detail     json.RawMessage // the "detail" object
	Resources  []string        // ARNs the event is about
	Time       time.Time
}

// Events receives events for the default event bus.
type Events interface {
	PutEvent(ctx context.Context, e Event) error
}

// Dimension is one CloudWatch metric dimension.
type Dimension struct{ Name, Value string }

// Datum is one metric observation.
type Datum struct {
	Namespace  string
	MetricName string
	Dimensions []Dimension
	Value      float64
	Unit       string
	Time       time.Time
}

// Metrics receives metric data points.
type Metrics interface {
	PutMetric(ctx context.Context, d ...Datum) error
}

// InvokeResult is the outcome of a synchronous Lambda invocation.
type InvokeResult struct {
	Payload         []byte // the function's response or its error document
	FunctionError   string // "" or "Unhandled" (X-Amz-Function-Error)
	ExecutedVersion string // X-Amz-Executed-Version
	StatusCode      int
}

// Invoker runs Lambda functions. function is a name, a partial or full ARN,
// optionally with a ":qualifier" suffix; qualifier, when not empty, wins.
// A service-level failure (function not found, throttled) is returned as an
// error that implements APIError.
type Invoker interface {
	Invoke(ctx context.Context, function, qualifier string, payload []byte) (InvokeResult, error)
}

// Publisher publishes SNS messages; it returns the message id.
type Publisher interface {
	Publish(ctx context.Context, topicARN, subject, message string, attributes map[string]MessageAttribute) (string, error)
}

// MessageAttribute is an SNS message attribute.
type MessageAttribute struct {
	DataType    string // "String", "Number", "String.Array", "Binary"
	StringValue string
}

// Executions starts Step Functions executions (the EventBridge target).
type Executions interface {
	StartExecution(ctx context.Context, stateMachineARN, name, input string) (executionARN string, err error)
}

// APIError is an error that carries an AWS error code and HTTP status, so a
// service can hand another service's failure back to its caller unchanged.
type APIError interface {
	error
	ErrorCode() string
	HTTPStatus() int
}
