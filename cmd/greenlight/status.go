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
	"github.com/greenlight/greenlight/internal/release"
)

// statusScan bounds how many recent executions status looks through for the
// last release of each function.
const statusScan = 100

type statusOptions struct {
	function, group, stack, output string
}

// statusReport is what status shows; --output json prints it.
type statusReport struct {
	InProgress []ledger.Record `json:"inProgress"`
	Last       []releaseReport `json:"last"`
}

func newStatusCmd(a *releaseApp) *cobra.Command {
	var o statusOptions
	cmd := &cobra.Command{
		Use:   "status [--function F | --group G]",
		Short: "Show the releases in progress and the last release of each function",
		Long: `Show the releases in progress (their lock records: phase, traffic on green,
blue and green versions, halt or promote requests) and the last release of
each function with its outcome. A group release is shown under the group's
name, with a line for each member; --function naming a member shows its
group's release in progress.`,
		Example: `  greenlight status
  greenlight status --function orders -o json
  greenlight status --group shop`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			name, err := subjectFlags(o.function, o.group)
			if err != nil {
				return err
			}
			if err := checkOutput(o.output); err != nil {
				return err
			}
			s, err := a.open(cmd.Context(), o.stack)
			if err != nil {
				return err
			}
			st, err := a.status(cmd.Context(), s, name)
			if err != nil {
				return err
			}
			if name != "" && len(st.InProgress) == 0 && len(st.Last) == 0 {
				return notFoundf("no releases of %s found: is it a function or group greenlight releases?", name)
			}
			if o.output == "json" {
				return writeJSON(cmd.OutOrStdout(), st)
			}
			return statusText(cmd.OutOrStdout(), st, a.now())
		},
	}
	cmd.Flags().StringVarP(&o.function, "function", "f", "", "show only this function")
	cmd.Flags().StringVarP(&o.group, "group", "g", "", "show only this group")
	stackFlag(cmd, &o.stack)
	outputFlag(cmd, &o.output)
	return cmd
}

