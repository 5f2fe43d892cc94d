package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/greenlight/greenlight/cmd/internal/follow"
	"github.com/greenlight/greenlight/internal/notice"
	"github.com/greenlight/greenlight/internal/release"
)

type executionReader interface {
	sfn.ListExecutionsAPIClient
	sfn.GetExecutionHistoryAPIClient
	DescribeExecution(ctx context.Context, in *sfn.DescribeExecutionInput, optFns ...func(*sfn.Options)) (*sfn.DescribeExecutionOutput, error)
}

// executionStarter starts a release with a console input.
type executionStarter interface {
	StartExecution(ctx context.Context, in *sfn.StartExecutionInput, optFns ...func(*sfn.Options)) (*sfn.StartExecutionOutput, error)
}

var (
	_ executionReader  = (*sfn.Client)(nil)
	_ executionStarter = (*sfn.Client)(nil)
)

// releaseReport summarises one execution: --output json prints it.
type releaseReport struct {
	ReleaseID string `json:"releaseId,omitempty"`
	// Function is the function released, or the group (then Group too).
	Function        string     `json:"function"`
	Group           string     `json:"group,omitempty"`
	ExecutionARN    string     `json:"executionArn"`
	Status          string     `json:"status"`
	Outcome         string     `json:"outcome"`
	StartedAt       time.Time  `json:"startedAt"`
	StoppedAt       *time.Time `json:"stoppedAt,omitempty"`
	DurationSeconds float64    `json:"durationSeconds"`
	Strategy        string     `json:"strategy,omitempty"`
	Blue            string     `json:"blue,omitempty"`
	Green           string     `json:"green,omitempty"`
	Error           string     `json:"error,omitempty"`
	Cause           string     `json:"cause,omitempty"`
	// Members are a group release's members, in the group's order.
	Members []memberReport `json:"members,omitempty"`
}

// memberReport is one member of a group release.
type memberReport struct {
	Function string `json:"function"`
	Blue     string `json:"blue,omitempty"`
	Green    string `json:"green,omitempty"`
	// Released: the release changes the member's code or configuration.
	// A member it does not change serves blue throughout.
	Released bool `json:"released"`
}

// membersOf reports the members of a group release document.
func membersOf(doc *release.Document) []memberReport {
	var members []memberReport
	for _, m := range doc.Members {
		members = append(members, memberReport{Function: m.Function, Blue: m.State.Blue, Green: m.State.Green, Released: m.Released()})
	}
	return members
}

// Outcomes of a release, as reports print them. A release that ended on its
// own is named by the event the workflow notified (notice.Event).
const (
	outcomeRunning        = "running"
	outcomePromoted       = string(notice.Promoted)
	outcomeNoop           = string(notice.Noop)
	outcomeRolledBack     = string(notice.RolledBack)
	outcomeRollbackFailed = string(notice.RollbackFailed)
	outcomeRejected       = string(notice.Rejected)
	outcomeFailed         = string(notice.Failed)
	outcomeTimedOut       = "timedOut"
	outcomeAborted        = "aborted"
)

// succeeded reports whether an outcome counts as success for exit codes.
func succeeded(outcome string) bool {
	return outcome == outcomePromoted || outcome == outcomeNoop
}

// trail is what an execution's data says about its release: the newest
// release document, and the newest event handed to the notify task.
type trail struct {
	doc   *release.Document
	event notice.Event
}

// outcomeOf decides how an execution ended from its status and its trail.
func outcomeOf(status sfntypes.ExecutionStatus, t trail) string {
	switch status {
	case sfntypes.ExecutionStatusRunning, sfntypes.ExecutionStatusPendingRedrive:
		return outcomeRunning
	case sfntypes.ExecutionStatusSucceeded:
		if t.event == notice.Noop || t.doc != nil && (t.doc.State.Noop || t.doc.State.Phase == release.PhaseNoop) {
			return outcomeNoop
		}
		return outcomePromoted
	case sfntypes.ExecutionStatusTimedOut:
		return outcomeTimedOut
	case sfntypes.ExecutionStatusAborted:
		return outcomeAborted
	}
	switch t.event {
	case notice.RolledBack, notice.RollbackFailed, notice.Rejected, notice.Failed:
		return string(t.event)
	}
	if t.doc != nil && t.doc.State.Phase == release.PhaseRolledBack {
		return outcomeRolledBack
	}
	return outcomeFailed
}

