package config

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/greenlight/greenlight/internal/release"
	"github.com/greenlight/greenlight/internal/strategy"
)

func TestParseExample(t *testing.T) {
	c, err := Parse([]byte(readFile(t, "config.json")))
	if err != nil {
		t.Fatal(err)
	}
	orders := c.SettingsFor("orders")
	if orders.Strategy.Name != strategy.Linear10PercentEvery1Minute || len(orders.Alarms) != 1 || orders.LiveAlias != "live" || orders.ErrorAlarm.Threshold != 1 {
		t.Errorf("orders settings = %+v", orders)
	}
	other := c.SettingsFor("shop-cart")
	if other.Strategy.Name != strategy.Canary10Percent5Minutes || len(other.Alarms) != 0 {
		t.Errorf("default settings = %+v", other)
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantErr []string // substrings of the error; none: valid
	}{
		{name: "names", in: `{"targets":{"names":["orders"]}}`},
		{name: "prefix and tag", in: `{"targets":{"prefix":"shop-","tag":{"key":"greenlight","value":"managed"}}}`},
		{name: "override of a tagged function", in: `{"targets":{"tag":{"key":"k","value":"v"}},"functions":{"anything":{}}}`},
		{name: "not JSON", in: `targets`, wantErr: []string{"greenlight config: invalid character"}},
		{name: "cut short", in: `{`, wantErr: []string{"unexpected EOF"}},
		{name: "trailing data", in: `{"targets":{"names":["a"]}} {}`, wantErr: []string{"trailing data"}},
		{name: "trailing bracket", in: `{"targets":{"names":["a"]}}]`, wantErr: []string{"trailing data"}},
		{name: "misspelt key", in: `{"target":{"names":["a"]}}`, wantErr: []string{`unknown field "target"`}},
		{name: "misspelt target key", in: `{"targets":{"name":["a"]}}`, wantErr: []string{`unknown field "name"`}},
		{name: "misspelt default", in: `{"targets":{"names":["orders"]},"defaults":{"stratgy":"AllAtOnce"}}`, wantErr: []string{`unknown field "stratgy"`}},
		{name: "key in another case", in: `{"targets":{"names":["a"]},"Defaults":{}}`, wantErr: []string{`key "Defaults" in $ is not a field: field names are case-sensitive, did you mean "defaults"?`}},
		{name: "default set twice in two cases", in: `{"targets":{"names":["a"]},"defaults":{"strategy":"AllAtOnce","STRATEGY":"Canary10Percent5Minutes"}}`, wantErr: []string{`in $.defaults is not a field`}},
		{name: "misspelt strategy step", in: `{"targets":{"names":["a"]},"defaults":{"strategy":{"steps":[{"percent":50,"bakeSecond":60}]}}}`, wantErr: []string{`unknown field "bakeSecond"`}},
		{name: "null target name", in: `{"targets":{"names":[null]}}`, wantErr: []string{`$.targets.names[0] is null`}},
		{name: "hook not a string", in: `{"targets":{"names":["a"]},"defaults":{"hook":3}}`, wantErr: []string{"defaults.hook"}},
		{name: "no targets", in: `{}`, wantErr: []string{"targets: name at least one function"}},
		{name: "empty targets", in: `{"targets":{}}`, wantErr: []string{"targets: name at least one function"}},
		{
			name:    "every problem at once",
			in:      `{"targets":{"names":["ok","bad name",""],"prefix":"shop*","tag":{"key":"aws:x","value":"v"}},"defaults":{"hook":"no such:thing:here"},"functions":{"other":{"strategy":"Slow"}}}`,
			wantErr: []string{`names[1]: "bad name"`, `names[2]: ""`, `prefix: "shop*"`, `targets.tag.key "aws:x"`, `defaults: hook "no such:thing:here"`, `functions.other: strategy "Slow"`},
		},
		{name: "override of a function not targeted", in: `{"targets":{"names":["orders"]},"functions":{"billing":{}}}`, wantErr: []string{"functions.billing: not one of the targets"}},
		{name: "name too long", in: `{"targets":{"names":["` + strings.Repeat("a", 65) + `"]}}`, wantErr: []string{"names[0]"}},
		{name: "unknown strategy", in: `{"targets":{"names":["orders"]},"defaults":{"strategy":"Canary99"}}`, wantErr: []string{"greenlight config: defaults: ", "Canary99"}},
		// A tag selects by key and value, as the IAM condition
		// aws:ResourceTag/<key> = <value> does: both are required.
		{name: "empty tag key", in: `{"targets":{"tag":{"key":"","value":"v"}}}`, wantErr: []string{"targets.tag.key is empty"}},
		{name: "empty tag value", in: `{"targets":{"tag":{"key":"k","value":""}}}`, wantErr: []string{"targets.tag.value is empty"}},
		{name: "tag without value", in: `{"targets":{"tag":{"key":"k"}}}`, wantErr: []string{"targets.tag.value is empty"}},
		{name: "empty tag", in: `{"targets":{"tag":{}}}`, wantErr: []string{"targets.tag.key is empty", "targets.tag.value is empty"}},
		{name: "bad strategies", in: `{"targets":{"names":["a","b"]},"defaults":{"strategy":"Slow"},"functions":{"b":{"strategy":{"steps":[{"percent":0}]}}}}`,
			wantErr: []string{`defaults: strategy "Slow"`, "functions.b: strategy step 0"}},
		{name: "group", in: `{"targets":{"names":["shop-api","shop-worker"]},"groups":{"shop":{"functions":["shop-api","shop-worker"],"strategy":"AllAtOnce","tests":[{"name":"order","function":"shop-api"}]}}}`},
		{name: "group of tagged functions", in: `{"targets":{"tag":{"key":"k","value":"v"}},"groups":{"shop":{"functions":["any-a","any-b"]}}}`},
		{name: "group named like a target", in: `{"targets":{"names":["shop","a"]},"groups":{"shop":{"functions":["a"]}}}`, wantErr: []string{"groups.shop: the name is also a target function's"}},
		{name: "group named like a prefixed target", in: `{"targets":{"prefix":"shop"},"groups":{"shop":{"functions":["shop-a"]}}}`, wantErr: []string{"groups.shop: the name is also a target function's"}},
		{name: "empty group", in: `{"targets":{"names":["a"]},"groups":{"g":{"functions":[]}}}`, wantErr: []string{"groups.g: the group has no functions"}},
		{name: "group without functions", in: `{"targets":{"names":["a"]},"groups":{"g":{}}}`, wantErr: []string{"groups.g: the group has no functions"}},
		{name: "function in two groups", in: `{"targets":{"names":["a","b"]},"groups":{"g":{"functions":["a","b"]},"h":{"functions":["b"]}}}`, wantErr: []string{"groups.h.functions[0]: b is already a member of group g"}},
		{name: "group member listed twice", in: `{"targets":{"names":["a"]},"groups":{"g":{"functions":["a","a"]}}}`, wantErr: []string{"groups.g.functions[1]: a is listed twice"}},
		{name: "group member not a target", in: `{"targets":{"names":["a"]},"groups":{"g":{"functions":["a","b"]}}}`, wantErr: []string{"groups.g.functions[1]: b is not one of the targets"}},
		{name: "group too big", in: `{"targets":{"prefix":"f"},"groups":{"g":{"functions":["f1","f2","f3","f4","f5","f6","f7","f8","f9","f10","f11"]}}}`, wantErr: []string{"groups.g: 11 functions, a group has at most 10"}},
		{name: "group aliases", in: `{"targets":{"names":["a"]},"groups":{"g":{"functions":["a"],"liveAlias":"prod"}}}`, wantErr: []string{"groups.g: liveAlias and candidateAlias are each member's own"}},
		{name: "group test of a non-member", in: `{"targets":{"names":["a","b"]},"groups":{"g":{"functions":["a"],"tests":[{"name":"t","function":"b"}]}}}`, wantErr: []string{"groups.g.tests[0].function: b is not a member of the group"}},
		{name: "function test naming a function", in: `{"targets":{"names":["a","b"]},"functions":{"a":{"tests":[{"name":"t","function":"b"}]}}}`, wantErr: []string{"functions.a.tests[0].function: only a group's tests"}},
		{name: "bad group name and strategy", in: `{"targets":{"names":["a"]},"groups":{"bad name":{"functions":["a"],"strategy":"Slow"}}}`, wantErr: []string{`groups.bad name: "bad name" is not a group name`, "groups.bad name: ", "Slow"}},
		{name: "group name of a function override", in: `{"targets":{"tag":{"key":"k","value":"v"}},"functions":{"g":{}},"groups":{"g":{"functions":["a"]}}}`, wantErr: []string{"groups.g: the name is also a function of functions.g"}},
		{name: "longer releases allowed", in: `{"targets":{"names":["a"]},"maxReleaseSeconds":259200,"defaults":{"strategy":{"steps":[{"percent":10,"bakeSeconds":172800}]}}}`},
		{name: "maxReleaseSeconds out of range", in: `{"targets":{"names":["a"]},"maxReleaseSeconds":59}`, wantErr: []string{"maxReleaseSeconds 59 is not in [60, 31449600]"}},
		{name: "maxReleaseSeconds over a year", in: `{"targets":{"names":["a"]},"maxReleaseSeconds":31536000}`, wantErr: []string{"maxReleaseSeconds 31536000 is not in"}},
		{name: "strategies that wait too long", in: `{"targets":{"names":["a","b"]},"maxReleaseSeconds":3600,"defaults":{"strategy":{"steps":[{"percent":10,"bakeSeconds":3601}]}},"functions":{"b":{"strategy":{"name":"Canary10Percent30Minutes","approval":true}}}}`,
			wantErr: []string{"defaults: strategy may keep the release waiting 3601 s", "functions.b: strategy may keep the release waiting 5400 s"}},
		{name: "bad error alarm", in: `{"targets":{"names":["a"]},"defaults":{"errorAlarm":{"threshold":0,"periodSeconds":45,"evaluationPeriods":1}}}`,
			wantErr: []string{"defaults: errorAlarm.threshold 0", "defaults: errorAlarm.periodSeconds 45"}},
		{name: "candidate alias is the default live alias", in: `{"targets":{"names":["a"]},"defaults":{"candidateAlias":"live"}}`,
			wantErr: []string{`defaults: liveAlias and candidateAlias are both "live"`}},
		{name: "function alias clashes with the defaults", in: `{"targets":{"names":["a"]},"defaults":{"liveAlias":"prod"},"functions":{"a":{"candidateAlias":"prod"}}}`,
			wantErr: []string{`functions.a: liveAlias and candidateAlias are both "prod"`}},
		{name: "bad alias, alarms, hook and tests", in: `{"targets":{"names":["a"]},"functions":{"a":{"liveAlias":"42","alarms":["x","x"],"hook":"no such:thing:here","tests":[{"name":""}]}}}`,
			wantErr: []string{`functions.a: liveAlias "42"`, `functions.a: alarms[1] "x" is listed twice`, `functions.a: hook "no such:thing:here"`, "functions.a: tests[0] has no name"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse([]byte(tt.in))
			if len(tt.wantErr) == 0 {
				if err != nil || c == nil {
					t.Fatalf("Parse = %v, %v; want a configuration", c, err)
				}
				return
			}
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("Parse error = %v (%T), want an *Error", err, err)
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
		})
	}
}

