package asl

import (
	"encoding/json"
	"testing"
)

// The fuzz targets feed outside input to every parser of the engine; none
// may panic. Seeds live in testdata/fuzz as well as below.

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}`,
		`{"StartAt":"A","States":{"A":{"Type":"Choice","Choices":[{"Not":{"Variable":"$.x","IsNull":true},"Next":"B"}],"Default":"B"},"B":{"Type":"Succeed"}}}`,
		`{"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Fail","ErrorPath":"$.e"}}},"End":true}}}`,
		`{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::a:b","Retry":[{"ErrorEquals":["States.ALL"]}],"End":true}}}`,
		`[]`, `{"StartAt":1}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, def string) {
		m, err := Parse([]byte(def))
		if err == nil && m.States[m.StartAt] == nil {
			t.Errorf("accepted a definition whose StartAt %q names no state", m.StartAt)
		}
	})
}

func FuzzPath(f *testing.F) {
	for _, s := range []string{"$", "$.a.b[0]", "$..x", "$['a','b']", "$.a[?(@.b >= 2 || @.c == 'x')]", "$[1:-1:2]", "$$.Map.Item.Value"} {
		f.Add(s, `{"a":{"b":[1,{"c":"x"}]},"x":[{"x":1}]}`)
	}
	f.Fuzz(func(t *testing.T, path, data string) {
		p, err := ParsePath(path)
		if err != nil {
			return
		}
		v, err := decodeJSON([]byte(data))
		if err != nil {
			return
		}
		p.Eval(v, v)
		if p.IsReference() {
			_, _ = setPath(deepCopy(v), p, "x")
		}
	})
}

func FuzzIntrinsic(f *testing.F) {
	for _, s := range []string{
		"States.Format('{} and {}', $.a, 'b')", "States.ArrayRange(1, $.n, 2)", "States.JsonMerge($.o, $.o, false)",
		"States.StringSplit('a,b', ',')", "States.Hash($.a, 'SHA-256')", "States.ArrayGetItem(States.Array(1, 2), 1)",
		"States.StringToJson('{\"x\":1}')", "States.MathRandom(1, 10, 3)", "States.Base64Decode('YQ==')",
	} {
		f.Add(s, `{"a":"x","n":9,"o":{"k":[1]}}`)
	}
	f.Fuzz(func(t *testing.T, expr, data string) {
		fn, err := parseIntrinsic(expr)
		if err != nil {
			return
		}
		v, err := decodeJSON([]byte(data))
		if err != nil {
			return
		}
		out, err := fn.eval(v, nil)
		if err == nil && !json.Valid([]byte(encodeJSON(out))) {
			t.Errorf("%s produced invalid JSON", expr)
		}
	})
}
