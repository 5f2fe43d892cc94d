package release

import (
	"encoding/json"
	"fmt"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"github.com/greenlight/greenlight/internal/failure"
	"github.com/greenlight/greenlight/internal/strategy"
	"github.com/greenlight/greenlight/internal/strictjson"
)

// KeyPrefix is where artifacts are uploaded: releases/<function>/<build>.zip,
// with an optional manifest releases/<function>/<build>.json beside it.
const KeyPrefix = "releases/"

// Settings are the parts of a release that configuration defaults, a
// manifest and a console input may each set. A zero field is unset; an empty
// but non-nil list is set to empty, and stays so through JSON (omitzero
// drops only a nil list), so that an override of the alarms or tests with
// none survives the trip from synth to the prepare function.
type Settings struct {
	Strategy       *strategy.Strategy `json:"strategy,omitempty"`
	Tests          []Test             `json:"tests,omitzero"`
	Hook           string             `json:"hook,omitempty"`
	Alarms         []string           `json:"alarms,omitzero"`
	ErrorAlarm     *ErrorAlarm        `json:"errorAlarm,omitempty"`
	LiveAlias      string             `json:"liveAlias,omitempty"`
	CandidateAlias string             `json:"candidateAlias,omitempty"`
}

// Over returns s with every unset field taken from base.
func (s Settings) Over(base Settings) Settings {
	if s.Strategy == nil {
		s.Strategy = base.Strategy
	}
	if s.Tests == nil {
		s.Tests = base.Tests
	}
	if s.Hook == "" {
		s.Hook = base.Hook
	}
	if s.Alarms == nil {
		s.Alarms = base.Alarms
	}
	if s.ErrorAlarm == nil {
		s.ErrorAlarm = base.ErrorAlarm
	}
	if s.LiveAlias == "" {
		s.LiveAlias = base.LiveAlias
	}
	if s.CandidateAlias == "" {
		s.CandidateAlias = base.CandidateAlias
	}
	return s
}

// Input is a release request: which function, which artifact, and the
// settings that override the configured defaults.
type Input struct {
	Function string `json:"function,omitempty"`
	// Group names the group a group release releases, instead of Function.
	Group string `json:"group,omitempty"`
	// Artifact is the code to release; a console input without one
	// releases blue's code with its Configuration.
	Artifact      Artifact       `json:"artifact,omitzero"`
	Configuration *Configuration `json:"configuration,omitempty"`
	// MemberConfiguration is a group release's change of configuration,
	// by member: its "configuration" field is keyed by function.
	MemberConfiguration map[string]*Configuration `json:"-"`
	Settings
}

// groupInput is the console input and the manifest of a group release.
type groupInput struct {
	Group         string                    `json:"group"`
	Artifact      Artifact                  `json:"artifact,omitzero"`
	Configuration map[string]*Configuration `json:"configuration,omitempty"`
	Settings
}

// Manifest is what may be uploaded beside an artifact: the settings of a
// console input and a change of configuration.
type Manifest struct {
	Configuration *Configuration `json:"configuration,omitempty"`
	// MemberConfiguration is a group manifest's configuration, by member
	// (see ParseGroupManifest).
	MemberConfiguration map[string]*Configuration `json:"-"`
	Settings
}

// S3 event constants for the EventBridge rule that starts a release.
const (
	eventSource     = "aws.s3"
	eventDetailType = "Object Created"
)

// objectCreated is the detail of an EventBridge S3 "Object Created" event.
type objectCreated struct {
	Bucket struct {
		Name string `json:"name"`
	} `json:"bucket"`
	Object struct {
		Key       string `json:"key"`
		Size      int64  `json:"size"`
		ETag      string `json:"etag"`
		VersionID string `json:"version-id"`
	} `json:"object"`
}

// IsEvent reports whether data looks like an EventBridge event (it has a
// "detail-type") rather than a console input.
func IsEvent(data []byte) bool {
	var probe struct {
		DetailType *string `json:"detail-type"`
	}
	return json.Unmarshal(data, &probe) == nil && probe.DetailType != nil
}

// ParseEvent reads an EventBridge S3 "Object Created" event for an artifact
// under releases/<function>/. The returned input has no settings: those come
// from the configuration and the manifest (see ManifestKey).
func ParseEvent(data []byte) (Input, error) {
	var e events.EventBridgeEvent
	if err := json.Unmarshal(data, &e); err != nil {
		return Input{}, &failure.ValidationError{Problems: []string{"event is not valid JSON: " + err.Error()}}
	}
	var v failure.ValidationError
	if e.Source != eventSource {
		v.Add("event source is %q, want %q", e.Source, eventSource)
	}
	if e.DetailType != eventDetailType {
		v.Add("event detail-type is %q, want %q", e.DetailType, eventDetailType)
	}
	var d objectCreated
	if len(e.Detail) == 0 {
		v.Add("event has no detail")
	} else if err := json.Unmarshal(e.Detail, &d); err != nil {
		v.Add("event detail is not an S3 object: %v", err)
	}
	in := Input{Artifact: Artifact{
		Bucket:    d.Bucket.Name,
		Key:       d.Object.Key,
		VersionID: d.Object.VersionID,
		Size:      d.Object.Size,
	}}
	fn, _, err := SplitKey(d.Object.Key)
	if err != nil {
		v.Add("%v", err)
	}
	in.Function = fn
	if err := v.Err(); err != nil {
		return Input{}, err
	}
	return in, nil
}

