package main

import (
	"context"
	"errors"
	"fmt"
	"os/user"

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

// operatorOptions are the flags of rollback and promote.
type operatorOptions struct {
	function, reason, stack string
}

func newRollbackCmd(a *releaseApp) *cobra.Command {
	var o operatorOptions
	cmd := &cobra.Command{
		Use:   "rollback --function F [--reason TEXT]",
		Short: "Halt a running release: blue serves 100 % at once",
		Long: `Halt the running release of a function. A halt is written into the
release's lock record and the live alias is set back to the blue version at
100 % right away (routing cleared). A release waiting in its bake or for an
approval is woken at once and takes its rollback path, so the notification
and the unlock follow within a second, as for an alarm. Rolling back a
release that waits for approval rejects it. Running it twice is safe. A
release an operator has promoted cannot be rolled back: the command fails,
naming the promote that won.`,
		Example: `  greenlight rollback --function orders
  greenlight rollback --function orders --reason "latency regression on checkout"`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r, err := a.operate(cmd, o, a.rollback, o.reason)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if r.Blue == "" {
				fmt.Fprintf(out, "%s: first release %s halted before it served traffic\n", r.Function, r.ReleaseID)
			} else {
				fmt.Fprintf(out, "%s: %s alias serves %s at 100%%\n", r.Function, r.LiveAlias, version(r.Blue))
			}
			fmt.Fprintf(out, "release %s halted (%s); it ends as rolled back now\n", r.ReleaseID, r.Halt.Reason)
			return nil
		},
	}
	cmd.Flags().StringVarP(&o.function, "function", "f", "", "function whose release to halt (required)")
	cmd.Flags().StringVarP(&o.reason, "reason", "r", "operator rollback", "why, shown in the notification")
	stackFlag(cmd, &o.stack)
	return cmd
}

func newPromoteCmd(a *releaseApp) *cobra.Command {
	var o operatorOptions
	cmd := &cobra.Command{
		Use:   "promote --function F",
		Short: "Skip the remaining bake: green serves 100 % now",
		Long: `Finish the running release of a function early. A promote request is
written into the release's lock record, then the live alias is set to the
green version at 100 % right away (routing cleared). A release waiting in its
bake or for an approval is woken at once and ends as promoted. Only a
release that passed its tests and is shifting traffic can be promoted.
A promote and a rollback of the same release are exclusive: the first one
recorded wins (an alarm's halt counts as a rollback), and the other command
fails, naming the decision that won.`,
		Example: `  greenlight promote --function orders`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r, err := a.operate(cmd, o, a.promote, "operator promote")
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %s alias serves %s at 100%%\nrelease %s ends as promoted now\n",
				r.Function, r.LiveAlias, version(r.Green), r.ReleaseID)
			return nil
		},
	}
	cmd.Flags().StringVarP(&o.function, "function", "f", "", "function whose release to promote (required)")
	stackFlag(cmd, &o.stack)
	return cmd
}

func newApproveCmd(a *releaseApp) *cobra.Command {
	var o operatorOptions
	cmd := &cobra.Command{
		Use:   "approve --function F [--reason TEXT]",
		Short: "Let a release waiting for approval go on",
		Long: `Approve the step a release waits on: a strategy step with "approval": true
(or a preset with "approval": true) waits after its bake until it is
approved, rolled back (greenlight rollback rejects it) or its approval
timeout passes, which rolls back. The approval is written into the
release's lock record, with who gave it, and the release goes on at once.`,
		Example: `  greenlight approve --function orders
  greenlight approve --function orders --reason "dashboards look fine"`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r, err := a.operate(cmd, o, a.approve, o.reason)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "release %s: step %d approved by %s; it goes on now\n", r.ReleaseID, r.Approved.Step+1, r.Approved.By)
			return nil
		},
	}
	cmd.Flags().StringVarP(&o.function, "function", "f", "", "function whose release to approve (required)")
	cmd.Flags().StringVarP(&o.reason, "reason", "r", "", "why, shown in the notification")
	stackFlag(cmd, &o.stack)
	return cmd
}

// approve records the approval, then wakes the release.
// operate checks the --function flag, opens the stack and applies act to the
// function's running release in the operator's name.
func (a *releaseApp) operate(cmd *cobra.Command, o operatorOptions,
	act func(context.Context, *session, string, ledger.Action) (ledger.Record, error), reason string) (ledger.Record, error) {
	if err := checkFunction(o.function); err != nil {
		return ledger.Record{}, err
	}
	s, err := a.open(cmd.Context(), o.stack)
	if err != nil {
		return ledger.Record{}, err
	}
	return act(cmd.Context(), s, o.function, ledger.Action{Reason: reason, By: operator()})
}

