package pattern

import (
	"encoding/json"
	"errors"
	"testing"
)

const s3Event = `{
  "version": "0", "id": "17793124-05d4-b198-2fde-7ededc63b103", "detail-type": "Object Created",
  "source": "aws.s3", "account": "000000000000", "time": "2026-11-22T10:15:00Z", "region": "us-east-1",
  "resources": ["arn:aws:s3:::b"],
  "detail": {
    "version": "0", "bucket": {"name": "b"},
    "object": {"key": "releases/orders/42.zip", "size": 5, "etag": "b1946ac92492d2347c6235b4d2611184", "sequencer": "00617F08299329D189"},
    "request-id": "N4N7GDK58NMKJ12R", "requester": "000000000000", "source-ip-address": "10.0.0.7", "reason": "PutObject",
    "tags": ["canary", "Orders"], "items": [{"sku": "a", "qty": 2}, {"sku": "b", "qty": 0}], "note": null
  }
}`

func TestMatch(t *testing.T) {
	tests := []struct {
		name    string
		pattern string
		want    bool
	}{
		{"the stack's rule", `{"source":["aws.s3"],"detail-type":["Object Created"],"detail":{"bucket":{"name":["b"]},"object":{"key":[{"wildcard":"releases/*.zip"}]}}}`, true},
		{"prefix on the key", `{"detail":{"object":{"key":[{"prefix":"releases/"}]}}}`, true},
		{"prefix that differs", `{"detail":{"object":{"key":[{"prefix":"locks/"}]}}}`, false},
		{"exact value", `{"source":["aws.s3"]}`, true},
		{"exact value differs", `{"source":["aws.lambda"]}`, false},
		{"array is an OR", `{"source":["aws.lambda","aws.s3"]}`, true},
		{"every field must match", `{"source":["aws.s3"],"detail-type":["Object Deleted"]}`, false},
		{"nested object", `{"detail":{"bucket":{"name":["b"]}}}`, true},
		{"nested object differs", `{"detail":{"bucket":{"name":["other"]}}}`, false},
		{"suffix", `{"detail":{"object":{"key":[{"suffix":".zip"}]}}}`, true},
		{"suffix differs", `{"detail":{"object":{"key":[{"suffix":".json"}]}}}`, false},
		{"suffix ignoring case", `{"detail":{"object":{"key":[{"suffix":{"equals-ignore-case":".ZIP"}}]}}}`, true},
		{"prefix ignoring case", `{"detail":{"object":{"key":[{"prefix":{"equals-ignore-case":"RELEASES/"}}]}}}`, true},
		{"wildcard in the middle", `{"detail":{"object":{"key":[{"wildcard":"releases/*/42.zip"}]}}}`, true},
		{"wildcard with two stars", `{"detail":{"object":{"key":[{"wildcard":"*orders*"}]}}}`, true},
		{"wildcard that differs", `{"detail":{"object":{"key":[{"wildcard":"releases/*.json"}]}}}`, false},
		{"wildcard without a star is exact", `{"detail":{"object":{"key":[{"wildcard":"releases/orders/42.zip"}]}}}`, true},
		{"wildcard escaped star is literal", `{"detail":{"object":{"key":[{"wildcard":"releases/\\*"}]}}}`, false},
		{"anything-but value", `{"source":[{"anything-but":"aws.lambda"}]}`, true},
		{"anything-but excluded value", `{"source":[{"anything-but":"aws.s3"}]}`, false},
		{"anything-but list", `{"source":[{"anything-but":["aws.s3","aws.lambda"]}]}`, false},
		{"anything-but number", `{"detail":{"object":{"size":[{"anything-but":5}]}}}`, false},
		{"anything-but prefix", `{"detail":{"object":{"key":[{"anything-but":{"prefix":"locks/"}}]}}}`, true},
		{"anything-but prefix excluded", `{"detail":{"object":{"key":[{"anything-but":{"prefix":"releases/"}}]}}}`, false},
		{"anything-but suffix", `{"detail":{"object":{"key":[{"anything-but":{"suffix":".json"}}]}}}`, true},
		{"anything-but ignoring case", `{"source":[{"anything-but":{"equals-ignore-case":"AWS.S3"}}]}`, false},
		{"anything-but on a missing field", `{"detail":{"missing":[{"anything-but":"x"}]}}`, false},
		{"numeric range", `{"detail":{"object":{"size":[{"numeric":[">",0,"<=",5]}]}}}`, true},
		{"numeric range excludes", `{"detail":{"object":{"size":[{"numeric":[">",5]}]}}}`, false},
		{"numeric equals", `{"detail":{"object":{"size":[{"numeric":["=",5]}]}}}`, true},
		{"numeric on a string", `{"source":[{"numeric":[">",0]}]}`, false},
		{"number literal", `{"detail":{"object":{"size":[5.0]}}}`, true},
		{"exists true", `{"detail":{"object":{"etag":[{"exists":true}]}}}`, true},
		{"exists true on a missing field", `{"detail":{"object":{"version-id":[{"exists":true}]}}}`, false},
		{"exists false on a missing field", `{"detail":{"object":{"version-id":[{"exists":false}]}}}`, true},
		{"exists false on a present field", `{"detail":{"object":{"etag":[{"exists":false}]}}}`, false},
		{"exists false under a missing object", `{"detail":{"missing":{"x":[{"exists":false}]}}}`, true},
		{"exists true on an object is false", `{"detail":[{"exists":true}]}`, false},
		{"equals-ignore-case", `{"detail-type":[{"equals-ignore-case":"object created"}]}`, true},
		{"equals-ignore-case differs", `{"detail-type":[{"equals-ignore-case":"object deleted"}]}`, false},
		{"cidr", `{"detail":{"source-ip-address":[{"cidr":"10.0.0.0/24"}]}}`, true},
		{"cidr outside", `{"detail":{"source-ip-address":[{"cidr":"192.168.0.0/16"}]}}`, false},
		{"array field matches any element", `{"detail":{"tags":["canary"]}}`, true},
		{"array field, no element matches", `{"detail":{"tags":["stable"]}}`, false},
		{"array of objects", `{"detail":{"items":{"sku":["b"],"qty":[0]}}}`, true},
		{"null literal", `{"detail":{"note":[null]}}`, true},
		{"null literal on a missing field", `{"detail":{"other":[null]}}`, false},
		{"$or one alternative", `{"source":["aws.s3"],"$or":[{"detail-type":["Object Deleted"]},{"detail":{"reason":["PutObject"]}}]}`, true},
		{"$or no alternative", `{"$or":[{"detail-type":["Object Deleted"]},{"detail":{"reason":["CopyObject"]}}]}`, false},
		{"$or nested", `{"detail":{"$or":[{"reason":["CopyObject"]},{"object":{"size":[{"numeric":["<",10]}]}}]}}`, true},
	}
	var event any
	if err := json.Unmarshal([]byte(s3Event), &event); err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Compile([]byte(tt.pattern))
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Match(event); got != tt.want {
				t.Errorf("Match = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	tests := map[string]string{
		"not JSON":                 `{"source":`,
		"not an object":            `["aws.s3"]`,
		"scalar criteria":          `{"source":"aws.s3"}`,
		"empty array":              `{"source":[]}`,
		"empty object":             `{"detail":{}}`,
		"unknown operator":         `{"source":[{"regex":"x"}]}`,
		"two operators":            `{"source":[{"prefix":"a","suffix":"b"}]}`,
		"exists not a bool":        `{"source":[{"exists":"yes"}]}`,
		"prefix not a string":      `{"source":[{"prefix":1}]}`,
		"numeric unknown operator": `{"size":[{"numeric":["!=",1]}]}`,
		"numeric two lower bounds": `{"size":[{"numeric":[">",1,">=",2]}]}`,
		"numeric odd arguments":    `{"size":[{"numeric":[">"]}]}`,
		"numeric not a number":     `{"size":[{"numeric":[">","1"]}]}`,
		"wildcard double star":     `{"key":[{"wildcard":"a**b"}]}`,
		"wildcard bad escape":      `{"key":[{"wildcard":"a\\b"}]}`,
		"cidr not a block":         `{"ip":[{"cidr":"10.0.0.0"}]}`,
		"anything-but bool":        `{"source":[{"anything-but":true}]}`,
		"anything-but exists":      `{"source":[{"anything-but":{"exists":true}}]}`,
		"$or with one alternative": `{"$or":[{"source":["a"]}]}`,
		"$or not objects":          `{"$or":["a","b"]}`,
	}
	for name, doc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := Compile([]byte(doc))
			var perr *Error
			if !errors.As(err, &perr) {
				t.Errorf("Compile(%s) = %v, want a *pattern.Error", doc, err)
			}
		})
	}
}

