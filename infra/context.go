package main

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"

	"github.com/greenlight/greenlight/infra/greenlight"
	"github.com/greenlight/greenlight/internal/config"
)

// Context keys the app reads.
const (
	ctxConfig       = "greenlight:config"
	ctxAssets       = "greenlight:assets"
	ctxArchitecture = "greenlight:architecture"
	ctxEmails       = "greenlight:emails"
	ctxStackName    = "greenlight:stackName"
)

// defaultConfig releases the demo function of examples/ when no
// configuration is given.
const defaultConfig = `{
  "targets": {"names": ["greenlight-demo"]},
  "defaults": {"strategy": "Canary10Percent5Minutes", "liveAlias": "live", "candidateAlias": "green"}
}`

// settings are what the app builds from its context.
type settings struct {
	stackName string
	props     greenlight.Props
}

// settingsFrom reads the app's context through get, which returns nil for a
// key that is not set. It reports every bad value at once.
func settingsFrom(get func(key string) any) (settings, error) {
	s := settings{stackName: "greenlight"}
	var problems []string
	str := func(key, def string) string {
		switch v := get(key).(type) {
		case nil:
			return def
		case string:
			return v
		default:
			problems = append(problems, fmt.Sprintf("%s: want a string, got %v", key, v))
			return def
		}
	}

	s.stackName = str(ctxStackName, s.stackName)
	s.props.Assets = str(ctxAssets, greenlight.DefaultAssets)
	switch arch := str(ctxArchitecture, "arm64"); arch {
	case "arm64":
		s.props.Architecture = awslambda.Architecture_ARM_64()
	case "x86_64", "amd64":
		s.props.Architecture = awslambda.Architecture_X86_64()
	default:
		problems = append(problems, fmt.Sprintf("%s: want arm64 or x86_64, got %q", ctxArchitecture, arch))
	}

	switch v := get(ctxEmails).(type) {
	case nil:
	case string:
		for _, e := range strings.Split(v, ",") {
			if e = strings.TrimSpace(e); e != "" {
				s.props.Emails = append(s.props.Emails, e)
			}
		}
	case []any:
		for _, e := range v {
			email, ok := e.(string)
			if !ok {
				problems = append(problems, fmt.Sprintf("%s: want email addresses, got %v", ctxEmails, e))
				continue
			}
			s.props.Emails = append(s.props.Emails, email)
		}
	default:
		problems = append(problems, fmt.Sprintf("%s: want a list or a comma-separated string, got %v", ctxEmails, v))
	}

	raw := []byte(defaultConfig)
	switch v := get(ctxConfig).(type) {
	case nil:
	case string:
		raw = []byte(v)
	default:
		// cdk.json holds the configuration as an object.
		b, err := json.Marshal(v)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", ctxConfig, err))
		}
		raw = b
	}
	if cfg, err := config.Parse(raw); err != nil {
		problems = append(problems, fmt.Sprintf("%s: %v", ctxConfig, err))
	} else {
		s.props.Config = *cfg
	}

	if len(problems) > 0 {
		return settings{}, fmt.Errorf("greenlight app context: %s", strings.Join(problems, "; "))
	}
	return s, nil
}
