package greenlight

import (
	"strings"
	"testing"
)

func TestParseConfig(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantErr []string // substrings of the error; none: valid
	}{
		{name: "names", in: `{"targets":{"names":["orders"]}}`},
		{name: "prefix and tag", in: `{"targets":{"prefix":"shop-","tag":{"key":"greenlight","value":"managed"}}}`},
		{
			name: "design example",
			in: `{"targets":{"names":["orders"],"prefix":"shop-","tag":{"key":"greenlight","value":"managed"}},
			 "defaults":{"strategy":"Canary10Percent5Minutes","alarms":[],"tests":[],"hook":"","liveAlias":"live","candidateAlias":"green",
			             "errorAlarm":{"threshold":1,"periodSeconds":60,"evaluationPeriods":1}},
			 "functions":{"orders":{"strategy":"Linear10PercentEvery1Minute","alarms":["orders-5xx"]}}}`,
		},
		{name: "override of a tagged function", in: `{"targets":{"tag":{"key":"k","value":"v"}},"functions":{"anything":{}}}`},
		{name: "not JSON", in: `targets`, wantErr: []string{"greenlight config: invalid character"}},
		{name: "trailing data", in: `{"targets":{"names":["a"]}} {}`, wantErr: []string{"trailing data"}},
		{name: "misspelt key", in: `{"target":{"names":["a"]}}`, wantErr: []string{`unknown field "target"`}},
		{name: "misspelt target key", in: `{"targets":{"name":["a"]}}`, wantErr: []string{`unknown field "name"`}},
		{name: "no targets", in: `{}`, wantErr: []string{"targets: name at least one function"}},
		{
			name:    "every problem at once",
			in:      `{"targets":{"names":["ok","bad name",""],"prefix":"shop*","tag":{"key":"aws:x","value":"v"}},"defaults":{"hook":3},"functions":{"other":{"hook":true}}}`,
			wantErr: []string{`names[1]: "bad name"`, `names[2]: ""`, `prefix: "shop*"`, "targets.tag", "defaults.hook", "functions.other.hook"},
		},
		{name: "override of a function not targeted", in: `{"targets":{"names":["orders"]},"functions":{"billing":{}}}`, wantErr: []string{"functions.billing: not one of the targets"}},
		{name: "name too long", in: `{"targets":{"names":["` + strings.Repeat("a", 65) + `"]}}`, wantErr: []string{"names[0]"}},
		{name: "unknown strategy", in: `{"targets":{"names":["orders"]},"defaults":{"strategy":"Canary99"}}`, wantErr: []string{"GREENLIGHT_CONFIG", "Canary99"}},
		{name: "misspelt default", in: `{"targets":{"names":["orders"]},"defaults":{"stratgy":"AllAtOnce"}}`, wantErr: []string{`unknown field "stratgy"`}},
		{name: "empty tag value", in: `{"targets":{"tag":{"key":"k","value":""}}}`, wantErr: []string{"targets.tag"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConfig([]byte(tt.in))
			if len(tt.wantErr) == 0 {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("want an error, got none")
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
		})
	}
}

func TestHooks(t *testing.T) {
	c := Config{
		Defaults: map[string]any{"hook": "smoke"},
		Functions: map[string]map[string]any{
			"a": {"hook": "arn:aws:lambda:us-east-1:123456789012:function:contract"},
			"b": {"hook": "smoke"},
			"c": {"hook": ""},
			"d": {},
		},
	}
	got := strings.Join(c.hooks(), ",")
	if want := "arn:aws:lambda:us-east-1:123456789012:function:contract,smoke"; got != want {
		t.Errorf("hooks() = %s, want %s", got, want)
	}
}
