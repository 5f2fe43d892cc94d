package release

import (
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/greenlight/greenlight/internal/failure"
	"github.com/greenlight/greenlight/internal/strategy"
)

// A group release releases several functions, the members of a configured
// group, as one: one lock per member taken all or none, every member's green
// deployed before any test, one schedule shifting every member's live alias
// to the same weight, one outcome. Its document names the group in Group and
// Function, lists the members' names in Functions, and holds one
// single-function document per member in Members with what is the member's
// own: its function, artifact, configuration, tests, alarms, aliases, blue
// and green. What the members share — the release id, the execution, the
// strategy and schedule, the step reached — lives in the group document
// only; Member gives a task the whole single-function view of one member.

// MaxMembers bounds a group: the members of one release.
const MaxMembers = 10

// IsGroup reports whether d releases a group. (The single-function view of
// a member names its group too, but holds no members.)
func (d *Document) IsGroup() bool { return len(d.Members) > 0 }

// Released reports whether the member document m changes its function: a
// member that is not in the bundle and carries no configuration keeps
// serving blue, and deploy marks a member whose green equals blue as a
// no-op. Traffic tasks skip members that are not released.
func (m *Document) Released() bool { return !m.State.Noop }

// Requested reports whether the release asks to change member m: its code
// is in the bundle, or it carries configuration. Deploy releases only the
// members asked for.
func (m *Document) Requested() bool { return m.FromBundle || !m.Configuration.IsEmpty() }

// Changes reports whether the release changes member m, before deploy as
// after it: a member asked for that deploy has not found unchanged, or one
// deploy gave a green version (a member rebuilt from its lock record does
// not say whether it was asked for).
func (m *Document) Changes() bool { return m.Released() && (m.Requested() || m.State.Green != "") }

// Member returns the single-function document of member i of a group
// release: the member's own fields with the group's shared ones.
func (d *Document) Member(i int) *Document {
	m := *d.Members[i]
	m.SchemaVersion, m.ReleaseID, m.Source, m.Group = d.SchemaVersion, d.ReleaseID, d.Source, d.Group
	m.ExecutionARN, m.StartedAt = d.ExecutionARN, d.StartedAt
	m.Strategy, m.Schedule, m.Error = d.Strategy, d.Schedule, d.Error
	m.Functions, m.Members = []string{m.Function}, nil
	own := m.State
	m.State = d.State
	m.State.Blue, m.State.Green, m.State.FirstRelease, m.State.Noop = own.Blue, own.Green, own.FirstRelease, own.Noop
	m.State.ReleaseAlarm, m.State.AlarmStates, m.State.Tests = own.ReleaseAlarm, own.AlarmStates, own.Tests
	m.State.Stopped, m.State.CodeChanged, m.State.Changes = own.Stopped, own.CodeChanged, own.Changes
	return &m
}

// keep stores what a task changed in the single-function document m of
// member i: its own fields in d.Members[i] (without the shared ones, which
// only the group document keeps).
func (d *Document) keep(i int, m *Document) {
	own := *m
	own.ReleaseID, own.Source, own.Group, own.ExecutionARN = "", "", "", ""
	own.StartedAt, own.Strategy, own.Schedule, own.Error = time.Time{}, strategy.Strategy{}, nil, nil
	own.Functions, own.Members = nil, nil
	s := m.State
	own.State = State{
		Phase: s.Phase, Blue: s.Blue, Green: s.Green, FirstRelease: s.FirstRelease, Noop: s.Noop,
		ReleaseAlarm: s.ReleaseAlarm, AlarmStates: s.AlarmStates, Tests: s.Tests, Stopped: s.Stopped,
		CodeChanged: s.CodeChanged, Changes: s.Changes,
	}
	d.Members[i] = &own
}

// EachMember calls f with the single-function document of every member of
// a group release (see Member), in order, and stops at the first error. A
// single-function release is its own only member: f gets d itself. Every
// call starts from the shared progress d had before the first, so that a
// step each member takes is taken once; the progress the last call leaves
// becomes d's. Released limits the calls to the members that change their
// function.
func (d *Document) EachMember(released bool, f func(m *Document) error) error {
	return d.members(released, true, f)
}