// ParseConsole reads a console or CLI input. Unknown fields are problems, so
// that a misspelt setting is not silently ignored. An input that names a
// group is a group release, whose configuration is keyed by member.
func ParseConsole(data []byte) (Input, error) {
	var probe struct {
		Group *string `json:"group"`
	}
	if json.Unmarshal(data, &probe) == nil && probe.Group != nil {
		var g groupInput
		if err := decodeStrict(data, &g); err != nil {
			return Input{}, &failure.ValidationError{Problems: []string{"console input: " + err.Error()}}
		}
		return Input{Group: g.Group, Artifact: g.Artifact, MemberConfiguration: g.Configuration, Settings: g.Settings}, nil
	}
	var in Input
	if err := decodeStrict(data, &in); err != nil {
		return Input{}, &failure.ValidationError{Problems: []string{"console input: " + err.Error()}}
	}
	return in, nil
}

// ParseManifest reads the manifest uploaded beside an artifact: the settings
// and configuration of a console input, without function and artifact.
func ParseManifest(data []byte) (Manifest, error) {
	var m Manifest
	if err := decodeStrict(data, &m); err != nil {
		return Manifest{}, &failure.ValidationError{Problems: []string{"manifest: " + err.Error()}}
	}
	return m, nil
}

// ParseGroupManifest reads the manifest uploaded beside a group's bundle:
// the group's settings and a change of configuration by member.
func ParseGroupManifest(data []byte) (Manifest, error) {
	var g struct {
		Configuration map[string]*Configuration `json:"configuration,omitempty"`
		Settings
	}
	if err := decodeStrict(data, &g); err != nil {
		return Manifest{}, &failure.ValidationError{Problems: []string{"manifest: " + err.Error()}}
	}
	return Manifest{MemberConfiguration: g.Configuration, Settings: g.Settings}, nil
}

// decodeStrict decodes outside JSON by strictjson's rules: a misspelt,
// miscased or repeated key, or a null where a value is expected, would
// otherwise change the release silently.
func decodeStrict(data []byte, v any) error { return strictjson.Decode(data, v) }

// SplitKey splits releases/<function>/<build>.zip into function and build.
// Keys are taken literally: a key with an empty, "." or ".." segment is
// refused, because a client or a proxy that normalises the path would read
// another object than the one the key names, perhaps another function's;
// and so is a key with a character outside S3's safe ones, which an event
// may carry URL-encoded.
func SplitKey(key string) (function, build string, err error) {
	rest, ok := strings.CutPrefix(key, KeyPrefix)
	if !ok {
		return "", "", fmt.Errorf("artifact key %q is not under %s", key, KeyPrefix)
	}
	for _, seg := range strings.Split(rest, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return "", "", fmt.Errorf("artifact key %q has an empty, \".\" or \"..\" segment; keys are taken literally", key)
		}
	}
	if i := strings.IndexFunc(key, unsafeKeyRune); i >= 0 {
		r, _ := utf8.DecodeRuneInString(key[i:])
		return "", "", fmt.Errorf("artifact key %q holds %q: name releases with S3's safe characters only (letters, digits, / and %s), because S3 events may carry other characters URL-encoded (a space as +), and the key read would not be the key uploaded", key, r, safeKeyPunctuation)
	}
	function, file, ok := strings.Cut(rest, "/")
	if !ok || function == "" {
		return "", "", fmt.Errorf("artifact key %q is not %s<function>/<build>.zip", key, KeyPrefix)
	}
	build, ok = strings.CutSuffix(file, ".zip")
	if !ok || build == "" || path.Base(build) == "." {
		return "", "", fmt.Errorf("artifact key %q does not end in <build>.zip", key)
	}
	return function, build, nil
}

// safeKeyPunctuation is the punctuation S3 lists as safe in object keys
// besides "/": keys made of it, letters and digits read the same
// URL-encoded or not.
const safeKeyPunctuation = "!-_.*'()"

// unsafeKeyRune reports whether r is outside S3's safe characters for keys.
func unsafeKeyRune(r rune) bool {
	return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '/' || strings.ContainsRune(safeKeyPunctuation, r))
}

// ManifestKey is where the manifest of the artifact at zipKey lives:
// releases/<function>/<build>.json.
func ManifestKey(zipKey string) string {
	return strings.TrimSuffix(zipKey, ".zip") + ".json"
}
