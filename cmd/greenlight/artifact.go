package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/greenlight/greenlight/internal/release"
	"github.com/greenlight/greenlight/internal/strategy"
	"github.com/greenlight/greenlight/internal/strictjson"
)

var (
	// buildName keeps the S3 key readable and unambiguous.
	buildName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)
)

// zipMagic starts every zip archive with at least one entry.
var zipMagic = []byte("PK\x03\x04")

func checkFunction(name string) error {
	if name == "" {
		return usagef("--function is required")
	}
	if p := release.FunctionNameProblem(name); p != "" {
		return usagef("--function %s", p)
	}
	return nil
}

func checkGroup(name string) error {
	if !release.IsFunctionName(name) {
		return usagef("--group %q is not a group name (letters, digits, - and _, up to 64)", name)
	}
	return nil
}

// subjectFlags reads --function and --group of a command that shows or
// acts on releases: the name the releases go by, "" when neither is given.
func subjectFlags(function, group string) (string, error) {
	switch {
	case function != "" && group != "":
		return "", usagef("--function and --group: give one")
	case group != "":
		return group, checkGroup(group)
	case function != "":
		return function, checkFunction(function)
	}
	return "", nil
}

func checkBuild(build string) error {
	if !buildName.MatchString(build) {
		return usagef("--build %q: use letters, digits, '.', '_' and '-' (up to 128, starting with a letter or digit)", build)
	}
	return nil
}

func checkZip(path string, body []byte) error {
	if !bytes.HasPrefix(body, zipMagic) {
		return usagef("--artifact %s is not a zip archive", path)
	}
	return nil
}

// defaultBuildID names a build by upload time and content, so two uploads of
// the same bytes a second apart still get distinct, sortable keys.
func defaultBuildID(now time.Time, body []byte) string {
	sum := sha256.Sum256(body)
	return now.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(sum[:4])
}

// artifactKeys are where an upload goes in the artifact bucket.
func artifactKeys(function, build string) (zipKey, manifestKey string) {
	zipKey = release.KeyPrefix + function + "/" + build + ".zip"
	return zipKey, release.ManifestKey(zipKey)
}

// parseStrategy reads --strategy: a preset name or the custom JSON form
// {"steps":[{"percent":5,"bakeSeconds":60}]}.
func parseStrategy(flag string) (strategy.Strategy, error) {
	var s strategy.Strategy
	flag = strings.TrimSpace(flag)
	if strings.HasPrefix(flag, "{") {
		if err := strictjson.Decode([]byte(flag), &s); err != nil {
			return s, usagef("--strategy: %v", err)
		}
	} else {
		s.Name = flag
	}
	if problems := s.Validate(); len(problems) > 0 {
		return s, usagef("--strategy: %s", strings.Join(problems, "; "))
	}
	return s, nil
}

// manifestParts are what a deploy's manifest is made of.
type manifestParts struct {
	file          []byte                 // --manifest, nil when not given
	strategy      string                 // --strategy
	configuration *release.Configuration // the configuration flags, nil when none
	// group: a group's manifest, whose configuration is keyed by member;
	// member is the one the configuration flags change.
	group  bool
	member string
}

// manifestBody builds the manifest uploaded beside the artifact: the file
// given with --manifest (a JSON object), with the strategy from --strategy
// and the configuration from the configuration flags when set (in a group's
// manifest, the member's). It returns nil when there is nothing to upload.
func manifestBody(p manifestParts) ([]byte, error) {
	if p.file == nil && p.strategy == "" && p.configuration == nil {
		return nil, nil
	}
	fields := map[string]json.RawMessage{}
	if p.file != nil {
		if err := json.Unmarshal(p.file, &fields); err != nil {
			return nil, usagef("--manifest: not a JSON object: %v", err)
		}
		for _, k := range []string{"function", "group", "artifact"} {
			if _, ok := fields[k]; ok {
				return nil, usagef("--manifest: field %q comes from --function, --group and --artifact; remove it", k)
			}
		}
		parse := release.ParseManifest
		if p.group {
			parse = release.ParseGroupManifest
		}
		if _, err := parse(p.file); err != nil {
			return nil, usagef("--manifest: %v", err)
		}
		if raw, ok := fields["strategy"]; ok {
			var s strategy.Strategy
			if err := json.Unmarshal(raw, &s); err != nil {
				return nil, usagef("--manifest: strategy: %v", err)
			}
			if problems := s.Validate(); len(problems) > 0 {
				return nil, usagef("--manifest: %s", strings.Join(problems, "; "))
			}
		}
	}
	if p.strategy != "" {
		s, err := parseStrategy(p.strategy)
		if err != nil {
			return nil, err
		}
		raw, err := json.Marshal(s)
		if err != nil {
			return nil, fmt.Errorf("encode strategy: %w", err)
		}
		fields["strategy"] = raw
	}
	if p.configuration != nil {
		raw, err := configurationField(fields["configuration"], p.configuration, p.group, p.member)
		if err != nil {
			return nil, err
		}
		fields["configuration"] = raw
	}
	return json.MarshalIndent(fields, "", "  ")
}

// configurationField adds the configuration the flags ask for to the
// manifest's configuration field (nil when the file has none): a function's
// manifest takes it as its configuration, a group's as member's.
func configurationField(field json.RawMessage, configuration *release.Configuration, group bool, member string) (json.RawMessage, error) {
	raw, err := json.Marshal(configuration)
	if err != nil {
		return nil, fmt.Errorf("encode configuration: %w", err)
	}
	if !group {
		if field != nil {
			return nil, usagef("--manifest has a configuration and configuration flags are given: use one or the other")
		}
		return raw, nil
	}
	members := map[string]json.RawMessage{}
	if field != nil {
		if err := json.Unmarshal(field, &members); err != nil {
			return nil, usagef("--manifest: configuration: %v", err)
		}
	}
	if _, ok := members[member]; ok {
		return nil, usagef("--manifest has a configuration of %s and configuration flags for --member %s are given: use one or the other", member, member)
	}
	members[member] = raw
	return json.Marshal(members)
}
