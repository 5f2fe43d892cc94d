package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/spf13/cobra"

	"github.com/greenlight/greenlight/cmd/internal/follow"
	"github.com/greenlight/greenlight/internal/decision"
	"github.com/greenlight/greenlight/internal/ledger"
	"github.com/greenlight/greenlight/internal/release"
)

type alarmDescriber interface {
	DescribeAlarms(ctx context.Context, in *cloudwatch.DescribeAlarmsInput, optFns ...func(*cloudwatch.Options)) (*cloudwatch.DescribeAlarmsOutput, error)
}

var _ alarmDescriber = (*cloudwatch.Client)(nil)

type watchOptions struct {
	function, group, stack string
}

func newWatchCmd(a *releaseApp) *cobra.Command {
	var o watchOptions
	cmd := &cobra.Command{
		Use:   "watch [--function F | --group G]",
		Short: "Follow a running release live until it ends",
		Long: `Follow a running release: the state it is in, the share of traffic green
receives, the alarm states and the time to the next step. On a terminal the
view redraws in place; otherwise a new view is printed on every change.
watch ends when the release ends, with exit code 0 when it was promoted (or
was a no-op) and 1 when it failed or was rolled back. A group release shows
each member's blue and green; --function naming a member follows the
group's release.`,
		Example: `  greenlight watch --function orders
  greenlight watch --group shop
  greenlight watch            # the only running release`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			name, err := subjectFlags(o.function, o.group)
			if err != nil {
				return err
			}
			s, err := a.open(cmd.Context(), o.stack)
			if err != nil {
				return err
			}
			arn, err := a.pickRunning(cmd.Context(), s, name)
			if err != nil {
				return err
			}
			_, err = a.follow(cmd.Context(), s, arn, true, cmd.OutOrStdout())
			return err
		},
	}
	cmd.Flags().StringVarP(&o.function, "function", "f", "", "function whose release to follow (default: the only running release)")
	cmd.Flags().StringVarP(&o.group, "group", "g", "", "group whose release to follow")
	stackFlag(cmd, &o.stack)
	return cmd
}

// running is an execution in progress and the function or group it
// releases.
type running struct {
	ARN      string
	Function string
	Started  time.Time
}

// runningExecutions lists the executions in progress, oldest first.
func runningExecutions(ctx context.Context, s *session) ([]running, error) {
	var out []running
	p := sfn.NewListExecutionsPaginator(s.executions, &sfn.ListExecutionsInput{
		StateMachineArn: &s.stack.StateMachineARN, StatusFilter: sfntypes.ExecutionStatusRunning,
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list running executions: %w", err)
		}
		for _, e := range page.Executions {
			d, err := s.executions.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: e.ExecutionArn})
			if err != nil {
				return nil, fmt.Errorf("describe execution %s: %w", aws.ToString(e.ExecutionArn), err)
			}
			out = append(out, running{ARN: aws.ToString(e.ExecutionArn), Function: follow.SubjectOf(aws.ToString(d.Input)).Name(), Started: aws.ToTime(e.StartDate)})
		}
	}
	slices.SortStableFunc(out, func(a, b running) int { return a.Started.Compare(b.Started) })
	return out, nil
}

// pickRunning chooses the execution to follow: the oldest running one of
// function or group (later ones wait for its lock), the group release that
// holds function's lock, or the only running release when function is
// empty.
func (a *releaseApp) pickRunning(ctx context.Context, s *session, function string) (string, error) {
	all, err := runningExecutions(ctx, s)
	if err != nil {
		return "", err
	}
	var functions []string
	for _, r := range all {
		if function != "" && r.Function == function {
			return r.ARN, nil
		}
		if !slices.Contains(functions, r.Function) {
			functions = append(functions, r.Function)
		}
	}
	if function != "" {
		r, _, err := s.ledger(a.now).Get(ctx, function)
		if err != nil && !errors.Is(err, ledger.ErrNotHeld) {
			return "", fmt.Errorf("read the release of %s: %w", function, err)
		}
		if err == nil && r.Group != "" && slices.ContainsFunc(all, func(e running) bool { return e.ARN == r.ExecutionARN }) {
			return r.ExecutionARN, nil
		}
	}
	switch {
	case function != "":
		return "", notFoundf("no release of %s is running", function)
	case len(functions) == 0:
		return "", notFoundf("no release is running")
	case len(functions) > 1:
		return "", usagef("releases of %s are running: choose one with --function or --group", strings.Join(functions, ", "))
	}
	return all[0].ARN, nil
}

