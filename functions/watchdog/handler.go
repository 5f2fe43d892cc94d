package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
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
	// Groups are the configured groups' names (lambdaenv.GroupsVar).
	Groups []string
	// Now defaults to clockenv.Now: the time of the cloud the function runs in.
	Now func() time.Time
}

// Handle finds every lock the execution still holds and, for each, points
// the live alias at one version at 100 % — green when the record says the
// release was promoted, blue otherwise — releases the lock and publishes an
// aborted notification naming the status and its cause. The locks of a
// group release are restored together (see restoreGroup): one version side
// for every member, one notification. It is safe to run twice: a second run
// finds no lock left.
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
	var held []ledger.Record
	for _, r := range records {
		if r.ExecutionARN == c.ExecutionARN {
			held = append(held, r)
		}
	}
	switch {
	case len(held) > 0 && held[0].Group != "":
		err := h.restoreGroup(ctx, held, c, &res)
		return res, err
	case len(held) > 0:
		var firstErr error
		for _, r := range held {
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
		return res, firstErr
	case queued[c.Status]:
		// Nothing was changed, but whoever follows the topic learns that
		// the release will not happen; unless this is a repeated delivery
		// of an event already handled (then the lock is gone because the
		// watchdog released it).
		first, err := h.Ledger.MarkEnded(ctx, c.ExecutionARN)
		if err != nil || !first {
			return res, err
		}
		name, group := targetOf(c.Input, records, h.Groups)
		d := &release.Document{Function: name, ExecutionARN: c.ExecutionARN}
		if group {
			d.Group = name
		}
		return res, h.publish(ctx, d, c)
	}
	return res, nil
}

// targetOf is the function or group an execution input releases, "" when
// the input does not say (the notification then names the function
// "unknown"). A console input names a group as such; the key of an upload,
// releases/<name>/…, names a function or a group alike, and is known for a
// group's when a release of that group holds locks (the one this execution
// queued behind), or when the stack names it among its groups.
func targetOf(input string, records []ledger.Record, groups []string) (name string, group bool) {
	parse := release.ParseConsole
	if release.IsEvent([]byte(input)) {
		parse = release.ParseEvent
	}
	in, err := parse([]byte(input))
	if err != nil {
		return "", false
	}
	if in.Group != "" {
		return in.Group, true
	}
	if in.Function != "" && slices.Contains(groups, in.Function) {
		return in.Function, true
	}
	for _, r := range records {
		if r.Group != "" && r.Group == in.Function {
			return in.Function, true
		}
	}
	return in.Function, false
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
		if err := h.point(ctx, r, version); err != nil {
			return false, err
		}
		restored = true
	}
	if _, err := h.Ledger.MarkEnded(ctx, r.ExecutionARN); err != nil {
		return restored, err
	}
	if err := h.leave(ctx, r); err != nil {
		return restored, err
	}
	return restored, h.publish(ctx, documentOf(r), c)
}

// restoreGroup restores the members of a group release together, so that
// the group is never left mixed: it decides one side for all (see plan),
// points every member's live alias at its version on that side before it
// releases any lock, then records what each member was left in and releases
// its lock, in the plan's order, and publishes one aborted notification for
// the group. One member's failure to move leaves every lock in place: the
// retried event finds the same records and decides the same side.
func (h *Handler) restoreGroup(ctx context.Context, held []ledger.Record, c statusChange, res *Result) error {
	green, order := plan(held)
	var firstErr error
	for _, r := range order {
		version := versionOf(r, green)
		if version == "" {
			continue
		}
		if err := h.point(ctx, r, version); err != nil {
			firstErr = cmp.Or(firstErr, err)
			continue
		}
		res.Restored = append(res.Restored, r.Function)
	}
	if firstErr != nil {
		return firstErr
	}
	if _, err := h.Ledger.MarkEnded(ctx, c.ExecutionARN); err != nil {
		return err
	}
	for _, r := range order {
		if err := h.leave(ctx, r); err != nil {
			return err
		}
		res.Released = append(res.Released, r.Function)
	}
	return h.publish(ctx, groupDocument(held, green), c)
}

