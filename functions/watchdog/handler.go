package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"

	"github.com/greenlight/greenlight/internal/clockenv"
	"github.com/greenlight/greenlight/internal/drift"
	"github.com/greenlight/greenlight/internal/failure"
	"github.com/greenlight/greenlight/internal/ledger"
	"github.com/greenlight/greenlight/internal/notice"
	"github.com/greenlight/greenlight/internal/release"
	"github.com/greenlight/greenlight/internal/traffic"
)

// watchBook finds the locks an execution left behind, records what the
// release left and releases them.
type watchBook interface {
	List(ctx context.Context) ([]ledger.Record, error)
	Release(ctx context.Context, fn, executionARN string) error
	MarkEnded(ctx context.Context, executionARN string) (bool, error)
	drift.Recorder
}

// functions moves a function's live alias back and reads what a release
// leaves it in.
type functions interface {
	traffic.Aliases
	drift.Reader
}

// publisher publishes to the topic.
type publisher interface {
	Publish(context.Context, *sns.PublishInput, ...func(*sns.Options)) (*sns.PublishOutput, error)
}

var (
	_ watchBook = (*ledger.Ledger)(nil)
	_ publisher = (*sns.Client)(nil)
	_ functions = (*awslambda.Client)(nil)
)

// The EventBridge rule selects the events of this stack's state machine.

// Execution statuses the watchdog acts on: the ways an execution ends
// without reaching one of the workflow's endings. (An execution that
// reached one has released its lock, so there is nothing left to do.)
var unfinished = map[string]bool{"ABORTED": true, "TIMED_OUT": true, "FAILED": true}

// statusChange is the detail of a "Step Functions Execution Status Change"
// event.
type statusChange struct {
	ExecutionARN string `json:"executionArn"`
	Status       string `json:"status"`
	Error        string `json:"error"`
	Cause        string `json:"cause"`
	// Input is the execution's input, a JSON string.
	Input string `json:"input"`
}

// queued are the statuses of an execution that may have ended before it
// took its lock — stopped or timed out in prepare, or queued behind another
// release — and so before any notification: the watchdog sends the aborted
// one. (A FAILED execution that holds no lock ended on the workflow's own
// failure paths, which notify.)
var queued = map[string]bool{"ABORTED": true, "TIMED_OUT": true}

// Result says what the watchdog did, for its log.
type Result struct {
	ExecutionARN string   `json:"executionArn"`
	Status       string   `json:"status"`
	Restored     []string `json:"restored"` // functions put back on one version at 100 %
	Released     []string `json:"released"` // functions whose lock was released
}

// Handler restores the invariant after an execution ended unfinished.
type Handler struct {
	Ledger   watchBook
	Lambda   functions
	SNS      publisher
	TopicARN string
	// Now defaults to clockenv.Now: the time of the cloud the function runs in.
	Now func() time.Time
}

// Handle finds every lock the execution still holds and, for each, points
// the live alias at one version at 100 % — green when the record says the
// release was promoted, blue otherwise — releases the lock and publishes an
// aborted notification naming the status and its cause. It is safe to run
// twice: a second run finds no lock left.
func (h *Handler) Handle(ctx context.Context, e events.CloudWatchEvent) (Result, error) {
	var c statusChange
	if err := json.Unmarshal(e.Detail, &c); err != nil || c.ExecutionARN == "" {
		return Result{}, &failure.ValidationError{Problems: []string{"event is not a Step Functions execution status change"}}
	}
	res := Result{ExecutionARN: c.ExecutionARN, Status: c.Status}
	if !unfinished[c.Status] {
		return res, nil
	}
	records, err := h.Ledger.List(ctx)
	if err != nil {
		return res, failure.Classify("list releases", err)
	}
	var firstErr error
	held := false
	for _, r := range records {
		if r.ExecutionARN != c.ExecutionARN {
			continue
		}
		held = true
		restored, err := h.restore(ctx, r, c)
		if restored {
			res.Restored = append(res.Restored, r.Function)
		}
		if err != nil {
			firstErr = cmp.Or(firstErr, err)
			continue
		}
		res.Released = append(res.Released, r.Function)
	}
	if !held && queued[c.Status] {
		// Nothing was changed, but whoever follows the topic learns that
		// the release will not happen; unless this is a repeated delivery
		// of an event already handled (then the lock is gone because the
		// watchdog released it).
		first, err := h.Ledger.MarkEnded(ctx, c.ExecutionARN)
		if err != nil || !first {
			return res, err
		}
		return res, h.publish(ctx, ledger.Record{Function: functionOf(c.Input), ExecutionARN: c.ExecutionARN}, c)
	}
	return res, firstErr
}

