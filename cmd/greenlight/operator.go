package main

import (
	"context"
	"errors"
	"fmt"
	"os/user"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	lambdasdk "github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/spf13/cobra"

	"github.com/greenlight/greenlight/internal/decision"
	"github.com/greenlight/greenlight/internal/ledger"
	"github.com/greenlight/greenlight/internal/release"
)

type aliasUpdater interface {
	UpdateAlias(ctx context.Context, in *lambdasdk.UpdateAliasInput, optFns ...func(*lambdasdk.Options)) (*lambdasdk.UpdateAliasOutput, error)
}

type functionGetter interface {
	GetFunction(ctx context.Context, in *lambdasdk.GetFunctionInput, optFns ...func(*lambdasdk.Options)) (*lambdasdk.GetFunctionOutput, error)
}

// functionAPI is what the commands need from Lambda.
type functionAPI interface {
	aliasUpdater
	functionGetter
}

var _ functionAPI = (*lambdasdk.Client)(nil)

// operatorOptions are the flags of rollback, promote and approve.
type operatorOptions struct {
	function, group, reason, stack string
}

// targetFlags adds --function and --group: what the command acts on.
func (o *operatorOptions) targetFlags(cmd *cobra.Command, verb string) {
	cmd.Flags().StringVarP(&o.function, "function", "f", "", "function whose release to "+verb+"; a member of a group acts on the whole group (this or --group is required)")
	cmd.Flags().StringVarP(&o.group, "group", "g", "", "group whose release to "+verb)
}

func newRollbackCmd(a *releaseApp) *cobra.Command {
	var o operatorOptions
	cmd := &cobra.Command{
		Use:   "rollback (--function F | --group G) [--reason TEXT]",
		Short: "Halt a running release: blue serves 100 % at once",
		Long: `Halt the running release of a function. A halt is written into the
release's lock record and the live alias is set back to the blue version at
100 % right away (routing cleared). A release waiting in its bake or for an
approval is woken at once and takes its rollback path, so the notification
and the unlock follow within a second, as for an alarm. Rolling back a
release that waits for approval rejects it. Running it twice is safe. A
release an operator has promoted cannot be rolled back: the command fails,
naming the promote that won.

A group release is halted as one: --group G, or --function naming any of
its members, writes the halt into every member's lock record and sets every
changed member's live alias back to its blue.`,
		Example: `  greenlight rollback --function orders
  greenlight rollback --function orders --reason "latency regression on checkout"
  greenlight rollback --group shop`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			h, err := a.operate(cmd, o, a.rollback, o.reason)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			for _, r := range h.records {
				switch {
				case h.unchanged(r):
					fmt.Fprintf(out, "%s: not changed by this release, serves %s\n", r.Function, version(r.Blue))
				case r.Blue == "":
					fmt.Fprintf(out, "%s: first release %s halted before it served traffic\n", r.Function, r.ReleaseID)
				default:
					fmt.Fprintf(out, "%s: %s alias serves %s at 100%%\n", r.Function, r.LiveAlias, version(r.Blue))
				}
			}
			first := h.records[0]
			fmt.Fprintf(out, "%srelease %s halted (%s); it ends as rolled back now\n", h.prefix(), first.ReleaseID, first.Halt.Reason)
			return nil
		},
	}
	o.targetFlags(cmd, "halt")
	cmd.Flags().StringVarP(&o.reason, "reason", "r", "operator rollback", "why, shown in the notification")
	stackFlag(cmd, &o.stack)
	return cmd
}

func newPromoteCmd(a *releaseApp) *cobra.Command {
	var o operatorOptions
	cmd := &cobra.Command{
		Use:   "promote (--function F | --group G)",
		Short: "Skip the remaining bake: green serves 100 % now",
		Long: `Finish the running release of a function early. A promote request is
written into the release's lock record, then the live alias is set to the
green version at 100 % right away (routing cleared). A release waiting in its
bake or for an approval is woken at once and ends as promoted. Only a
release that passed its tests and is shifting traffic can be promoted.
A promote and a rollback of the same release are exclusive: the first one
recorded wins (an alarm's halt counts as a rollback), and the other command
fails, naming the decision that won.

A group release is promoted as one: --group G, or --function naming any of
its members, requests the promote in every member's lock record, then sets
every changed member's live alias to its green.`,
		Example: `  greenlight promote --function orders
  greenlight promote --group shop`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			h, err := a.operate(cmd, o, a.promote, "operator promote")
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			for _, r := range h.records {
				if h.unchanged(r) {
					fmt.Fprintf(out, "%s: not changed by this release, serves %s\n", r.Function, version(r.Blue))
					continue
				}
				fmt.Fprintf(out, "%s: %s alias serves %s at 100%%\n", r.Function, r.LiveAlias, version(r.Green))
			}
			fmt.Fprintf(out, "%srelease %s ends as promoted now\n", h.prefix(), h.records[0].ReleaseID)
			return nil
		},
	}
	o.targetFlags(cmd, "promote")
	stackFlag(cmd, &o.stack)
	return cmd
}

