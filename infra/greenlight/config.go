package greenlight

import (
	"github.com/greenlight/greenlight/internal/config"
	"github.com/greenlight/greenlight/internal/release"
	"github.com/greenlight/greenlight/internal/strategy"
)

// The configuration is package internal/config's, the one the prepare
// function reads back at run time: these names let an app that imports the
// construct, and cannot import greenlight's internal packages, write it in
// Go. New validates it as the functions will (Config.Validate), and the
// JSON form is the greenlight:config context value (see the README).
type (
	// Config is greenlight's configuration: the functions it may release
	// and the defaults of a release. The functions receive it, as JSON, in
	// the environment variable lambdaenv.ConfigVar (GREENLIGHT_CONFIG).
	Config = config.Config
	// Targets select the functions greenlight may change: by name, by name
	// prefix, or by a tag with both its key and value.
	Targets = config.Targets
	// Tag is a resource tag that marks a function as a target.
	Tag = config.Tag
	// Settings are the release defaults (Config.Defaults) and a function's
	// overrides of them (Config.Functions).
	Settings = release.Settings
	// Strategy is a preset name (strategy names such as
	// "Canary10Percent5Minutes") or "Custom" with its steps.
	Strategy = strategy.Strategy
	// Step is one traffic step of a Custom strategy.
	Step = strategy.Step
	// Test is a test case run against the green version before traffic.
	Test = release.Test
	// ErrorAlarm shapes the per-release alarm on green's errors.
	ErrorAlarm = release.ErrorAlarm
)
