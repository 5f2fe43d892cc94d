package asl

import "testing"

func TestPathEval(t *testing.T) {
	data := mustDecode(t, `{"a":{"b":[10,20,30],"c d":"x"},"items":[{"n":1,"ok":true},{"n":5},{"n":9,"ok":true}],"int-literal":0,"tags":["alpha","Beta"]}`)
	ctx := mustDecode(t, `{"Execution":{"Id":"arn"}}`)
	tests := []struct {
		path  string
		want  string
		found bool
	}{
		{"$", encodeJSON(data), true},
		{"$.a.b[1]", "20", true},
		{"$.a.b[-1]", "30", true},
		{"$['a']['c d']", `"x"`, true},
		{"$.int-literal", "0", true},
		{"$.a.missing", "", false},
		{"$.a.b[3]", "", false},
		{"$.a.b[*]", "[10,20,30]", true},
		{"$.a.b[0:2]", "[10,20]", true},
		{"$.a.b[::-1]", "[30,20,10]", true},
		{"$.items[*].n", "[1,5,9]", true},
		{"$.items[?(@.n > 2)].n", "[5,9]", true},
		{"$.items[?(@.ok == true && @.n < 5)].n", "[1]", true},
		{"$.items[?(@.ok)].n", "[1,9]", true},
		{"$..n", "[1,5,9]", true},
		{"$.nothing[*]", "[]", true},
		{"$$.Execution.Id", `"arn"`, true},
		{"$.a.b[0,2]", "[10,30]", true},
		// Jayway JsonPath filter operators: existence, in, nin, =~.
		{"$.items[?(@.ok)].n", "[1,9]", true},
		{"$.items[?(@.n in [1, 9])].n", "[1,9]", true},
		{"$.items[?(@.n nin [1, 9])].n", "[5]", true},
		{"$.tags[?(@ =~ /b.*/i)]", `["Beta"]`, true},
		// Jayway reads a bracket after a dot, and any bracket after "..".
		{"$.items.[?(@.n > 2)].n", "[5,9]", true},
		{"$.a.[1:]", "[]", true},
		{"$..[?(@.ok)].n", "[1,9]", true},
		{"$..['n']", "[1,5,9]", true},
		{"$..b[0]", "[10]", true},
		{"$.tags[?(@ =~ /b.*/)]", `[]`, true},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			p, err := ParsePath(tt.path)
			if err != nil {
				t.Fatal(err)
			}
			got, found := p.Eval(data, ctx)
			if found != tt.found {
				t.Fatalf("found = %v, want %v", found, tt.found)
			}
			if found && encodeJSON(got) != tt.want {
				t.Errorf("got %s, want %s", encodeJSON(got), tt.want)
			}
		})
	}
}

// TestPathNotFound pins the Jayway JsonPath messages AWS quotes after
// "Invalid path '...' : " when InputPath, OutputPath or ItemsPath select
// nothing (recorded: "No results for path: $['NoSuchInputPath']").
func TestPathNotFound(t *testing.T) {
	data := mustDecode(t, `{"a":{"b":[10]},"n":null}`)
	tests := []struct{ path, want string }{
		{"$.missing", "No results for path: $['missing']"},
		{"$.a.missing", "No results for path: $['a']['missing']"},
		{"$.a.b[3]", "No results for path: $['a']['b'][3]"},
		{"$.x.y.z", "Missing property in path $['x']"},
		{"$.a.x.y", "Missing property in path $['a']['x']"},
	}
	for _, tt := range tests {
		p, err := ParsePath(tt.path)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.notFound(data, nil); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.path, got, tt.want)
		}
	}
}

func TestParsePathErrors(t *testing.T) {
	for _, s := range []string{"", "a.b", "$.", "$[", "$['a'", "$[1:2:0]", "$[x]", "$.a[?(@.b ==)]", "$..", "$#"} {
		if _, err := ParsePath(s); err == nil {
			t.Errorf("ParsePath(%q) succeeded, want an error", s)
		}
	}
}

func TestSetPath(t *testing.T) {
	tests := []struct {
		data, path, value, want string
		wantErr                 bool
	}{
		{`{"a":1}`, "$.b", `2`, `{"a":1,"b":2}`, false},
		{`{"a":1}`, "$.x.y", `2`, `{"a":1,"x":{"y":2}}`, false},
		{`{"a":[1,2]}`, "$.a[1]", `3`, `{"a":[1,3]}`, false},
		{`{"a":1}`, "$", `2`, `2`, false},
		{`{"a":1}`, "$.a.b", `2`, ``, true},
		{`{"a":[1]}`, "$.a[5]", `2`, ``, true},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			got, err := setPath(mustDecode(t, tt.data), mustPath(t, tt.path), mustDecode(t, tt.value))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err == nil && encodeJSON(got) != tt.want {
				t.Errorf("got %s, want %s", encodeJSON(got), tt.want)
			}
		})
	}
}

func mustDecode(t testing.TB, s string) any {
	t.Helper()
	v, err := decodeJSON([]byte(s))
	if err != nil {
		t.Fatalf("decode %s: %v", s, err)
	}
	return v
}

func mustPath(t testing.TB, s string) *Path {
	t.Helper()
	p, err := ParsePath(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
