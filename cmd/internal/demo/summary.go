package demo

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteResult prints the checks of one story under its outcome line.
func WriteResult(w io.Writer, r Result) {
	fmt.Fprintf(w, "  → %s in %s (execution %s)\n", r.Outcome, r.Elapsed.Round(100*time.Millisecond), r.Status)
	if r.Notification != nil {
		fmt.Fprintf(w, "  SNS: %s\n", r.Notification.Subject)
		if body := strings.TrimSpace(r.Notification.Body); body != "" {
			fmt.Fprintf(w, "       %s\n", indent(body, "       "))
		}
	}
	for _, c := range r.Checks {
		mark := "ok  "
		if !c.OK {
			mark = "FAIL"
		}
		fmt.Fprintf(w, "  [%s] %s: %s\n", mark, c.Name, c.Detail)
	}
}

// WriteSummary prints one table row per story.
func WriteSummary(w io.Writer, rs []Result) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "STORY\tRELEASES\tSTRATEGY\tWANT\tGOT\tLIVE\tMAX WEIGHT\tCALLS (ERRORS)\tTIME\tRESULT")
	for _, r := range rs {
		verdict := "PASS"
		if !r.OK() {
			verdict = "FAIL"
		}
		calls := 0
		errs := 0
		for v, n := range r.Traffic.Requests {
			calls += n
			errs += r.Traffic.Errors[v]
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s → %s\t%.0f%%\t%d (%d)\t%s\t%s\n",
			r.Story.Name, r.Story.What(), r.Story.Strategy, r.Story.Want, r.Outcome,
			orNone(r.BlueVersion), orNone(r.LiveVersion), r.MaxWeight*100, calls, errs,
			r.Elapsed.Round(100*time.Millisecond), verdict)
	}
	tw.Flush()
}

func indent(s, prefix string) string {
	return strings.ReplaceAll(s, "\n", "\n"+prefix)
}
