// Package config reads greenlight's configuration (the GREENLIGHT_CONFIG
// environment variable, or the greenlight:config CDK context): which Lambda
// functions greenlight may release, the release defaults, and per-function
// overrides of those defaults.
package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/greenlight/greenlight/internal/release"
)

// EnvVar is the environment variable that holds the configuration as JSON.
const EnvVar = "GREENLIGHT_CONFIG"

// Config is the whole configuration.
type Config struct {
	Targets   Targets                     `json:"targets"`
	Defaults  release.Settings            `json:"defaults"`
	Functions map[string]release.Settings `json:"functions,omitempty"`
}

// Targets selects the functions greenlight may release: any function named in
// Names, whose name starts with Prefix, or that carries Tag.
type Targets struct {
	Names  []string `json:"names,omitempty"`
	Prefix string   `json:"prefix,omitempty"`
	Tag    *Tag     `json:"tag,omitempty"`
}

// Tag is a Lambda function tag.
type Tag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Parse reads and checks a configuration. Unknown fields are errors, and so
// are settings that could never make a valid release.
func Parse(data []byte) (*Config, error) {
	var c Config
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("%s: %w", EnvVar, err)
	}
	var problems []string
	t := c.Targets
	if len(t.Names) == 0 && t.Prefix == "" && t.Tag == nil {
		problems = append(problems, "targets: name at least one function, a prefix or a tag")
	}
	if t.Tag != nil && t.Tag.Key == "" {
		problems = append(problems, "targets.tag.key is empty")
	}
	// The built-in aliases take part so that, say, a default candidateAlias
	// of "live" is caught although liveAlias is left to its default.
	builtin := release.Settings{LiveAlias: release.DefaultLiveAlias, CandidateAlias: release.DefaultCandidateAlias}
	problems = append(problems, prefixed("defaults", c.Defaults.Over(builtin).Validate())...)
	for _, name := range slices.Sorted(maps.Keys(c.Functions)) {
		f := c.Functions[name]
		if f.LiveAlias != "" || f.CandidateAlias != "" {
			m := c.SettingsFor(name).Over(builtin)
			f.LiveAlias, f.CandidateAlias = m.LiveAlias, m.CandidateAlias
		}
		problems = append(problems, prefixed("functions."+name, f.Validate())...)
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%s: %s", EnvVar, strings.Join(problems, "; "))
	}
	return &c, nil
}

func prefixed(where string, problems []string) []string {
	out := make([]string, len(problems))
	for i, p := range problems {
		out[i] = where + ": " + p
	}
	return out
}

// ByName reports whether fn is a target by its name (listed or prefixed).
func (t Targets) ByName(fn string) bool {
	return slices.Contains(t.Names, fn) || (t.Prefix != "" && strings.HasPrefix(fn, t.Prefix))
}

// ByTags reports whether a function with these tags is a target by tag.
func (t Targets) ByTags(tags map[string]string) bool {
	if t.Tag == nil {
		return false
	}
	v, ok := tags[t.Tag.Key]
	return ok && v == t.Tag.Value
}

// SettingsFor returns the configured settings of fn: its own overrides over
// the defaults.
func (c *Config) SettingsFor(fn string) release.Settings {
	return c.Functions[fn].Over(c.Defaults)
}
