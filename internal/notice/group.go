package notice

import (
	"fmt"
	"strings"

	"github.com/greenlight/greenlight/internal/failure"
	"github.com/greenlight/greenlight/internal/release"
)

// A group release is announced once for the whole group: the subject speaks
// of "group <name>" and lists the members where it matters (the versions
// promoted, the versions live after an abort), the body lists every member
// (Member) and names the one that decided a bad ending (DecidedBy), and the
// message carries the group attribute besides event and function (the
// group's name).

// Member is one member of a group release in the body.
type Member struct {
	Function     string `json:"function"`
	Blue         string `json:"blue,omitempty"`
	Green        string `json:"green,omitempty"`
	FirstRelease bool   `json:"firstRelease,omitempty"`
	// Released is false for a member the release does not change: not in
	// the bundle and no configuration of its own, or a green identical to
	// blue. It keeps serving blue.
	Released bool `json:"released"`
	// Changed and Configuration say what the member's green changes from
	// its blue, as Body's do for a function.
	Changed       []string         `json:"changed,omitempty"`
	Configuration []release.Change `json:"configuration,omitempty"`
	// Live is the version the member's live alias serves now that the
	// release has ended, in the notifications that know it: promoted,
	// rolledBack, noop and aborted.
	Live        string               `json:"live,omitempty"`
	AlarmStates map[string]string    `json:"alarmStates,omitempty"`
	Tests       []failure.TestResult `json:"tests,omitempty"`
}

// groupOf is the group d releases: d.Group for a group release, or for
// what is left of one (an input prepare refused, an execution that ended
// before its lock) when it names no other function; "" for the release of
// a function, the single-function view of a member included.
func groupOf(d *release.Document) string {
	if d.Group != "" && (d.IsGroup() || d.Function == "" || d.Function == d.Group) {
		return d.Group
	}
	return ""
}

func members(event Event, d *release.Document) []Member {
	out := make([]Member, 0, len(d.Members))
	for _, m := range d.Members {
		e := Member{
			Function:     m.Function,
			Blue:         m.State.Blue,
			Green:        m.State.Green,
			FirstRelease: m.State.FirstRelease,
			Released:     m.Changes(),
			Live:         live(event, d, m),
			AlarmStates:  m.State.AlarmStates,
			Tests:        m.State.Tests,
		}
		e.Changed, e.Configuration = changes(m.State)
		out = append(out, e)
	}
	return out
}

// live is the version member m of group release d serves after event, ""
// when the event does not say or m has no version live.
func live(event Event, d, m *release.Document) string {
	green := m.Changes() && m.State.Green != ""
	switch event {
	case Promoted:
		if green {
			return m.State.Green
		}
	case Aborted:
		// The watchdog puts every member on green when the release was
		// promoted, and every member on blue otherwise.
		if green && d.State.Phase == release.PhasePromoted {
			return m.State.Green
		}
	case RolledBack, Noop:
	default:
		return ""
	}
	return m.State.Blue
}

// stoppedOf is what a release that stopped without moving traffic
// recorded: the group's, or else the first member's that recorded it.
func stoppedOf(d *release.Document) string {
	if d.State.Stopped != "" || !d.IsGroup() {
		return d.State.Stopped
	}
	for _, m := range d.Members {
		if m.State.Stopped != "" {
			return m.State.Stopped
		}
	}
	return ""
}

// DecidedBy returns the member of group release d whose alarm, test,
// failure or halt decided how the release ended: the member whose name
// leads the words of the error (failure.OfMember puts it there: "shop-api:
// …"), or whose alarm the error names, or that recorded why it stopped
// without moving traffic. It returns "" for the release of a function,
// when nothing decided, and when the group's own tests or alarms did (an
// alarm several members watch is the group's too).
func DecidedBy(d *release.Document) string {
	if !d.IsGroup() {
		return ""
	}
	if d.Error != nil && d.Error.Error != "" {
		msg := Reason(d.Error)
		if d.Error.Error == failure.NameAlarmBreached {
			if by, ok := alarmOwner(d, msg); ok {
				return by
			}
			// failure.OfMember leads the alarm's reason with the member.
			return earliest(msg, d, func(fn string) string { return "(" + fn + ": " })
		}
		if by := leadingMember(d, msg); by != "" {
			return by
		}
		if by, ok := alarmOwner(d, msg); ok {
			return by
		}
	}
	if d.State.Phase == release.PhaseStopped {
		for _, m := range d.Members {
			if m.State.Stopped != "" {
				return m.Function
			}
		}
	}
	return ""
}

// leadingMember is the member whose name leads the words of the error in
// msg: after the words its type puts first (see the Error methods in
// package failure), a member's error starts with "<member>: ". A rollback
// that failed and a lock another release holds name their function in
// their own words.
func leadingMember(d *release.Document, msg string) string {
	rest, after := msg, ": "
	switch {
	case strings.HasPrefix(msg, "invalid release: "):
		rest = strings.TrimPrefix(msg, "invalid release: ")
	case strings.HasPrefix(msg, "artifact: "):
		rest = strings.TrimPrefix(msg, "artifact: ")
	case strings.HasPrefix(msg, "release halted by "):
		_, rest, _ = strings.Cut(msg, ": ")
	case strings.HasPrefix(msg, "rollback of "):
		rest, after = strings.TrimPrefix(msg, "rollback of "), " failed"
	case strings.Contains(msg, " test(s) failed: "):
		_, rest, _ = strings.Cut(msg, " test(s) failed: ")
	case strings.Contains(msg, " is being released by "):
		after = " is being released by "
	}
	for _, m := range d.Members {
		if strings.HasPrefix(rest, m.Function+after) {
			return m.Function
		}
	}
	return ""
}

