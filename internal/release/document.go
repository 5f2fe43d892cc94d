// Package release defines the release document — the JSON that flows whole
// through every task of the state machine — and builds it from the two ways a
// release starts: an EventBridge "Object Created" event for an artifact
// uploaded to the bucket, or a console/CLI input. One validation pass reports
// every problem at once as a *failure.ValidationError.
package release

import (
	"encoding/json"
	"time"

	"github.com/greenlight/greenlight/internal/failure"
	"github.com/greenlight/greenlight/internal/strategy"
)

// SchemaVersion is the version of the document's shape.
const SchemaVersion = 1

// Sources of a release.
const (
	SourceS3      = "s3"
	SourceConsole = "console"
)

// Phase is where a release stands.
type Phase string

// Phases, in the order a successful release passes them.
const (
	PhasePrepared   Phase = "prepared"
	PhaseLocked     Phase = "locked"
	PhaseDeployed   Phase = "deployed"
	PhaseTested     Phase = "tested"
	PhaseShifting   Phase = "shifting"
	PhasePromoted   Phase = "promoted"
	PhaseRolledBack Phase = "rolledBack"
	PhaseFailed     Phase = "failed"
	PhaseNoop       Phase = "noop"
	// PhaseStopped is a release that stopped without moving traffic back,
	// because it lost its lock or live was changed outside greenlight;
	// State.Stopped says which.
	PhaseStopped Phase = "stopped"
)

// What verify decided; the workflow's "Next step?" Choice reads state.next.
const (
	NextShift   = "shift"
	NextPromote = "promote"
)

// Document is the release document (schemaVersion 1).
type Document struct {
	SchemaVersion int    `json:"schemaVersion"`
	ReleaseID     string `json:"releaseId"`
	// Function is the function released, or the group's name in a group
	// release (see IsGroup).
	Function string `json:"function"`
	// Group is the group a group release releases, and the group of the
	// member in a member's single-function view.
	Group string `json:"group,omitempty"`
	// Functions are the functions the release changes: Function alone, or
	// the members of the group. The workflow hands them to the bake and
	// approval waits, which record their task token on every lock.
	Functions []string `json:"functions"`
	// Members are the members' own documents in a group release.
	Members []*Document `json:"members,omitempty"`
	// FromBundle says the member's code is its <function>.zip in the
	// group's bundle (Artifact), which deploy extracts.
	FromBundle bool   `json:"fromBundle,omitempty"`
	Source     string `json:"source"`
	// Artifact is the code to release; zero in a configuration-only
	// release, which keeps blue's code.
	Artifact Artifact `json:"artifact"`
	// Configuration is the change of configuration the release carries.
	Configuration  *Configuration    `json:"configuration,omitempty"`
	Strategy       strategy.Strategy `json:"strategy"`
	Schedule       []strategy.Step   `json:"schedule"`
	Tests          []Test            `json:"tests,omitempty"`
	Hook           string            `json:"hook,omitempty"`
	Alarms         []string          `json:"alarms"`
	ErrorAlarm     ErrorAlarm        `json:"errorAlarm"`
	LiveAlias      string            `json:"liveAlias"`
	CandidateAlias string            `json:"candidateAlias"`
	ExecutionARN   string            `json:"executionArn"`
	StartedAt      time.Time         `json:"startedAt"`
	State          State             `json:"state"`
	// Drift says, one sentence each, what changed the function outside
	// greenlight since the last release ended (see package drift); the
	// lock task finds it and the started notification carries it.
	Drift []string   `json:"drift,omitempty"`
	Error *TaskError `json:"error,omitempty"`
}

// Artifact is the exact S3 object version a release deploys.
type Artifact struct {
	Bucket    string `json:"bucket"`
	Key       string `json:"key"`
	VersionID string `json:"versionId"`
	// SHA256 is the expected SHA-256 of the zip, base64 (as Lambda's
	// CodeSha256 and S3's ChecksumSHA256 print it) or hex; optional.
	SHA256 string `json:"sha256,omitempty"`
	Size   int64  `json:"size,omitempty"`
}

// Test is one test case run against the green version before any traffic.
type Test struct {
	Name string `json:"name"`
	// Function is the member a group's test invokes (through its candidate
	// alias); by default the group's first member. Only group tests name
	// one.
	Function string          `json:"function,omitempty"`
	Payload  json.RawMessage `json:"payload,omitempty"`
	// Expect, when set, must be a subset of the response: every object key
	// it names must be present with a matching value.
	Expect json.RawMessage `json:"expect,omitempty"`
}

// ErrorAlarm shapes the per-release CloudWatch alarm on the green version's
// errors.
type ErrorAlarm struct {
	Threshold         float64 `json:"threshold"`
	PeriodSeconds     int32   `json:"periodSeconds"`
	EvaluationPeriods int32   `json:"evaluationPeriods"`
}

// State is what the tasks learn and decide as the release runs. Every field
// the workflow's Choice and Wait states read is always present in the JSON.
type State struct {
	Phase        Phase   `json:"phase"`
	Blue         string  `json:"blue"`
	Green        string  `json:"green"`
	FirstRelease bool    `json:"firstRelease"`
	Noop         bool    `json:"noop"`
	Step         int     `json:"step"`
	Weight       float64 `json:"weight"`
	BakeSeconds  int     `json:"bakeSeconds"`
	// ApprovalSeconds is the approval timeout of the current step, 0 when
	// the step needs no approval.
	ApprovalSeconds int                  `json:"approvalSeconds"`
	Next            string               `json:"next"`
	ReleaseAlarm    string               `json:"releaseAlarm"`
	StepsTaken      []StepTaken          `json:"stepsTaken,omitempty"`
	AlarmStates     map[string]string    `json:"alarmStates,omitempty"`
	Tests           []failure.TestResult `json:"tests,omitempty"`
	Approvals       []Approval           `json:"approvals,omitempty"`
	Stopped         string               `json:"stopped,omitempty"`
	// CodeChanged and Changes say what green changes from blue: its code,
	// and each configuration value (see Change), as deploy found them.
	CodeChanged bool     `json:"codeChanged,omitempty"`
	Changes     []Change `json:"changes,omitempty"`
}

// Approval records who let a step that needed approval go on.
type Approval struct {
	Step   int       `json:"step"`
	By     string    `json:"by"`
	Reason string    `json:"reason,omitempty"`
	At     time.Time `json:"at"`
}

// StepTaken records a traffic step applied to the live alias.
type StepTaken struct {
	Percent float64   `json:"percent"`
	At      time.Time `json:"at"`
}

// TaskError is what a Step Functions Catch writes at $.error.
type TaskError struct {
	Error string `json:"Error"`
	Cause string `json:"Cause"`
}

// ConfigurationOnly reports whether the release carries no artifact: it releases
// blue's code with a new configuration.
func (d *Document) ConfigurationOnly() bool { return d.Artifact == (Artifact{}) }

// WatchedAlarms returns the user alarms and the release's own error alarm.
func (d *Document) WatchedAlarms() []string {
	names := append([]string(nil), d.Alarms...)
	if d.State.ReleaseAlarm != "" {
		names = append(names, d.State.ReleaseAlarm)
	}
	return names
}
