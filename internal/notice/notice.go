// Package notice composes the SNS notification greenlight sends about a
// release: a subject a human can read in a mail client, a JSON body a program
// can read, and the message attributes (event, function, and group for a
// group release) that subscription filter policies select on. A group
// release sends one notification for the whole group (see group.go).
package notice

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/greenlight/greenlight/internal/failure"
	"github.com/greenlight/greenlight/internal/release"
)

// Event is what happened to a release.
type Event string

// Events, as the workflow's Notify states name them.
const (
	Started        Event = "started"
	Promoted       Event = "promoted"
	RolledBack     Event = "rolledBack"
	Failed         Event = "failed"
	Rejected       Event = "rejected"
	Noop           Event = "noop"
	RollbackFailed Event = "rollbackFailed"
	// Aborted: the execution ended without finishing (stopped, timed out,
	// or failed outside its own paths) while it held the lock; the watchdog
	// restored the function and released the lock. The workflow never
	// sends it.
	Aborted Event = "aborted"
)

var events = []Event{Started, Promoted, RolledBack, Failed, Rejected, Noop, RollbackFailed, Aborted}

// Events returns every event, each once.
func Events() []Event { return slices.Clone(events) }

// Valid reports whether e is one of the known events.
func (e Event) Valid() bool {
	for _, k := range events {
		if e == k {
			return true
		}
	}
	return false
}

// Message attribute names. AttrFunction names the function released, or
// the group in a group release; AttrGroup is set on group releases only,
// so that a filter policy can select them ({"group": [{"exists": true}]}).
const (
	AttrEvent    = "event"
	AttrFunction = "function"
	AttrGroup    = "group"
)

// maxSubject is SNS's limit on a subject: fewer than 100 characters.
const maxSubject = 99

// Body is the JSON message body.
type Body struct {
	Event Event `json:"event"`
	// Function is the function released, or the group's name in a group
	// release.
	Function string `json:"function"`
	// Group, Members and DecidedBy are a group release's: the group, what
	// each member was and became, and the member whose alarm, test,
	// failure or halt decided how the release ended (see DecidedBy). The
	// blue, green, firstRelease, changed and configuration of a group
	// release are its members'.
	Group        string            `json:"group,omitempty"`
	Members      []Member          `json:"members,omitempty"`
	DecidedBy    string            `json:"decidedBy,omitempty"`
	ReleaseID    string            `json:"releaseId,omitempty"`
	Blue         string            `json:"blue,omitempty"`
	Green        string            `json:"green,omitempty"`
	FirstRelease bool              `json:"firstRelease,omitempty"`
	Strategy     string            `json:"strategy,omitempty"`
	Artifact     *release.Artifact `json:"artifact,omitempty"`
	// Changed says what green changes from blue: "code", "configuration"
	// or both; Configuration lists each configuration value it changes,
	// secret-looking ones masked.
	Changed         []string             `json:"changed,omitempty"`
	Configuration   []release.Change     `json:"configuration,omitempty"`
	StepsTaken      []release.StepTaken  `json:"stepsTaken"`
	Approvals       []release.Approval   `json:"approvals,omitempty"`
	AlarmStates     map[string]string    `json:"alarmStates,omitempty"`
	Tests           []failure.TestResult `json:"tests,omitempty"`
	Error           string               `json:"error,omitempty"`
	Reason          string               `json:"reason,omitempty"`
	ErrorRate       *float64             `json:"errorRate,omitempty"`
	StartedAt       *time.Time           `json:"startedAt,omitempty"`
	DurationSeconds float64              `json:"durationSeconds,omitempty"`
	// Drift, in a started notification, says what changed the function
	// outside greenlight since the last release ended; the release runs
	// regardless.
	Drift        []string `json:"drift,omitempty"`
	ExecutionARN string   `json:"executionArn,omitempty"`
	ConsoleURL   string   `json:"consoleUrl,omitempty"`
}

// Message is a composed notification.
type Message struct {
	Subject    string
	Body       Body
	Attributes map[string]string
}

