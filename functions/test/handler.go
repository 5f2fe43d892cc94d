package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/greenlight/greenlight/internal/failure"
	"github.com/greenlight/greenlight/internal/release"
)

// invoker runs the green version and the hook, and reads green's ARN.
type invoker interface {
	Invoke(context.Context, *awslambda.InvokeInput, ...func(*awslambda.Options)) (*awslambda.InvokeOutput, error)
	GetFunctionConfiguration(context.Context, *awslambda.GetFunctionConfigurationInput, ...func(*awslambda.Options)) (*awslambda.GetFunctionConfigurationOutput, error)
}

var _ invoker = (*awslambda.Client)(nil)

// HookName is the result name under which the hook's outcome is recorded.
const HookName = "hook"

// HookInput is what the hook function receives. The hook of a group gets
// the group's name as Function and Group, and every member in Members.
type HookInput struct {
	Function   string       `json:"function"`
	Version    string       `json:"version,omitempty"`
	VersionARN string       `json:"versionArn,omitempty"`
	ReleaseID  string       `json:"releaseId"`
	Group      string       `json:"group,omitempty"`
	Members    []HookMember `json:"members,omitempty"`
}

// HookMember is one member of a group as its hook sees it: the version
// under test (blue, for a member the release does not change) and the
// candidate alias that serves it.
type HookMember struct {
	Function       string `json:"function"`
	Version        string `json:"version"`
	VersionARN     string `json:"versionArn"`
	CandidateAlias string `json:"candidateAlias"`
	Released       bool   `json:"released"`
}

// maxDetail bounds how much of a response a failed result quotes.
const maxDetail = 512

// Handler tests the green version.
type Handler struct {
	Lambda invoker
}