// AllMembers is EachMember that goes on after an error: every member gets
// its call, and the first error is returned. Rollback and unlock use it, so
// that one member's failure never leaves another member as it was.
func (d *Document) AllMembers(released bool, f func(m *Document) error) error {
	return d.members(released, false, f)
}

func (d *Document) members(released, stop bool, f func(m *Document) error) error {
	if !d.IsGroup() {
		if released && !d.Released() {
			return nil
		}
		return f(d)
	}
	start := d.State
	var first error
	for i := range d.Members {
		m := d.view(i, start)
		if released && !m.Released() {
			continue
		}
		err := f(m)
		d.keep(i, m)
		if err != nil {
			if first == nil {
				first = err
			}
			if stop {
				return first
			}
			continue
		}
		d.share(m)
	}
	return first
}

// ConcurrentMembers is AllMembers with the calls made at once, one
// goroutine per member: deploying, moving aliases and cleaning up take as
// long for ten members as for one. f must touch nothing but the member's
// document it is given. Results are kept in member order, as AllMembers
// keeps them, and the first error in that order is returned.
func (d *Document) ConcurrentMembers(released bool, f func(m *Document) error) error {
	if !d.IsGroup() {
		return d.members(released, false, f)
	}
	start := d.State
	views := make([]*Document, len(d.Members))
	errs := make([]error, len(d.Members))
	var wg sync.WaitGroup
	for i := range d.Members {
		m := d.view(i, start)
		if released && !m.Released() {
			continue
		}
		views[i] = m
		wg.Go(func() { errs[i] = f(m) })
	}
	wg.Wait()
	var first error
	for i, m := range views {
		if m == nil {
			continue
		}
		d.keep(i, m)
		if errs[i] != nil {
			if first == nil {
				first = errs[i]
			}
			continue
		}
		d.share(m)
	}
	return first
}

// view is the single-function document of member i, starting from the
// shared progress start.
func (d *Document) view(i int, start State) *Document {
	m := d.Member(i)
	m.State.Phase, m.State.Step, m.State.Weight = start.Phase, start.Step, start.Weight
	m.State.BakeSeconds, m.State.ApprovalSeconds, m.State.Next = start.BakeSeconds, start.ApprovalSeconds, start.Next
	m.State.StepsTaken, m.State.Approvals = slices.Clone(start.StepsTaken), start.Approvals
	return m
}

// share makes the shared progress a member's call left the group's.
func (d *Document) share(m *Document) {
	s := m.State
	d.State.Phase, d.State.Step, d.State.Weight = s.Phase, s.Step, s.Weight
	d.State.BakeSeconds, d.State.ApprovalSeconds, d.State.Next = s.BakeSeconds, s.ApprovalSeconds, s.Next
	d.State.StepsTaken, d.State.Approvals = s.StepsTaken, s.Approvals
}

// AllNoop reports whether the release changes nothing: a single function
// whose green equals blue, or a group none of whose members is released.
func (d *Document) AllNoop() bool {
	if !d.IsGroup() {
		return d.State.Noop
	}
	for _, m := range d.Members {
		if m.Released() {
			return false
		}
	}
	return true
}

// GroupRequest is everything NewGroup needs to build a group release.
type GroupRequest struct {
	Group  string
	Source string
	// Artifact is the bundle; zero when the release changes configuration
	// only.
	Artifact Artifact
	// Settings are the group's: configured defaults, the group's
	// configuration, the manifest and the input, already merged. Their
	// tests and alarms are the group's own; LiveAlias and CandidateAlias
	// are not used (every member has its own).
	Settings     Settings
	Members      []MemberRequest
	ExecutionARN string
	StartedAt    time.Time
}

// MemberRequest is one member of a group release.
type MemberRequest struct {
	Function string
	// InBundle says the bundle holds <function>.zip: deploy extracts it.
	InBundle      bool
	Configuration *Configuration
	// Settings are the member's configured settings (its tests, hook,
	// alarms, error alarm and aliases); the group's strategy applies.
	Settings Settings
}

