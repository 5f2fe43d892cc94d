package release

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/greenlight/greenlight/internal/failure"
)

// Configuration is the change of a function's configuration a release
// carries. It is relative to blue's configuration (what the live alias
// serves when the release starts): a field it leaves unset keeps blue's
// value, and the environment keeps every variable of blue's it neither sets
// nor unsets. Green is published with blue's configuration and this change,
// so a rollback to blue brings back blue's configuration too.
type Configuration struct {
	Environment *EnvironmentChange `json:"environment,omitempty"`
	// MemorySize in MB, 128 to 10240.
	MemorySize *int32 `json:"memorySize,omitempty"`
	// Timeout in seconds, 1 to 900.
	Timeout *int32 `json:"timeout,omitempty"`
	// EphemeralStorage is the size of /tmp in MB, 512 to 10240.
	EphemeralStorage *int32 `json:"ephemeralStorage,omitempty"`
	// Layers, when set, replaces the list of layer version ARNs; an empty
	// list removes every layer.
	Layers  *[]string `json:"layers,omitempty"`
	Handler *string   `json:"handler,omitempty"`
	Runtime *string   `json:"runtime,omitempty"`
	// Description describes the version greenlight publishes, after
	// greenlight's own "greenlight <release id>".
	Description *string `json:"description,omitempty"`
	// Logging sets the fields of the logging configuration it names.
	Logging *Logging `json:"logging,omitempty"`
}

// EnvironmentChange sets and removes environment variables.
type EnvironmentChange struct {
	Set   map[string]string `json:"set,omitempty"`
	Unset []string          `json:"unset,omitempty"`
}

// Logging is a function's logging configuration; in a Configuration, an
// empty field is left as blue has it.
type Logging struct {
	LogFormat           string `json:"logFormat,omitempty"`
	ApplicationLogLevel string `json:"applicationLogLevel,omitempty"`
	SystemLogLevel      string `json:"systemLogLevel,omitempty"`
	LogGroup            string `json:"logGroup,omitempty"`
}

// FunctionConfig is the part of a function version's configuration that a
// release can change.
type FunctionConfig struct {
	Environment      map[string]string `json:"environment,omitempty"`
	MemorySize       int32             `json:"memorySize,omitempty"`
	Timeout          int32             `json:"timeout,omitempty"`
	EphemeralStorage int32             `json:"ephemeralStorage,omitempty"`
	Layers           []string          `json:"layers,omitempty"`
	Handler          string            `json:"handler,omitempty"`
	Runtime          string            `json:"runtime,omitempty"`
	Logging          Logging           `json:"logging,omitzero"`
}

// FunctionConfigOf is the part of a version's configuration, as Lambda's
// GetFunctionConfiguration answers it, that a release can change.
func FunctionConfigOf(out *awslambda.GetFunctionConfigurationOutput) FunctionConfig {
	c := FunctionConfig{
		MemorySize: aws.ToInt32(out.MemorySize),
		Timeout:    aws.ToInt32(out.Timeout),
		Handler:    aws.ToString(out.Handler),
		Runtime:    string(out.Runtime),
	}
	if out.Environment != nil && len(out.Environment.Variables) > 0 {
		c.Environment = out.Environment.Variables
	}
	if out.EphemeralStorage != nil {
		c.EphemeralStorage = aws.ToInt32(out.EphemeralStorage.Size)
	}
	for _, l := range out.Layers {
		c.Layers = append(c.Layers, aws.ToString(l.Arn))
	}
	if l := out.LoggingConfig; l != nil {
		c.Logging = Logging{
			LogFormat:           string(l.LogFormat),
			ApplicationLogLevel: string(l.ApplicationLogLevel),
			SystemLogLevel:      string(l.SystemLogLevel),
			LogGroup:            aws.ToString(l.LogGroup),
		}
	}
	return c
}

// A Change is one configuration value a release changes, as notifications
// and the release's state show it: Key is "environment.NAME" or a field's
// name, and the values of secret-looking variables are masked.
type Change struct {
	Key  string `json:"key"`
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
}

// Lambda's limits on configuration.
const (
	MinMemorySize, MaxMemorySize             = 128, 10240
	MinTimeout, MaxTimeout                   = 1, 900
	MinEphemeralStorage, MaxEphemeralStorage = 512, 10240
	MaxLayers                                = 5
	// MaxEnvironmentBytes bounds a function's environment variables, keys
	// and values together.
	MaxEnvironmentBytes = 4096
	maxHandlerLength    = 128
	// MaxDescription leaves room in Lambda's 256 characters for
	// greenlight's own words in a version's description.
	MaxDescription    = 192
	maxLogGroupLength = 512
	// maxLayerARNLength is Lambda's limit on a layer version ARN.
	maxLayerARNLength = 140
)

// ReservedVariables are the environment variables Lambda sets itself and
// refuses in a function's configuration.
var ReservedVariables = []string{
	"_HANDLER", "_X_AMZN_TRACE_ID", "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_DEFAULT_REGION",
	"AWS_EXECUTION_ENV", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_NAME",
	"AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME",
	"AWS_LAMBDA_LOG_STREAM_NAME", "AWS_LAMBDA_RUNTIME_API", "AWS_REGION", "AWS_SECRET_ACCESS_KEY",
	"AWS_SESSION_TOKEN", "LAMBDA_RUNTIME_DIR", "LAMBDA_TASK_ROOT",
}