// lastTrail reads an execution's trail: from its output when it succeeded,
// otherwise from the newest state inputs and outputs in its history.
func lastTrail(ctx context.Context, api executionReader, d *sfn.DescribeExecutionOutput) (trail, error) {
	var t trail
	if doc, event := decodeDocument(aws.ToString(d.Output)); doc != nil {
		return trail{doc: doc, event: event}, nil
	}
	p := sfn.NewGetExecutionHistoryPaginator(api, &sfn.GetExecutionHistoryInput{
		ExecutionArn: d.ExecutionArn, ReverseOrder: true, IncludeExecutionData: aws.Bool(true),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return t, fmt.Errorf("execution history of %s: %w", aws.ToString(d.ExecutionArn), err)
		}
		for _, e := range page.Events {
			doc, event := decodeDocument(eventData(e))
			if doc == nil {
				continue
			}
			if t.doc == nil {
				t.doc = doc
			}
			// A running release has not been notified about its end yet.
			if event != "" || d.Status == sfntypes.ExecutionStatusRunning {
				t.event = event
				return t, nil
			}
		}
	}
	return t, nil
}

// eventData is the JSON a history event carries, if any.
func eventData(e sfntypes.HistoryEvent) string {
	switch {
	case e.StateExitedEventDetails != nil:
		return aws.ToString(e.StateExitedEventDetails.Output)
	case e.StateEnteredEventDetails != nil:
		return aws.ToString(e.StateEnteredEventDetails.Input)
	case e.TaskSucceededEventDetails != nil:
		return aws.ToString(e.TaskSucceededEventDetails.Output)
	case e.LambdaFunctionSucceededEventDetails != nil:
		return aws.ToString(e.LambdaFunctionSucceededEventDetails.Output)
	}
	return ""
}

// decodeDocument reads a release document, or the {"event", "release"}
// envelope the notify task takes (then event is set). It returns a nil
// document for anything else.
func decodeDocument(data string) (doc *release.Document, event notice.Event) {
	if data == "" {
		return nil, ""
	}
	var probe struct {
		SchemaVersion int             `json:"schemaVersion"`
		ReleaseID     string          `json:"releaseId"`
		Event         notice.Event    `json:"event"`
		Release       json.RawMessage `json:"release"`
	}
	if json.Unmarshal([]byte(data), &probe) != nil {
		return nil, ""
	}
	if probe.SchemaVersion == 0 && probe.Release != nil {
		doc, _ := decodeDocument(string(probe.Release))
		if doc == nil {
			return nil, ""
		}
		return doc, probe.Event
	}
	if probe.SchemaVersion != release.SchemaVersion || probe.ReleaseID == "" {
		return nil, ""
	}
	doc = new(release.Document)
	if json.Unmarshal([]byte(data), doc) != nil {
		return nil, ""
	}
	return doc, ""
}

// reportOf builds the report of a described execution and its last document.
func reportOf(d *sfn.DescribeExecutionOutput, t trail, now time.Time) releaseReport {
	r := releaseReport{
		ExecutionARN: aws.ToString(d.ExecutionArn),
		Status:       string(d.Status),
		Outcome:      outcomeOf(d.Status, t),
		StartedAt:    aws.ToTime(d.StartDate),
		StoppedAt:    d.StopDate,
		Error:        aws.ToString(d.Error),
		Cause:        aws.ToString(d.Cause),
	}
	end := now
	if d.StopDate != nil {
		end = *d.StopDate
	}
	if !r.StartedAt.IsZero() {
		r.DurationSeconds = end.Sub(r.StartedAt).Round(time.Second).Seconds()
	}
	subject := follow.SubjectOf(aws.ToString(d.Input))
	r.Function, r.Group = subject.Name(), subject.Group
	doc := t.doc
	if doc == nil {
		return r
	}
	r.ReleaseID = doc.ReleaseID
	if doc.Function != "" {
		r.Function = doc.Function
	}
	if doc.IsGroup() {
		r.Group = doc.Group
	}
	r.Strategy = doc.Strategy.Name
	r.Blue, r.Green = doc.State.Blue, doc.State.Green
	r.Members = membersOf(doc)
	if doc.Error != nil {
		r.Error, r.Cause = doc.Error.Error, doc.Error.Cause
	}
	return r
}

// findExecution waits for the execution that the upload of obj started.
func (a *releaseApp) findExecution(ctx context.Context, s *session, obj follow.Object, since time.Time) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, a.findTimeout)
	defer cancel()
	arn, err := follow.Find(ctx, s.executions, s.stack.StateMachineARN, obj, since, a.poll)
	var notStarted *follow.NotStartedError
	if errors.As(err, &notStarted) {
		return "", environmentf("no release started for s3://%s/%s within %s: is the stack's EventBridge rule in place and the bucket sending events to EventBridge?", obj.Bucket, obj.Key, a.findTimeout)
	}
	return arn, err
}
