package main

import (
	"math"
	"testing"
)

func TestPrice(t *testing.T) {
	tests := []struct {
		name                          string
		transitions, invocations, gbs float64
		wantStepFunctions, wantLambda float64
	}{
		{"nothing", 0, 0, 0, 0, 0},
		{"1,000 transitions", 1000, 0, 0, 0.025, 0},
		{"a million requests", 0, 1e6, 0, 0, 0.20},
		{"one GB-second", 0, 0, 1, 0, 0.0000133334},
		{"a canary", 16, 10, 0.25, 16 * 0.000025, 10*0.0000002 + 0.25*0.0000133334},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := price(tt.transitions, tt.invocations, tt.gbs)
			if !near(c.StepFunctions, tt.wantStepFunctions) || !near(c.Lambda, tt.wantLambda) {
				t.Errorf("price = %+v, want {%g %g}", c, tt.wantStepFunctions, tt.wantLambda)
			}
			if !near(c.Total(), tt.wantStepFunctions+tt.wantLambda) {
				t.Errorf("total = %g", c.Total())
			}
		})
	}
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-12 }