// status gathers the lock records and the last execution of each function
// or group (only name's when it is set: a function's or a group's).
func (a *releaseApp) status(ctx context.Context, s *session, name string) (statusReport, error) {
	st := statusReport{InProgress: []ledger.Record{}, Last: []releaseReport{}}
	records, err := s.ledger(a.now).List(ctx)
	if err != nil {
		return st, fmt.Errorf("list releases in progress: %w", err)
	}
	st.InProgress = inProgress(records, name)
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
			fn := follow.SubjectOf(aws.ToString(d.Input)).Name()
			if fn == "" || seen[fn] || name != "" && fn != name {
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

// inProgress picks the lock records that status shows for name (all when
// it is empty): a function's, or a group's, and of a function that is a
// member of a group release, every member's.
func inProgress(records []ledger.Record, name string) []ledger.Record {
	held := map[string]bool{} // the executions of group releases name is a member of
	for _, r := range records {
		if r.Function == name && r.Group != "" {
			held[r.ExecutionARN] = true
		}
	}
	out := []ledger.Record{}
	for _, r := range records {
		if name == "" || r.Function == name || r.Group == name || r.Group != "" && held[r.ExecutionARN] {
			out = append(out, r)
		}
	}
	return out
}

// statusText prints a status report as two tables.
func statusText(w io.Writer, st statusReport, now time.Time) error {
	if len(st.InProgress) == 0 {
		fmt.Fprintln(w, "No release in progress.")
	} else {
		fmt.Fprintln(w, "In progress:")
		if err := writeTable(w, []string{"FUNCTION", "RELEASE", "PHASE", "TRAFFIC ON GREEN", "VERSIONS", "RUNNING FOR", "REQUEST"}, inProgressRows(st.InProgress, now)); err != nil {
			return err
		}
	}
	if len(st.Last) == 0 {
		return nil
	}
	fmt.Fprintln(w, "\nLast release:")
	var rows [][]string
	for _, r := range st.Last {
		row := []string{r.Function, orDash(r.ReleaseID), r.Outcome, r.StartedAt.UTC().Format(time.RFC3339),
			humanDuration(time.Duration(r.DurationSeconds) * time.Second), versions(r.Blue, r.Green)}
		rows = append(rows, groupRows(r.Group, row, r.Members)...)
	}
	return writeTable(w, []string{"FUNCTION", "RELEASE", "OUTCOME", "STARTED", "DURATION", "VERSIONS"}, rows)
}

// inProgressRows are the rows of the releases in progress: a function's
// record is its row; the records of a group release make the group's row,
// where its first member's record is, and a row for each member below it.
func inProgressRows(records []ledger.Record, now time.Time) [][]string {
	var rows [][]string
	for i, r := range records {
		if r.Group == "" {
			rows = append(rows, []string{r.Function, r.ReleaseID, orDash(string(r.Phase)), weightBar(r.Weight, 10), versions(r.Blue, r.Green), humanDuration(now.Sub(r.AcquiredAt)), request(r, now)})
			continue
		}
		if slices.ContainsFunc(records[:i], func(x ledger.Record) bool { return sameRelease(x, r) }) {
			continue
		}
		var members []ledger.Record
		for _, x := range records[i:] {
			if sameRelease(x, r) {
				members = append(members, x)
			}
		}
		rows = append(rows, groupRecordRows(members, now)...)
	}
	return rows
}

// sameRelease reports whether a and b are records of one group release.
func sameRelease(a, b ledger.Record) bool {
	return a.Group != "" && a.Group == b.Group && a.ExecutionARN == b.ExecutionARN
}

// groupRecordRows are the rows of a group release in progress: the group's,
// with the phase and traffic its changed members share and the first
// request pending on any member, then each member's.
func groupRecordRows(members []ledger.Record, now time.Time) [][]string {
	slices.SortFunc(members, func(a, b ledger.Record) int { return strings.Compare(a.Function, b.Function) })
	first := members[0]
	shared, req, since := first, "-", first.AcquiredAt
	for _, m := range members {
		if shared.Phase == release.PhaseNoop && m.Phase != release.PhaseNoop {
			shared = m
		}
		if req == "-" {
			req = request(m, now)
		}
		if m.AcquiredAt.Before(since) {
			since = m.AcquiredAt
		}
	}
	rows := [][]string{{"group " + first.Group, first.ReleaseID, orDash(string(shared.Phase)), weightBar(shared.Weight, 10), "-", humanDuration(now.Sub(since)), req}}
	for _, m := range members {
		traffic, vs := weightBar(m.Weight, 10), versions(m.Blue, m.Green)
		if m.Phase == release.PhaseNoop {
			traffic, vs = "-", memberVersions(memberReport{Blue: m.Blue})
		}
		rows = append(rows, []string{"  " + m.Function, "", orDash(string(m.Phase)), traffic, vs, "", request(m, now)})
	}
	return rows
}

// groupRows are the rows of a report of group (when it is one): row, named
// after the group, then a row for each member with its versions in the
// last column.
func groupRows(group string, row []string, members []memberReport) [][]string {
	if group == "" {
		return [][]string{row}
	}
	row[0] = "group " + row[0]
	rows := [][]string{row}
	for _, m := range members {
		member := make([]string, len(row))
		member[0], member[len(row)-1] = "  "+m.Function, memberVersions(m)
		rows = append(rows, member)
	}
	return rows
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
		target := "-f " + r.Function
		if r.Group != "" {
			target = "--group " + r.Group
		}
		return fmt.Sprintf("waiting for approval of step %d for %s (greenlight approve %s)", r.Wait.Step+1, humanDuration(now.Sub(r.Wait.Since)), target)
	case r.Approved != nil:
		return fmt.Sprintf("step %d approved by %s", r.Approved.Step+1, r.Approved.By)
	}
	return "-"
}