func newApproveCmd(a *releaseApp) *cobra.Command {
	var o operatorOptions
	cmd := &cobra.Command{
		Use:   "approve (--function F | --group G) [--reason TEXT]",
		Short: "Let a release waiting for approval go on",
		Long: `Approve the step a release waits on: a strategy step with "approval": true
(or a preset with "approval": true) waits after its bake until it is
approved, rolled back (greenlight rollback rejects it) or its approval
timeout passes, which rolls back. The approval is written into the
release's lock record, with who gave it, and the release goes on at once.
A group release is approved as one (--group G, or --function naming any of
its members): the approval is written into every member's lock record.`,
		Example: `  greenlight approve --function orders
  greenlight approve --function orders --reason "dashboards look fine"
  greenlight approve --group shop`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			h, err := a.operate(cmd, o, a.approve, o.reason)
			if err != nil {
				return err
			}
			r := h.records[0]
			fmt.Fprintf(cmd.OutOrStdout(), "%srelease %s: step %d approved by %s; it goes on now\n", h.prefix(), r.ReleaseID, r.Approved.Step+1, r.Approved.By)
			return nil
		},
	}
	o.targetFlags(cmd, "approve")
	cmd.Flags().StringVarP(&o.reason, "reason", "r", "", "why, shown in the notification")
	stackFlag(cmd, &o.stack)
	return cmd
}

// held is the running release an operator acts on: the lock record of one
// function, or the records of every member of a group that one execution
// holds, in the order of the members' names.
type held struct {
	group   string
	records []ledger.Record
}

// prefix starts the lines that speak of the whole release.
func (h held) prefix() string {
	if h.group == "" {
		return ""
	}
	return "group " + h.group + ": "
}

// unchanged reports whether r is a member of a group release that the
// release does not change: it serves blue throughout, and no operator
// action moves its traffic.
func (h held) unchanged(r ledger.Record) bool {
	return h.group != "" && r.Phase == release.PhaseNoop
}

// refuse says the release is not in a state the operator action fits,
// because of r (a group's member).
func (h held) refuse(r ledger.Record, reason string) error {
	e := &operatorError{Release: r.ReleaseID, Reason: reason, Group: h.group}
	if h.group != "" {
		e.Member = r.Function
	}
	return e
}

// operation is an operator action on a running release: it returns the
// records as it left them.
type operation func(ctx context.Context, s *session, h held, act ledger.Action) ([]ledger.Record, error)

// operate checks the --function or --group flag, opens the stack, finds the
// running release and applies act to it in the operator's name.
func (a *releaseApp) operate(cmd *cobra.Command, o operatorOptions, act operation, reason string) (held, error) {
	name, err := subjectFlags(o.function, o.group)
	if err != nil {
		return held{}, err
	}
	if name == "" {
		return held{}, usagef("--function or --group is required")
	}
	s, err := a.open(cmd.Context(), o.stack)
	if err != nil {
		return held{}, err
	}
	h, err := findHeld(cmd.Context(), s.ledger(a.now), o.function, o.group)
	if err != nil {
		return h, err
	}
	records, err := act(cmd.Context(), s, h, ledger.Action{Reason: reason, By: operator()})
	if records != nil {
		h.records = records
	}
	return h, err
}

// findHeld finds the running release of function, or of group when
// function is empty. A function whose record names a group is a member of
// a group release: the release is the whole group's.
func findHeld(ctx context.Context, l *ledger.Ledger, function, group string) (held, error) {
	var arn string
	if function != "" {
		r, err := runningRecord(ctx, l, function)
		if err != nil || r.Group == "" {
			return held{records: []ledger.Record{r}}, err
		}
		group, arn = r.Group, r.ExecutionARN
	}
	all, err := l.List(ctx)
	if err != nil {
		return held{}, fmt.Errorf("list releases in progress: %w", err)
	}
	records, err := groupRecords(all, group, arn)
	return held{group: group, records: records}, err
}

