package main

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/greenlight/greenlight/internal/release"
)

// configurationFlags are deploy's flags for a change of the function's
// configuration. Only the flags given on the command line change anything:
// the rest of the configuration stays as blue has it.
type configurationFlags struct {
	setEnv, unsetEnv                    []string
	memory, timeout, ephemeralStorage   int32
	layers                              []string
	noLayers                            bool
	handler, runtime, description       string
	logFormat, logLevel, systemLogLevel string
	logGroup                            string
}

// Names of the configuration flags.
const (
	flagSetEnv           = "set-env"
	flagUnsetEnv         = "unset-env"
	flagMemory           = "memory"
	flagTimeout          = "timeout"
	flagEphemeralStorage = "ephemeral-storage"
	flagLayer            = "layer"
	flagNoLayers         = "no-layers"
	flagHandler          = "handler"
	flagRuntime          = "runtime"
	flagDescription      = "description"
	flagLogFormat        = "log-format"
	flagLogLevel         = "log-level"
	flagSystemLogLevel   = "system-log-level"
	flagLogGroup         = "log-group"
)

var configurationFlagNames = []string{flagSetEnv, flagUnsetEnv, flagMemory, flagTimeout, flagEphemeralStorage,
	flagLayer, flagNoLayers, flagHandler, flagRuntime, flagDescription,
	flagLogFormat, flagLogLevel, flagSystemLogLevel, flagLogGroup}

func (c *configurationFlags) register(f *pflag.FlagSet) {
	f.StringArrayVar(&c.setEnv, flagSetEnv, nil, "set an environment variable, NAME=VALUE (repeatable); blue's other variables are kept")
	f.StringArrayVar(&c.unsetEnv, flagUnsetEnv, nil, "remove an environment variable (repeatable)")
	f.Int32Var(&c.memory, flagMemory, 0, "memory size in MB (128-10240)")
	f.Int32Var(&c.timeout, flagTimeout, 0, "timeout in seconds (1-900)")
	f.Int32Var(&c.ephemeralStorage, flagEphemeralStorage, 0, "size of /tmp in MB (512-10240)")
	f.StringArrayVar(&c.layers, flagLayer, nil, "layer version ARN (repeatable, at most 5); replaces blue's layers")
	f.BoolVar(&c.noLayers, flagNoLayers, false, "remove every layer")
	f.StringVar(&c.handler, flagHandler, "", "handler")
	f.StringVar(&c.runtime, flagRuntime, "", "runtime, such as provided.al2023")
	f.StringVar(&c.description, flagDescription, "", "description of the version greenlight publishes")
	f.StringVar(&c.logFormat, flagLogFormat, "", "log format: JSON or Text")
	f.StringVar(&c.logLevel, flagLogLevel, "", "application log level (JSON format): TRACE, DEBUG, INFO, WARN, ERROR or FATAL")
	f.StringVar(&c.systemLogLevel, flagSystemLogLevel, "", "system log level (JSON format): DEBUG, INFO or WARN")
	f.StringVar(&c.logGroup, flagLogGroup, "", "CloudWatch Logs group the function logs to")
}

// configuration is the change the flags given on the command line ask for,
// nil when none was given. Problems with it are reported all at once, by
// the same rules the release workflow applies.
func (c *configurationFlags) configuration(f *pflag.FlagSet) (*release.Configuration, error) {
	var cfg release.Configuration
	var problems []string
	if f.Changed(flagSetEnv) || f.Changed(flagUnsetEnv) {
		env := &release.EnvironmentChange{Unset: c.unsetEnv}
		for _, kv := range c.setEnv {
			name, value, ok := strings.Cut(kv, "=")
			if !ok {
				problems = append(problems, fmt.Sprintf("--%s %q: use NAME=VALUE", flagSetEnv, kv))
				continue
			}
			if env.Set == nil {
				env.Set = map[string]string{}
			}
			if _, twice := env.Set[name]; twice {
				// As a key twice in JSON: which value was meant?
				problems = append(problems, fmt.Sprintf("--%s %s is given twice", flagSetEnv, name))
				continue
			}
			env.Set[name] = value
		}
		cfg.Environment = env
	}
	setIfChanged(f, flagMemory, &cfg.MemorySize, c.memory)
	setIfChanged(f, flagTimeout, &cfg.Timeout, c.timeout)
	setIfChanged(f, flagEphemeralStorage, &cfg.EphemeralStorage, c.ephemeralStorage)
	switch {
	case f.Changed(flagLayer) && c.noLayers:
		problems = append(problems, fmt.Sprintf("--%s and --%s: use one or the other", flagLayer, flagNoLayers))
	case f.Changed(flagLayer):
		cfg.Layers = &c.layers
	case c.noLayers:
		cfg.Layers = &[]string{}
	}
	setIfChanged(f, flagHandler, &cfg.Handler, c.handler)
	setIfChanged(f, flagRuntime, &cfg.Runtime, c.runtime)
	setIfChanged(f, flagDescription, &cfg.Description, c.description)
	if lg := (release.Logging{LogFormat: c.logFormat, ApplicationLogLevel: c.logLevel, SystemLogLevel: c.systemLogLevel, LogGroup: c.logGroup}); lg != (release.Logging{}) {
		cfg.Logging = &lg
	}
	for _, name := range []string{flagLogFormat, flagLogLevel, flagSystemLogLevel, flagLogGroup} {
		if f.Changed(name) && f.Lookup(name).Value.String() == "" {
			problems = append(problems, fmt.Sprintf("--%s: give a value", name))
		}
	}
	if !slices.ContainsFunc(configurationFlagNames, f.Changed) {
		return nil, nil
	}
	problems = append(problems, cfg.Problems()...)
	if len(problems) > 0 {
		return nil, &configurationError{problems: problems}
	}
	return &cfg, nil
}

// setIfChanged points *dst at v when the flag name was given.
func setIfChanged[T any](f *pflag.FlagSet, name string, dst **T, v T) {
	if f.Changed(name) {
		*dst = &v
	}
}

// configurationError lists every problem with a requested configuration.
// It exits 1: the release is refused, as the workflow would refuse it.
type configurationError struct{ problems []string }

func (e *configurationError) Error() string {
	return "the configuration cannot be released; nothing was started:\n  - " + strings.Join(e.problems, "\n  - ")
}

// checkManifestConfiguration refuses a manifest file whose configuration
// the workflow would refuse, before anything is uploaded: a function's, or
// (group) each member's of a group's manifest.
func checkManifestConfiguration(file []byte, group bool) error {
	if file == nil {
		return nil
	}
	var problems []string
	if group {
		m, err := release.ParseGroupManifest(file)
		if err != nil {
			return nil // manifestBody reports what is wrong with the file
		}
		for _, fn := range slices.Sorted(maps.Keys(m.MemberConfiguration)) {
			for _, p := range m.MemberConfiguration[fn].Problems() {
				problems = append(problems, "configuration of "+fn+": "+p)
			}
		}
	} else {
		m, err := release.ParseManifest(file)
		if err != nil {
			return nil // manifestBody reports what is wrong with the file
		}
		problems = m.Configuration.Problems()
	}
	if len(problems) > 0 {
		return &configurationError{problems: problems}
	}
	return nil
}

var errNothingToRelease = errors.New("nothing to release: give --artifact, configuration flags, or a --manifest with a configuration")

// errNothingToReleaseGroup is errNothingToRelease for a group release.
var errNothingToReleaseGroup = errors.New("nothing to release: give --artifact FN=path, configuration flags with --member FN, or a --manifest with a configuration of a member")
