package verdict

import (
	"errors"
	"reflect"
	"testing"

	"github.com/greenlight/greenlight/internal/failure"
)

func TestAssess(t *testing.T) {
	ok := func(n string) Alarm { return Alarm{Name: n, State: StateOK} }
	alarm := func(n string) Alarm { return Alarm{Name: n, State: StateAlarm, Reason: "Threshold Crossed"} }
	insufficient := func(n string) Alarm { return Alarm{Name: n, State: StateInsufficientData} }
	tests := []struct {
		name     string
		alarms   []Alarm
		policy   Policy
		want     Outcome
		breached []string
	}{
		{"nothing watched", nil, Policy{}, Proceed, nil},
		{"all ok", []Alarm{ok("a"), ok("b")}, Policy{Watch: []string{"a", "b"}}, Proceed, nil},
		{"one in alarm", []Alarm{ok("a"), alarm("b")}, Policy{Watch: []string{"a", "b"}}, RollBack, []string{"b"}},
		{"breaches sorted", []Alarm{alarm("z"), alarm("a")}, Policy{Watch: []string{"z", "a"}}, RollBack, []string{"a", "z"}},
		{"unwatched alarm ignored", []Alarm{ok("a"), alarm("other")}, Policy{Watch: []string{"a"}}, Proceed, nil},
		{"missing alarm breaches", []Alarm{ok("a")}, Policy{Watch: []string{"a", "typo"}}, RollBack, []string{"typo"}},
		{"insufficient data tolerated", []Alarm{insufficient("a")}, Policy{Watch: []string{"a"}}, Proceed, nil},
		{"insufficient data beside an alarm", []Alarm{insufficient("a"), alarm("b")}, Policy{Watch: []string{"a", "b"}}, RollBack, []string{"b"}},
		{"watched twice reported once", []Alarm{alarm("a")}, Policy{Watch: []string{"a", "a"}}, RollBack, []string{"a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Assess(tt.alarms, tt.policy)
			if v.Outcome != tt.want {
				t.Errorf("Outcome = %s, want %s", v.Outcome, tt.want)
			}
			var names []string
			for _, b := range v.Breached {
				names = append(names, b.Name)
			}
			if !reflect.DeepEqual(names, tt.breached) {
				t.Errorf("Breached = %v, want %v", names, tt.breached)
			}
			if len(v.States) != len(dedupe(tt.policy.Watch)) {
				t.Errorf("States = %v, want one per watched alarm", v.States)
			}
			err := v.Err()
			var abe *failure.AlarmBreachedError
			if (tt.want == RollBack) != errors.As(err, &abe) {
				t.Errorf("Err() = %v for outcome %s", err, v.Outcome)
			}
		})
	}
}

func dedupe(names []string) map[string]bool {
	m := map[string]bool{}
	for _, n := range names {
		m[n] = true
	}
	return m
}
