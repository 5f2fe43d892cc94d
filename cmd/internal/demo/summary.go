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
		fmt.Fprintf(w, "  [%s] %s: %s\n", mark(c.OK), c.Name, c.Detail)
	}
}

// WriteSummary prints one table row per story; LIVE is what the live alias
// served before and after, each member's in a group.
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
		var live []string
		for _, e := range r.ends() {
			l := fmt.Sprintf("%s → %s", orNone(e.Blue), orNone(e.Live))
			if r.Story.Group != "" {
				l = member(r.Story.Group, e.Function) + " " + l
			}
			live = append(live, l)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%.0f%%\t%d (%d)\t%s\t%s\n",
			r.Story.Name, r.Story.What(), r.Story.Strategy, r.Story.Want, r.Outcome,
			strings.Join(live, ", "), r.MaxWeight*100, calls, errs,
			r.Elapsed.Round(100*time.Millisecond), verdict)
	}
	tw.Flush()
}

// mark is how a check that held, or did not, is printed.
func mark(ok bool) string {
	if ok {
		return "ok  "
	}
	return "FAIL"
}

func indent(s, prefix string) string {
	return strings.ReplaceAll(s, "\n", "\n"+prefix)
}
