package asl

import (
	"slices"
	"strings"
	"testing"
)

// TestObjectKeyOrder pins where objects keep the order of their keys, as
// Jackson's ObjectNode (a LinkedHashMap) does in Step Functions.
func TestObjectKeyOrder(t *testing.T) {
	tests := []struct {
		name, input, want string
		run               func(v any) (any, error)
	}{
		{"decode and encode keep the written order", `{"b":1,"a":{"d":2,"c":3}}`, `{"b":1,"a":{"d":2,"c":3}}`,
			func(v any) (any, error) { return v, nil }},
		{"a repeated key keeps its first place and last value", `{"b":1,"a":2,"b":3}`, `{"b":3,"a":2}`,
			func(v any) (any, error) { return v, nil }},
		{"ResultPath appends a new key last", `{"z":1,"a":2}`, `{"z":1,"a":2,"m":true}`,
			func(v any) (any, error) { return setPath(v, mustPath(t, "$.m"), true) }},
		{"ResultPath replaces an existing key in place", `{"z":1,"a":2}`, `{"z":true,"a":2}`,
			func(v any) (any, error) { return setPath(v, mustPath(t, "$.z"), true) }},
		{"wildcard selects in written order", `{"b":1,"a":2,"c":3}`, `[1,2,3]`,
			func(v any) (any, error) { out, _ := mustPath(t, "$.*").Eval(v, nil); return out, nil }},
		{"deep scan selects in written order", `{"b":{"x":1},"a":{"x":2}}`, `[1,2]`,
			func(v any) (any, error) { out, _ := mustPath(t, "$..x").Eval(v, nil); return out, nil }},
		{"JsonToString keeps the order", `{"b":1,"a":[{"y":1,"x":2}]}`, `"{\"b\":1,\"a\":[{\"y\":1,\"x\":2}]}"`,
			func(v any) (any, error) { return fnJSONToString([]any{v}) }},
		{"Format renders a Map in its order", `{"b":1,"a":2}`, `"{b=1, a=2}"`,
			func(v any) (any, error) { return fnFormat([]any{"{}", v}) }},
		// json-manipulation.json-merge.0 records {a, b, d} merged with
		// {a, c, d} as {a, b, c, d}: AWS merges in a HashMap.
		{"JsonMerge orders keys as a HashMap", `[{"a":1,"b":2,"d":3},{"a":4,"c":3,"d":4}]`, `{"a":4,"b":2,"c":3,"d":4}`,
			func(v any) (any, error) { a := v.([]any); return fnJSONMerge([]any{a[0], a[1], false}) }},
		{"JsonMerge follows the hash, not the sides", `[{"mid":1},{"alpha":2,"zeta":3}]`, `{"zeta":3,"alpha":2,"mid":1}`,
			func(v any) (any, error) { a := v.([]any); return fnJSONMerge([]any{a[0], a[1], false}) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := tt.run(mustDecode(t, tt.input))
			if err != nil {
				t.Fatal(err)
			}
			if got := encodeJSON(out); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

// TestTemplateKeyOrder pins the order of the keys a payload template
// produces: literal fields first as written, then computed fields in Java
// HashMap order. Each case is a recorded AWS execution.
func TestTemplateKeyOrder(t *testing.T) {
	tests := []struct {
		name, template, data, want string
	}{
		// base-scenarios.map-state-item-selector.
		{"literal fields come before computed ones",
			`{"original_input.$":"$","iteration_input_value.$":"$.v","iteration_index.$":"$.i","from_input_constant.$":"$.c","constant_value":"HelloWorld"}`,
			`{"v":1,"i":0,"c":"UQS"}`,
			`{"constant_value":"HelloWorld","iteration_input_value":1,"from_input_constant":"UQS","iteration_index":0,"original_input":{"v":1,"i":0,"c":"UQS"}}`},
		// base-scenarios.map-state-legacy-reentrant, states StartState and
		// BeforeIteration.
		{"a literal then a computed field", `{"Iterations":3,"Values.$":"$.v"}`, `{"v":[0]}`, `{"Iterations":3,"Values":[0]}`},
		{"computed fields in HashMap order", `{"Iterations.$":"$.n","Values.$":"$.v"}`, `{"n":2,"v":[0]}`, `{"Values":[0],"Iterations":2}`},
		{"nested literal objects keep their order", `{"z":{"b":1,"a":2},"y":[{"d.$":"$.n","c":1}]}`, `{"n":5}`, `{"z":{"b":1,"a":2},"y":[{"c":1,"d":5}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmpl, err := compileTemplate(mustDecode(t, tt.template), "/Parameters")
			if err != nil {
				t.Fatal(err)
			}
			out, err := tmpl.eval(mustDecode(t, tt.data), newObject(0))
			if err != nil {
				t.Fatal(err)
			}
			if got := encodeJSON(out); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

// TestJavaHashOrder checks the HashMap iteration order against the order
// AWS recorded for the thirteen computed fields of
// base.query-context-object-values (a table of 32 buckets).
func TestJavaHashOrder(t *testing.T) {
	tests := []struct {
		keys, want []string
	}{
		{
			keys: []string{"context_object", "execution", "execution_id", "execution_input", "execution_name", "execution_rolearn",
				"execution_starttime", "state", "state_enteredtime", "state_name", "statemachine", "statemachine_id", "statemachine_name"},
			want: []string{"execution", "execution_rolearn", "execution_name", "statemachine_id", "execution_id", "execution_input",
				"execution_starttime", "state_name", "state_enteredtime", "statemachine", "state", "context_object", "statemachine_name"},
		},
		{keys: []string{"Iterations", "Values"}, want: []string{"Values", "Iterations"}},
		{keys: []string{"d", "a", "c", "b"}, want: []string{"a", "b", "c", "d"}},
		{keys: nil, want: []string{}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.keys, ","), func(t *testing.T) {
			if got := javaHashOrder(tt.keys); !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// TestJavaStringHash compares with values of Java's String.hashCode.
func TestJavaStringHash(t *testing.T) {
	tests := []struct {
		s    string
		want int32
	}{
		{"", 0},
		{"a", 97},
		{"hello", 99162322},
		{"polygenelubricants", -2147483648},
		{"\U0001F600", 1772899}, // a surrogate pair: 0xD83D*31 + 0xDE00
	}
	for _, tt := range tests {
		if got := int32(javaStringHash(tt.s)); got != tt.want {
			t.Errorf("javaStringHash(%q) = %d, want %d", tt.s, got, tt.want)
		}
	}
}

// TestObjectIndex checks lookups on both sides of the size from which an
// object keeps an index.
func TestObjectIndex(t *testing.T) {
	o := newObject(0)
	for i := range 2 * indexAbove {
		k := string(rune('a' + i))
		o.set(k, i)
		o.set(k, i*10) // in place
		for j := 0; j <= i; j++ {
			if v, ok := o.get(string(rune('a' + j))); !ok || v != j*10 {
				t.Fatalf("after %d keys: get(%c) = %v, %v", i+1, 'a'+j, v, ok)
			}
		}
	}
	if _, ok := o.get("zz"); ok {
		t.Error("found a missing key")
	}
	c := o.clone()
	c.set("zz", 1)
	if _, ok := o.get("zz"); ok || o.len() != 2*indexAbove {
		t.Error("clone shares its index with the original")
	}
}

// TestEncodeJSONStrings pins the string escaping of Jackson, which writes
// the JSON text of Step Functions: short escapes where JSON has them,
// upper-case \u00XX for other control characters, everything else as is.
func TestEncodeJSONStrings(t *testing.T) {
	for s, want := range map[string]string{
		"": `""`, "plain": `"plain"`, `q"uote`: `"q\"uote"`, `back\slash`: `"back\\slash"`,
		"tab\tnl\n": `"tab\tnl\n"`, "\b\f\r": `"\b\f\r"`, "\x01": `"\u0001"`, "\x1b": `"\u001B"`,
		"<&>": `"<&>"`, "é": `"é"`, "\u2028\u2029": "\"\u2028\u2029\"", "\x7f": "\"\x7f\"",
		"\xff": "\"\ufffd\"", "😀": `"😀"`,
	} {
		if got := encodeJSON(s); got != want {
			t.Errorf("encodeJSON(%q) = %s, want %s", s, got, want)
		}
	}
}

// TestJavaHash pins the hash codes of the Java objects JSON values become,
// as java.lang and java.util compute them.
func TestJavaHash(t *testing.T) {
	for text, want := range map[string]uint32{
		`null`: 0, `true`: 1231, `false`: 1237, `"a"`: 97, `7`: 7, `-1`: 0xFFFFFFFF,
		`4294967296`: 1, `18446744073709551616`: 961, `-18446744073709551616`: 0xFFFFFC3F,
		`1.5`: 0x3FF80000, `[1,2]`: 994, `{"a":1}`: 97 ^ 1, `{"a":1,"b":"c"}`: (97 ^ 1) + (98 ^ 99),
	} {
		if got := javaHash(mustDecode(t, text)); got != want {
			t.Errorf("javaHash(%s) = %#x, want %#x", text, got, want)
		}
	}
}