// Compose builds the notification of event for release d at time now.
// errorRate, when not nil, is green's error rate (0..1) over the release
// (over every released member's green in a group release).
//
// A rollback that found it must not move traffic (release.PhaseStopped: the
// release lost its lock, or live was changed outside greenlight) is no
// rollback: it is sent as Failed, and the reason says why nothing moved.
//
// A group release (see release.Document.IsGroup) is one notification: the
// body names the group and lists its members, the subject speaks of the
// group, and the group attribute is set.
func Compose(event Event, d *release.Document, now time.Time, errorRate *float64) Message {
	if event == RolledBack && d.State.Phase == release.PhaseStopped {
		event = Failed
	}
	group := groupOf(d)
	b := Body{
		Event:        event,
		Function:     d.Function,
		ReleaseID:    d.ReleaseID,
		Strategy:     d.Strategy.Name,
		StepsTaken:   d.State.StepsTaken,
		Approvals:    d.State.Approvals,
		AlarmStates:  d.State.AlarmStates,
		Tests:        d.State.Tests,
		ErrorRate:    errorRate,
		ExecutionARN: d.ExecutionARN,
		ConsoleURL:   ConsoleURL(d.ExecutionARN),
	}
	if group == "" {
		b.Blue, b.Green, b.FirstRelease = d.State.Blue, d.State.Green, d.State.FirstRelease
		b.Changed, b.Configuration = changes(d.State)
	} else {
		b.Function, b.Group = cmp.Or(d.Function, group), group
		b.Members, b.DecidedBy = members(event, d), DecidedBy(d)
	}
	if b.StepsTaken == nil {
		b.StepsTaken = []release.StepTaken{}
	}
	if d.Artifact.Key != "" {
		a := d.Artifact
		b.Artifact = &a
	}
	if !d.StartedAt.IsZero() {
		started := d.StartedAt
		b.StartedAt = &started
		b.DurationSeconds = now.Sub(started).Round(time.Second).Seconds()
	}
	if event == Started {
		b.Drift = d.Drift
	}
	if d.Error != nil {
		b.Error = d.Error.Error
		b.Reason = Reason(d.Error)
	}
	if stopped := stoppedOf(d); d.State.Phase == release.PhaseStopped && stopped != "" {
		b.Reason = strings.TrimPrefix(stopped+"; "+b.Reason, "; ")
	}
	attrs := map[string]string{AttrEvent: string(event), AttrFunction: orUnknown(b.Function)}
	s := ""
	if group == "" {
		s = subject(event, d)
	} else {
		attrs[AttrGroup] = group
		s = groupSubject(event, d, b.DecidedBy)
	}
	return Message{Subject: truncate(printable(s), maxSubject), Body: b, Attributes: attrs}
}

// changes says what green changes from blue: "code", "configuration" or
// both, and each configuration value it changes.
func changes(s release.State) (changed []string, configuration []release.Change) {
	if s.CodeChanged {
		changed = append(changed, "code")
	}
	if len(s.Changes) > 0 {
		changed = append(changed, "configuration")
		configuration = s.Changes
	}
	return changed, configuration
}

// JSON renders the body.
func (m Message) JSON() (string, error) {
	b, err := json.MarshalIndent(m.Body, "", "  ")
	return string(b), err
}

func orUnknown(fn string) string {
	if fn == "" {
		return "unknown"
	}
	return fn
}

func subject(event Event, d *release.Document) string {
	fn := orUnknown(d.Function)
	strat := d.Strategy.Name
	errName := why(d.Error)
	switch event {
	case Started:
		return startedSubject(fn, d)
	case Promoted:
		return fmt.Sprintf("greenlight: %s promoted to version %s (%s%s)", fn, d.State.Green, changed(d), strat)
	case RolledBack:
		if d.State.Blue == "" {
			return fmt.Sprintf("greenlight: %s release rolled back, live unchanged (%s)", fn, errName)
		}
		return fmt.Sprintf("greenlight: %s rolled back to version %s (%s)", fn, d.State.Blue, errName)
	case Failed:
		if d.State.Phase == release.PhaseStopped {
			return fmt.Sprintf("greenlight: %s release stopped, traffic not moved (%s)", fn, stoppedWhy(d.State.Stopped, d.Error))
		}
		return fmt.Sprintf("greenlight: %s release failed (%s)", fn, errName)
	case Rejected:
		return fmt.Sprintf("greenlight: %s release rejected, another release is in progress", fn)
	case Noop:
		if d.ConfigurationOnly() {
			return fmt.Sprintf("greenlight: %s unchanged, configuration identical to version %s", fn, d.State.Blue)
		}
		return fmt.Sprintf("greenlight: %s unchanged, code and configuration identical to version %s", fn, d.State.Blue)
	case RollbackFailed:
		return fmt.Sprintf("greenlight: ALERT %s rollback failed, function needs attention", fn)
	case Aborted:
		live := d.State.Blue
		if d.State.Phase == release.PhasePromoted {
			live = d.State.Green
		}
		if live == "" {
			return fmt.Sprintf("greenlight: %s release aborted (%s), live unchanged", fn, errName)
		}
		return fmt.Sprintf("greenlight: %s release aborted (%s), live on version %s", fn, errName, live)
	}
	return fmt.Sprintf("greenlight: %s %s", fn, event)
}

// startedSubject is the subject of the started notification of the release
// of what (a function, or "group <name>").
func startedSubject(what string, d *release.Document) string {
	s := fmt.Sprintf("greenlight: releasing %s %s (%s)", what, build(d), d.Strategy.Name)
	if len(d.Drift) > 0 {
		// The first finding, as much of it as fits; the body lists all.
		s += "; drift: " + d.Drift[0]
	}
	return s
}

