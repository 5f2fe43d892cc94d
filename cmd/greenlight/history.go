package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/spf13/cobra"

	"github.com/greenlight/greenlight/cmd/internal/follow"
)

type historyOptions struct {
	function, group, stack, output string
	limit                          int
}

func newHistoryCmd(a *releaseApp) *cobra.Command {
	var o historyOptions
	cmd := &cobra.Command{
		Use:   "history (--function F | --group G) [--limit N]",
		Short: "List a function's past releases, newest first",
		Long: `List the releases of a function the deployer ran, newest first: release id,
start time, duration, outcome (promoted, noop, rolledBack, failed, rejected,
rollbackFailed, running), the blue and green versions and the strategy.
With --group, the releases of a group, with a line for each member's blue
and green.`,
		Example: `  greenlight history --function orders
  greenlight history --function orders --limit 50 -o json
  greenlight history --group shop`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			name, err := subjectFlags(o.function, o.group)
			if err != nil {
				return err
			}
			if name == "" {
				return usagef("--function or --group is required")
			}
			if err := checkOutput(o.output); err != nil {
				return err
			}
			if o.limit < 1 {
				return usagef("--limit %d: must be at least 1", o.limit)
			}
			s, err := a.open(cmd.Context(), o.stack)
			if err != nil {
				return err
			}
			reports, err := functionHistory(cmd.Context(), s, name, o.limit, a.now())
			if err != nil {
				return err
			}
			if len(reports) == 0 {
				return notFoundf("no releases of %s found: is it a function or group greenlight releases?", name)
			}
			if o.output == "json" {
				return writeJSON(cmd.OutOrStdout(), reports)
			}
			return historyTable(cmd.OutOrStdout(), reports)
		},
	}
	cmd.Flags().StringVarP(&o.function, "function", "f", "", "function whose releases to list (this or --group is required)")
	cmd.Flags().StringVarP(&o.group, "group", "g", "", "group whose releases to list")
	cmd.Flags().IntVarP(&o.limit, "limit", "n", 10, "most releases to list")
	stackFlag(cmd, &o.stack)
	outputFlag(cmd, &o.output)
	return cmd
}

// functionHistory reports up to limit executions of the state machine that
// released name, a function or a group, newest first.
func functionHistory(ctx context.Context, s *session, name string, limit int, now time.Time) ([]releaseReport, error) {
	reports := []releaseReport{}
	p := sfn.NewListExecutionsPaginator(s.executions, &sfn.ListExecutionsInput{StateMachineArn: &s.stack.StateMachineARN})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list executions: %w", err)
		}
		for _, e := range page.Executions {
			d, err := s.executions.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: e.ExecutionArn})
			if err != nil {
				return nil, fmt.Errorf("describe execution %s: %w", aws.ToString(e.ExecutionArn), err)
			}
			if follow.SubjectOf(aws.ToString(d.Input)).Name() != name {
				continue
			}
			t, err := lastTrail(ctx, s.executions, d)
			if err != nil {
				return nil, err
			}
			reports = append(reports, reportOf(d, t, now))
			if len(reports) == limit {
				return reports, nil
			}
		}
	}
	return reports, nil
}

// historyTable prints reports as a table; a group release's members each
// get a row below it.
func historyTable(w io.Writer, reports []releaseReport) error {
	var rows [][]string
	for _, r := range reports {
		rows = append(rows, []string{
			orDash(r.ReleaseID),
			r.StartedAt.UTC().Format(time.RFC3339),
			humanDuration(time.Duration(r.DurationSeconds) * time.Second),
			r.Outcome,
			versions(r.Blue, r.Green),
			orDash(r.Strategy),
		})
		for _, m := range r.Members {
			rows = append(rows, []string{"  " + m.Function, "", "", "", memberVersions(m), ""})
		}
	}
	return writeTable(w, []string{"RELEASE", "STARTED", "DURATION", "OUTCOME", "VERSIONS", "STRATEGY"}, rows)
}

// versions prints blue → green, "new → v1" on a first release.
func versions(blue, green string) string {
	if green == "" {
		return "-"
	}
	if blue == "" {
		return "new → " + version(green)
	}
	return version(blue) + " → " + version(green)
}
