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
		{"all at once", Strategy{Name: AllAtOnce}, []Step{{Percent: 100, BakeSeconds: 0}}},
		{"canary 5", Strategy{Name: Canary10Percent5Minutes}, []Step{{Percent: 10, BakeSeconds: 300}, {Percent: 100, BakeSeconds: 0}}},
		{"canary 30", Strategy{Name: Canary10Percent30Minutes}, []Step{{Percent: 10, BakeSeconds: 1800}, {Percent: 100, BakeSeconds: 0}}},
		{"linear 2", Strategy{Name: Linear10PercentEvery2Minutes}, []Step{
			{Percent: 10, BakeSeconds: 120}, {Percent: 20, BakeSeconds: 120}, {Percent: 30, BakeSeconds: 120}, {Percent: 40, BakeSeconds: 120}, {Percent: 50, BakeSeconds: 120}, {Percent: 60, BakeSeconds: 120}, {Percent: 70, BakeSeconds: 120}, {Percent: 80, BakeSeconds: 120}, {Percent: 90, BakeSeconds: 120}, {Percent: 100, BakeSeconds: 0}}},
		{"custom", Strategy{Name: Custom, Steps: []Step{{Percent: 5, BakeSeconds: 60}, {Percent: 25, BakeSeconds: 120}}}, []Step{{Percent: 5, BakeSeconds: 60}, {Percent: 25, BakeSeconds: 120}, {Percent: 100, BakeSeconds: 0}}},
		{"custom ending at 100", Strategy{Name: Custom, Steps: []Step{{Percent: 50, BakeSeconds: 60}, {Percent: 100, BakeSeconds: 30}}}, []Step{{Percent: 50, BakeSeconds: 60}, {Percent: 100, BakeSeconds: 0}}},
		{"custom fractional", Strategy{Name: Custom, Steps: []Step{{Percent: 0.5, BakeSeconds: 0}}}, []Step{{Percent: 0.5, BakeSeconds: 0}, {Percent: 100, BakeSeconds: 0}}},
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
	s := Strategy{Name: Custom, Steps: []Step{{Percent: 50, BakeSeconds: 60}, {Percent: 100, BakeSeconds: 30}}}
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
		{"preset with steps", Strategy{Name: AllAtOnce, Steps: []Step{{Percent: 10, BakeSeconds: 1}}}, 1},
		{"custom without steps", Strategy{Name: Custom}, 1},
		{"zero percent", Strategy{Name: Custom, Steps: []Step{{Percent: 0, BakeSeconds: 10}}}, 1},
		{"over 100", Strategy{Name: Custom, Steps: []Step{{Percent: 101, BakeSeconds: 10}}}, 1},
		{"not increasing", Strategy{Name: Custom, Steps: []Step{{Percent: 20, BakeSeconds: 10}, {Percent: 20, BakeSeconds: 10}, {Percent: 10, BakeSeconds: 10}}}, 2},
		{"negative bake", Strategy{Name: Custom, Steps: []Step{{Percent: 20, BakeSeconds: -1}}}, 1},
		{"everything wrong", Strategy{Name: Custom, Steps: []Step{{Percent: -5, BakeSeconds: -1}, {Percent: 200, BakeSeconds: -2}}}, 4},
		{"bake of 31,700 years", Strategy{Name: Custom, Steps: []Step{{Percent: 10, BakeSeconds: 1000000000000}}}, 1},
		{"bake of a year less a day", Strategy{Name: Custom, Steps: []Step{{Percent: 10, BakeSeconds: MaxWaitSeconds}}}, 0},
		{"bake over a year less a day", Strategy{Name: Custom, Steps: []Step{{Percent: 10, BakeSeconds: MaxWaitSeconds + 1}}}, 1},
		{"bakes over a year in all", Strategy{Name: Custom, Steps: []Step{{Percent: 10, BakeSeconds: MaxWaitSeconds}, {Percent: 20, BakeSeconds: 1}}}, 1},
		{"approval timeout over a year", Strategy{Name: Canary10Percent5Minutes, Approval: true, ApprovalTimeoutSeconds: MaxWaitSeconds + 1}, 1},
		{"negative approval timeout", Strategy{Name: Canary10Percent5Minutes, ApprovalTimeoutSeconds: -1}, 1},
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

