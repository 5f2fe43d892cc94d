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
