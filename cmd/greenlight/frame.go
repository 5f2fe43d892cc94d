package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/greenlight/greenlight/internal/release"
)

// frame is one picture of a running release, as watch draws it.
type frame struct {
	// Function is the function released, or the group (then Group too).
	Function  string
	Group     string
	ReleaseID string
	Status    string        // Step Functions execution status
	Elapsed   time.Duration // since the execution started
	State     string        // the state the execution is in
	Strategy  string
	Step      int // traffic steps taken
	Steps     int // traffic steps in the schedule
	Weight    float64
	Blue      string
	Green     string
	// Members are a group release's members with their versions.
	Members []memberReport
	Alarms  []alarmState
	// Next is set while the release bakes: when the next step is due and
	// what it is.
	Next *nextStep
	// Approval is set while the release waits for an operator's approval.
	Approval *approvalWait
	// Approved lists the approvals given so far, oldest first.
	Approved []release.Approval
}

// approvalWait is an approval gate a release waits at.
type approvalWait struct {
	Step     int           // the step (1-based) that waits
	Waited   time.Duration // how long it has waited
	TimesOut time.Duration // until no answer rolls it back
}

type alarmState struct {
	Name  string `json:"name"`
	State string `json:"state"`
}

type nextStep struct {
	In      time.Duration
	Percent float64 // 100 means promote
}

const barWidth = 20

// renderFrame draws f as a few aligned lines.
func renderFrame(f frame) string {
	var b strings.Builder
	what, target := "function", "-f "+f.Function
	if f.Group != "" {
		what, target = "group", "--group "+f.Group
	}
	fmt.Fprintf(&b, "%-8s %s  release %s  %s %s\n", what, f.Function, orDash(f.ReleaseID), f.Status, humanDuration(f.Elapsed))
	step := orDash(f.State)
	if f.Steps > 0 {
		step += fmt.Sprintf("  (step %d/%d", f.Step, f.Steps)
		if f.Strategy != "" {
			step += ", " + f.Strategy
		}
		step += ")"
	}
	fmt.Fprintf(&b, "%-8s %s\n", "step", step)
	if f.Group == "" {
		fmt.Fprintf(&b, "%-8s %s  green %s  blue %s\n", "traffic", weightBar(f.Weight, barWidth), version(f.Green), version(f.Blue))
	} else {
		fmt.Fprintf(&b, "%-8s %s\n", "traffic", weightBar(f.Weight, barWidth))
	}
	width := 0
	for _, m := range f.Members {
		width = max(width, len(m.Function))
	}
	for _, m := range f.Members {
		fmt.Fprintf(&b, "%-8s %-*s  %s\n", "member", width, m.Function, memberVersions(m))
	}
	fmt.Fprintf(&b, "%-8s %s\n", "alarms", alarmSummary(f.Alarms))
	if f.Next != nil {
		what := fmt.Sprintf("shift to %g%%", f.Next.Percent)
		if f.Next.Percent >= 100 {
			what = "promote"
		}
		when := "in " + humanDuration(f.Next.In)
		if f.Next.In <= 0 {
			when = "now"
		}
		fmt.Fprintf(&b, "%-8s %s %s\n", "next", what, when)
	}
	if w := f.Approval; w != nil {
		fmt.Fprintf(&b, "%-8s approval of step %d for %s (rolls back in %s): greenlight approve %s\n",
			"waiting", w.Step, humanDuration(w.Waited), humanDuration(max(w.TimesOut, 0)), target)
	}
	for _, a := range f.Approved {
		line := fmt.Sprintf("step %d by %s", a.Step+1, a.By)
		if a.Reason != "" {
			line += ": " + a.Reason
		}
		fmt.Fprintf(&b, "%-8s %s\n", "approved", line)
	}
	return b.String()
}

// memberVersions prints a group member's blue → green, or the version it
// keeps when the release does not change it.
func memberVersions(m memberReport) string {
	if !m.Released {
		return version(m.Blue) + " (unchanged)"
	}
	return versions(m.Blue, m.Green)
}

func version(v string) string {
	if v == "" {
		return "-"
	}
	return "v" + v
}

func alarmSummary(alarms []alarmState) string {
	if len(alarms) == 0 {
		return "-"
	}
	parts := make([]string, len(alarms))
	for i, a := range alarms {
		parts[i] = a.Name + " " + orDash(a.State)
	}
	return strings.Join(parts, ", ")
}