// groupRecords picks from all lock records those of group's release, held
// by executionARN (any execution when it is empty), sorted by function.
func groupRecords(all []ledger.Record, group, executionARN string) ([]ledger.Record, error) {
	var records []ledger.Record
	var executions []string
	for _, r := range all {
		if r.Group != group || executionARN != "" && r.ExecutionARN != executionARN {
			continue
		}
		records = append(records, r)
		if !slices.Contains(executions, r.ExecutionARN) {
			executions = append(executions, r.ExecutionARN)
		}
	}
	switch {
	case len(records) == 0:
		return nil, notFoundf("no release of group %s is running", group)
	case len(executions) > 1:
		// Only while one release of the group gives back the locks it
		// took and another takes them.
		return nil, fmt.Errorf("group %s: its members' locks are held by %d releases (%s) right now; run the command again", group, len(executions), strings.Join(executions, ", "))
	}
	slices.SortFunc(records, func(a, b ledger.Record) int { return strings.Compare(a.Function, b.Function) })
	return records, nil
}

// Every action writes its decision into the records in the order of the
// members' names, so that of two operators acting on one group at the same
// moment, the first member's record decides who wins: the other stops at
// it and writes nothing.

// approve records the approval in every record, then wakes the release.
func (a *releaseApp) approve(ctx context.Context, s *session, h held, act ledger.Action) ([]ledger.Record, error) {
	l := s.ledger(a.now)
	for _, r := range h.records {
		if r.Halt != nil {
			return nil, h.refuse(r, "is halted and rolling back")
		}
	}
	approved := make([]ledger.Record, 0, len(h.records))
	for _, r := range h.records {
		x, err := l.Approve(ctx, r.Function, act)
		if errors.Is(err, ledger.ErrNotWaiting) {
			return nil, h.refuse(r, "is not waiting for approval")
		}
		if err != nil {
			return nil, fmt.Errorf("approve the release of %s: %w", r.Function, err)
		}
		approved = append(approved, x)
	}
	return approved, wake(ctx, s, approved, decision.Decision{Decision: decision.Approve, Reason: act.Reason, By: act.By})
}

// wake ends the bake or approval the release waits in, so that it acts on
// the decision just recorded now rather than when the wait runs out. The
// members of a group wait on one task: its token is in each record, and is
// answered once.
func wake(ctx context.Context, s *session, records []ledger.Record, d decision.Decision) error {
	if s.tasks == nil {
		return nil
	}
	answered := map[string]bool{}
	for _, r := range records {
		if r.Wait == nil || answered[r.Wait.Token] {
			continue
		}
		answered[r.Wait.Token] = true
		if err := decision.Send(ctx, s.tasks, r.Wait.Token, d); err != nil {
			return fmt.Errorf("end the %s of release %s (the decision is recorded; the release acts on it when the %s ends): %w", r.Wait.For, r.ReleaseID, r.Wait.For, err)
		}
	}
	return nil
}

// operator names who runs the command, for the lock record.
func operator() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return "greenlight-cli:" + u.Username
	}
	return "greenlight-cli"
}

// runningRecord reads the lock record of function's running release.
func runningRecord(ctx context.Context, l *ledger.Ledger, function string) (ledger.Record, error) {
	r, _, err := l.Get(ctx, function)
	if errors.Is(err, ledger.ErrNotHeld) {
		return r, notFoundf("no release of %s is running", function)
	}
	if err != nil {
		return r, fmt.Errorf("read the release of %s: %w", function, err)
	}
	return r, nil
}

