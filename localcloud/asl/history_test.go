package asl

import (
	"fmt"
	"strings"
	"testing"
)

// chain renders events as type:id<previousEventId, for comparing how they
// link up.
func (r run) chain() string {
	var s []string
	for _, e := range r.events {
		s = append(s, fmt.Sprintf("%s:%d<%d", e.Type, e.ID, e.PreviousEventID))
	}
	return strings.Join(s, " ")
}

// TestMapParallelEventChain checks the previousEventId links of Map and
// Parallel states: an iteration follows the end of the one before it in its
// concurrency slot, the state's own events follow the last event of the child
// that ended last (or failed), the success event shares its predecessor
// with the state's exit, a nested Map's exit ends its outer iteration, a
// distributed Map records its map run instead of its iterations, and an
// ItemSelector that fails fails its iteration.
func TestMapParallelEventChain(t *testing.T) {
	pass := `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`
	fail := `{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"E"}}}`
	tests := []struct {
		name, def, want string
	}{
		{"sequential map", `{"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":1,"ItemProcessor":` + pass + `,"End":true}}}`,
			"ExecutionStarted:1<0 MapStateEntered:2<0 MapStateStarted:3<2 " +
				"MapIterationStarted:4<3 PassStateEntered:5<4 PassStateExited:6<5 MapIterationSucceeded:7<6 " +
				"MapIterationStarted:8<6 PassStateEntered:9<8 PassStateExited:10<9 MapIterationSucceeded:11<10 " +
				"MapStateSucceeded:12<11 MapStateExited:13<11 ExecutionSucceeded:14<13"},
		{"failed map", `{"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":1,"ItemProcessor":` + fail + `,"Retry":[{"ErrorEquals":["E"],"MaxAttempts":1}],"End":true}}}`,
			"ExecutionStarted:1<0 MapStateEntered:2<0 MapStateStarted:3<2 " +
				"MapIterationStarted:4<3 FailStateEntered:5<4 MapIterationFailed:6<5 " +
				"MapStateStarted:7<5 MapIterationStarted:8<7 FailStateEntered:9<8 MapIterationFailed:10<9 " +
				"MapStateFailed:11<9 ExecutionFailed:12<11"},
		{"failed item selector", `{"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":1,"ItemSelector":{"v.$":"$.nope"},"ItemProcessor":` + pass + `,"End":true}}}`,
			"ExecutionStarted:1<0 MapStateEntered:2<0 MapStateStarted:3<2 " +
				"MapIterationStarted:4<3 MapIterationFailed:5<4 MapStateFailed:6<4 ExecutionFailed:7<6"},
		{"caught parallel", `{"StartAt":"B","States":{"B":{"Type":"Parallel","Branches":[` + fail + `],"Catch":[{"ErrorEquals":["States.ALL"],"Next":"D"}],"End":true},"D":{"Type":"Succeed"}}}`,
			"ExecutionStarted:1<0 ParallelStateEntered:2<0 ParallelStateStarted:3<2 FailStateEntered:4<3 " +
				"ParallelStateFailed:5<4 ParallelStateExited:6<5 SucceedStateEntered:7<6 SucceedStateExited:8<7 ExecutionSucceeded:9<8"},
		{"nested map", `{"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":1,"ItemSelector":{"a.$":"States.Array($$.Map.Item.Value)"},"ItemProcessor":` +
			`{"StartAt":"N","States":{"N":{"Type":"Map","ItemsPath":"$.a","ItemProcessor":` + pass + `,"End":true}}},"End":true}}}`,
			"ExecutionStarted:1<0 MapStateEntered:2<0 MapStateStarted:3<2 " +
				"MapIterationStarted:4<3 MapStateEntered:5<4 MapStateStarted:6<5 MapIterationStarted:7<6 PassStateEntered:8<7 PassStateExited:9<8 " +
				"MapIterationSucceeded:10<9 MapStateSucceeded:11<10 MapStateExited:12<10 MapIterationSucceeded:13<12 " +
				"MapIterationStarted:14<12 MapStateEntered:15<14 MapStateStarted:16<15 MapIterationStarted:17<16 PassStateEntered:18<17 PassStateExited:19<18 " +
				"MapIterationSucceeded:20<19 MapStateSucceeded:21<20 MapStateExited:22<20 MapIterationSucceeded:23<22 " +
				"MapStateSucceeded:24<23 MapStateExited:25<23 ExecutionSucceeded:26<25"},
		{"distributed map", `{"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`,
			"ExecutionStarted:1<0 MapStateEntered:2<0 MapStateStarted:3<2 MapRunStarted:4<3 MapRunSucceeded:5<4 " +
				"MapStateSucceeded:6<5 MapStateExited:7<5 ExecutionSucceeded:8<7"},
		{"parallel", `{"StartAt":"B","States":{"B":{"Type":"Parallel","Branches":[` + pass + `],"End":true}}}`,
			"ExecutionStarted:1<0 ParallelStateEntered:2<0 ParallelStateStarted:3<2 PassStateEntered:4<3 PassStateExited:5<4 " +
				"ParallelStateSucceeded:6<5 ParallelStateExited:7<5 ExecutionSucceeded:8<7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runMachine(t, tt.def, `[1,2]`, nil)
			if got := r.chain(); got != tt.want {
				t.Errorf("events:\n got  %s\n want %s", got, tt.want)
			}
		})
	}
}