var (
	variableName = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9_]+$`)
	layerARN     = regexp.MustCompile(`^arn:aws[a-zA-Z-]*:lambda:[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+$`)
	runtimeName  = regexp.MustCompile(`^[a-z][a-z0-9.]{1,31}$`)
	logGroupName = regexp.MustCompile(`^[\.\-_/#A-Za-z0-9]+$`)
)

var (
	logFormats        = []string{"JSON", "Text"}
	applicationLevels = []string{"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"}
	systemLevels      = []string{"DEBUG", "INFO", "WARN"}
)

// IsEmpty reports whether c changes nothing.
func (c *Configuration) IsEmpty() bool {
	return c == nil || (c.Environment == nil || len(c.Environment.Set) == 0 && len(c.Environment.Unset) == 0) &&
		c.MemorySize == nil && c.Timeout == nil && c.EphemeralStorage == nil && c.Layers == nil &&
		c.Handler == nil && c.Runtime == nil && c.Description == nil && (c.Logging == nil || *c.Logging == Logging{})
}

// Problems lists every problem with c by the rules prepare applies to it.
func (c *Configuration) Problems() []string {
	var v failure.ValidationError
	c.validate(&v)
	return v.Problems
}

// validate adds every problem with c by Lambda's rules that do not depend
// on the function: ranges, names, sizes, formats.
func (c *Configuration) validate(v *failure.ValidationError) {
	if c == nil {
		return
	}
	if e := c.Environment; e != nil {
		size := 0
		for _, k := range slices.Sorted(maps.Keys(e.Set)) {
			size += len(k) + len(e.Set[k])
			checkVariable(v, "configuration.environment.set", k)
		}
		if size > MaxEnvironmentBytes {
			v.Add("configuration.environment.set: the variables take %d bytes, Lambda allows %d for all of a function's variables", size, MaxEnvironmentBytes)
		}
		unset := map[string]bool{}
		for _, k := range e.Unset {
			if unset[k] {
				v.Add("configuration.environment.unset: %q is listed twice", k)
			}
			unset[k] = true
			checkVariable(v, "configuration.environment.unset", k)
			if _, ok := e.Set[k]; ok {
				v.Add("configuration.environment: %q is both set and unset", k)
			}
		}
	}
	checkRange(v, "configuration.memorySize", c.MemorySize, MinMemorySize, MaxMemorySize, " MB")
	checkRange(v, "configuration.timeout", c.Timeout, MinTimeout, MaxTimeout, " seconds")
	checkRange(v, "configuration.ephemeralStorage", c.EphemeralStorage, MinEphemeralStorage, MaxEphemeralStorage, " MB")
	if c.Layers != nil {
		layers := *c.Layers
		if len(layers) > MaxLayers {
			v.Add("configuration.layers: %d layers, Lambda allows at most %d", len(layers), MaxLayers)
		}
		seen := map[string]bool{}
		for _, l := range layers {
			if len(l) > maxLayerARNLength || !layerARN.MatchString(l) {
				v.Add("configuration.layers: %q is not a layer version ARN (arn:aws:lambda:<region>:<account>:layer:<name>:<version>, at most %d characters)", l, maxLayerARNLength)
			}
			if seen[l] {
				v.Add("configuration.layers: %q is listed twice", l)
			}
			seen[l] = true
		}
	}
	if h := c.Handler; h != nil && (*h == "" || len(*h) > maxHandlerLength || strings.ContainsFunc(*h, isSpace)) {
		v.Add("configuration.handler %q: want 1 to %d characters without spaces", *h, maxHandlerLength)
	}
	if r := c.Runtime; r != nil && !runtimeName.MatchString(*r) {
		v.Add("configuration.runtime %q is not a Lambda runtime identifier (such as provided.al2023 or python3.13)", *r)
	}
	if d := c.Description; d != nil && len(*d) > MaxDescription {
		v.Add("configuration.description is %d characters, at most %d are allowed", len(*d), MaxDescription)
	}
	if l := c.Logging; l != nil {
		checkOneOf(v, "configuration.logging.logFormat", l.LogFormat, logFormats)
		checkOneOf(v, "configuration.logging.applicationLogLevel", l.ApplicationLogLevel, applicationLevels)
		checkOneOf(v, "configuration.logging.systemLogLevel", l.SystemLogLevel, systemLevels)
		if l.LogFormat == "Text" && (l.ApplicationLogLevel != "" || l.SystemLogLevel != "") {
			v.Add("configuration.logging: log levels need logFormat JSON, not Text")
		}
		if g := l.LogGroup; g != "" && (len(g) > maxLogGroupLength || !logGroupName.MatchString(g)) {
			v.Add("configuration.logging.logGroup %q is not a log group name (1 to %d of A-Z a-z 0-9 . - _ / #)", g, maxLogGroupLength)
		}
	}
}

func checkVariable(v *failure.ValidationError, field, k string) {
	switch {
	case !variableName.MatchString(k):
		v.Add("%s: %q is not an environment variable name (a letter, then letters, digits or _; at least 2 characters)", field, k)
	case slices.Contains(ReservedVariables, k):
		v.Add("%s: %q is reserved by Lambda", field, k)
	}
}

func checkRange(v *failure.ValidationError, field string, n *int32, lo, hi int32, unit string) {
	if n != nil && (*n < lo || *n > hi) {
		v.Add("%s %d is not in Lambda's range %d to %d%s", field, *n, lo, hi, unit)
	}
}

func checkOneOf(v *failure.ValidationError, field, value string, allowed []string) {
	if value != "" && !slices.Contains(allowed, value) {
		v.Add("%s %q: want one of %s", field, value, strings.Join(allowed, ", "))
	}
}

// isSpace is Lambda's \s in its handler pattern [^\s]+: Java's whitespace
// class, the vertical tab and form feed included.
func isSpace(r rune) bool { return strings.ContainsRune(" \t\n\v\f\r", r) }

// Apply returns base with c's change: the configuration green is published
// with when blue has base.
func (c *Configuration) Apply(base FunctionConfig) FunctionConfig {
	out := base
	out.Environment = maps.Clone(base.Environment)
	out.Layers = slices.Clone(base.Layers)
	if c == nil {
		return out
	}
	if e := c.Environment; e != nil {
		if out.Environment == nil && len(e.Set) > 0 {
			out.Environment = map[string]string{}
		}
		maps.Copy(out.Environment, e.Set)
		for _, k := range e.Unset {
			delete(out.Environment, k)
		}
	}
	set(&out.MemorySize, c.MemorySize)
	set(&out.Timeout, c.Timeout)
	set(&out.EphemeralStorage, c.EphemeralStorage)
	set(&out.Handler, c.Handler)
	set(&out.Runtime, c.Runtime)
	if c.Layers != nil {
		out.Layers = slices.Clone(*c.Layers)
	}
	if l := c.Logging; l != nil {
		setString(&out.Logging.LogFormat, l.LogFormat)
		setString(&out.Logging.ApplicationLogLevel, l.ApplicationLogLevel)
		setString(&out.Logging.SystemLogLevel, l.SystemLogLevel)
		setString(&out.Logging.LogGroup, l.LogGroup)
	}
	return out
}

func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

func setString(dst *string, v string) {
	if v != "" {
		*dst = v
	}
}

// Changes lists what differs from from to to, in key order, with the values
// of secret-looking environment variables masked (see Masked).
func Changes(from, to FunctionConfig) []Change {
	var out []Change
	keys := slices.Sorted(maps.Keys(from.Environment))
	for k := range to.Environment {
		if _, ok := from.Environment[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		a, inA := from.Environment[k]
		b, inB := to.Environment[k]
		if inA == inB && a == b {
			continue
		}
		c := Change{Key: "environment." + k, From: a, To: b}
		if Masked(k) {
			c.From, c.To = mask(c.From), mask(c.To)
		}
		out = append(out, c)
	}
	fields := []struct {
		key      string
		from, to string
	}{
		{"ephemeralStorage", itoa(from.EphemeralStorage), itoa(to.EphemeralStorage)},
		{"handler", from.Handler, to.Handler},
		{"layers", strings.Join(from.Layers, ","), strings.Join(to.Layers, ",")},
		{"logging.applicationLogLevel", from.Logging.ApplicationLogLevel, to.Logging.ApplicationLogLevel},
		{"logging.logFormat", from.Logging.LogFormat, to.Logging.LogFormat},
		{"logging.logGroup", from.Logging.LogGroup, to.Logging.LogGroup},
		{"logging.systemLogLevel", from.Logging.SystemLogLevel, to.Logging.SystemLogLevel},
		{"memorySize", itoa(from.MemorySize), itoa(to.MemorySize)},
		{"runtime", from.Runtime, to.Runtime},
		{"timeout", itoa(from.Timeout), itoa(to.Timeout)},
	}
	for _, f := range fields {
		if f.from != f.to {
			out = append(out, Change{Key: f.key, From: f.from, To: f.to})
		}
	}
	return out
}

func itoa(n int32) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(int(n))
}

// Masked reports whether an environment variable's value is kept out of
// notifications and the release's state: its name contains SECRET, TOKEN,
// PASSWORD or KEY, in any case.
func Masked(name string) bool {
	u := strings.ToUpper(name)
	for _, w := range []string{"SECRET", "TOKEN", "PASSWORD", "KEY"} {
		if strings.Contains(u, w) {
			return true
		}
	}
	return false
}

func mask(v string) string {
	if v == "" {
		return ""
	}
	return "****"
}

// String is a change as a notification lists it: "memorySize: 128 → 512",
// "environment.FEATURE: (unset) → b".
func (c Change) String() string {
	return fmt.Sprintf("%s: %s → %s", c.Key, orUnset(c.From), orUnset(c.To))
}

func orUnset(s string) string {
	if s == "" {
		return "(unset)"
	}
	return s
}