func (a *releaseApp) approve(ctx context.Context, s *session, function string, act ledger.Action) (ledger.Record, error) {
	l := s.ledger(a.now)
	r, err := runningRecord(ctx, l, function)
	if err != nil {
		return r, err
	}
	if r.Halt != nil {
		return r, &operatorError{Release: r.ReleaseID, Reason: "is halted and rolling back"}
	}
	r, err = l.Approve(ctx, function, act)
	if errors.Is(err, ledger.ErrNotWaiting) {
		return r, &operatorError{Release: r.ReleaseID, Reason: "is not waiting for approval"}
	}
	if err != nil {
		return r, fmt.Errorf("approve the release of %s: %w", function, err)
	}
	return r, wake(ctx, s, r, decision.Decision{Decision: decision.Approve, Reason: act.Reason, By: act.By})
}

// wake ends the bake or approval the release waits in, so that it acts on
// the decision just recorded now rather than when the wait runs out.
func wake(ctx context.Context, s *session, r ledger.Record, d decision.Decision) error {
	if r.Wait == nil || s.tasks == nil {
		return nil
	}
	if err := decision.Send(ctx, s.tasks, r.Wait.Token, d); err != nil {
		return fmt.Errorf("end the %s of release %s (the decision is recorded; the release acts on it when the %s ends): %w", r.Wait.For, r.ReleaseID, r.Wait.For, err)
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

// rollback records the halt, then restores blue on the live alias. The halt
// goes first so that a step or a promote in flight sees it and backs off
// (both check for a halt after they move traffic); a release that was
// promoted before the halt landed keeps its traffic.
func (a *releaseApp) rollback(ctx context.Context, s *session, function string, act ledger.Action) (ledger.Record, error) {
	l := s.ledger(a.now)
	r, err := runningRecord(ctx, l, function)
	if err != nil {
		return r, err
	}
	if r.Phase == release.PhasePromoted {
		return r, &operatorError{Release: r.ReleaseID, Reason: "is already promoted; deploy the previous artifact to go back"}
	}
	h, err := l.Halt(ctx, function, act)
	if decided := (*ledger.DecidedError)(nil); errors.As(err, &decided) {
		return r, &operatorError{Release: r.ReleaseID, Reason: "was not rolled back: " + decided.Error() + "; deploy the previous artifact to go back"}
	}
	if err != nil {
		return r, fmt.Errorf("halt the release of %s: %w", function, err)
	}
	if h.Phase == release.PhasePromoted {
		return h, &operatorError{Release: h.ReleaseID, Reason: "was promoted before the rollback took effect; deploy the previous artifact to go back"}
	}
	if h.Blue != "" {
		if err := pointAlias(ctx, s.functions, function, h.LiveAlias, h.Blue); err != nil {
			return h, err
		}
	}
	return h, wake(ctx, s, h, decision.Decision{Decision: decision.Rollback, Reason: h.Halt.Reason, By: h.Halt.By})
}

// promote records the promote request, then sends all traffic to green.
func (a *releaseApp) promote(ctx context.Context, s *session, function string, act ledger.Action) (ledger.Record, error) {
	l := s.ledger(a.now)
	r, err := runningRecord(ctx, l, function)
	if err != nil {
		return r, err
	}
	switch {
	case r.Halt != nil:
		// A rollback was decided first (and may have finished already):
		// say so, whatever phase the release has reached since.
		decided := &ledger.DecidedError{Function: function, Decision: decision.Rollback, Action: *r.Halt}
		return r, &operatorError{Release: r.ReleaseID, Reason: "was not promoted: " + decided.Error()}
	case r.Blue == "":
		return r, &operatorError{Release: r.ReleaseID, Reason: "is a first release: it is promoted as soon as its tests pass"}
	case r.Green == "" || r.Phase != release.PhaseShifting && r.Phase != release.PhaseTested && r.Phase != release.PhasePromoted:
		return r, &operatorError{Release: r.ReleaseID, Reason: fmt.Sprintf("has not passed its tests yet (phase %s)", orDash(string(r.Phase)))}
	}
	// The request first: of a promote and a rollback issued at the same
	// moment, the one recorded first wins, and only the winner moves live.
	p, err := l.RequestPromote(ctx, function, act)
	if decided := (*ledger.DecidedError)(nil); errors.As(err, &decided) {
		return r, &operatorError{Release: r.ReleaseID, Reason: "was not promoted: " + decided.Error()}
	}
	if err != nil {
		return r, fmt.Errorf("promote the release of %s: %w", function, err)
	}
	if err := pointAlias(ctx, s.functions, function, p.LiveAlias, p.Green); err != nil {
		return p, err
	}
	return p, wake(ctx, s, p, decision.Decision{Decision: decision.Promote, Reason: act.Reason, By: act.By})
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

// operatorError says a release is not in a state the operator action fits.
type operatorError struct {
	Release string
	Reason  string
}

func (e *operatorError) Error() string { return "release " + e.Release + " " + e.Reason }
