// Package verdict decides, from the alarm states fetched for a release,
// whether the release may go on. It is pure: no AWS calls, only data in and a
// Verdict out.
package verdict

import (
	"cmp"
	"slices"

	"github.com/greenlight/greenlight/internal/failure"
)

// CloudWatch alarm state values.
const (
	StateOK               = "OK"
	StateAlarm            = "ALARM"
	StateInsufficientData = "INSUFFICIENT_DATA"
	// StateMissing marks an alarm the release names that CloudWatch does not know.
	StateMissing = "MISSING"
)

// Alarm is one alarm as CloudWatch reported it.
type Alarm struct {
	Name   string
	State  string
	Reason string
}

// Policy says which alarms a release watches.
type Policy struct {
	// Watch names every alarm the release depends on; an alarm named here
	// that is absent from the fetched set counts as breached, so that a typo
	// in an alarm name cannot silently disable the safety net.
	Watch []string
}

// Outcome is what the release should do next.
type Outcome string

const (
	// Proceed: no watched alarm is breached.
	Proceed Outcome = "proceed"
	// RollBack: at least one watched alarm is breached or missing.
	RollBack Outcome = "rollBack"
)

// Verdict is the decision with the evidence behind it.
type Verdict struct {
	Outcome  Outcome
	Breached []failure.BreachedAlarm // sorted by name
	States   map[string]string       // every watched alarm's state
}

// Assess decides on the watched alarms in policy from the fetched alarms.
// Alarms that the policy does not watch are ignored.
func Assess(alarms []Alarm, policy Policy) Verdict {
	byName := make(map[string]Alarm, len(alarms))
	for _, a := range alarms {
		byName[a.Name] = a
	}
	v := Verdict{Outcome: Proceed, States: make(map[string]string, len(policy.Watch))}
	for _, name := range policy.Watch {
		a, ok := byName[name]
		if !ok {
			a = Alarm{Name: name, State: StateMissing, Reason: "alarm does not exist"}
		}
		v.States[name] = a.State
		if breached(a.State) {
			v.Breached = append(v.Breached, failure.BreachedAlarm{Name: a.Name, State: a.State, Reason: a.Reason})
		}
	}
	slices.SortFunc(v.Breached, func(a, b failure.BreachedAlarm) int { return cmp.Compare(a.Name, b.Name) })
	v.Breached = slices.CompactFunc(v.Breached, func(a, b failure.BreachedAlarm) bool { return a.Name == b.Name })
	if len(v.Breached) > 0 {
		v.Outcome = RollBack
	}
	return v
}

// breached reports whether an alarm in state stops the release.
// INSUFFICIENT_DATA does not: the release's own alarm is in it from its
// creation until its first evaluation, and a user alarm on a quiet metric is
// in it whenever the metric has no data, which says nothing against green.
func breached(state string) bool {
	return state == StateAlarm || state == StateMissing
}

// Err returns the *failure.AlarmBreachedError for a RollBack verdict and nil
// otherwise.
func (v Verdict) Err() error {
	if v.Outcome != RollBack {
		return nil
	}
	return &failure.AlarmBreachedError{Alarms: v.Breached}
}