func FuzzCompile(f *testing.F) {
	f.Add([]byte(`{"source":["aws.s3"],"detail":{"object":{"key":[{"wildcard":"releases/*.zip"}]}}}`))
	f.Add([]byte(`{"$or":[{"a":[{"numeric":[">",1,"<",2]}]},{"b":[{"anything-but":{"prefix":"x"}}]}]}`))
	var event any
	if err := json.Unmarshal([]byte(s3Event), &event); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		p, err := Compile(doc)
		if err != nil {
			return
		}
		p.Match(event) // must not panic
	})
}

func TestFlattening(t *testing.T) {
	tests := []struct {
		name, pattern, doc string
		want               bool
	}{
		{"dotted pattern key, nested document", `{"a.b":["x"]}`, `{"a":{"b":"x"}}`, true},
		{"nested pattern, dotted document key", `{"a":{"b":["x"]}}`, `{"a.b":"x"}`, true},
		{"mixed dots", `{"a.b.c":["x"]}`, `{"a":{"b.c":"x"}}`, true},
		{"array of arrays", `{"a":["x"]}`, `{"a":[["y"],["x"]]}`, true},
		{"objects in an array", `{"r":{"k":["x"]}}`, `{"r":[{"k":"y"},{"k":"x"}]}`, true},
		{"fields from one array element", `{"r":{"k":["x"],"v":[1]}}`, `{"r":[{"k":"x","v":2},{"k":"y","v":1}]}`, false},
		{"fields from the same element", `{"r":{"k":["x"],"v":[1]}}`, `{"r":[{"k":"x","v":1},{"k":"y","v":2}]}`, true},
		{"exists on an empty array", `{"a":[{"exists":true}]}`, `{"a":[]}`, false},
		{"exists false on an empty array", `{"a":[{"exists":false}]}`, `{"a":[]}`, true},
		{"exists on an object", `{"a":[{"exists":true}]}`, `{"a":{"b":1}}`, false},
		{"anything-but matches null", `{"a":[{"anything-but":"x"}]}`, `{"a":null}`, true},
		{"anything-but prefix matches a number", `{"a":[{"anything-but":{"prefix":"1"}}]}`, `{"a":12}`, true},
		{"number written another way", `{"a":[300]}`, `{"a":3.0e2}`, true},
		{"number is not a string", `{"a":[5]}`, `{"a":"5"}`, false},
		{"IP address written another way", `{"ip":["2001:db8::1"]}`, `{"ip":"2001:0db8:0:0::1"}`, true},
		{"$or of nested fields", `{"d":{"$or":[{"a":["x"]},{"b":["y"]}]}}`, `{"d":{"b":"y"}}`, true},
		{"duplicate keys: the last counts", `{"a":["x"],"a":["y"]}`, `{"a":"y"}`, true},
		{"number at the edge of the numeric range", `{"a":[{"numeric":[">=",5e9]}]}`, `{"a":5000000000}`, true},
		{"number beyond the numeric range", `{"a":[{"numeric":[">",0]}]}`, `{"a":5000000001}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := MustCompile(tt.pattern).MatchJSON([]byte(tt.doc))
			if err != nil || got != tt.want {
				t.Errorf("%s against %s = %t, %v; want %t", tt.pattern, tt.doc, got, err, tt.want)
			}
		})
	}
}

func TestCompileReasons(t *testing.T) {
	tests := []struct{ pattern, reason string }{
		{`["a"]`, "Filter is not an object"},
		{`{'a': 1}`, "Unexpected character (''' (code 39)): was expecting double-quote to start field name"},
		{`nope`, "Unrecognized token 'nope': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"},
		{`{"a":["\q"]}`, "Unrecognized character escape 'q' (code 113)"},
		{`{"a":["\u00zz"]}`, "Unexpected character ('z' (code 122)): expected a hex-digit for character escape sequence"},
		{"{\"a\":[\"x\ty\"]}", "Illegal unquoted character ((CTRL-CHAR, code 9)): has to be escaped using backslash to be included in string value"},
		{`{"a":[über]}`, "Unrecognized token 'über': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"},
		{`{"a":[tru-e]}`, "Unrecognized token 'tru': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"},
		{`{"a":[#]}`, "Unexpected character ('#' (code 35)): expected a valid value (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"},
		{`{"a":[→]}`, "Unexpected character ('→' (code 8594 / 0x2192)): expected a valid value (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"},
		{`{"a":1}`, `"a" must be an object or an array`},
		{`{"a":[]}`, "Empty arrays are not allowed"},
		{`{"a":[["x"]]}`, "Match value must be String, number, true, false, or null"},
		{`{"a":[{"EXISTS":true}]}`, "Unrecognized match type EXISTS"},
		{`{"a":[{"suffix":"x","prefix":"y"}]}`, "Only one key allowed in match expression"},
		{`{"a":[{"anything-but":{"prefix":""}}]}`, "Null prefix/suffix not allowed"},
		{`{"a":[{"anything-but":{"suffix":{"equals-ignore-case":"x"}}}]}`, "Value of anything-but must be an array or single string/number value."},
		{`{"a":[{"anything-but":["x",null]}]}`, "Inside anything but list, start|null|boolean is not supported."},
		{`{"a":[{"anything-but":{"exists":false}}]}`, "Unsupported anything-but pattern: exists"},
		{`{"a":[{"numeric":[">",0,">",0]}]}`, "Bad numeric range operator: >"},
		{`{"a":[{"numeric":[">",3,"<",1]}]}`, "Bottom must be less than top"},
		{`{"a":[{"numeric":["=","1"]}]}`, "Value of equals must be numeric"},
		{`{"a":[{"numeric":[">",1,"<",2,"<",3]}]}`, "Too many terms in numeric range expression"},
		{`{"a":[{"numeric":[">",5000000001]}]}`, "Value must be between -5.0E9 and 5.0E9, inclusive"},
		{`{"a":[{"numeric":[">",0,"<",6e9]}]}`, "Value must be between -5.0E9 and 5.0E9, inclusive"},
		{`{"a":[{"numeric":[">",9e9,"<",1]}]}`, "Bottom must be less than top"},
		{`{"a":[{"anything-but":[1,-6e9]}]}`, "Value must be between -5.0E9 and 5.0E9, inclusive"},
		{`{"a":[{"cidr":"bad"}]}`, "Malformed CIDR, one '/' required"},
		{`{"a":[{"cidr":"xx::/64"}]}`, "Nonstandard IP address: xx::"},
		{`{"a":[{"wildcard":"a:**:b"}]}`, "Consecutive wildcard characters at pos 3"},
		{`{"a":[{"wildcard":"*:*:*:*:*:event-bus/*"}]}`, "Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character"},
		{`{"$or":[{"a":["x"]}]}`, "There must have at least 2 Objects in $or relationship."},
	}
	for _, tt := range tests {
		t.Run(tt.pattern, func(t *testing.T) {
			_, err := Compile([]byte(tt.pattern))
			var perr *Error
			if !errors.As(err, &perr) || perr.Reason != tt.reason {
				t.Errorf("Compile(%s) = %v, want reason %q", tt.pattern, err, tt.reason)
			}
		})
	}
	for _, ok := range []string{`{"a":[{"wildcard":"arn:aws:events:*:event-bus/*"}]}`, `{"a":[{"wildcard":"*.bif"},{"wildcard":"*.tif"},{"wildcard":"*.svs"}]}`} {
		if _, err := Compile([]byte(ok)); err != nil {
			t.Errorf("Compile(%s) = %v", ok, err)
		}
	}
}

func TestCompilePolicy(t *testing.T) {
	tests := []struct {
		name, policy string
		scope        Scope
		reason       string // empty: accepted
	}{
		{"nested under message attributes", `{"a":{"b":["x"]}}`, MessageAttributes, "Filter policy scope MessageAttributes does not support nested filter policy"},
		{"nested under message body", `{"a":{"b":["x"]}}`, MessageBody, ""},
		{"six keys", `{"a":[1],"b":[1],"c":[1],"d":[1],"e":[1],"f":[1]}`, MessageAttributes, "FilterPolicy: Filter policy can not have more than 5 keys"},
		{"151 combinations", `{"a":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16],"b":[1,2,3,4,5,6,7,8,9,10]}`, MessageAttributes, "FilterPolicy: Filter policy is too complex"},
		{"nesting multiplies", `{"a":{"b":{"c":[1,2,3,4]}},"d":{"e":[1,2,3]},"f":[1,2,3]}`, MessageBody, "FilterPolicy: Filter policy is too complex"},
		{"150 with $or", `{"s":[1,2,3],"$or":[{"m":[1,2,3,4,5,6]},{"t":[1,2,3,4],"$or":[{"i":[1,2,3,4]},{"j":[1,2,3,4,5,6,7]}]}]}`, MessageAttributes, ""},
		{"anything-but suffix", `{"a":[{"anything-but":{"suffix":"x"}}]}`, MessageAttributes, "FilterPolicy: Unsupported anything-but pattern: suffix"},
		{"anything-but prefix list", `{"a":[{"anything-but":{"prefix":["x","y"]}}]}`, MessageAttributes, "FilterPolicy: prefix match pattern must be a string"},
		{"anything-but prefix object", `{"a":[{"anything-but":{"prefix":{"equals-ignore-case":"x"}}}]}`, MessageAttributes, "FilterPolicy: prefix match pattern must be a string"},
		{"numeric range order", `{"a":[{"numeric":[">",3,"<",1]}]}`, MessageAttributes, "FilterPolicy: Bottom must be less than top"},
		{"numeric bound beyond EventBridge's range", `{"a":[{"numeric":[">",6e9]}]}`, MessageAttributes, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := CompilePolicy([]byte(tt.policy), tt.scope)
			var perr *Error
			switch {
			case tt.reason == "" && err != nil:
				t.Errorf("CompilePolicy = %v, want it accepted", err)
			case tt.reason != "" && (!errors.As(err, &perr) || perr.Reason != tt.reason):
				t.Errorf("CompilePolicy = %v, want reason %q", err, tt.reason)
			}
		})
	}
}

func TestWildcardComplexity(t *testing.T) {
	tests := []struct {
		wildcards []string
		want      int
	}{
		{[]string{"*"}, 1},
		{[]string{"plain"}, 1},
		{[]string{"x*y"}, 2},               // "xy": "x*", "x*y"
		{[]string{"x*yyy"}, 4},             // "xyyy": "x*", "x*y", "x*yy", "x*yyy"
		{[]string{"*k*k*k"}, 6},            // "kkk": all six prefixes
		{[]string{"*.a", "*.b", "*.c"}, 6}, // ".": "*" and "*." of each
		{[]string{"/r/*/s/s/s/t"}, 5},
	}
	for _, tt := range tests {
		var globs [][]globToken
		for _, w := range tt.wildcards {
			g, err := globTokens(w)
			if err != nil {
				t.Fatal(err)
			}
			globs = append(globs, g)
		}
		if got := wildcardComplexity(globs, 100); got != tt.want {
			t.Errorf("complexity of %q = %d, want %d", tt.wildcards, got, tt.want)
		}
	}
}

func TestWildcardComplexityLimit(t *testing.T) {
	tests := []struct {
		pattern string
		ok      bool
	}{
		{`{"f":[{"wildcard":"/h/*/d/d/d/d/d/x"}]}`, true},
		{`{"f":[{"wildcard":"*.a1"},{"wildcard":"*.b22"},{"wildcard":"*.b2"},{"wildcard":"*.c3"}]}`, true},
		{`{"f":[{"wildcard":"*/q/*.a"},{"wildcard":"*/q/*.b"}]}`, true},
		{`{"f":[{"wildcard":"*/q/*.a"},{"wildcard":"*/q/*.b"},{"wildcard":"*/q/*.c"}]}`, false},
		{`{"f":[{"wildcard":"*-*-*-*-*-z/*"}]}`, false},
		{`{"f":[{"anything-but":{"wildcard":"*-*-*-*-*-z/*"}}]}`, true},
		{`{"f":[{"wildcard":"*-*-*"}],"g":[{"wildcard":"*-*-*"}]}`, true},
		{`{"f":[{"wildcard":"*-*-*-*"},{"wildcard":"*-*-*-*"}]}`, true},
	}
	for _, tt := range tests {
		_, err := Compile([]byte(tt.pattern))
		if (err == nil) != tt.ok {
			t.Errorf("Compile(%s) = %v, want accepted=%t", tt.pattern, err, tt.ok)
		}
	}
}
