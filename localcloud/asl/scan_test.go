package asl

import (
	"reflect"
	"testing"
)

func TestScan(t *testing.T) {
	tests := []struct {
		name string
		s    string
		stop byte // the byte to find at depth 0
		want int
	}{
		{name: "first at top level", s: "a,b,c", stop: ',', want: 1},
		{name: "none", s: "abc", stop: ',', want: -1},
		{name: "empty", s: "", stop: ',', want: -1},
		{name: "inside brackets", s: "[a,b],c", stop: ',', want: 5},
		{name: "inside parentheses", s: "f(a,b),c", stop: ',', want: 6},
		{name: "nested", s: "[(a,[b,c]),d],e", stop: ',', want: 13},
		{name: "single quotes", s: "'a,b',c", stop: ',', want: 5},
		{name: "double quotes", s: `"a,b",c`, stop: ',', want: 5},
		{name: "quote of the other kind inside", s: `'a"b,',c`, stop: ',', want: 6},
		{name: "escaped quote", s: `'a\',b',c`, stop: ',', want: 7},
		{name: "bracket inside quotes", s: "'['],", stop: ']', want: 3},
		{name: "closer of its own level", s: "a[b]]", stop: ']', want: 4},
		{name: "unterminated quote", s: "'a,b", stop: ',', want: -1},
		{name: "below zero after an unmatched closer", s: "a],b", stop: ',', want: -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := scan(tt.s, func(i, depth int) bool { return depth == 0 && tt.s[i] == tt.stop })
			if got != tt.want {
				t.Errorf("scan(%q, %q at depth 0) = %d, want %d", tt.s, tt.stop, got, tt.want)
			}
		})
	}
}

func TestScanCallers(t *testing.T) {
	if got := argEnd("$.a[0,1], 'x)')"); got != 8 {
		t.Errorf("argEnd = %d, want 8", got)
	}
	if got := argEnd("'no end"); got != len("'no end") {
		t.Errorf("argEnd of an unterminated argument = %d, want the whole string", got)
	}
	if got := closing("?(@.a == ']')]['b']"); got != 13 {
		t.Errorf("closing = %d, want 13", got)
	}
	if got, want := splitTop("@.a == 1 || (@.b == '||' || @.c) || @.d", "||"), []string{"@.a == 1 ", " (@.b == '||' || @.c) ", " @.d"}; !reflect.DeepEqual(got, want) {
		t.Errorf("splitTop = %q, want %q", got, want)
	}
	c, err := parseComparison("@.s == 'a<=b'")
	if err != nil || c.op != "==" {
		t.Errorf("parseComparison = op %q, %v; want == and no error", c.op, err)
	}
}