// plan decides which side every member of a group release is put on, from
// the lock records the release left: green iff some member's record says
// promoted and every record that carries a halt is itself promoted (a
// promotion that crashed half-way is finished; a member halted before it
// was promoted rolls the whole group back), blue otherwise. order is the
// order to release the locks in: the records that decide last, so that
// whichever records a failure leaves behind, the retried event decides
// the same side from them.
func plan(records []ledger.Record) (green bool, order []ledger.Record) {
	promoted, haltedBlue := false, false
	for _, r := range records {
		promoted = promoted || r.Phase == release.PhasePromoted
		haltedBlue = haltedBlue || r.Halt != nil && r.Phase != release.PhasePromoted
	}
	green = promoted && !haltedBlue
	decides := func(r ledger.Record) bool {
		if green {
			return r.Phase == release.PhasePromoted
		}
		return r.Halt != nil && r.Phase != release.PhasePromoted
	}
	order = slices.Clone(records)
	slices.SortStableFunc(order, func(a, b ledger.Record) int {
		switch da, db := decides(a), decides(b); {
		case da == db:
			return 0
		case db:
			return -1
		}
		return 1
	})
	return green, order
}

// versionOf is the version member record r is put on: its green when the
// group goes green and the member was released (it has a green, other than
// its blue), its blue otherwise; "" leaves a member without a blue alone.
func versionOf(r ledger.Record, green bool) string {
	if green && memberReleased(r) {
		return r.Green
	}
	return r.Blue
}

func memberReleased(r ledger.Record) bool { return r.Green != "" && r.Green != r.Blue }

// point puts r's live alias on version at 100 %.
func (h *Handler) point(ctx context.Context, r ledger.Record, version string) error {
	if err := traffic.Point(ctx, h.Lambda, r.Function, r.LiveAlias, version); err != nil {
		return failure.Classify("restore "+r.LiveAlias+" of "+r.Function, err)
	}
	return nil
}

// leave records what the release left r's function in, then releases its
// lock.
func (h *Handler) leave(ctx context.Context, r ledger.Record) error {
	left := drift.Left{Function: r.Function, ReleaseID: r.ReleaseID, ExecutionARN: r.ExecutionARN, State: drift.State{LiveAlias: r.LiveAlias}}
	if err := drift.Leave(ctx, h.Lambda, h.Ledger, left); err != nil {
		return err
	}
	return h.Ledger.Release(ctx, r.Function, r.ExecutionARN)
}

// documentOf is what the lock record of a function's release says of it.
func documentOf(r ledger.Record) *release.Document {
	return &release.Document{
		ReleaseID:    r.ReleaseID,
		Function:     r.Function,
		LiveAlias:    r.LiveAlias,
		ExecutionARN: r.ExecutionARN,
		StartedAt:    r.AcquiredAt,
		State:        release.State{Phase: r.Phase, Blue: r.Blue, Green: r.Green, Step: r.Step, Weight: r.Weight},
	}
}

// groupDocument is what the lock records of a group release say of it,
// once the watchdog put every member on the green side or on the blue one:
// its phase is promoted exactly when it went green, and a member that was
// not released is a no-op.
func groupDocument(records []ledger.Record, green bool) *release.Document {
	first := records[0]
	d := documentOf(first)
	d.Function, d.Group, d.LiveAlias = first.Group, first.Group, ""
	d.State.Blue, d.State.Green = "", ""
	if green {
		d.State.Phase = release.PhasePromoted
	}
	for _, r := range records {
		if r.AcquiredAt.Before(d.StartedAt) {
			d.StartedAt = r.AcquiredAt
		}
		if !green && r.Phase != release.PhasePromoted {
			d.State.Phase = r.Phase
		}
		d.Functions = append(d.Functions, r.Function)
		d.Members = append(d.Members, &release.Document{Function: r.Function, LiveAlias: r.LiveAlias,
			State: release.State{Blue: r.Blue, Green: r.Green, Noop: !memberReleased(r)}})
	}
	return d
}

// publish sends the aborted notification of d, whose execution ended as c
// says.
func (h *Handler) publish(ctx context.Context, d *release.Document, c statusChange) error {
	d.Error = &release.TaskError{Error: "execution " + c.Status, Cause: cause(c)}
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
