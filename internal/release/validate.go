package release

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/greenlight/greenlight/internal/failure"
	"github.com/greenlight/greenlight/internal/strategy"
)

// Built-in defaults, used when neither configuration nor input set a field.
const (
	DefaultLiveAlias      = "live"
	DefaultCandidateAlias = "green"
	DefaultStrategy       = strategy.Canary10Percent5Minutes
)

// DefaultErrorAlarm is the per-release error alarm when none is configured:
// one error in a minute rolls the release back.
var DefaultErrorAlarm = ErrorAlarm{Threshold: 1, PeriodSeconds: 60, EvaluationPeriods: 1}

// MaxArtifactBytes is the largest zip Lambda accepts from S3 (its unzipped
// limit, which a zip never undercuts).
const MaxArtifactBytes = 250 << 20

// Bounds on a release. The document flows whole through every state of the
// workflow, and Step Functions fails an execution whose state data passes
// 256 KiB with States.DataLimitExceeded, which no Catch catches: the release
// would stop with traffic split and the lock held. So every list and every
// number of a release is bounded here, at prepare, where a refusal is still
// a clean failure with a notification, and what a release adds as it runs
// (steps taken, alarm states, test results) is bounded by these counts.
// TestDocumentBound builds the largest document these bounds allow, grown
// to its end, and checks that it stays under MaxStateBytes.
const (
	// MaxDocumentBytes bounds the prepared document (as JSON).
	MaxDocumentBytes = 64 << 10
	// MaxStateBytes is Step Functions' limit on an execution's state data.
	MaxStateBytes = 256 << 10
	// MaxSteps bounds a custom strategy's steps.
	MaxSteps = strategy.MaxSteps
	// MaxTests bounds the test cases of a release.
	MaxTests = 20
	// MaxTestNameLength bounds a test case's name.
	MaxTestNameLength = 128
	// MaxAlarms bounds the alarms a release watches (DescribeAlarms takes
	// at most 100 names in one call; a release watches far fewer).
	MaxAlarms = 20
	// MaxAlarmNameLength is CloudWatch's limit on an alarm name.
	MaxAlarmNameLength = 255
)

var (
	functionName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	aliasName    = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)
	digitsOnly   = regexp.MustCompile(`^[0-9]+$`)
	hookName     = regexp.MustCompile(`^(arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:function:)?[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]{1,128})?$`)
)

// IsFunctionName reports whether fn is a valid Lambda function name.
func IsFunctionName(fn string) bool { return functionName.MatchString(fn) }

// IsHookName reports whether hook is a Lambda function name or ARN, with
// or without a qualifier, as a test hook may be given.
func IsHookName(hook string) bool { return hookName.MatchString(hook) }

// IsAliasName reports whether name is a valid Lambda alias name.
func IsAliasName(name string) bool {
	return aliasName.MatchString(name) && !digitsOnly.MatchString(name)
}

// Request is everything New needs to build a document.
type Request struct {
	Input        Input
	Source       string
	Settings     Settings // configured defaults, manifest and input, already merged
	ExecutionARN string
	StartedAt    time.Time
}

// New builds, validates and plans a release: it fills built-in defaults,
// computes the schedule, the release id and the release alarm's name. Every
// problem is reported at once in a *failure.ValidationError.
func New(r Request) (*Document, error) {
	s := r.Settings
	d := &Document{
		SchemaVersion:  SchemaVersion,
		Function:       r.Input.Function,
		Source:         r.Source,
		Artifact:       r.Input.Artifact,
		Configuration:  r.Input.Configuration,
		Strategy:       strategy.Strategy{Name: DefaultStrategy},
		Tests:          s.Tests,
		Hook:           s.Hook,
		Alarms:         s.Alarms,
		ErrorAlarm:     DefaultErrorAlarm,
		LiveAlias:      or(s.LiveAlias, DefaultLiveAlias),
		CandidateAlias: or(s.CandidateAlias, DefaultCandidateAlias),
		ExecutionARN:   r.ExecutionARN,
		StartedAt:      r.StartedAt.UTC(),
		State:          State{Phase: PhasePrepared},
		Functions:      []string{r.Input.Function},
	}
	d.settle(s)
	if err := Validate(d); err != nil {
		return nil, err
	}
	d.plan()
	d.State.ReleaseAlarm = "greenlight-" + d.ReleaseID + "-errors"
	if err := d.checkSize(); err != nil {
		return nil, err
	}
	return d, nil
}

