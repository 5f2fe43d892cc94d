package strictjson

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

type inner struct {
	Percent float64 `json:"percent"`
	Bake    int     `json:"bakeSeconds"`
}

type common struct {
	Alias string `json:"alias,omitempty"`
}

type target struct {
	Name    string            `json:"name"`
	Count   *int32            `json:"count,omitempty"`
	On      bool              `json:"on,omitempty"`
	Steps   []inner           `json:"steps,omitempty"`
	Inner   *inner            `json:"inner,omitempty"`
	Env     map[string]string `json:"env,omitempty"`
	Payload json.RawMessage   `json:"payload,omitempty"`
	At      time.Time         `json:"at,omitzero"`
	Hidden  string            `json:"-"`
	common
}

func TestDecode(t *testing.T) {
	tests := []struct {
		name, in string
		want     string // a substring of the error; "" for none
	}{
		{"valid", `{"name":"a","count":3,"steps":[{"percent":5,"bakeSeconds":60}],"env":{"A":"x","a":"y"},"payload":{"k":[1,{"k":2}]},"at":"2026-01-02T03:04:05Z","alias":"live"}`, ""},
		{"null for a pointer is unset", `{"name":"a","count":null,"inner":null,"env":null,"payload":null}`, ""},
		{"null in a payload", `{"name":"a","payload":{"k":null}}`, ""},
		{"duplicate key", `{"name":"a","name":"b"}`, `key "name" appears twice in $`},
		{"duplicate key nested", `{"name":"a","inner":{"percent":1,"percent":2}}`, `key "percent" appears twice in $.inner`},
		{"duplicate key in a list", `{"name":"a","steps":[{},{"bakeSeconds":1,"bakeSeconds":2}]}`, `appears twice in $.steps[1]`},
		{"duplicate map key", `{"name":"a","env":{"A":"x","A":"y"}}`, `key "A" appears twice in $.env`},
		{"duplicate key in a payload", `{"name":"a","payload":{"x":1,"x":2}}`, `appears twice in $.payload`},
		{"key in another case", `{"Name":"a"}`, `key "Name" in $ is not a field: field names are case-sensitive, did you mean "name"?`},
		{"key in another case beside the right one", `{"name":"a","NAME":"b"}`, `did you mean "name"?`},
		{"case inside a nested object", `{"name":"a","inner":{"perceNt":1}}`, `key "perceNt" in $.inner is not a field`},
		{"long s folds into s", `{"name":"a","ſteps":[]}`, `did you mean "steps"?`},
		{"Kelvin sign folds into k", `{"name":"a","inner":{"ba\u212aeSeconds":1}}`, `did you mean "bakeSeconds"?`},
		{"Cyrillic look-alike", `{"n\u0430me":"a"}`, `unknown field "nаme"`},
		{"embedded field in another case", `{"name":"a","Alias":"x"}`, `did you mean "alias"?`},
		{"unknown key", `{"name":"a","colour":"red"}`, `unknown field "colour"`},
		{"field tagged -", `{"name":"a","Hidden":"x"}`, `unknown field "Hidden"`},
		{"null for a string", `{"name":null}`, `$.name is null, where a string is expected`},
		{"null for a boolean", `{"name":"a","on":null}`, `$.on is null, where a boolean is expected`},
		{"null for a number in a list", `{"name":"a","steps":[{"percent":null}]}`, `$.steps[0].percent is null, where a number is expected`},
		{"null for a map value", `{"name":"a","env":{"A":null}}`, `$.env.A is null, where a string is expected`},
		{"trailing object", `{"name":"a"} {}`, "trailing data"},
		{"trailing bracket", `{"name":"a"}]`, "trailing data"},
		{"trailing brace", `{"name":"a"}}`, "trailing data"},
		{"byte order mark", "\xef\xbb\xbf{\"name\":\"a\"}", "byte order mark"},
		{"not UTF-8", "{\"name\":\"a\xff\"}", "not valid UTF-8 (at byte 10)"},
		{"empty", "", "the JSON is empty"},
		{"blank", " \n\t", "the JSON is empty"},
		{"syntax error", `{"name":`, "unexpected EOF"},
		{"wrong type", `{"name":5}`, "cannot unmarshal number"},
		{"too deep", strings.Repeat("[", 20000) + strings.Repeat("]", 20000), "exceeded max depth"},
		{"as deep as a console input can be", `{"name":"a","payload":` + strings.Repeat("[", 128<<10) + strings.Repeat("]", 128<<10) + `}`, "exceeded max depth"},
		{"deep but allowed", `{"name":"a","payload":` + strings.Repeat("[", 9000) + strings.Repeat("]", 9000) + `}`, ""},
		{"float for an integer", `{"name":"a","count":512.0}`, "cannot unmarshal number 512.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v target
			err := Decode([]byte(tt.in), &v)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Decode = %v, want no error", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("Decode = %v, want an error mentioning %q", err, tt.want)
			}
		})
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"name":"a","steps":[{"percent":5}],"env":{"A":"x"},"payload":{"x":[null]}}`))
	f.Add([]byte(`{"Name":"a","name":"b"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var v target
		if Decode(data, &v) != nil {
			return
		}
		// What Decode accepts, encoding/json accepts too, to the same value.
		var w target
		if err := json.Unmarshal(data, &w); err != nil {
			t.Fatalf("Decode accepted %q, json.Unmarshal refused it: %v", data, err)
		}
	})
}
