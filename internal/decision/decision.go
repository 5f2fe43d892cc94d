// Package decision carries a decision taken outside a release execution —
// by the alarm guard, an operator (greenlight rollback, promote, approve) or
// the console — into the execution, which waits for it in a callback task.
//
// The bake and approval states of the workflow are Lambda tasks with
// ".waitForTaskToken": the task records its token in the function's lock
// record (see package ledger) and the execution waits until the token is
// answered or the state's timeout (the bake, or the approval timeout) ends
// the wait. Whoever decides first writes the decision into the lock record
// (a halt, a promote request, an approval), then answers the token with
// SendTaskSuccess and a Decision as output. The execution goes on at once to
// its verify step, which reads the lock record and takes the path the
// decision asks for. The record stays the authority: the token only ends the
// wait early, so an answer that arrives late, twice, or after the task timed
// out changes nothing (Send ignores the errors that say so).
package decision

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// Kind is what a decision asks of the release.
type Kind string

// Decisions. The workflow stores the answer at $.decision; the lock record
// says what verify does.
const (
	// Rollback: an alarm fired or an operator rolled back (or rejected an
	// approval); the release ends rolled back.
	Rollback Kind = "rollback"
	// Promote: an operator promoted; the release ends promoted.
	Promote Kind = "promote"
	// Approve: an operator approved the step the release waits on.
	Approve Kind = "approve"
)

// Wait names what a release waits for in a callback task.
type Wait string

// Waits, as the workflow's callback tasks name them in their payload.
const (
	// Bake: the bake after a traffic step; its timeout is the bake.
	Bake Wait = "bake"
	// Approval: an approval gate after a bake; its timeout rolls back.
	Approval Wait = "approval"
)

// Valid reports whether w is one of the known waits.
func (w Wait) Valid() bool { return w == Bake || w == Approval }

// Decision is the output a callback task receives.
type Decision struct {
	Decision Kind   `json:"decision"`
	Reason   string `json:"reason,omitempty"`
	By       string `json:"by,omitempty"`
}

// Responder is the part of the Step Functions API that answers a token.
type Responder interface {
	SendTaskSuccess(context.Context, *sfn.SendTaskSuccessInput, ...func(*sfn.Options)) (*sfn.SendTaskSuccessOutput, error)
}

var _ Responder = (*sfn.Client)(nil)

// Send answers token with d. A token whose task has ended (timed out,
// answered already, or its execution stopped) or that is not valid is not an
// error: the decision is in the lock record, and the execution that no longer
// waits reads it at its next step or has already ended. An empty token does
// nothing.
func Send(ctx context.Context, api Responder, token string, d Decision) error {
	if token == "" {
		return nil
	}
	out, err := json.Marshal(d)
	if err != nil {
		return err
	}
	_, err = api.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(token), Output: aws.String(string(out))})
	if Gone(err) {
		return nil
	}
	return err
}

// Gone reports whether err says the token no longer stands for a waiting
// task: TaskTimedOut, TaskDoesNotExist or InvalidToken.
func Gone(err error) bool {
	var (
		timedOut *sfntypes.TaskTimedOut
		missing  *sfntypes.TaskDoesNotExist
		invalid  *sfntypes.InvalidToken
	)
	return errors.As(err, &timedOut) || errors.As(err, &missing) || errors.As(err, &invalid)
}
