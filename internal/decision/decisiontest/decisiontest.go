// Package decisiontest provides an in-memory stand-in for the Step Functions
// call that answers a task token, for tests of the functions and commands
// that end a release's wait.
package decisiontest

import (
	"context"
	"encoding/json"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/greenlight/greenlight/internal/decision"
)

// Tasks records the decisions sent, by token. A token in Closed answers
// TaskTimedOut, as Step Functions does for a task that has ended; Err, when
// set, is returned by every call.
type Tasks struct {
	mu      sync.Mutex
	answers map[string]decision.Decision
	Closed  map[string]bool
	Err     error
}

var _ decision.Responder = (*Tasks)(nil)

// SendTaskSuccess records the decision in the output.
func (t *Tasks) SendTaskSuccess(_ context.Context, in *sfn.SendTaskSuccessInput, _ ...func(*sfn.Options)) (*sfn.SendTaskSuccessOutput, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.Err != nil {
		return nil, t.Err
	}
	token := aws.ToString(in.TaskToken)
	if t.Closed[token] {
		return nil, &sfntypes.TaskTimedOut{Message: aws.String("Task Timed Out: '" + token + "'")}
	}
	var d decision.Decision
	if err := json.Unmarshal([]byte(aws.ToString(in.Output)), &d); err != nil {
		return nil, &sfntypes.InvalidOutput{Message: aws.String(err.Error())}
	}
	if t.answers == nil {
		t.answers = map[string]decision.Decision{}
	}
	t.answers[token] = d
	return &sfn.SendTaskSuccessOutput{}, nil
}

// Answer returns the decision sent for token, if any.
func (t *Tasks) Answer(token string) (decision.Decision, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	d, ok := t.answers[token]
	return d, ok
}