// stoppedWhy says in a few words why a release stopped without moving
// traffic, from what it recorded (State.Stopped) and its error.
func stoppedWhy(stopped string, e *release.TaskError) string {
	if strings.Contains(stopped, "lock") {
		return "release lock lost"
	}
	if strings.Contains(stopped, "outside greenlight") || strings.Contains(stopped, "did not set") {
		return "live changed outside greenlight"
	}
	return why(e)
}

// why says in a few words why a release ended badly: what a reader of the
// subject line needs before opening the message.
func why(e *release.TaskError) string {
	if e == nil || e.Error == "" {
		return "unknown error"
	}
	switch e.Error {
	case failure.NameAlarmBreached:
		return "alarm in ALARM"
	case failure.NameHalted:
		// The guard halts a release when a watched alarm fires; anyone else
		// halting it is an operator.
		switch r := Reason(e); {
		case strings.HasPrefix(r, "release halted by guard"):
			return "alarm in ALARM"
		case strings.HasPrefix(r, "release halted by "+failure.ByOutsideChange):
			return "live changed outside greenlight"
		case strings.Contains(r, "lock of") && strings.Contains(r, "gone or taken"):
			return "release lock lost"
		}
		return "halted by operator"
	case failure.NameTestFailed:
		return "pre-traffic tests failed"
	case failure.NameValidation:
		return "invalid release"
	case failure.NameArtifact:
		return "bad artifact"
	}
	return e.Error
}

// changed names what a release changed when it was not its code alone:
// "configuration, " or "code and configuration, ".
func changed(d *release.Document) string {
	switch {
	case len(d.State.Changes) == 0:
		return ""
	case d.State.CodeChanged:
		return "code and configuration, "
	}
	return "configuration, "
}

// build names the artifact's build: "build 42" for releases/orders/42.zip.
func build(d *release.Document) string {
	if _, b, err := release.SplitKey(d.Artifact.Key); err == nil {
		return "build " + b
	}
	// A group's configuration is its members'.
	if d.ConfigurationOnly() && (d.Configuration != nil || d.IsGroup()) {
		return "configuration"
	}
	return "release"
}

// printable makes s a subject SNS publishes: SNS refuses a subject that is
// not ASCII or that holds line breaks or other control characters, and the
// function and build names of a release are whatever the input said. Letters
// with accents lose them (ö → o, é → e), other characters become '?'. The
// body keeps the exact names.
func printable(s string) string {
	var b strings.Builder
	for _, r := range strings.ToValidUTF8(s, "?") {
		switch {
		case r < utf8.RuneSelf && !unicode.IsControl(r):
			b.WriteRune(r)
		case r < utf8.RuneSelf || unicode.IsControl(r) || unicode.IsSpace(r):
			b.WriteByte(' ')
		default:
			if base, ok := unaccented(r); ok {
				b.WriteString(base)
			} else {
				b.WriteByte('?')
			}
		}
	}
	return b.String()
}

// unaccented returns the ASCII letters a Latin letter with a diacritic is
// written with when accents are dropped.
func unaccented(r rune) (string, bool) {
	const (
		from = "ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜÝàáâãäåçèéêëìíîïñòóôõöøùúûüýÿ"
		to   = "AAAAAACEEEEIIIINOOOOOOUUUUYaaaaaaceeeeiiiinoooooouuuuyy"
	)
	switch r {
	case 'ß':
		return "ss", true
	case 'Æ':
		return "AE", true
	case 'æ':
		return "ae", true
	}
	for i, f := range []rune(from) {
		if f == r {
			return to[i : i+1], true
		}
	}
	return "", false
}

// truncate shortens s to at most n characters, ending it with "...".
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-3]) + "..."
}

// Reason extracts the human message from a Step Functions error: for a
// Lambda error its Cause is {"errorMessage": ..., "errorType": ...}.
func Reason(e *release.TaskError) string {
	var lambdaErr struct {
		ErrorMessage string `json:"errorMessage"`
	}
	if json.Unmarshal([]byte(e.Cause), &lambdaErr) == nil && lambdaErr.ErrorMessage != "" {
		return lambdaErr.ErrorMessage
	}
	return e.Cause
}

// ConsoleURL links to the execution in the Step Functions console; "" when
// arn is not an execution ARN.
func ConsoleURL(arn string) string {
	parts := strings.Split(arn, ":")
	if len(parts) < 7 || parts[0] != "arn" || parts[2] != "states" || parts[5] != "execution" {
		return ""
	}
	region := parts[3]
	host := "console.aws.amazon.com"
	switch parts[1] {
	case "aws-cn":
		host = "console.amazonaws.cn"
	case "aws-us-gov":
		host = "console.amazonaws-us-gov.com"
	}
	return fmt.Sprintf("https://%s.%s/states/home?region=%s#/v2/executions/details/%s", region, host, region, arn)
}
