package greenlight

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/greenlight/greenlight/internal/config"
)

// Config is greenlight's configuration: the functions it may release and the
// defaults of a release. It is the `greenlight:config` context value of the
// CDK app, and the functions receive it, as JSON, in GREENLIGHT_CONFIG.
type Config struct {
	// Targets are the functions greenlight may change. IAM allows nothing else.
	Targets Targets `json:"targets"`
	// Defaults apply to every release: strategy, alarms, tests, hook,
	// liveAlias, candidateAlias, errorAlarm (see internal/config, which
	// validates them).
	Defaults map[string]any `json:"defaults,omitempty"`
	// Functions override Defaults for one function, by function name.
	Functions map[string]map[string]any `json:"functions,omitempty"`
}

// Targets select the functions greenlight may change: any function named in
// Names, any whose name starts with Prefix, and any tagged with Tag.
type Targets struct {
	Names  []string `json:"names,omitempty"`
	Prefix string   `json:"prefix,omitempty"`
	Tag    *Tag     `json:"tag,omitempty"`
}

// Tag is a resource tag that marks a function as a target.
type Tag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// ParseConfig decodes and validates a configuration. Unknown top-level and
// target fields are errors, so that a misspelt key does not silently widen
// or narrow what greenlight may touch.
func ParseConfig(data []byte) (Config, error) {
	var c Config
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return Config{}, fmt.Errorf("greenlight config: %w", err)
	}
	if dec.More() {
		return Config{}, errors.New("greenlight config: trailing data after the JSON object")
	}
	return c, c.Validate()
}

// Validate reports every problem of the configuration at once.
func (c Config) Validate() error {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	t := c.Targets
	if len(t.Names) == 0 && t.Prefix == "" && t.Tag == nil {
		add("targets: name at least one function (names), a name prefix (prefix) or a tag (tag)")
	}
	for i, name := range t.Names {
		if !validFunctionName(name) {
			add("targets.names[%d]: %q is not a Lambda function name", i, name)
		}
	}
	if t.Prefix != "" && !validFunctionName(t.Prefix) {
		add("targets.prefix: %q is not the start of a Lambda function name", t.Prefix)
	}
	if t.Tag != nil && (t.Tag.Key == "" || t.Tag.Value == "" || strings.HasPrefix(t.Tag.Key, "aws:")) {
		add("targets.tag: key and value are required, and the key cannot start with aws:")
	}
	if hook, ok := c.Defaults["hook"]; ok {
		if _, ok := hook.(string); !ok {
			add("defaults.hook: want a function name or ARN, got %v", hook)
		}
	}
	names := make([]string, 0, len(c.Functions))
	for name := range c.Functions {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if !t.selects(name) && t.Tag == nil {
			add("functions.%s: not one of the targets", name)
		}
		if hook, ok := c.Functions[name]["hook"]; ok {
			if _, ok := hook.(string); !ok {
				add("functions.%s.hook: want a function name or ARN, got %v", name, hook)
			}
		}
	}
	if len(problems) == 0 {
		// The functions read the configuration with internal/config: what
		// they would refuse at run time is refused here, at synth time.
		raw, err := json.Marshal(c)
		if err == nil {
			_, err = config.Parse(raw)
		}
		if err != nil {
			add("%v", err)
		}
	}
	if len(problems) > 0 {
		return errors.New("greenlight config: " + strings.Join(problems, "; "))
	}
	return nil
}

// selects reports whether the function called name is a target by its name:
// it is one of Names or starts with Prefix. A tag may select any function.
func (t Targets) selects(name string) bool {
	for _, n := range t.Names {
		if n == name {
			return true
		}
	}
	return t.Prefix != "" && strings.HasPrefix(name, t.Prefix)
}

// hooks returns the test hook functions the configuration names, sorted.
func (c Config) hooks() []string {
	set := map[string]bool{}
	if h, _ := c.Defaults["hook"].(string); h != "" {
		set[h] = true
	}
	for _, f := range c.Functions {
		if h, _ := f["hook"].(string); h != "" {
			set[h] = true
		}
	}
	out := make([]string, 0, len(set))
	for h := range set {
		out = append(out, h)
	}
	sort.Strings(out)
	return out
}

// validFunctionName reports whether s can be (the start of) a Lambda function
// name: letters, digits, hyphens and underscores, at most 64 of them.
func validFunctionName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}
