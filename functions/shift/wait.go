package main

import (
	"context"
	"fmt"

	"github.com/greenlight/greenlight/internal/decision"
	"github.com/greenlight/greenlight/internal/failure"
	"github.com/greenlight/greenlight/internal/ledger"
	"github.com/greenlight/greenlight/internal/release"
)

// waitBook records where a release waits.
type waitBook interface {
	Await(ctx context.Context, fn, executionARN string, w ledger.Wait) (ledger.Record, error)
}

var _ waitBook = (*ledger.Ledger)(nil)

// Input is the shift function's payload: the release document for a traffic
// step or, from the workflow's bake and approval states (Lambda tasks with
// ".waitForTaskToken"), the same document's function, execution and step
// with the task's token and what it waits for.
type Input struct {
	release.Document
	TaskToken string        `json:"taskToken,omitempty"`
	Wait      decision.Wait `json:"wait,omitempty"`
}

// Invoke moves traffic one step, or records a wait when the input carries a
// task token.
func (h *Handler) Invoke(ctx context.Context, in Input) (*release.Document, error) {
	if in.TaskToken == "" {
		return h.Handle(ctx, &in.Document)
	}
	return nil, h.Await(ctx, in)
}

// Await stores the task token in the lock record, where the guard and the
// operator find it, and returns: the execution waits until the token is
// answered or the state times out. A decision written before the token was
// stored had no token to answer, so Await answers it itself. A group
// release stores the token in every member's record: a decision on any
// member ends the wait of the whole group.
func (h *Handler) Await(ctx context.Context, in Input) error {
	fn := in.Function
	if !in.Wait.Valid() {
		return &failure.OperationError{Op: "wait in the release of " + fn, Err: fmt.Errorf("unknown wait %q", in.Wait)}
	}
	functions := in.Functions
	if len(functions) == 0 {
		functions = []string{fn}
	}
	for _, member := range functions {
		r, err := h.Waits.Await(ctx, member, in.ExecutionARN, ledger.Wait{For: in.Wait, Token: in.TaskToken, Step: in.State.Step})
		if err != nil {
			return ledger.AsHalt(member, err)
		}
		if d, ok := r.Decided(in.Wait, in.State.Step); ok {
			if err := decision.Send(ctx, h.Tasks, in.TaskToken, d); err != nil {
				return failure.Classify("end the "+string(in.Wait)+" of "+fn, err)
			}
			return nil
		}
	}
	return nil
}
