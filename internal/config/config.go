// Package config is greenlight's configuration: which Lambda functions
// greenlight may release (the targets), the release defaults, and
// per-function overrides of those defaults.
//
// The configuration has two readers that must agree. The CDK app checks it
// at synth (the greenlight:config context, or the construct's props), grants
// IAM on its targets and hands it, as JSON, to the prepare function; prepare
// reads it back from its environment (lambdaenv.ConfigVar) when it starts.
// Both read it through this package, so a configuration synth accepts is
// one prepare accepts, and a target is selected by one rule on both sides.
package config

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/greenlight/greenlight/internal/release"
	"github.com/greenlight/greenlight/internal/strategy"
	"github.com/greenlight/greenlight/internal/strictjson"
)

// Config is the whole configuration.
type Config struct {
	// Targets are the functions greenlight may change. IAM allows nothing else.
	Targets Targets `json:"targets"`
	// Defaults apply to every release: strategy, tests, hook, alarms,
	// errorAlarm, liveAlias, candidateAlias.
	Defaults release.Settings `json:"defaults,omitzero"`
	// Functions override Defaults for one function, by function name.
	Functions map[string]release.Settings `json:"functions,omitempty"`
	// Groups are the release groups, by name: targets released as one.
	Groups map[string]Group `json:"groups,omitempty"`
	// MaxReleaseSeconds bounds how long a release may wait: its bakes and
	// approval timeouts added up (strategy.LongestSeconds). Prepare refuses
	// a release that could wait longer, and the state machine's timeout is
	// this plus ExecutionOverheadSeconds. Default: DefaultMaxReleaseSeconds.
	MaxReleaseSeconds int `json:"maxReleaseSeconds,omitempty"`
}

const (
	// DefaultMaxReleaseSeconds is a day: a release is meant to be watched,
	// and the longest preset bakes for 90 minutes.
	DefaultMaxReleaseSeconds = 24 * 60 * 60
	// MinMaxReleaseSeconds is the smallest maxReleaseSeconds: a minute.
	MinMaxReleaseSeconds = 60
	// ExecutionOverheadSeconds is what an execution may spend besides its
	// waits: an hour in the lock queue behind the previous release, and an
	// hour for deploy, tests, retries and rollback.
	ExecutionOverheadSeconds = 2 * 60 * 60
)

// MaxRelease is MaxReleaseSeconds with the default applied.
func (c Config) MaxRelease() int {
	if c.MaxReleaseSeconds > 0 {
		return c.MaxReleaseSeconds
	}
	return DefaultMaxReleaseSeconds
}

// ExecutionTimeoutSeconds is the state machine's timeout: the longest a
// release may wait and the overhead of an execution. An execution that runs
// longer ends TIMED_OUT and the watchdog restores the invariant.
func (c Config) ExecutionTimeoutSeconds() int { return c.MaxRelease() + ExecutionOverheadSeconds }

// CheckLongest returns the problem of a strategy that may keep a release
// waiting longer than the configuration allows, or "".
func (c Config) CheckLongest(s strategy.Strategy) string {
	if n := strategy.LongestSeconds(s); n > c.MaxRelease() {
		return fmt.Sprintf("strategy may keep the release waiting %d s (its bakes and approval timeouts), more than maxReleaseSeconds %d of the configuration", n, c.MaxRelease())
	}
	return ""
}

// Group is a release group: several targets deployed, tested, shifted and
// rolled back as one. Its settings are the group's own: the strategy all
// members follow (a member's own strategy does not apply in a group
// release), the tests and hook run against the whole group, the alarms
// watched besides every member's, and the error alarm of members that
// configure none. Members' other settings (tests, hook, alarms, aliases)
// still apply to them. Aliases are the members' own, never the group's.
type Group struct {
	Functions []string `json:"functions"`
	release.Settings
}

// GroupSettings returns the settings of group g: its own over the
// configured default strategy and error alarm. (Default tests, hook and
// alarms apply to each member, through SettingsFor.)
func (c Config) GroupSettings(g string) release.Settings {
	return c.Groups[g].Settings.Over(release.Settings{Strategy: c.Defaults.Strategy, ErrorAlarm: c.Defaults.ErrorAlarm})
}

// GroupOf returns the group fn is a member of, or "".
func (c Config) GroupOf(fn string) string {
	for name, g := range c.Groups {
		if slices.Contains(g.Functions, fn) {
			return name
		}
	}
	return ""
}