// alarmOwner finds the first alarm msg says is in a state ("<alarm> is
// ALARM") among those the group and its members watch, and returns its
// member: "" when it is the group's or several members watch it. ok is
// false when msg names none of them.
func alarmOwner(d *release.Document, msg string) (member string, ok bool) {
	owner := map[string]string{}
	for _, m := range d.Members {
		for _, a := range m.WatchedAlarms() {
			if fn, seen := owner[a]; seen && fn != m.Function {
				owner[a] = ""
				continue
			}
			owner[a] = m.Function
		}
	}
	for _, a := range d.WatchedAlarms() {
		owner[a] = ""
	}
	at, name := -1, ""
	for a := range owner {
		i := wordIndex(msg, a+" is ")
		if i >= 0 && (at < 0 || i < at || i == at && len(a) > len(name)) {
			at, name = i, a
		}
	}
	if at < 0 {
		return "", false
	}
	return owner[name], true
}

// earliest is the member whose needle occurs first in msg, "" when none
// does.
func earliest(msg string, d *release.Document, needle func(fn string) string) string {
	at, by := -1, ""
	for _, m := range d.Members {
		if i := strings.Index(msg, needle(m.Function)); i >= 0 && (at < 0 || i < at) {
			at, by = i, m.Function
		}
	}
	return by
}

// wordIndex is the index of the first occurrence of s in msg that starts
// a word (msg's start, or after a space or an opening parenthesis), -1
// when there is none: "5xx is" is not found in "shop-5xx is".
func wordIndex(msg, s string) int {
	for from := 0; ; {
		i := strings.Index(msg[from:], s)
		if i < 0 {
			return -1
		}
		i += from
		if i == 0 || msg[i-1] == ' ' || msg[i-1] == '(' {
			return i
		}
		from = i + 1
	}
}

// groupSubject is the subject of event for group release d; by is the
// member that decided (DecidedBy).
func groupSubject(event Event, d *release.Document, by string) string {
	g := "group " + orUnknown(groupOf(d))
	reason := why(d.Error)
	if d.State.Phase == release.PhaseStopped {
		reason = stoppedWhy(stoppedOf(d), d.Error)
	}
	if by != "" {
		reason = by + ": " + reason
	}
	switch event {
	case Started:
		return startedSubject(g, d)
	case Promoted:
		return fit(fmt.Sprintf("greenlight: %s promoted (", g), versions(event, d), ")")
	case RolledBack:
		if !anyBlue(d) {
			return fmt.Sprintf("greenlight: %s release rolled back, live unchanged (%s)", g, reason)
		}
		return fmt.Sprintf("greenlight: %s rolled back (%s)", g, reason)
	case Failed:
		if d.State.Phase == release.PhaseStopped {
			return fmt.Sprintf("greenlight: %s release stopped, traffic not moved (%s)", g, reason)
		}
		return fmt.Sprintf("greenlight: %s release failed (%s)", g, reason)
	case Rejected:
		return fmt.Sprintf("greenlight: %s release rejected, another release is in progress", g)
	case Noop:
		return fmt.Sprintf("greenlight: %s unchanged, every member identical to its live version", g)
	case RollbackFailed:
		if by != "" {
			return fmt.Sprintf("greenlight: ALERT %s rollback failed, %s needs attention", g, by)
		}
		return fmt.Sprintf("greenlight: ALERT %s rollback failed, its functions need attention", g)
	case Aborted:
		// The members the release did not change serve what they served
		// (the body says which).
		live := versions(event, d)
		if len(live) == 0 {
			return fmt.Sprintf("greenlight: %s release aborted (%s), live unchanged", g, why(d.Error))
		}
		return fit(fmt.Sprintf("greenlight: %s release aborted (%s), live on ", g, why(d.Error)), live, "")
	}
	return fmt.Sprintf("greenlight: %s %s", g, event)
}

// versions lists "<member> <version>" for the released members live on a
// version after event.
func versions(event Event, d *release.Document) []string {
	var out []string
	for _, m := range d.Members {
		if v := live(event, d, m); v != "" && m.Changes() {
			out = append(out, m.Function+" "+v)
		}
	}
	return out
}

func anyBlue(d *release.Document) bool {
	for _, m := range d.Members {
		if m.State.Blue != "" {
			return true
		}
	}
	return false
}

// fit joins items between prefix and suffix, as many as a subject holds,
// and says how many more there are: "(shop-api 3, shop-worker 7, +2 more)".
func fit(prefix string, items []string, suffix string) string {
	for n := len(items); n > 0; n-- {
		list := strings.Join(items[:n], ", ")
		if n < len(items) {
			list += fmt.Sprintf(", +%d more", len(items)-n)
		}
		if s := prefix + list + suffix; len(s) <= maxSubject {
			return s
		}
	}
	return prefix + fmt.Sprintf("%d members", len(items)) + suffix
}
