package main

import (
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
	"time"
)

// weightBar draws the share of traffic green receives, for example
// "[██░░░░░░░░░░░░░░░░░░]  10%". Weights outside [0, 1] are clamped.
func weightBar(weight float64, width int) string {
	if math.IsNaN(weight) || weight < 0 {
		weight = 0
	}
	if weight > 1 {
		weight = 1
	}
	filled := int(math.Round(weight * float64(width)))
	return fmt.Sprintf("[%s%s] %3d%%", strings.Repeat("█", filled), strings.Repeat("░", width-filled), int(math.Round(weight*100)))
}

// humanDuration prints a duration to the second the way people read it on a
// dashboard: "45s", "4m05s", "2h03m". Negative durations print as "0s".
func humanDuration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	s := int64(d.Round(time.Second) / time.Second)
	switch {
	case s >= 3600:
		return fmt.Sprintf("%dh%02dm", s/3600, s%3600/60)
	case s >= 60:
		return fmt.Sprintf("%dm%02ds", s/60, s%60)
	default:
		return fmt.Sprintf("%ds", s)
	}
}

// writeTable prints rows under a header in aligned columns. A row may leave
// its last cells empty (a group member's row under its group's): no line
// ends in the padding of an empty cell.
func writeTable(w io.Writer, header []string, rows [][]string) error {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for line := range strings.Lines(b.String()) {
		if _, err := fmt.Fprintln(w, strings.TrimRight(line, " \n")); err != nil {
			return err
		}
	}
	return nil
}

// orDash prints "-" for an empty cell so columns stay readable.
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
