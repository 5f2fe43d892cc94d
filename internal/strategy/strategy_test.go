package strategy

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestSchedule(t *testing.T) {
	tests := []struct {
		name string
		in   Strategy
		want []Step
	}{
		{"all at once", Strategy{Name: AllAtOnce}, []Step{{100, 0}}},
		{"canary 5", Strategy{Name: Canary10Percent5Minutes}, []Step{{10, 300}, {100, 0}}},
		{"canary 30", Strategy{Name: Canary10Percent30Minutes}, []Step{{10, 1800}, {100, 0}}},
		{"linear 2", Strategy{Name: Linear10PercentEvery2Minutes}, []Step{
			{10, 120}, {20, 120}, {30, 120}, {40, 120}, {50, 120}, {60, 120}, {70, 120}, {80, 120}, {90, 120}, {100, 0}}},
		{"custom", Strategy{Name: Custom, Steps: []Step{{5, 60}, {25, 120}}}, []Step{{5, 60}, {25, 120}, {100, 0}}},
		{"custom ending at 100", Strategy{Name: Custom, Steps: []Step{{50, 60}, {100, 30}}}, []Step{{50, 60}, {100, 0}}},
		{"custom fractional", Strategy{Name: Custom, Steps: []Step{{0.5, 0}}}, []Step{{0.5, 0}, {100, 0}}},
		{"invalid", Strategy{Name: "Fast"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Schedule(tt.in); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Schedule = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestScheduleDoesNotAliasSteps(t *testing.T) {
	s := Strategy{Name: Custom, Steps: []Step{{50, 60}, {100, 30}}}
	Schedule(s)
	if s.Steps[1].BakeSeconds != 30 {
		t.Fatal("Schedule modified the strategy's steps")
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		in   Strategy
		want int // number of problems
	}{
		{"preset", Strategy{Name: Linear10PercentEvery10Minutes}, 0},
		{"unknown", Strategy{Name: "Canary50Percent"}, 1},
		{"empty name", Strategy{}, 1},
		{"preset with steps", Strategy{Name: AllAtOnce, Steps: []Step{{10, 1}}}, 1},
		{"custom without steps", Strategy{Name: Custom}, 1},
		{"zero percent", Strategy{Name: Custom, Steps: []Step{{0, 10}}}, 1},
		{"over 100", Strategy{Name: Custom, Steps: []Step{{101, 10}}}, 1},
		{"not increasing", Strategy{Name: Custom, Steps: []Step{{20, 10}, {20, 10}, {10, 10}}}, 2},
		{"negative bake", Strategy{Name: Custom, Steps: []Step{{20, -1}}}, 1},
		{"everything wrong", Strategy{Name: Custom, Steps: []Step{{-5, -1}, {200, -2}}}, 4},
		{"bake of 31,700 years", Strategy{Name: Custom, Steps: []Step{{10, 1000000000000}}}, 1},
		{"bake of a day", Strategy{Name: Custom, Steps: []Step{{10, MaxBakeSeconds}}}, 0},
		{"bake over a day", Strategy{Name: Custom, Steps: []Step{{10, MaxBakeSeconds + 1}}}, 1},
		{"bakes over a week", Strategy{Name: Custom, Steps: []Step{{10, MaxBakeSeconds}, {20, MaxBakeSeconds}, {30, MaxBakeSeconds},
			{40, MaxBakeSeconds}, {50, MaxBakeSeconds}, {60, MaxBakeSeconds}, {70, MaxBakeSeconds}, {80, 1}}}, 1},
		{"too many steps", Strategy{Name: Custom, Steps: manySteps(MaxSteps + 1)}, 1},
		{"most steps", Strategy{Name: Custom, Steps: manySteps(MaxSteps)}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.in.Validate(); len(got) != tt.want {
				t.Errorf("Validate = %q, want %d problem(s)", got, tt.want)
			}
		})
	}
}

func TestUnmarshalJSON(t *testing.T) {
	tests := []struct {
		in   string
		want Strategy
	}{
		{`"AllAtOnce"`, Strategy{Name: AllAtOnce}},
		{`{"name":"Canary10Percent5Minutes"}`, Strategy{Name: Canary10Percent5Minutes}},
		{`{"steps":[{"percent":5,"bakeSeconds":60}]}`, Strategy{Name: Custom, Steps: []Step{{5, 60}}}},
		{`{"name":"Custom","steps":[{"percent":5,"bakeSeconds":60}]}`, Strategy{Name: Custom, Steps: []Step{{5, 60}}}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var got Strategy
			if err := json.Unmarshal([]byte(tt.in), &got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
	for _, bad := range []string{`5`, `"`, `{"steps":"x"}`} {
		var s Strategy
		if err := json.Unmarshal([]byte(bad), &s); err == nil {
			t.Errorf("Unmarshal(%s) succeeded", bad)
		}
	}
}

// manySteps returns n increasing steps without bakes.
func manySteps(n int) []Step {
	steps := make([]Step, n)
	for i := range steps {
		steps[i] = Step{Percent: float64(i+1) * 100 / float64(n+1)}
	}
	return steps
}