// validateGroups adds the problems of the groups: names that are also
// targets, empty or oversized groups, members that are not targets or are in
// two groups, and group settings no release could use.
func (c Config) validateGroups(add func(string, ...any)) {
	memberOf := map[string]string{}
	for _, name := range slices.Sorted(maps.Keys(c.Groups)) {
		g, where := c.Groups[name], "groups."+name
		if !release.IsFunctionName(name) {
			add("%s: %q is not a group name (1-64 letters, digits, - or _: it is the folder of the group's bundles, releases/<group>/)", where, name)
		}
		if c.Targets.ByName(name) {
			add("%s: the name is also a target function's; a bundle under releases/%s/ would be ambiguous", where, name)
		}
		if _, ok := c.Functions[name]; ok {
			add("%s: the name is also a function of functions.%s", where, name)
		}
		switch n := len(g.Functions); {
		case n == 0:
			add("%s: the group has no functions", where)
		case n > release.MaxMembers:
			add("%s: %d functions, a group has at most %d", where, n, release.MaxMembers)
		}
		seen := map[string]bool{}
		for i, fn := range g.Functions {
			switch {
			case !release.IsFunctionName(fn):
				add("%s.functions[%d]: %q is not a Lambda function name", where, i, fn)
			case seen[fn]:
				add("%s.functions[%d]: %s is listed twice", where, i, fn)
			case c.Targets.Tag == nil && !c.Targets.ByName(fn):
				add("%s.functions[%d]: %s is not one of the targets", where, i, fn)
			case memberOf[fn] != "":
				add("%s.functions[%d]: %s is already a member of group %s; a function is in one group at most", where, i, fn, memberOf[fn])
			}
			seen[fn] = true
			if memberOf[fn] == "" {
				memberOf[fn] = name
			}
		}
		if g.LiveAlias != "" || g.CandidateAlias != "" {
			add("%s: liveAlias and candidateAlias are each member's own (functions.<name>), not the group's", where)
		}
		if g.Strategy != nil {
			if p := c.CheckLongest(*g.Strategy); p != "" {
				add("%s: %s", where, p)
			}
		}
		for i, t := range g.Tests {
			if t.Function != "" && !slices.Contains(g.Functions, t.Function) {
				add("%s.tests[%d].function: %s is not a member of the group", where, i, t.Function)
			}
		}
		for _, p := range g.Settings.Validate() {
			add("%s: %s", where, p)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(c.Functions)) {
		for i, t := range c.Functions[name].Tests {
			if t.Function != "" {
				add("functions.%s.tests[%d].function: only a group's tests name the member they invoke", name, i)
			}
		}
	}
	for i, t := range c.Defaults.Tests {
		if t.Function != "" {
			add("defaults.tests[%d].function: only a group's tests name the member they invoke", i)
		}
	}
}

// Targets select the functions greenlight may release: any function named in
// Names, any whose name starts with Prefix, and any that carries Tag.
type Targets struct {
	Names  []string `json:"names,omitempty"`
	Prefix string   `json:"prefix,omitempty"`
	Tag    *Tag     `json:"tag,omitempty"`
}

// Tag is a resource tag that marks a function as a target. Both the key and
// the value are required: a function is a target when it carries the key
// with exactly this value, which is what the IAM condition
// aws:ResourceTag/<key> = <value> grants.
type Tag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Error says a configuration cannot be used. It lists every problem found at
// once, or holds the error that kept the JSON from being read at all.
type Error struct {
	Problems []string
	Err      error // the decoding error, when the JSON could not be read
}

func (e *Error) Error() string {
	if e.Err != nil {
		return "greenlight config: " + e.Err.Error()
	}
	return "greenlight config: " + strings.Join(e.Problems, "; ")
}

func (e *Error) Unwrap() error { return e.Err }

// Parse reads and checks a configuration. Unknown fields are errors, so
// that a misspelt key does not silently widen or narrow what greenlight may
// touch, and so are settings that could never make a valid release. Every
// error is an *Error.
func Parse(data []byte) (*Config, error) {
	var c Config
	if err := strictjson.Decode(data, &c); err != nil {
		return nil, &Error{Err: err}
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// Validate reports every problem of the configuration at once, as an
// *Error, or nil.
func (c Config) Validate() error {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	t := c.Targets
	if len(t.Names) == 0 && t.Prefix == "" && t.Tag == nil {
		add("targets: name at least one function (names), a name prefix (prefix) or a tag (tag)")
	}
	for i, name := range t.Names {
		if !release.IsFunctionName(name) {
			add("targets.names[%d]: %q is not a Lambda function name", i, name)
		}
	}
	if t.Prefix != "" && !release.IsFunctionName(t.Prefix) {
		add("targets.prefix: %q is not the start of a Lambda function name", t.Prefix)
	}
	if t.Tag != nil {
		if t.Tag.Key == "" {
			add("targets.tag.key is empty")
		} else if strings.HasPrefix(t.Tag.Key, "aws:") {
			add("targets.tag.key %q: keys that start with aws: are reserved by AWS", t.Tag.Key)
		}
		if t.Tag.Value == "" {
			add("targets.tag.value is empty: a tag selects the functions that carry the key with this value")
		}
	}

	if m := c.MaxReleaseSeconds; m != 0 && (m < MinMaxReleaseSeconds || m > strategy.MaxWaitSeconds) {
		add("maxReleaseSeconds %d is not in [%d, %d] (a Standard execution lives at most a year)", m, MinMaxReleaseSeconds, strategy.MaxWaitSeconds)
	}
	if s := c.Defaults.Strategy; s != nil {
		if p := c.CheckLongest(*s); p != "" {
			add("defaults: %s", p)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(c.Functions)) {
		if f := c.Functions[name]; f.Strategy != nil {
			if p := c.CheckLongest(*f.Strategy); p != "" {
				add("functions.%s: %s", name, p)
			}
		}
	}

	// The built-in aliases take part so that, say, a default candidateAlias
	// of "live" is caught although liveAlias is left to its default.
	builtin := release.Settings{LiveAlias: release.DefaultLiveAlias, CandidateAlias: release.DefaultCandidateAlias}
	problems = append(problems, prefixed("defaults", c.Defaults.Over(builtin).Validate())...)
	for _, name := range slices.Sorted(maps.Keys(c.Functions)) {
		// A tag may select any function: only names and a prefix can tell
		// that an override is for a function greenlight may not release.
		if t.Tag == nil && !t.ByName(name) {
			add("functions.%s: not one of the targets", name)
		}
		f := c.Functions[name]
		if f.LiveAlias != "" || f.CandidateAlias != "" {
			m := c.SettingsFor(name).Over(builtin)
			f.LiveAlias, f.CandidateAlias = m.LiveAlias, m.CandidateAlias
		}
		problems = append(problems, prefixed("functions."+name, f.Validate())...)
	}
	c.validateGroups(add)
	if len(problems) > 0 {
		return &Error{Problems: problems}
	}
	return nil
}

func prefixed(where string, problems []string) []string {
	out := make([]string, len(problems))
	for i, p := range problems {
		out[i] = where + ": " + p
	}
	return out
}

// ByName reports whether fn is a target by its name: it is one of Names or
// starts with Prefix.
func (t Targets) ByName(fn string) bool {
	return slices.Contains(t.Names, fn) || (t.Prefix != "" && strings.HasPrefix(fn, t.Prefix))
}

// ByTags reports whether a function with these tags is a target by tag: it
// carries Tag's key with Tag's value.
func (t Targets) ByTags(tags map[string]string) bool {
	if t.Tag == nil {
		return false
	}
	v, ok := tags[t.Tag.Key]
	return ok && v == t.Tag.Value
}

// HookProblem says why hook, asked for by a release input or a manifest
// rather than by the configuration, could not be invoked, or "" when it can.
// The test function may invoke only the hooks the configuration names
// (Hooks, with any qualifier) and the targets, so any other hook would fail
// only after green had been published. Hooks are compared by function name,
// whether given by name or ARN; with targets chosen by tag, any function may
// be one.
func (c Config) HookProblem(hook string) string {
	name := functionOf(hook)
	hooks := c.Hooks()
	for _, h := range hooks {
		if name == functionOf(h) {
			return ""
		}
	}
	if c.Targets.Tag != nil || c.Targets.ByName(name) {
		return ""
	}
	named := "none"
	if len(hooks) > 0 {
		named = strings.Join(hooks, ", ")
	}
	return fmt.Sprintf("hook %q is neither a hook the configuration names (%s) nor a target: greenlight may invoke only those", hook, named)
}

// functionOf is the name of the function a hook names, by name or ARN,
// without its qualifier.
func functionOf(hook string) string {
	if i := strings.LastIndex(hook, ":function:"); i >= 0 {
		hook = hook[i+len(":function:"):]
	}
	name, _, _ := strings.Cut(hook, ":")
	return name
}

// SettingsFor returns the configured settings of fn: its own overrides over
// the defaults.
func (c Config) SettingsFor(fn string) release.Settings {
	return c.Functions[fn].Over(c.Defaults)
}

// Hooks returns the test hook functions the configuration names, by name or
// ARN, sorted and without repeats.
func (c Config) Hooks() []string {
	set := map[string]bool{}
	if c.Defaults.Hook != "" {
		set[c.Defaults.Hook] = true
	}
	for _, f := range c.Functions {
		if f.Hook != "" {
			set[f.Hook] = true
		}
	}
	for _, g := range c.Groups {
		if g.Hook != "" {
			set[g.Hook] = true
		}
	}
	return slices.Sorted(maps.Keys(set))
}