// Handle invokes green with every test case, then the hook, records each
// result in state.tests, and fails with a *failure.TestFailedError listing
// every failed case.
//
// A group release tests the whole new stack through the candidate aliases,
// which deploy pointed at every member's green (or at blue, for a member the
// release does not change): a member that calls its peers through the alias
// it was invoked through reaches only green versions. Each released member's
// own tests and hook run first, then the group's tests (each invokes the
// member it names, by default the first) and the group's hook. Every case
// runs; the error lists every failure, a member's named after the member.
func (h *Handler) Handle(ctx context.Context, d *release.Document) (*release.Document, error) {
	if !d.IsGroup() {
		results, err := h.run(ctx, d, d.State.Green)
		if err != nil {
			return nil, err
		}
		d.State.Tests = results
		return d, verdict(d, failed(results))
	}
	var bad []failure.TestResult
	err := d.EachMember(true, func(m *release.Document) error {
		results, err := h.run(ctx, m, m.CandidateAlias)
		if err != nil {
			return failure.OfMember(m.Function, err)
		}
		m.State.Tests = results
		for _, r := range failed(results) {
			r.Name = m.Function + ": " + r.Name
			bad = append(bad, r)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var results []failure.TestResult
	for _, tc := range d.Tests {
		fn := cmp.Or(tc.Function, d.Functions[0])
		i := slices.Index(d.Functions, fn)
		if i < 0 {
			return nil, &failure.OperationError{Op: "test " + tc.Name, Err: fmt.Errorf("%s is not a member of group %s", fn, d.Group)}
		}
		r, err := h.invoke(ctx, fn, d.Members[i].CandidateAlias, tc)
		if err != nil {
			return nil, err
		}
		results = append(results, r)
	}
	if d.Hook != "" {
		r, err := h.runGroupHook(ctx, d)
		if err != nil {
			return nil, err
		}
		results = append(results, r)
	}
	d.State.Tests = results
	return d, verdict(d, append(bad, failed(results)...))
}

// run runs d's test cases against qualifier (green, or the candidate alias
// of a group member), then d's hook.
func (h *Handler) run(ctx context.Context, d *release.Document, qualifier string) ([]failure.TestResult, error) {
	var results []failure.TestResult
	for _, tc := range d.Tests {
		r, err := h.invoke(ctx, d.Function, qualifier, tc)
		if err != nil {
			return nil, err
		}
		results = append(results, r)
	}
	if d.Hook != "" {
		r, err := h.runHook(ctx, d)
		if err != nil {
			return nil, err
		}
		results = append(results, r)
	}
	return results, nil
}

// invoke runs one test case against fn:qualifier.
func (h *Handler) invoke(ctx context.Context, fn, qualifier string, tc release.Test) (failure.TestResult, error) {
	out, err := h.Lambda.Invoke(ctx, &awslambda.InvokeInput{FunctionName: &fn, Qualifier: &qualifier, Payload: payload(tc.Payload)})
	if err != nil {
		return failure.TestResult{}, failure.Classify(fmt.Sprintf("invoke %s:%s for test %s", fn, qualifier, tc.Name), err)
	}
	return judge(tc.Name, out, tc.Expect), nil
}

// failed returns the results that did not pass.
func failed(results []failure.TestResult) []failure.TestResult {
	var bad []failure.TestResult
	for _, r := range results {
		if !r.Passed {
			bad = append(bad, r)
		}
	}
	return bad
}

// verdict ends the task: a *failure.TestFailedError listing bad, or d
// marked tested.
func verdict(d *release.Document, bad []failure.TestResult) error {
	if len(bad) > 0 {
		return &failure.TestFailedError{Failed: bad}
	}
	d.State.Phase = release.PhaseTested
	return nil
}

func (h *Handler) runHook(ctx context.Context, d *release.Document) (failure.TestResult, error) {
	fn, green := d.Function, d.State.Green
	arn, err := h.versionARN(ctx, fn, green)
	if err != nil {
		return failure.TestResult{}, err
	}
	return h.callHook(ctx, d.Hook, HookInput{Function: fn, Version: green, VersionARN: arn, ReleaseID: d.ReleaseID})
}

// runGroupHook calls the group's hook with every member's green.
func (h *Handler) runGroupHook(ctx context.Context, d *release.Document) (failure.TestResult, error) {
	in := HookInput{Function: d.Group, Group: d.Group, ReleaseID: d.ReleaseID}
	for _, m := range d.Members {
		if m.State.Green == "" {
			continue // neither released nor ever promoted: nothing serves it
		}
		arn, err := h.versionARN(ctx, m.Function, m.State.Green)
		if err != nil {
			return failure.TestResult{}, err
		}
		in.Members = append(in.Members, HookMember{Function: m.Function, Version: m.State.Green, VersionARN: arn, CandidateAlias: m.CandidateAlias, Released: m.Released()})
	}
	return h.callHook(ctx, d.Hook, in)
}

// versionARN reads the ARN of version of fn.
func (h *Handler) versionARN(ctx context.Context, fn, version string) (string, error) {
	cfg, err := h.Lambda.GetFunctionConfiguration(ctx, &awslambda.GetFunctionConfigurationInput{FunctionName: &fn, Qualifier: &version})
	if err != nil {
		return "", failure.Classify(fmt.Sprintf("read %s:%s", fn, version), err)
	}
	return aws.ToString(cfg.FunctionArn), nil
}

func (h *Handler) callHook(ctx context.Context, hook string, hi HookInput) (failure.TestResult, error) {
	in, err := json.Marshal(hi)
	if err != nil {
		return failure.TestResult{}, &failure.OperationError{Op: "encode hook input", Err: err}
	}
	out, err := h.Lambda.Invoke(ctx, &awslambda.InvokeInput{FunctionName: &hook, Payload: in})
	if failure.IsNotFound(err) {
		return failure.TestResult{Name: HookName, Detail: "hook function " + hook + " does not exist"}, nil
	}
	if err != nil {
		return failure.TestResult{}, failure.Classify("invoke hook "+hook, err)
	}
	return judge(HookName, out, nil), nil
}

// payload is the test's payload, or an empty object.
func payload(p json.RawMessage) []byte {
	if len(p) == 0 {
		return []byte("{}")
	}
	return p
}

// judge passes an invocation that had no function error and whose response
// contains expect.
func judge(name string, out *awslambda.InvokeOutput, expect json.RawMessage) failure.TestResult {
	if out.FunctionError != nil {
		return failure.TestResult{Name: name, Detail: fmt.Sprintf("function error %s: %s", *out.FunctionError, quote(out.Payload))}
	}
	if len(expect) == 0 {
		return failure.TestResult{Name: name, Passed: true}
	}
	var want, got any
	if err := json.Unmarshal(expect, &want); err != nil {
		return failure.TestResult{Name: name, Detail: "expect is not JSON: " + err.Error()}
	}
	if err := json.Unmarshal(out.Payload, &got); err != nil {
		return failure.TestResult{Name: name, Detail: "response is not JSON: " + quote(out.Payload)}
	}
	if path, ok := subset(want, got, "$"); !ok {
		return failure.TestResult{Name: name, Detail: fmt.Sprintf("response differs at %s: %s", path, quote(out.Payload))}
	}
	return failure.TestResult{Name: name, Passed: true}
}

func quote(b []byte) string {
	if len(b) > maxDetail {
		return string(b[:maxDetail]) + "..."
	}
	return string(b)
}

// subset reports whether got contains want: objects need every key of want
// (extra keys in got are fine), arrays need the same length with each element
// a subset, anything else must be equal. On a mismatch it returns where: the
// first mismatch with object keys taken in sorted order.
func subset(want, got any, path string) (string, bool) {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return path, false
		}
		for _, k := range slices.Sorted(maps.Keys(w)) {
			wv := w[k]
			gv, ok := g[k]
			if !ok {
				return path + "." + k, false
			}
			if p, ok := subset(wv, gv, path+"."+k); !ok {
				return p, false
			}
		}
		return "", true
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return path, false
		}
		for i := range w {
			if p, ok := subset(w[i], g[i], fmt.Sprintf("%s[%d]", path, i)); !ok {
				return p, false
			}
		}
		return "", true
	}
	if want != got {
		return path, false
	}
	return "", true
}
