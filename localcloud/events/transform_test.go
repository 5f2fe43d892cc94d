package events

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestTransform(t *testing.T) {
	event := `{"version":"0","id":"e-1","detail-type":"Object Created","source":"aws.s3","account":"000000000000","time":"2026-11-22T10:15:00Z","region":"us-east-1","resources":[],` +
		`"detail":{"a":"<b>","b":"B","self":"<self>","n":5,"obj":{"k":[1,"x"]},"quote":"say \"hi\"","empty":""}}`
	var doc any
	if err := json.Unmarshal([]byte(event), &doc); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 22, 10, 15, 1, 0, time.UTC)
	paths := map[string]string{
		"a": "$.detail.a", "b": "$.detail.b", "self": "$.detail.self", "n": "$.detail.n", "obj": "$.detail.obj",
		"quote": "$.detail.quote", "empty": "$.detail.empty", "missing": "$.detail.nothing",
	}
	tests := []struct {
		name, template, want string
	}{
		// A value is copied as it is and never read again: whichever
		// placeholder comes first, "<b>" from a's value stays "<b>".
		{"substituted value is not read again", `<a>|<b>`, `<b>|B`},
		{"in the other order", `<b>|<a>`, `B|<b>`},
		{"a value naming itself", `<self><self>`, `<self><self>`},
		{"string values are not quoted", `"<b> is <n>"`, `"B is 5"`},
		{"other values are JSON", `{"n":<n>,"obj":<obj>}`, `{"n":5,"obj":{"k":[1,"x"]}}`},
		{"a path that selects nothing is null", `{"m":<missing>}`, `{"m":null}`},
		{"string values keep their quotes unescaped", `<quote>`, `say "hi"`},
		{"an empty value", `[<empty>]`, `[]`},
		{"adjacent placeholders", `<b><b><n>`, `BB5`},
		{"an undefined placeholder is kept", `<c> and <b>`, `<c> and B`},
		{"a lone < before a placeholder", `<<b>`, `<B`},
		{"a < inside an undefined name", `<x<b>>`, `<xB>`},
		{"an unterminated placeholder", `<b`, `<b`},
		{"a lone >", `b> <b>`, `b> B`},
		{"no placeholders", `{"static":true}`, `{"static":true}`},
		{"predefined variables", `<aws.events.rule-name>|<aws.events.rule-arn>|<aws.events.event.ingestion-time>`,
			`transform|arn:aws:events:us-east-1:000000000000:rule/transform|2026-11-22T10:15:01Z`},
		{"the event itself", `{"event":<aws.events.event.json>}`, `{"event":` + event + `}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := &InputTransformer{InputPathsMap: paths, InputTemplate: tt.template}
			// Maps are ranged in a different order each time: the output
			// must not depend on it.
			for range 50 {
				got, err := transform(tr, "transform", []byte(event), doc, now)
				if err != nil {
					t.Fatal(err)
				}
				if got != tt.want {
					t.Fatalf("transform(%s) = %s, want %s", tt.template, got, tt.want)
				}
			}
		})
	}
}

func TestTransformReportsTheFirstBadPath(t *testing.T) {
	tr := &InputTransformer{InputPathsMap: map[string]string{"z": "$.[", "a": "$.(", "m": "$.detail"}, InputTemplate: "<a>"}
	for range 20 {
		_, err := transform(tr, "r", []byte(`{}`), map[string]any{}, time.Time{})
		if err == nil || !strings.HasPrefix(err.Error(), "InputPathsMap a: ") {
			t.Fatalf("transform error = %v, want the one of path a", err)
		}
	}
}