// NewGroup builds, validates and plans a group release. Every problem is
// reported at once in a *failure.ValidationError.
func NewGroup(r GroupRequest) (*Document, error) {
	s := r.Settings
	d := &Document{
		SchemaVersion: SchemaVersion,
		Function:      r.Group,
		Group:         r.Group,
		Source:        r.Source,
		Artifact:      r.Artifact,
		Strategy:      strategy.Strategy{Name: DefaultStrategy},
		Tests:         s.Tests,
		Hook:          s.Hook,
		Alarms:        s.Alarms,
		ErrorAlarm:    DefaultErrorAlarm,
		ExecutionARN:  r.ExecutionARN,
		StartedAt:     r.StartedAt.UTC(),
		State:         State{Phase: PhasePrepared},
	}
	d.settle(s)
	var v failure.ValidationError
	if !functionName.MatchString(r.Group) {
		v.Add("group %q is not a group name (1-64 letters, digits, - or _)", r.Group)
	}
	if d.Source != SourceS3 && d.Source != SourceConsole {
		v.Add("source %q is not %q or %q", d.Source, SourceS3, SourceConsole)
	}
	if len(r.Members) == 0 || len(r.Members) > MaxMembers {
		v.Add("group %s has %d members, a group release takes 1 to %d", r.Group, len(r.Members), MaxMembers)
	}
	released := false
	for _, mr := range r.Members {
		ms := mr.Settings
		m := &Document{
			Function:       mr.Function,
			Configuration:  mr.Configuration,
			Tests:          ms.Tests,
			Hook:           ms.Hook,
			Alarms:         ms.Alarms,
			ErrorAlarm:     d.ErrorAlarm,
			LiveAlias:      or(ms.LiveAlias, DefaultLiveAlias),
			CandidateAlias: or(ms.CandidateAlias, DefaultCandidateAlias),
			FromBundle:     mr.InBundle,
		}
		if m.Alarms == nil {
			m.Alarms = []string{}
		}
		if ms.ErrorAlarm != nil {
			m.ErrorAlarm = *ms.ErrorAlarm
		}
		released = released || m.Requested()
		var mv failure.ValidationError
		m.Configuration.validate(&mv)
		validateTests(&mv, m.Tests)
		validateHook(&mv, m.Hook)
		validateAlarms(&mv, m.Alarms)
		validateErrorAlarm(&mv, m.ErrorAlarm)
		validateAlias(&mv, "liveAlias", m.LiveAlias)
		validateAlias(&mv, "candidateAlias", m.CandidateAlias)
		validateAliasPair(&mv, m.LiveAlias, m.CandidateAlias)
		for _, p := range mv.Problems {
			v.Add("member %s: %s", mr.Function, p)
		}
		d.Functions = append(d.Functions, mr.Function)
		d.Members = append(d.Members, m)
	}
	if !released {
		v.Add("nothing to release: the bundle holds no member's <function>.zip and no member's configuration changes")
	}
	if d.Artifact != (Artifact{}) {
		validateArtifact(&v, d.Group, d.Artifact)
	}
	for _, p := range d.Strategy.Validate() {
		v.Add("%s", p)
	}
	validateTests(&v, d.Tests)
	for i, t := range d.Tests {
		if t.Function != "" && !slices.Contains(d.Functions, t.Function) {
			v.Add("tests[%d].function %q is not a member of group %s (%s)", i, t.Function, d.Group, strings.Join(d.Functions, ", "))
		}
	}
	validateHook(&v, d.Hook)
	validateAlarms(&v, d.Alarms)
	validateErrorAlarm(&v, d.ErrorAlarm)
	if d.ExecutionARN == "" {
		v.Add("executionArn is empty")
	}
	if d.StartedAt.IsZero() {
		v.Add("startedAt is not set")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	d.plan()
	for _, m := range d.Members {
		m.State.ReleaseAlarm = "greenlight-" + d.ReleaseID + "-" + m.Function + "-errors"
	}
	if err := d.checkSize(); err != nil {
		return nil, err
	}
	return d, nil
}