// settle applies the strategy, alarms and error alarm that s sets over the
// built-in defaults.
func (d *Document) settle(s Settings) {
	if d.Alarms == nil {
		d.Alarms = []string{}
	}
	if s.Strategy != nil {
		d.Strategy = *s.Strategy
	}
	if s.ErrorAlarm != nil {
		d.ErrorAlarm = *s.ErrorAlarm
	}
}

// plan normalises the artifact's checksum and computes the schedule and the
// release id of a valid document.
func (d *Document) plan() {
	if sum, err := NormalizeSHA256(d.Artifact.SHA256); err == nil {
		d.Artifact.SHA256 = sum
	}
	d.Schedule = strategy.Schedule(d.Strategy)
	d.ReleaseID = releaseID(d)
}

// checkSize refuses a document larger than MaxDocumentBytes as JSON.
func (d *Document) checkSize() error {
	if b, err := json.Marshal(d); err != nil || len(b) > MaxDocumentBytes {
		return &failure.ValidationError{Problems: []string{fmt.Sprintf(
			"the release is %d bytes as JSON, at most %d are allowed: keep test payloads small (a test hook can carry large cases)", len(b), MaxDocumentBytes)}}
	}
	return nil
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// releaseID is stable for one execution of one artifact version:
// <function>-<start time>-<4 hex digits of the artifact and execution>.
func releaseID(d *Document) string {
	h := sha256.Sum256([]byte(d.Artifact.Bucket + "/" + d.Artifact.Key + "?" + d.Artifact.VersionID + "#" + d.ExecutionARN))
	return fmt.Sprintf("%s-%s-%s", d.Function, d.StartedAt.Format("20060102T150405Z"), hex.EncodeToString(h[:2]))
}

// Validate checks a document's request fields and reports every problem.
func Validate(d *Document) error {
	var v failure.ValidationError
	if d.SchemaVersion != SchemaVersion {
		v.Add("schemaVersion is %d, want %d", d.SchemaVersion, SchemaVersion)
	}
	if p := FunctionNameProblem(d.Function); p != "" {
		v.Add("function %s", p)
	}
	if d.Source != SourceS3 && d.Source != SourceConsole {
		v.Add("source %q is not %q or %q", d.Source, SourceS3, SourceConsole)
	}
	switch {
	case d.ConfigurationOnly() && d.Configuration.IsEmpty():
		v.Add("nothing to release: give an artifact, a configuration change, or both")
	case !d.ConfigurationOnly():
		validateArtifact(&v, d.Function, d.Artifact)
	}
	d.Configuration.validate(&v)
	for _, p := range d.Strategy.Validate() {
		v.Add("%s", p)
	}
	validateTests(&v, d.Tests)
	for i, t := range d.Tests {
		if t.Function != "" {
			v.Add("tests[%d].function %q: only the tests of a group name the member they invoke", i, t.Function)
		}
	}
	validateHook(&v, d.Hook)
	validateAlarms(&v, d.Alarms)
	validateErrorAlarm(&v, d.ErrorAlarm)
	validateAlias(&v, "liveAlias", d.LiveAlias)
	validateAlias(&v, "candidateAlias", d.CandidateAlias)
	validateAliasPair(&v, d.LiveAlias, d.CandidateAlias)
	if d.ExecutionARN == "" {
		v.Add("executionArn is empty")
	}
	if d.StartedAt.IsZero() {
		v.Add("startedAt is not set")
	}
	return v.Err()
}

// FunctionNameProblem says what is wrong with fn as the name of a function
// to release, or "" when nothing is. Lambda takes ARNs and qualified names
// in other calls, but a release deploys the function itself, its aliases
// are the configuration's, and its artifact key holds the plain name.
func FunctionNameProblem(fn string) string {
	if functionName.MatchString(fn) {
		return ""
	}
	p := fmt.Sprintf("%q is not a Lambda function name (1-64 letters, digits, - or _)", fn)
	switch {
	case strings.Contains(fn, ":"):
		p += ": give the function's name alone, not an ARN or a name:qualifier"
	case strings.TrimSpace(fn) != fn && functionName.MatchString(strings.TrimSpace(fn)):
		p += ": remove the spaces around it"
	}
	return p
}

// Validate lists every problem with the fields s sets, by the rules New
// applies, so that a configuration that could never make a valid release is
// refused before any release starts. Unset fields are not problems.
func (s Settings) Validate() []string {
	var v failure.ValidationError
	if s.Strategy != nil {
		for _, p := range s.Strategy.Validate() {
			v.Add("%s", p)
		}
	}
	validateTests(&v, s.Tests)
	validateHook(&v, s.Hook)
	validateAlarms(&v, s.Alarms)
	if s.ErrorAlarm != nil {
		validateErrorAlarm(&v, *s.ErrorAlarm)
	}
	if s.LiveAlias != "" {
		validateAlias(&v, "liveAlias", s.LiveAlias)
	}
	if s.CandidateAlias != "" {
		validateAlias(&v, "candidateAlias", s.CandidateAlias)
	}
	validateAliasPair(&v, s.LiveAlias, s.CandidateAlias)
	return v.Problems
}

func validateArtifact(v *failure.ValidationError, function string, a Artifact) {
	if a.Bucket == "" {
		v.Add("artifact.bucket is empty")
	}
	if fn, _, err := SplitKey(a.Key); err != nil {
		v.Add("%v", err)
	} else if fn != function {
		v.Add("artifact key %q is under function %q, not %q", a.Key, fn, function)
	}
	if a.VersionID == "" {
		v.Add("artifact.versionId is empty: releases deploy an exact object version, so the bucket must be versioned")
	}
	if a.SHA256 != "" {
		if _, err := NormalizeSHA256(a.SHA256); err != nil {
			v.Add("artifact.sha256: %v", err)
		}
	}
	if a.Size < 0 || a.Size > MaxArtifactBytes {
		v.Add("artifact.size %d is not in [0, %d]", a.Size, MaxArtifactBytes)
	}
}

func validateTests(v *failure.ValidationError, tests []Test) {
	if len(tests) > MaxTests {
		v.Add("tests: %d test cases, at most %d are allowed", len(tests), MaxTests)
		return
	}
	seen := map[string]bool{}
	for i, t := range tests {
		switch {
		case strings.TrimSpace(t.Name) == "":
			v.Add("tests[%d] has no name", i)
		case len(t.Name) > MaxTestNameLength:
			v.Add("tests[%d] name is %d bytes, at most %d are allowed", i, len(t.Name), MaxTestNameLength)
		case seen[t.Name]:
			v.Add("tests[%d] name %q is used twice", i, t.Name)
		}
		seen[t.Name] = true
		// The test task reads expect as the subset of the response object
		// that must match; anything but an object would fail only after a
		// version had been published.
		if len(t.Expect) > 0 && !isJSONObject(t.Expect) {
			v.Add("tests[%d].expect is not a JSON object: it names the keys the response must hold", i)
		}
	}
}

// isJSONObject reports whether raw is a JSON object ({...}).
func isJSONObject(raw []byte) bool {
	var m map[string]json.RawMessage
	return json.Unmarshal(raw, &m) == nil && m != nil
}

func validateHook(v *failure.ValidationError, hook string) {
	if hook != "" && !hookName.MatchString(hook) {
		v.Add("hook %q is not a Lambda function name or ARN", hook)
	}
}

func validateAlarms(v *failure.ValidationError, alarms []string) {
	if len(alarms) > MaxAlarms {
		v.Add("alarms: %d alarms, at most %d are allowed", len(alarms), MaxAlarms)
		return
	}
	seen := map[string]bool{}
	for i, a := range alarms {
		switch {
		case strings.TrimSpace(a) == "" || len(a) > MaxAlarmNameLength:
			v.Add("alarms[%d] %q is not an alarm name (1-255 characters)", i, a)
		case strings.ContainsFunc(a, isASCIIControl):
			// Such a name matches no alarm: DescribeAlarms would find
			// nothing to watch.
			v.Add("alarms[%d] %q holds an ASCII control character, which CloudWatch does not allow in an alarm name", i, a)
		case seen[a]:
			v.Add("alarms[%d] %q is listed twice", i, a)
		}
		seen[a] = true
	}
}

func isASCIIControl(r rune) bool { return r < 0x20 || r == 0x7f }

// CloudWatch bounds an alarm's evaluation window (period × evaluation
// periods): a day when the period is under an hour, a week otherwise.
const (
	maxShortAlarmWindow = 24 * 60 * 60
	maxAlarmWindow      = 7 * maxShortAlarmWindow
)

func validateErrorAlarm(v *failure.ValidationError, e ErrorAlarm) {
	if e.Threshold <= 0 {
		v.Add("errorAlarm.threshold %v must be above 0", e.Threshold)
	}
	// CloudWatch also takes 10, 20 and 30 s, but only for high-resolution
	// metrics: Lambda publishes Errors once a minute, so a shorter period
	// would miss most of green's errors.
	p := e.PeriodSeconds
	if p < 60 || p%60 != 0 {
		v.Add("errorAlarm.periodSeconds %d must be a multiple of 60 (Lambda's metrics have one-minute resolution)", p)
	}
	if e.EvaluationPeriods < 1 {
		v.Add("errorAlarm.evaluationPeriods %d must be at least 1", e.EvaluationPeriods)
	}
	window, limit := int64(p)*int64(e.EvaluationPeriods), int64(maxAlarmWindow)
	if p < 3600 {
		limit = maxShortAlarmWindow
	}
	if p > 0 && e.EvaluationPeriods > 0 && window > limit {
		v.Add("errorAlarm.periodSeconds × evaluationPeriods is %d s; CloudWatch allows at most %d s with this period", window, limit)
	}
}

func validateAliasPair(v *failure.ValidationError, live, candidate string) {
	if live == candidate && live != "" {
		v.Add("liveAlias and candidateAlias are both %q; they must differ", live)
	}
}

func validateAlias(v *failure.ValidationError, field, name string) {
	if !aliasName.MatchString(name) || digitsOnly.MatchString(name) {
		v.Add("%s %q is not a Lambda alias name (letters, digits, - or _, not only digits)", field, name)
	}
}

// NormalizeSHA256 turns a SHA-256 given as hex or base64 into base64, the
// form Lambda's CodeSha256 and S3's ChecksumSHA256 use.
func NormalizeSHA256(s string) (string, error) {
	if b, err := hex.DecodeString(s); err == nil && len(b) == sha256.Size {
		return base64.StdEncoding.EncodeToString(b), nil
	}
	if b, err := base64.StdEncoding.DecodeString(s); err == nil && len(b) == sha256.Size {
		return s, nil
	}
	return "", fmt.Errorf("%q is not a SHA-256 in hex or base64", s)
}

// BuiltinAliases are the alias names a release uses when the configuration
// names none.
var BuiltinAliases = Settings{LiveAlias: DefaultLiveAlias, CandidateAlias: DefaultCandidateAlias}

// AliasProblems checks the aliases a release asks for (the console input over
// the manifest) against the function's configured ones (the configuration
// over BuiltinAliases). Which alias is live is the configuration's decision:
// an input that names another live alias would point callers' alias at an
// untested build, or move callers to an alias nobody invokes. And the
// candidate never serves traffic, so it may not be the live alias. A
// candidate other than the configured one is checked against the function's
// aliases by the caller (see ManagedAliasDescription).
func AliasProblems(function string, configured, requested Settings) []string {
	var v failure.ValidationError
	if requested.LiveAlias != "" && requested.LiveAlias != configured.LiveAlias {
		v.Add("liveAlias %q: the live alias of %s is %q; only the configuration (functions.%s.liveAlias) may change which alias callers use",
			requested.LiveAlias, function, configured.LiveAlias, function)
	}
	if requested.CandidateAlias != "" && requested.CandidateAlias == configured.LiveAlias {
		v.Add("candidateAlias %q is the live alias of %s: the candidate alias must never serve traffic", requested.CandidateAlias, function)
	}
	return v.Problems
}

// ManagedAliasDescription is the description of the aliases greenlight
// creates. An existing alias without it was made by someone else, and may be
// what some callers invoke: it is never taken as a candidate alias.
const ManagedAliasDescription = "managed by greenlight"