// rollback records the halt, then restores blue on the live aliases. The
// halt goes first so that a step or a promote in flight sees it and backs
// off (both check for a halt after they move traffic); a release that was
// promoted before the halt landed keeps its traffic. Every alias is moved
// even when one fails: the halts stay recorded, and the release rolls the
// rest back at its next verify.
func (a *releaseApp) rollback(ctx context.Context, s *session, h held, act ledger.Action) ([]ledger.Record, error) {
	l := s.ledger(a.now)
	for _, r := range h.records {
		if r.Phase == release.PhasePromoted {
			return nil, h.refuse(r, "is already promoted; deploy the previous artifact to go back")
		}
	}
	halted := make([]ledger.Record, 0, len(h.records))
	for _, r := range h.records {
		x, err := l.Halt(ctx, r.Function, act)
		if decided := (*ledger.DecidedError)(nil); errors.As(err, &decided) {
			return nil, h.refuse(r, "was not rolled back: "+decided.Error()+"; deploy the previous artifact to go back")
		}
		if err != nil {
			return nil, fmt.Errorf("halt the release of %s: %w", r.Function, err)
		}
		if x.Phase == release.PhasePromoted {
			return nil, h.refuse(x, "was promoted before the rollback took effect; deploy the previous artifact to go back")
		}
		halted = append(halted, x)
	}
	var errs []error
	for _, x := range halted {
		if x.Blue != "" && !h.unchanged(x) {
			errs = append(errs, pointAlias(ctx, s.functions, x.Function, x.LiveAlias, x.Blue))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return halted, err
	}
	first := halted[0].Halt
	return halted, wake(ctx, s, halted, decision.Decision{Decision: decision.Rollback, Reason: first.Reason, By: first.By})
}

// promote records the promote request, then sends all traffic to green.
func (a *releaseApp) promote(ctx context.Context, s *session, h held, act ledger.Action) ([]ledger.Record, error) {
	l := s.ledger(a.now)
	changed := 0
	for _, r := range h.records {
		if h.unchanged(r) {
			continue
		}
		changed++
		switch {
		case r.Halt != nil:
			// A rollback was decided first (and may have finished already):
			// say so, whatever phase the release has reached since.
			decided := &ledger.DecidedError{Function: r.Function, Decision: decision.Rollback, Action: *r.Halt}
			return nil, h.refuse(r, "was not promoted: "+decided.Error())
		case r.Blue == "":
			return nil, h.refuse(r, "is a first release: it is promoted as soon as its tests pass")
		case r.Green == "" || r.Phase != release.PhaseShifting && r.Phase != release.PhaseTested && r.Phase != release.PhasePromoted:
			return nil, h.refuse(r, fmt.Sprintf("has not passed its tests yet (phase %s)", orDash(string(r.Phase))))
		}
	}
	if changed == 0 {
		return nil, h.refuse(h.records[0], "changes no member: it ends as a no-op")
	}
	// The requests first: of a promote and a rollback issued at the same
	// moment, the one recorded first wins, and only the winner moves live.
	requested := make([]ledger.Record, 0, len(h.records))
	for _, r := range h.records {
		p, err := l.RequestPromote(ctx, r.Function, act)
		if decided := (*ledger.DecidedError)(nil); errors.As(err, &decided) {
			return nil, h.refuse(r, "was not promoted: "+decided.Error())
		}
		if err != nil {
			return nil, fmt.Errorf("promote the release of %s: %w", r.Function, err)
		}
		requested = append(requested, p)
	}
	var errs []error
	for _, p := range requested {
		if !h.unchanged(p) {
			errs = append(errs, pointAlias(ctx, s.functions, p.Function, p.LiveAlias, p.Green))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return requested, err
	}
	return requested, wake(ctx, s, requested, decision.Decision{Decision: decision.Promote, Reason: act.Reason, By: act.By})
}

// pointAlias sends all of an alias's traffic to one version.
func pointAlias(ctx context.Context, api aliasUpdater, function, alias, version string) error {
	_, err := api.UpdateAlias(ctx, &lambdasdk.UpdateAliasInput{
		FunctionName:    aws.String(function),
		Name:            aws.String(alias),
		FunctionVersion: aws.String(version),
		RoutingConfig:   &lambdatypes.AliasRoutingConfiguration{AdditionalVersionWeights: map[string]float64{}},
	})
	if err != nil {
		return fmt.Errorf("point %s:%s at version %s: %w", function, alias, version, err)
	}
	return nil
}

// operatorError says a release is not in a state the operator action fits:
// of a group release, because of Member.
type operatorError struct {
	Group   string
	Member  string
	Release string
	Reason  string
}

func (e *operatorError) Error() string {
	msg := "release " + e.Release + " " + e.Reason
	if e.Group != "" {
		msg = "group " + e.Group + ": " + msg
	}
	if e.Member != "" {
		msg += " (member " + e.Member + ")"
	}
	return msg
}