// functionOf is the function an execution input releases, "" when the input
// does not say (the notification then names the function "unknown").
func functionOf(input string) string {
	parse := release.ParseConsole
	if release.IsEvent([]byte(input)) {
		parse = release.ParseEvent
	}
	in, err := parse([]byte(input))
	if err != nil {
		return ""
	}
	return in.Function
}

// restore follows the rollback order: traffic first, then what the release
// left (for the next release's drift check), then the lock, then the
// notification. A lock is released only once the traffic is right and
// recorded, so that a failure here is retried (EventBridge retries the
// invocation) with the lock record still there to say what to restore.
func (h *Handler) restore(ctx context.Context, r ledger.Record, c statusChange) (restored bool, err error) {
	version := r.Blue
	if r.Phase == release.PhasePromoted {
		version = r.Green
	}
	if version != "" {
		if err := traffic.Point(ctx, h.Lambda, r.Function, r.LiveAlias, version); err != nil {
			return false, failure.Classify("restore "+r.LiveAlias+" of "+r.Function, err)
		}
		restored = true
	}
	if _, err := h.Ledger.MarkEnded(ctx, r.ExecutionARN); err != nil {
		return restored, err
	}
	left := drift.Left{Function: r.Function, ReleaseID: r.ReleaseID, ExecutionARN: r.ExecutionARN, State: drift.State{LiveAlias: r.LiveAlias}}
	if err := drift.Leave(ctx, h.Lambda, h.Ledger, left); err != nil {
		return restored, err
	}
	if err := h.Ledger.Release(ctx, r.Function, r.ExecutionARN); err != nil {
		return restored, err
	}
	return restored, h.publish(ctx, r, c)
}

func (h *Handler) publish(ctx context.Context, r ledger.Record, c statusChange) error {
	d := &release.Document{
		ReleaseID:    r.ReleaseID,
		Function:     r.Function,
		LiveAlias:    r.LiveAlias,
		ExecutionARN: r.ExecutionARN,
		StartedAt:    r.AcquiredAt,
		State:        release.State{Phase: r.Phase, Blue: r.Blue, Green: r.Green, Step: r.Step, Weight: r.Weight},
		Error:        &release.TaskError{Error: "execution " + c.Status, Cause: cause(c)},
	}
	m := notice.Compose(notice.Aborted, d, h.now(), nil)
	body, err := m.JSON()
	if err != nil {
		return &failure.OperationError{Op: "encode notification", Err: err}
	}
	attrs := make(map[string]snstypes.MessageAttributeValue, len(m.Attributes))
	for k, v := range m.Attributes {
		attrs[k] = snstypes.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(v)}
	}
	if _, err := h.SNS.Publish(ctx, &sns.PublishInput{TopicArn: &h.TopicARN, Subject: &m.Subject, Message: &body, MessageAttributes: attrs}); err != nil {
		return failure.Classify("publish aborted notification", err)
	}
	return nil
}

// cause says what ended the execution: the error and cause StopExecution
// was given (that is where whoever stopped it says who and why), or what
// Step Functions reports for a timeout or a failure.
func cause(c statusChange) string {
	what := map[string]string{
		"ABORTED":   "the execution was stopped",
		"TIMED_OUT": "the execution ran longer than the state machine's timeout",
		"FAILED":    "the execution failed outside the release's own paths",
	}[c.Status]
	switch {
	case c.Error != "" && c.Cause != "":
		return fmt.Sprintf("%s (%s: %s)", what, c.Error, c.Cause)
	case c.Error != "" || c.Cause != "":
		return fmt.Sprintf("%s (%s)", what, c.Error+c.Cause)
	}
	return what
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now().UTC()
	}
	return clockenv.Now().UTC()
}