// TestRoundTrip pins what synth relies on: the configuration it encodes
// into the prepare function's environment reads back as the same
// configuration, an override that empties a list included.
func TestRoundTrip(t *testing.T) {
	tests := []struct{ name, in string }{
		{"example", readFile(t, "config.json")},
		{"names only", `{"targets":{"names":["orders"]}}`},
		{"no alarms for one function", `{"targets":{"names":["a","b"]},"defaults":{"alarms":["x"],"tests":[{"name":"ping"}]},"functions":{"a":{"alarms":[],"tests":[]}}}`},
		{"custom steps", `{"targets":{"prefix":"shop-"},"defaults":{"strategy":{"steps":[{"percent":5,"bakeSeconds":60}]}}}`},
		{"hook by ARN", `{"targets":{"tag":{"key":"k","value":"v"}},"functions":{"x":{"hook":"arn:aws:lambda:us-east-1:123456789012:function:contract"}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			raw, err := json.Marshal(c)
			if err != nil {
				t.Fatal(err)
			}
			again, err := Parse(raw)
			if err != nil {
				t.Fatalf("Parse(%s): %v", raw, err)
			}
			if !reflect.DeepEqual(again, c) {
				t.Errorf("round trip through %s:\n got %+v\nwant %+v", raw, again, c)
			}
		})
	}
	c, err := Parse([]byte(tests[2].in))
	if err != nil {
		t.Fatal(err)
	}
	if s := c.SettingsFor("a"); s.Alarms == nil || len(s.Alarms) != 0 || s.Tests == nil || len(s.Tests) != 0 {
		t.Errorf("settings of a = %+v, want its empty alarms and tests over the defaults", s)
	}
}

func TestValidateBuiltInGo(t *testing.T) {
	// The construct's users build the configuration in Go; New validates it.
	tests := []struct {
		name    string
		c       Config
		wantErr string
	}{
		{"names", Config{Targets: Targets{Names: []string{"orders"}}}, ""},
		{"nothing", Config{}, "targets: name at least one function"},
		{"tag without value", Config{Targets: Targets{Tag: &Tag{Key: "greenlight"}}}, "targets.tag.value is empty"},
		{"alarms twice", Config{Targets: Targets{Prefix: "shop-"}, Defaults: release.Settings{Alarms: []string{"a", "a"}}}, `defaults: alarms[1] "a" is listed twice`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.c.Validate()
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("Validate = %v, want nil", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("Validate = %v, want an error containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestHooks(t *testing.T) {
	tests := []struct {
		name string
		c    Config
		want []string
	}{
		{"none", Config{}, nil},
		{
			name: "defaults and overrides, sorted, once each",
			c: Config{
				Defaults: release.Settings{Hook: "smoke"},
				Functions: map[string]release.Settings{
					"a": {Hook: "arn:aws:lambda:us-east-1:123456789012:function:contract"},
					"b": {Hook: "smoke"},
					"c": {Hook: ""},
					"d": {},
				},
			},
			want: []string{"arn:aws:lambda:us-east-1:123456789012:function:contract", "smoke"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.c.Hooks(); !slices.Equal(got, tt.want) {
				t.Errorf("Hooks() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestHookProblem(t *testing.T) {
	configured := Config{
		Targets:   Targets{Names: []string{"orders"}, Prefix: "shop-"},
		Defaults:  release.Settings{Hook: "smoke"},
		Functions: map[string]release.Settings{"orders": {Hook: "arn:aws:lambda:us-east-1:123456789012:function:contract"}},
	}
	const refused = "is neither a hook the configuration names (arn:aws:lambda:us-east-1:123456789012:function:contract, smoke) nor a target: greenlight may invoke only those"
	tests := []struct {
		name, hook string
		c          Config
		want       string // a problem, or "" for none
	}{
		{"a configured hook", "smoke", configured, ""},
		{"a configured hook, qualified", "smoke:live", configured, ""},
		{"a configured hook by ARN", "arn:aws:lambda:us-east-1:123456789012:function:smoke:3", configured, ""},
		{"a hook configured by ARN, by name", "contract", configured, ""},
		{"a target by name", "orders:live", configured, ""},
		{"a target by prefix", "shop-audit", configured, ""},
		{"another function", "audit", configured, `hook "audit" ` + refused},
		{"another function by ARN", "arn:aws:lambda:us-east-1:123456789012:function:audit", configured, `hook "arn:aws:lambda:us-east-1:123456789012:function:audit" ` + refused},
		{"a hook whose name starts like a configured one", "smoke-test", configured, `hook "smoke-test" ` + refused},
		{"no hooks configured", "audit", Config{Targets: Targets{Names: []string{"orders"}}},
			`hook "audit" is neither a hook the configuration names (none) nor a target: greenlight may invoke only those`},
		{"targets by tag", "audit", Config{Targets: Targets{Tag: &Tag{Key: "k", Value: "v"}}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.c.HookProblem(tt.hook); got != tt.want {
				t.Errorf("HookProblem(%q) = %q, want %q", tt.hook, got, tt.want)
			}
		})
	}
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestParseAcceptsAliasesThatDiffer(t *testing.T) {
	in := `{"targets":{"names":["a"]},"defaults":{"liveAlias":"prod","candidateAlias":"next"},"functions":{"a":{"liveAlias":"live"}}}`
	c, err := Parse([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if s := c.SettingsFor("a"); s.LiveAlias != "live" || s.CandidateAlias != "next" {
		t.Errorf("settings of a = %+v", s)
	}
}

func TestTargets(t *testing.T) {
	targets := Targets{Names: []string{"orders"}, Prefix: "shop-", Tag: &Tag{Key: "greenlight", Value: "managed"}}
	tests := []struct {
		fn     string
		tags   map[string]string
		byName bool
		byTags bool
	}{
		{"orders", nil, true, false},
		{"shop-cart", nil, true, false},
		{"billing", map[string]string{"greenlight": "managed"}, false, true},
		{"billing", map[string]string{"greenlight": "other"}, false, false},
		{"billing", nil, false, false},
		{"order", nil, false, false},
	}
	for _, tt := range tests {
		if got := targets.ByName(tt.fn); got != tt.byName {
			t.Errorf("ByName(%s) = %v", tt.fn, got)
		}
		if got := targets.ByTags(tt.tags); got != tt.byTags {
			t.Errorf("ByTags(%v) = %v", tt.tags, got)
		}
	}
	if (Targets{Names: []string{"a"}}).ByTags(map[string]string{"greenlight": "managed"}) {
		t.Error("ByTags without a tag target matched")
	}
}
