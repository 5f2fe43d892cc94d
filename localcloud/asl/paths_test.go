package asl

import "testing"

// TestPathBracketBackslash checks that a backslash inside a quoted name of
// the bracket notation stays part of the name: it only keeps the next
// character from closing the name.
func TestPathBracketBackslash(t *testing.T) {
	data := mustDecode(t, `{"a\\\"b":1,"a\"b":2,"c'd":3}`)
	tests := []struct {
		path  string
		want  string
		found bool
	}{
		{`$['a\"b']`, "1", true},
		{`$['a"b']`, "2", true},
		{`$["c'd"]`, "3", true},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			got, found := mustPath(t, tt.path).Eval(data, nil)
			if found != tt.found {
				t.Fatalf("found = %v, want %v", found, tt.found)
			}
			if found && encodeJSON(got) != tt.want {
				t.Errorf("got %s, want %s", encodeJSON(got), tt.want)
			}
		})
	}
}

// TestTaskSecondsPathMissing checks that a TimeoutSecondsPath or
// HeartbeatSecondsPath selecting nothing fails the way a missing InputPath
// does, before the task is called.
func TestTaskSecondsPathMissing(t *testing.T) {
	const prefix = "An error occurred while executing the state 'T' (entered at the event id #2). "
	tests := []struct{ field, wantCause string }{
		{"TimeoutSecondsPath", "Invalid path '$.none' : No results for path: $['none']"},
		{"HeartbeatSecondsPath", "Invalid path '$.none' : No results for path: $['none']"},
	}
	for _, tt := range tests {
		t.Run(tt.field, func(t *testing.T) {
			def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","` + tt.field + `":"$.none","End":true}}}`
			r := runMachine(t, def, `{"a":1}`, nil)
			if r.res.Status != StatusFailed || r.res.Error != ErrRuntime || r.res.Cause != prefix+tt.wantCause {
				t.Fatalf("result = %+v", r.res)
			}
			if got := r.types(); got != "ExecutionStarted TaskStateEntered ExecutionFailed" {
				t.Errorf("events = %s", got)
			}
		})
	}
}
