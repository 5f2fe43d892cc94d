// Package strategy names the traffic-shifting strategies greenlight knows —
// AllAtOnce, the CodeDeploy canary and linear presets, and custom steps — and
// turns a strategy into the schedule of traffic steps a release walks through.
package strategy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
)

// Strategy names.
const (
	AllAtOnce                     = "AllAtOnce"
	Canary10Percent5Minutes       = "Canary10Percent5Minutes"
	Canary10Percent10Minutes      = "Canary10Percent10Minutes"
	Canary10Percent15Minutes      = "Canary10Percent15Minutes"
	Canary10Percent30Minutes      = "Canary10Percent30Minutes"
	Linear10PercentEvery1Minute   = "Linear10PercentEvery1Minute"
	Linear10PercentEvery2Minutes  = "Linear10PercentEvery2Minutes"
	Linear10PercentEvery3Minutes  = "Linear10PercentEvery3Minutes"
	Linear10PercentEvery10Minutes = "Linear10PercentEvery10Minutes"
	// Custom is the name of a strategy given by its steps.
	Custom = "Custom"
)

// Bounds on a strategy. A Standard execution, and so any wait in it, lives
// at most a year (AWS's limit); a release that waits longer would end with
// its traffic split and its lock held. These are the absolute bounds; the
// configuration sets a far tighter one on the longest a release may wait
// (config.Config.MaxReleaseSeconds, a day by default; see LongestSeconds).
const (
	// MaxSteps bounds the steps of a custom strategy; each adds to the
	// release document as it runs.
	MaxSteps = 50
	// MaxWaitSeconds bounds one bake, the bakes added up, and one approval
	// timeout: a year less a day, the rest of an execution's life being
	// for the lock queue, the tests and the retries.
	MaxWaitSeconds = 364 * 24 * 60 * 60
)

// Step is one traffic step: green receives Percent of the traffic, then the
// release bakes for BakeSeconds before the alarms are checked. A step with
// Approval then waits for an operator's go (greenlight approve) before the
// next step, at most the strategy's approval timeout.
type Step struct {
	Percent     float64 `json:"percent"`
	BakeSeconds int     `json:"bakeSeconds"`
	Approval    bool    `json:"approval,omitempty"`
}

// DefaultApprovalTimeoutSeconds is how long a step waits for approval when
// the strategy does not say: an hour. No approval in time rolls back.
const DefaultApprovalTimeoutSeconds = 3600

// Strategy is a preset name, or Custom with its steps.
//
// In JSON it is {"name": "Canary10Percent5Minutes"} or
// {"name": "Custom", "steps": [...]}; inputs may also give the bare name as a
// string, or {"steps": [...]} alone.
//
// Approval asks for approval after every partial step of a preset (custom
// steps say it per step); ApprovalTimeoutSeconds is how long each approval
// may take (default DefaultApprovalTimeoutSeconds).
type Strategy struct {
	Name                   string `json:"name"`
	Steps                  []Step `json:"steps,omitempty"`
	Approval               bool   `json:"approval,omitempty"`
	ApprovalTimeoutSeconds int    `json:"approvalTimeoutSeconds,omitempty"`
}

// ApprovalTimeout is the approval timeout in seconds, the default applied.
func (s Strategy) ApprovalTimeout() int {
	if s.ApprovalTimeoutSeconds > 0 {
		return s.ApprovalTimeoutSeconds
	}
	return DefaultApprovalTimeoutSeconds
}

// presets maps each preset to its steps before the final 100 %.
var presets = map[string][]Step{
	AllAtOnce:                     nil,
	Canary10Percent5Minutes:       canary(5),
	Canary10Percent10Minutes:      canary(10),
	Canary10Percent15Minutes:      canary(15),
	Canary10Percent30Minutes:      canary(30),
	Linear10PercentEvery1Minute:   linear(1),
	Linear10PercentEvery2Minutes:  linear(2),
	Linear10PercentEvery3Minutes:  linear(3),
	Linear10PercentEvery10Minutes: linear(10),
}

func canary(minutes int) []Step { return []Step{{Percent: 10, BakeSeconds: minutes * 60}} }

func linear(minutes int) []Step {
	steps := make([]Step, 0, 9)
	for p := 10; p < 100; p += 10 {
		steps = append(steps, Step{Percent: float64(p), BakeSeconds: minutes * 60})
	}
	return steps
}

// Names lists the preset names in a stable order.
func Names() []string {
	names := make([]string, 0, len(presets))
	for n := range presets {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// UnmarshalJSON accepts a bare name, {"name": ...} or {"steps": [...]},
// and no other field.
func (s *Strategy) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '"' {
		var name string
		if err := json.Unmarshal(data, &name); err != nil {
			return err
		}
		*s = Strategy{Name: name}
		return nil
	}
	// Unknown fields are refused here too, because encoding/json does not
	// carry a decoder's DisallowUnknownFields into UnmarshalJSON: a
	// misspelt "aproval" or "bakeSecond" would drop an approval gate or a
	// bake without a word.
	type plain Strategy
	var p plain
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return err
	}
	if p.Name == "" && p.Steps != nil {
		p.Name = Custom
	}
	*s = Strategy(p)
	return nil
}

