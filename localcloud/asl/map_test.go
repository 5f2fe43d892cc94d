package asl

import (
	"strings"
	"testing"
)

// TestMapPathSettings checks the runtime failures of a Map state whose
// MaxConcurrencyPath, ToleratedFailureCountPath or
// ToleratedFailurePercentagePath selects an unusable value.
func TestMapPathSettings(t *testing.T) {
	const prefix = "An error occurred while executing the state 'M' (entered at the event id #2). "
	tests := []struct {
		name, field, value, wantCause string
	}{
		{"concurrency not a number", `"MaxConcurrencyPath":"$.v"`, `"x"`, `The MaxConcurrencyPath field refers to value "x" which is not a valid integer: $.v`},
		{"count not a number", `"ToleratedFailureCountPath":"$.v"`, `[1]`, `The ToleratedFailureCountPath field refers to value "[1]" which is not a valid integer: $.v`},
		{"count negative", `"ToleratedFailureCountPath":"$.v"`, `-1`, `ToleratedFailureCount cannot be negative.`},
		{"percentage not a number", `"ToleratedFailurePercentagePath":"$.v"`, `"x"`, `The ToleratedFailurePercentagePath field refers to value "x" which is not a valid float: $.v`},
		{"percentage out of range", `"ToleratedFailurePercentagePath":"$.v"`, `-1`, `ToleratedFailurePercentage must be between 0 and 100.`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mode := "INLINE"
			if strings.Contains(tt.field, "Tolerated") {
				mode = "DISTRIBUTED"
			}
			def := `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items",` + tt.field + `,
				"ItemProcessor":{"ProcessorConfig":{"Mode":"` + mode + `"},"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`
			r := runMachine(t, def, `{"items":[1],"v":`+tt.value+`}`, nil)
			if r.res.Status != StatusFailed || r.res.Error != ErrRuntime || r.res.Cause != prefix+tt.wantCause {
				t.Fatalf("result = %+v, want cause %q", r.res, prefix+tt.wantCause)
			}
		})
	}
}