func TestLongestSeconds(t *testing.T) {
	tests := []struct {
		name string
		in   Strategy
		want int
	}{
		{"all at once", Strategy{Name: AllAtOnce}, 0},
		{"preset", Strategy{Name: Canary10Percent30Minutes}, 1800},
		{"preset with approvals", Strategy{Name: Linear10PercentEvery1Minute, Approval: true}, 9*60 + 9*DefaultApprovalTimeoutSeconds},
		{"custom with one approval", Strategy{Name: Custom, ApprovalTimeoutSeconds: 600, Steps: []Step{
			{Percent: 10, BakeSeconds: 60, Approval: true}, {Percent: 50, BakeSeconds: 120}}}, 60 + 600 + 120},
		{"invalid", Strategy{Name: "Canary50Percent"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := LongestSeconds(tt.in); got != tt.want {
				t.Errorf("LongestSeconds = %d, want %d", got, tt.want)
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
		{`{"steps":[{"percent":5,"bakeSeconds":60}]}`, Strategy{Name: Custom, Steps: []Step{{Percent: 5, BakeSeconds: 60}}}},
		{`{"name":"Custom","steps":[{"percent":5,"bakeSeconds":60}]}`, Strategy{Name: Custom, Steps: []Step{{Percent: 5, BakeSeconds: 60}}}},
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
	for _, bad := range []string{`5`, `"`, `{"steps":"x"}`, `{"name":"Canary10Percent5Minutes","aproval":true}`, `{"steps":[{"percent":50,"bakeSecond":60}]}`} {
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

func TestApproval(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		problems int
		want     []Step
		timeout  int
	}{
		{"preset option", `{"name":"Canary10Percent5Minutes","approval":true}`, 0,
			[]Step{{Percent: 10, BakeSeconds: 300, Approval: true}, {Percent: 100}}, DefaultApprovalTimeoutSeconds},
		{"custom step", `{"steps":[{"percent":50,"bakeSeconds":300,"approval":true}],"approvalTimeoutSeconds":60}`, 0,
			[]Step{{Percent: 50, BakeSeconds: 300, Approval: true}, {Percent: 100}}, 60},
		{"no approval on 100 %", `{"steps":[{"percent":100,"approval":true}]}`, 1, nil, DefaultApprovalTimeoutSeconds},
		{"negative timeout", `{"name":"AllAtOnce","approvalTimeoutSeconds":-1}`, 1, nil, DefaultApprovalTimeoutSeconds},
		{"timeout over a year", `{"name":"AllAtOnce","approvalTimeoutSeconds":31449601}`, 1, nil, 31449601},
		{"approval with no partial step", `{"name":"AllAtOnce","approval":true}`, 1, nil, DefaultApprovalTimeoutSeconds},
		{"approval with custom steps at 100 % only", `{"steps":[{"percent":100,"bakeSeconds":60}],"approval":true}`, 1, nil, DefaultApprovalTimeoutSeconds},
		{"timeout without approval", `{"name":"Canary10Percent5Minutes","approvalTimeoutSeconds":600}`, 1, nil, 600},
		{"timeout without approval on a custom step", `{"steps":[{"percent":10,"bakeSeconds":60}],"approvalTimeoutSeconds":600}`, 1, nil, 600},
		{"approval and timeout on AllAtOnce", `{"name":"AllAtOnce","approval":true,"approvalTimeoutSeconds":600}`, 2, nil, 600},
		{"timeout with approval on one step", `{"steps":[{"percent":10,"bakeSeconds":60},{"percent":50,"approval":true}],"approvalTimeoutSeconds":600}`, 0,
			[]Step{{Percent: 10, BakeSeconds: 60}, {Percent: 50, Approval: true}, {Percent: 100}}, 600},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s Strategy
			if err := json.Unmarshal([]byte(tt.in), &s); err != nil {
				t.Fatal(err)
			}
			if got := s.Validate(); len(got) != tt.problems {
				t.Fatalf("Validate = %q, want %d problem(s)", got, tt.problems)
			}
			if got := Schedule(s); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Schedule = %+v, want %+v", got, tt.want)
			}
			if got := s.ApprovalTimeout(); got != tt.timeout {
				t.Errorf("ApprovalTimeout = %d, want %d", got, tt.timeout)
			}
		})
	}
}
