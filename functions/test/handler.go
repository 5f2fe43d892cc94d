package main

import (
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

// HookInput is what the hook function receives.
type HookInput struct {
	Function   string `json:"function"`
	Version    string `json:"version"`
	VersionARN string `json:"versionArn"`
	ReleaseID  string `json:"releaseId"`
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
func (h *Handler) Handle(ctx context.Context, d *release.Document) (*release.Document, error) {
	fn, green := d.Function, d.State.Green
	var results []failure.TestResult
	for _, tc := range d.Tests {
		out, err := h.Lambda.Invoke(ctx, &awslambda.InvokeInput{FunctionName: &fn, Qualifier: &green, Payload: payload(tc.Payload)})
		if err != nil {
			return nil, failure.Classify(fmt.Sprintf("invoke %s:%s for test %s", fn, green, tc.Name), err)
		}
		results = append(results, judge(tc.Name, out, tc.Expect))
	}
	if d.Hook != "" {
		r, err := h.runHook(ctx, d)
		if err != nil {
			return nil, err
		}
		results = append(results, r)
	}
	d.State.Tests = results
	var failed []failure.TestResult
	for _, r := range results {
		if !r.Passed {
			failed = append(failed, r)
		}
	}
	if len(failed) > 0 {
		return nil, &failure.TestFailedError{Failed: failed}
	}
	d.State.Phase = release.PhaseTested
	return d, nil
}

func (h *Handler) runHook(ctx context.Context, d *release.Document) (failure.TestResult, error) {
	fn, green := d.Function, d.State.Green
	cfg, err := h.Lambda.GetFunctionConfiguration(ctx, &awslambda.GetFunctionConfigurationInput{FunctionName: &fn, Qualifier: &green})
	if err != nil {
		return failure.TestResult{}, failure.Classify(fmt.Sprintf("read %s:%s", fn, green), err)
	}
	in, err := json.Marshal(HookInput{Function: fn, Version: green, VersionARN: aws.ToString(cfg.FunctionArn), ReleaseID: d.ReleaseID})
	if err != nil {
		return failure.TestResult{}, &failure.OperationError{Op: "encode hook input", Err: err}
	}
	out, err := h.Lambda.Invoke(ctx, &awslambda.InvokeInput{FunctionName: &d.Hook, Payload: in})
	if failure.IsNotFound(err) {
		return failure.TestResult{Name: HookName, Detail: "hook function " + d.Hook + " does not exist"}, nil
	}
	if err != nil {
		return failure.TestResult{}, failure.Classify("invoke hook "+d.Hook, err)
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