// Validate lists every problem with s; none means Schedule can be used.
func (s Strategy) Validate() []string {
	var problems []string
	if t := s.ApprovalTimeoutSeconds; t < 0 || t > MaxWaitSeconds {
		problems = append(problems, fmt.Sprintf("strategy approvalTimeoutSeconds %d is not in [0, %d] (a Standard execution lives at most a year)", t, MaxWaitSeconds))
	}
	problems = append(problems, s.validateSteps()...)
	if len(problems) > 0 {
		return problems
	}
	return s.validateApproval()
}

// validateApproval refuses approval settings that no step would use: an
// operator who asked for a gate would see the release reach 100 % without
// one.
func (s Strategy) validateApproval() []string {
	steps := presets[s.Name]
	if s.Name == Custom {
		steps = s.Steps
	}
	partial, gated := 0, 0
	for _, st := range steps {
		if st.Percent < 100 {
			partial++
			if s.Approval || st.Approval {
				gated++
			}
		}
	}
	var problems []string
	if s.Approval && partial == 0 {
		problems = append(problems, fmt.Sprintf("strategy %s approval: no step below 100 %% to approve (approval asks for a go after each such step)", s.Name))
	}
	if s.ApprovalTimeoutSeconds > 0 && gated == 0 {
		problems = append(problems, fmt.Sprintf("strategy approvalTimeoutSeconds %d: no step waits for approval (set approval, or approval on a step)", s.ApprovalTimeoutSeconds))
	}
	return problems
}

func (s Strategy) validateSteps() []string {
	if s.Name != Custom {
		if _, ok := presets[s.Name]; !ok {
			return []string{fmt.Sprintf("strategy %q is not one of %v or Custom", s.Name, Names())}
		}
		if len(s.Steps) > 0 {
			return []string{fmt.Sprintf("strategy %s takes no steps (steps are for Custom)", s.Name)}
		}
		return nil
	}
	if len(s.Steps) == 0 {
		return []string{"strategy Custom needs at least one step"}
	}
	if len(s.Steps) > MaxSteps {
		return []string{fmt.Sprintf("strategy Custom has %d steps, at most %d are allowed", len(s.Steps), MaxSteps)}
	}
	var problems []string
	prev, total := 0.0, 0
	for i, st := range s.Steps {
		if st.Percent <= 0 || st.Percent > 100 {
			problems = append(problems, fmt.Sprintf("strategy step %d: percent %v is not in (0, 100]", i, st.Percent))
		} else if st.Percent <= prev {
			problems = append(problems, fmt.Sprintf("strategy step %d: percent %v does not increase (previous %v)", i, st.Percent, prev))
		}
		switch {
		case st.BakeSeconds < 0:
			problems = append(problems, fmt.Sprintf("strategy step %d: bakeSeconds %d is negative", i, st.BakeSeconds))
		case st.BakeSeconds > MaxWaitSeconds:
			problems = append(problems, fmt.Sprintf("strategy step %d: bakeSeconds %d is more than %d (a Standard execution lives at most a year)", i, st.BakeSeconds, MaxWaitSeconds))
		default:
			total += st.BakeSeconds
		}
		if st.Approval && st.Percent >= 100 {
			problems = append(problems, fmt.Sprintf("strategy step %d: a step of 100 %% cannot need approval (ask for it on the step before)", i))
		}
		prev = max(prev, st.Percent)
	}
	if total > MaxWaitSeconds {
		problems = append(problems, fmt.Sprintf("strategy bakes for %d s in all, more than %d (a Standard execution lives at most a year)", total, MaxWaitSeconds))
	}
	return problems
}

// Schedule returns the traffic steps of a valid strategy; the last step is
// always 100 % with no bake and no approval. It returns nil for an invalid strategy.
func Schedule(s Strategy) []Step {
	if len(s.Validate()) > 0 {
		return nil
	}
	steps := presets[s.Name]
	if s.Name == Custom {
		steps = s.Steps
	}
	out := slices.Clone(steps)
	if s.Approval {
		for i := range out {
			out[i].Approval = out[i].Percent < 100
		}
	}
	if n := len(out); n > 0 && out[n-1].Percent == 100 {
		out[n-1].BakeSeconds = 0
		return out
	}
	return append(out, Step{Percent: 100})
}

// LongestSeconds is the longest a valid strategy may keep a release waiting:
// its bakes added up, and the approval timeout of every step that waits for
// approval. The configuration bounds it (maxReleaseSeconds).
func LongestSeconds(s Strategy) int {
	total := 0
	for _, st := range Schedule(s) {
		total += st.BakeSeconds
		if st.Approval {
			total += s.ApprovalTimeout()
		}
	}
	return total
}
