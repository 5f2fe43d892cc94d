package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/spf13/cobra"

	"github.com/greenlight/greenlight/cmd/internal/follow"
	"github.com/greenlight/greenlight/internal/decision"
	"github.com/greenlight/greenlight/internal/ledger"
)

// statusScan bounds how many recent executions status looks through for the
// last release of each function.
const statusScan = 100

type statusOptions struct {
	function, stack, output string
}

// statusReport is what status shows; --output json prints it.
type statusReport struct {
	InProgress []ledger.Record `json:"inProgress"`
	Last       []releaseReport `json:"last"`
}

func newStatusCmd(a *releaseApp) *cobra.Command {
	var o statusOptions
	cmd := &cobra.Command{
		Use:   "status [--function F]",
		Short: "Show the releases in progress and the last release of each function",
		Long: `Show the releases in progress (their lock records: phase, traffic on green,
blue and green versions, halt or promote requests) and the last release of
each function with its outcome.`,
		Example: `  greenlight status
  greenlight status --function orders -o json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.function != "" {
				if err := checkFunction(o.function); err != nil {
					return err
				}
			}
			if err := checkOutput(o.output); err != nil {
				return err
			}
			s, err := a.open(cmd.Context(), o.stack)
			if err != nil {
				return err
			}
			st, err := a.status(cmd.Context(), s, o.function)
			if err != nil {
				return err
			}
			if o.function != "" && len(st.InProgress) == 0 && len(st.Last) == 0 {
				return notFoundf("no releases of %s found: is it a function greenlight releases?", o.function)
			}
			if o.output == "json" {
				return writeJSON(cmd.OutOrStdout(), st)
			}
			return statusText(cmd.OutOrStdout(), st, a.now())
		},
	}
	cmd.Flags().StringVarP(&o.function, "function", "f", "", "show only this function")
	stackFlag(cmd, &o.stack)
	outputFlag(cmd, &o.output)
	return cmd
}

// status gathers the lock records and the last execution of each function
// (only function's when it is set).
func (a *releaseApp) status(ctx context.Context, s *session, function string) (statusReport, error) {
	st := statusReport{InProgress: []ledger.Record{}, Last: []releaseReport{}}
	records, err := s.ledger(a.now).List(ctx)
	if err != nil {
		return st, fmt.Errorf("list releases in progress: %w", err)
	}
	for _, r := range records {
		if function == "" || r.Function == function {
			st.InProgress = append(st.InProgress, r)
		}
	}
	seen := map[string]bool{}
	scanned := 0
	p := sfn.NewListExecutionsPaginator(s.executions, &sfn.ListExecutionsInput{StateMachineArn: &s.stack.StateMachineARN})
	for p.HasMorePages() && scanned < statusScan {
		page, err := p.NextPage(ctx)
		if err != nil {
			return st, fmt.Errorf("list executions: %w", err)
		}
		for _, e := range page.Executions {
			if scanned++; scanned > statusScan {
				break
			}
			d, err := s.executions.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: e.ExecutionArn})
			if err != nil {
				return st, fmt.Errorf("describe execution %s: %w", aws.ToString(e.ExecutionArn), err)
			}
			fn := follow.SubjectOf(aws.ToString(d.Input)).Function
			if fn == "" || seen[fn] || function != "" && fn != function {
				continue
			}
			seen[fn] = true
			t, err := lastTrail(ctx, s.executions, d)
			if err != nil {
				return st, err
			}
			st.Last = append(st.Last, reportOf(d, t, a.now()))
		}
	}
	slices.SortFunc(st.Last, func(a, b releaseReport) int { return strings.Compare(a.Function, b.Function) })
	return st, nil
}

// statusText prints a status report as two tables.
func statusText(w io.Writer, st statusReport, now time.Time) error {
	if len(st.InProgress) == 0 {
		fmt.Fprintln(w, "No release in progress.")
	} else {
		rows := make([][]string, len(st.InProgress))
		for i, r := range st.InProgress {
			rows[i] = []string{r.Function, r.ReleaseID, orDash(string(r.Phase)), weightBar(r.Weight, 10), versions(r.Blue, r.Green), humanDuration(now.Sub(r.AcquiredAt)), request(r, now)}
		}
		fmt.Fprintln(w, "In progress:")
		if err := writeTable(w, []string{"FUNCTION", "RELEASE", "PHASE", "TRAFFIC ON GREEN", "VERSIONS", "RUNNING FOR", "REQUEST"}, rows); err != nil {
			return err
		}
	}
	if len(st.Last) == 0 {
		return nil
	}
	fmt.Fprintln(w, "\nLast release:")
	rows := make([][]string, len(st.Last))
	for i, r := range st.Last {
		rows[i] = []string{r.Function, orDash(r.ReleaseID), r.Outcome, r.StartedAt.UTC().Format(time.RFC3339),
			humanDuration(time.Duration(r.DurationSeconds) * time.Second), versions(r.Blue, r.Green)}
	}
	return writeTable(w, []string{"FUNCTION", "RELEASE", "OUTCOME", "STARTED", "DURATION", "VERSIONS"}, rows)
}

// request describes an operator or guard request pending on a release, or
// the approval it waits for or was given.
func request(r ledger.Record, now time.Time) string {
	switch {
	case r.Halt != nil:
		return fmt.Sprintf("halt by %s: %s", r.Halt.By, r.Halt.Reason)
	case r.Promote != nil:
		return "promote by " + r.Promote.By
	case r.Waiting(decision.Approval) && (r.Approved == nil || r.Approved.Step != r.Wait.Step):
		return fmt.Sprintf("waiting for approval of step %d for %s (greenlight approve -f %s)", r.Wait.Step+1, humanDuration(now.Sub(r.Wait.Since)), r.Function)
	case r.Approved != nil:
		return fmt.Sprintf("step %d approved by %s", r.Approved.Step+1, r.Approved.By)
	}
	return "-"
}
