package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/greenlight/greenlight/internal/strategy"
)

func TestParseExample(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := Parse(b)
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

func TestParseProblems(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
	}{
		{"not json", `{`, []string{"unexpected EOF"}},
		{"unknown field", `{"target":{}}`, []string{`unknown field "target"`}},
		{"no targets", `{}`, []string{"name at least one function"}},
		{"empty tag key", `{"targets":{"tag":{"key":""}}}`, []string{"targets.tag.key is empty"}},
		{"bad strategies", `{"targets":{"names":["a"]},"defaults":{"strategy":"Slow"},"functions":{"b":{"strategy":{"steps":[{"percent":0}]}}}}`,
			[]string{`defaults: strategy "Slow"`, "functions.b: strategy step 0"}},
		{"bad error alarm", `{"targets":{"names":["a"]},"defaults":{"errorAlarm":{"threshold":0,"periodSeconds":45,"evaluationPeriods":1}}}`,
			[]string{"defaults: errorAlarm.threshold 0", "defaults: errorAlarm.periodSeconds 45"}},
		{"candidate alias is the default live alias", `{"targets":{"names":["a"]},"defaults":{"candidateAlias":"live"}}`,
			[]string{`defaults: liveAlias and candidateAlias are both "live"`}},
		{"function alias clashes with the defaults", `{"targets":{"names":["a"]},"defaults":{"liveAlias":"prod"},"functions":{"a":{"candidateAlias":"prod"}}}`,
			[]string{`functions.a: liveAlias and candidateAlias are both "prod"`}},
		{"bad alias, alarms, hook and tests", `{"targets":{"names":["a"]},"functions":{"a":{"liveAlias":"42","alarms":["x","x"],"hook":"no such:thing:here","tests":[{"name":""}]}}}`,
			[]string{`functions.a: liveAlias "42"`, `functions.a: alarms[1] "x" is listed twice`, `functions.a: hook "no such:thing:here"`, "functions.a: tests[0] has no name"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.in))
			if err == nil {
				t.Fatal("Parse succeeded")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
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