// follow polls an execution until it ends. With draw set it prints the live
// view and a closing line to out. It returns the execution's report and a
// *releaseFailedError when the release did not end promoted or as a no-op,
// wrapped in a *reportedError when the closing line has told the user.
//
// An interrupt (ctx done) ends the wait between polls. The calls of a poll
// run to their end under their own timeout instead: cancelling one while its
// response is read leaves the SDK a body it cannot discard, which it reports
// as a warning after the command has ended.
func (a *releaseApp) follow(ctx context.Context, s *session, arn string, draw bool, out io.Writer) (*releaseReport, error) {
	v := newView(out)
	var r *releaseReport
	_, err := follow.Execution(ctx, s.executions, arn, follow.Options{Poll: a.poll, CallTimeout: a.callTimeout},
		func(ctx context.Context, d *sfn.DescribeExecutionOutput) error {
			if d.Status != sfntypes.ExecutionStatusRunning {
				t, err := lastTrail(ctx, s.executions, d)
				if err != nil {
					return err
				}
				report := reportOf(d, t, a.now())
				r = &report
				return nil
			}
			if !draw {
				return nil
			}
			f, err := a.currentFrame(ctx, s, d)
			if err != nil {
				return err
			}
			v.show(f)
			return nil
		})
	if err != nil {
		return nil, err
	}
	if draw {
		fmt.Fprintln(out, closingLine(*r))
	}
	if succeeded(r.Outcome) {
		return r, nil
	}
	var failed error = &releaseFailedError{ReleaseID: orDash(r.ReleaseID), Outcome: r.Outcome, Cause: failureCause(*r)}
	if draw {
		failed = &reportedError{err: failed}
	}
	return r, failed
}

// currentFrame gathers what watch shows for a running execution.
func (a *releaseApp) currentFrame(ctx context.Context, s *session, d *sfn.DescribeExecutionOutput) (frame, error) {
	h, err := s.executions.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{
		ExecutionArn: d.ExecutionArn, ReverseOrder: true, MaxResults: 100, IncludeExecutionData: aws.Bool(true),
	})
	if err != nil {
		return frame{}, fmt.Errorf("execution history of %s: %w", aws.ToString(d.ExecutionArn), err)
	}
	var doc *release.Document
	for _, e := range h.Events {
		if doc, _ = decodeDocument(eventData(e)); doc != nil {
			break
		}
	}
	var alarms []alarmState
	if names := alarmNames(watched(doc)); len(names) > 0 {
		out, err := s.alarms.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: names})
		if err != nil {
			return frame{}, fmt.Errorf("describe alarms: %w", err)
		}
		for _, m := range out.MetricAlarms {
			alarms = append(alarms, alarmState{Name: aws.ToString(m.AlarmName), State: string(m.StateValue)})
		}
	}
	var rec *ledger.Record
	if doc != nil {
		// The members of a group wait on one task, recorded in every
		// member's record: the first member's tells it.
		fn := doc.Function
		if doc.IsGroup() && len(doc.Functions) > 0 {
			fn = doc.Functions[0]
		}
		r, _, err := s.ledger(a.now).Get(ctx, fn)
		switch {
		case err == nil:
			rec = &r
		case !errors.Is(err, ledger.ErrNotHeld):
			return frame{}, fmt.Errorf("read the release of %s: %w", fn, err)
		}
	}
	return frameOf(d, h.Events, doc, rec, alarms, a.now()), nil
}

// frameOf builds the live view from the execution, its newest history events
// (newest first), its newest release document, the function's lock record
// (a group's first member's; nil when there is none) and the alarm states. Alarms CloudWatch did not
// report fall back to the states verify recorded. The bake and the approval
// gate are callback tasks that record in the lock record what they wait for
// and since when: that is where the countdowns come from.
func frameOf(d *sfn.DescribeExecutionOutput, events []sfntypes.HistoryEvent, doc *release.Document, rec *ledger.Record, alarms []alarmState, now time.Time) frame {
	subject := follow.SubjectOf(aws.ToString(d.Input))
	f := frame{
		Function: subject.Name(),
		Group:    subject.Group,
		Status:   string(d.Status),
		Elapsed:  now.Sub(aws.ToTime(d.StartDate)),
	}
	var entered *sfntypes.HistoryEvent
	for i := range events {
		if events[i].StateEnteredEventDetails != nil {
			entered = &events[i]
			break
		}
	}
	if entered != nil {
		f.State = aws.ToString(entered.StateEnteredEventDetails.Name)
	}
	if doc == nil {
		return f
	}
	f.Function, f.ReleaseID = doc.Function, doc.ReleaseID
	if doc.IsGroup() {
		f.Group = doc.Group
	}
	f.Strategy = doc.Strategy.Name
	f.Step, f.Steps = len(doc.State.StepsTaken), len(doc.Schedule)
	f.Weight = doc.State.Weight
	f.Blue, f.Green = doc.State.Blue, doc.State.Green
	f.Members = membersOf(doc)
	for _, st := range watched(doc) {
		if i := slices.IndexFunc(alarms, func(a alarmState) bool { return a.Name == st.Name }); i >= 0 {
			st.State = alarms[i].State
		}
		f.Alarms = append(f.Alarms, st)
	}
	f.Approved = slices.Clone(doc.State.Approvals)
	if rec == nil || rec.ExecutionARN != aws.ToString(d.ExecutionArn) {
		return f
	}
	if a := rec.Approved; a != nil && !slices.ContainsFunc(f.Approved, func(x release.Approval) bool { return x.Step == a.Step }) {
		f.Approved = append(f.Approved, release.Approval{Step: a.Step, By: a.By, Reason: a.Reason, At: a.At})
	}
	switch w := rec.Wait; {
	case w == nil || w.Step != doc.State.Step:
		// No wait, or one of an earlier step that has ended.
	case w.For == decision.Bake:
		f.Next = &nextStep{
			In:      w.Since.Add(time.Duration(doc.State.BakeSeconds) * time.Second).Sub(now),
			Percent: afterBake(doc),
		}
	case w.For == decision.Approval && (rec.Approved == nil || rec.Approved.Step != w.Step):
		f.Approval = &approvalWait{
			Step:     w.Step + 1,
			Waited:   now.Sub(w.Since),
			TimesOut: w.Since.Add(time.Duration(doc.State.ApprovalSeconds) * time.Second).Sub(now),
		}
	}
	return f
}