// TestMapInputErrors checks the failure of a Map state whose items are not
// an array (AWS quotes the value as JSON), and that MaxConcurrencyPath is
// resolved before the items.
func TestMapInputErrors(t *testing.T) {
	tests := []struct {
		name, def, input, want string
	}{
		{"input", `{"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`,
			`"text"`, `Map state input must be an array but was: "text"`},
		{"items path", `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`,
			`{"items":{"a":1}}`, `Map state input must be an array but was: {"a":1}`},
		{"max concurrency first", `{"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrencyPath":"$.c","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`,
			`{"c":"x"}`, `The MaxConcurrencyPath field refers to value "x" which is not a valid integer: $.c`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runMachine(t, tt.def, tt.input, nil)
			want := "An error occurred while executing the state 'M' (entered at the event id #2). " + tt.want
			if r.res.Status != StatusFailed || r.res.Error != ErrRuntime || r.res.Cause != want {
				t.Errorf("result = %+v, want States.Runtime: %s", r.res, want)
			}
		})
	}
}

// TestFieldPathNotFoundQuotesSearchedData checks the cause of a ".$" field
// whose path selects nothing: AWS quotes the data the path searched, the
// state's input for "$" paths and the context object for "$$" paths.
func TestFieldPathNotFoundQuotesSearchedData(t *testing.T) {
	const at = "An error occurred while executing the state 'P' (entered at the event id #2). "
	tests := []struct {
		name, path, want string
	}{
		{"input", "$.nope", at + `The JSONPath '$.nope' specified for the field 'v.$' could not be found in the input '{"a":1}'`},
		{"context object", "$$.Execution.Input.nope", at + `The JSONPath '$$.Execution.Input.nope' specified for the field 'v.$' could not be found in the input '` +
			`{"Execution":{"Id":"arn:aws:states:us-east-1:000000000000:execution:sm:x","Input":{"a":1},"StartTime":"2026-01-01T00:00:00.000Z","Name":"x","RoleArn":"","RedriveCount":0},` +
			`"StateMachine":{"Id":"arn:aws:states:us-east-1:000000000000:stateMachine:sm","Name":"sm"},"State":{"Name":"P","EnteredTime":"2026-01-01T00:00:00.000Z"}}'`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runMachine(t, `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"v.$":"`+tt.path+`"},"End":true}}}`, `{"a":1}`, nil)
			if r.res.Error != ErrRuntime || r.res.Cause != tt.want {
				t.Errorf("result = %s: %s\nwant cause %s", r.res.Error, r.res.Cause, tt.want)
			}
		})
	}
}

// TestTaskTimeoutPathErrors checks the failures of TimeoutSecondsPath and
// HeartbeatSecondsPath: a path that selects nothing is an invalid path, as
// for InputPath; a value that is not a positive integer is refused as such.
func TestTaskTimeoutPathErrors(t *testing.T) {
	const at = "An error occurred while executing the state 'T' (entered at the event id #2). "
	tests := []struct {
		name, field, input, want string
	}{
		{"timeout path missing", "TimeoutSecondsPath", `{}`, at + "Invalid path '$.s' : No results for path: $['s']"},
		{"heartbeat path missing", "HeartbeatSecondsPath", `{}`, at + "Invalid path '$.s' : No results for path: $['s']"},
		{"timeout not positive", "TimeoutSecondsPath", `{"s":0}`, at + `The TimeoutSecondsPath field refers to value "0" which is not a valid positive integer: $.s`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:s3:listBuckets.waitForTaskToken","` + tt.field + `":"$.s","End":true}}}`
			r := runMachine(t, def, tt.input, nil)
			if r.res.Error != ErrRuntime || r.res.Cause != tt.want {
				t.Errorf("result = %s: %s\nwant cause %s", r.res.Error, r.res.Cause, tt.want)
			}
			if got, want := r.types(), "ExecutionStarted TaskStateEntered ExecutionFailed"; got != want {
				t.Errorf("events = %s, want %s", got, want)
			}
		})
	}
}
