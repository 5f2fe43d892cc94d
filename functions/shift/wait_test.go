package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/greenlight/greenlight/internal/decision"
	"github.com/greenlight/greenlight/internal/decision/decisiontest"
	"github.com/greenlight/greenlight/internal/failure"
	"github.com/greenlight/greenlight/internal/ledger"
	"github.com/greenlight/greenlight/internal/ledger/ledgertest"
)

func TestAwait(t *testing.T) {
	const arn = "arn:aws:states:us-east-1:123456789012:execution:greenlight:mine"
	tests := []struct {
		name     string
		existing *ledger.Record
		wait     decision.Wait
		answered decision.Kind // "" when the token is left waiting
		wantErr  string
	}{
		{"bake", &ledger.Record{}, decision.Bake, "", ""},
		{"halted before the bake", &ledger.Record{Halt: &ledger.Action{Reason: "alarm", By: "guard"}}, decision.Bake, decision.Rollback, ""},
		{"promoted before the bake", &ledger.Record{Promote: &ledger.Action{By: "ops"}}, decision.Bake, decision.Promote, ""},
		{"approval", &ledger.Record{}, decision.Approval, "", ""},
		{"approved before the gate", &ledger.Record{Approved: &ledger.Approval{Step: 1}}, decision.Approval, decision.Approve, ""},
		{"lock gone", nil, decision.Bake, "", failure.NameHalted},
		{"unknown wait", &ledger.Record{}, "nap", "", failure.NameOperation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := ledgertest.NewBucket()
			if tt.existing != nil {
				tt.existing.Function, tt.existing.ExecutionARN = "orders", arn
				b.Put(t, *tt.existing)
			}
			l := &ledger.Ledger{S3: b, Bucket: "artifacts", Now: func() time.Time { return now }}
			a := &decisiontest.Tasks{}
			h := &Handler{Ledger: l, Waits: l, Tasks: a}
			in := Input{TaskToken: "tok", Wait: tt.wait}
			in.Function, in.ExecutionARN, in.State.Step = "orders", arn, 1
			doc, err := h.Invoke(context.Background(), in)
			if doc != nil {
				t.Errorf("Invoke returned a document for a wait")
			}
			if got := errName(err); got != tt.wantErr {
				t.Fatalf("error %v (%s), want %q", err, got, tt.wantErr)
			}
			if got, _ := a.Answer("tok"); got.Decision != tt.answered {
				t.Errorf("answered %q, want %q", got.Decision, tt.answered)
			}
			if tt.wantErr != "" {
				return
			}
			r, ok := b.Record(t, "orders")
			if !ok || !r.Waiting(tt.wait) || r.Wait.Token != "tok" || r.Wait.Step != 1 {
				t.Errorf("record wait = %+v, want %s with the token at step 1", r.Wait, tt.wait)
			}
		})
	}
}

// errName is the name Step Functions sees for err: its Go type name.
func errName(err error) string {
	if err == nil {
		return ""
	}
	return strings.TrimPrefix(fmt.Sprintf("%T", err), "*failure.")
}