// watched lists the alarms a release watches, each once, with the states
// the release last recorded: a group's own, then each changed member's.
func watched(doc *release.Document) []alarmState {
	if doc == nil {
		return nil
	}
	var states []alarmState
	add := func(d *release.Document) {
		for _, name := range d.WatchedAlarms() {
			if !slices.ContainsFunc(states, func(a alarmState) bool { return a.Name == name }) {
				states = append(states, alarmState{Name: name, State: d.State.AlarmStates[name]})
			}
		}
	}
	add(doc)
	for i, m := range doc.Members {
		if m.Released() {
			add(doc.Member(i))
		}
	}
	return states
}

func alarmNames(states []alarmState) []string {
	names := make([]string, len(states))
	for i, a := range states {
		names[i] = a.Name
	}
	return names
}

// afterBake is the traffic green gets once the current bake ends, 100 when
// the release is then promoted. A bake follows a shift, whose document holds
// in state.step the index of the step it just took; verify moves it on.
func afterBake(doc *release.Document) float64 {
	if next := doc.State.Step + 1; next < len(doc.Schedule) {
		return doc.Schedule[next].Percent
	}
	return 100
}

// closingLine says how a followed release ended.
func closingLine(r releaseReport) string {
	line := fmt.Sprintf("release %s %s after %s", orDash(r.ReleaseID), r.Outcome, humanDuration(time.Duration(r.DurationSeconds)*time.Second))
	if r.Green != "" {
		line += fmt.Sprintf(" (green %s, blue %s)", version(r.Green), version(r.Blue))
	}
	if c := failureCause(r); c != "" && !succeeded(r.Outcome) {
		line += ": " + c
	}
	for _, m := range r.Members {
		line += fmt.Sprintf("\n  %s: %s", m.Function, memberVersions(m))
	}
	return line
}

func failureCause(r releaseReport) string {
	cause := causeMessage(r.Cause)
	switch {
	case r.Error != "" && cause != "":
		return r.Error + ": " + cause
	case r.Error != "":
		return r.Error
	}
	return cause
}

// causeMessage returns the message of a Step Functions error cause. When a
// Lambda function fails, the cause is the function's error payload,
// {"errorMessage": ..., "errorType": ...}, whose type is already the error
// name; people read the message. Any other cause is returned as it is.
func causeMessage(cause string) string {
	var payload struct {
		ErrorMessage *string `json:"errorMessage"`
	}
	if !strings.HasPrefix(cause, "{") || json.Unmarshal([]byte(cause), &payload) != nil || payload.ErrorMessage == nil {
		return cause
	}
	return *payload.ErrorMessage
}

// view draws frames: in place on a terminal, otherwise only on change.
type view struct {
	out      io.Writer
	terminal bool
	lines    int    // lines drawn last time (terminal)
	last     string // the last frame without its clocks (not a terminal)
}

func newView(out io.Writer) *view {
	v := &view{out: out}
	if f, ok := out.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			v.terminal = true
		}
	}
	return v
}

func (v *view) show(f frame) {
	text := renderFrame(f)
	if v.terminal {
		if v.lines > 0 {
			fmt.Fprintf(v.out, "\x1b[%dA\x1b[J", v.lines)
		}
		fmt.Fprint(v.out, text)
		v.lines = strings.Count(text, "\n")
		return
	}
	f.Elapsed = 0
	if f.Next != nil {
		f.Next = &nextStep{Percent: f.Next.Percent}
	}
	if key := renderFrame(f); key != v.last {
		v.last = key
		fmt.Fprintln(v.out, text)
	}
}
