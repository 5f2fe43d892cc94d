package main

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/greenlight/greenlight/internal/failure"
	"github.com/greenlight/greenlight/internal/release"
	"github.com/greenlight/greenlight/internal/release/releasetest"
)

// fakeLambda answers invocations with canned responses per function.
type fakeLambda struct {
	responses map[string]*awslambda.InvokeOutput // by function name
	err       error
	calls     []awslambda.InvokeInput
}

func (f *fakeLambda) Invoke(_ context.Context, in *awslambda.InvokeInput, _ ...func(*awslambda.Options)) (*awslambda.InvokeOutput, error) {
	f.calls = append(f.calls, *in)
	if f.err != nil {
		return nil, f.err
	}
	out, ok := f.responses[*in.FunctionName]
	if !ok {
		return nil, &lambdatypes.ResourceNotFoundException{}
	}
	return out, nil
}

func (f *fakeLambda) GetFunctionConfiguration(_ context.Context, in *awslambda.GetFunctionConfigurationInput, _ ...func(*awslambda.Options)) (*awslambda.GetFunctionConfigurationOutput, error) {
	return &awslambda.GetFunctionConfigurationOutput{FunctionArn: aws.String("arn:aws:lambda:us-east-1:123456789012:function:" + *in.FunctionName + ":" + *in.Qualifier)}, nil
}

func ok(payload string) *awslambda.InvokeOutput {
	return &awslambda.InvokeOutput{StatusCode: 200, Payload: []byte(payload)}
}

func TestHandle(t *testing.T) {
	crash := &awslambda.InvokeOutput{StatusCode: 200, FunctionError: aws.String("Unhandled"), Payload: []byte(`{"errorMessage":"boom"}`)}
	tests := []struct {
		name       string
		orders     *awslambda.InvokeOutput
		hook       *awslambda.InvokeOutput
		wantFailed []string
	}{
		{"all pass", ok(`{"statusCode":200,"body":{"ok":true,"extra":1},"headers":{}}`), ok(`null`), nil},
		{"response differs", ok(`{"statusCode":500,"body":{"ok":true}}`), ok(`{}`), []string{"ping"}},
		{"function error", crash, ok(`{}`), []string{"ping", "no expectation"}},
		{"hook fails", ok(`{"statusCode":200,"body":{"ok":true}}`), crash, []string{"hook"}},
		{"hook missing", ok(`{"statusCode":200,"body":{"ok":true}}`), nil, []string{"hook"}},
		{"response not JSON", ok(`hello`), ok(`{}`), []string{"ping"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeLambda{responses: map[string]*awslambda.InvokeOutput{"orders": tt.orders}}
			if tt.hook != nil {
				f.responses["orders-smoke"] = tt.hook
			}
			got, err := (&Handler{Lambda: f}).Handle(context.Background(), releasetest.Load(t))
			if tt.wantFailed == nil {
				if err != nil {
					t.Fatal(err)
				}
				if got.State.Phase != release.PhaseTested || len(got.State.Tests) != 3 {
					t.Errorf("state = %+v", got.State)
				}
			} else if names := failedNames(t, err); strings.Join(names, ",") != strings.Join(tt.wantFailed, ",") {
				t.Errorf("failed = %v, want %v", names, tt.wantFailed)
			}
			// Tests target the green version only; the hook gets the release.
			for _, c := range f.calls[:2] {
				if aws.ToString(c.Qualifier) != "4" {
					t.Errorf("test invoked qualifier %q, want green 4", aws.ToString(c.Qualifier))
				}
			}
			var hookIn HookInput
			if err := json.Unmarshal(f.calls[2].Payload, &hookIn); err != nil {
				t.Fatal(err)
			}
			if hookIn.Function != "orders" || hookIn.Version != "4" || !strings.HasSuffix(hookIn.VersionARN, ":orders:4") || hookIn.ReleaseID == "" {
				t.Errorf("hook input = %+v", hookIn)
			}
		})
	}
}

// failedNames returns the names of the failed results err lists, which
// must be a TestFailedError, each result saying why it failed.
func failedNames(t *testing.T, err error) []string {
	t.Helper()
	var tf *failure.TestFailedError
	if !errors.As(err, &tf) {
		t.Fatalf("error = %v (%T), want a TestFailedError", err, err)
	}
	var names []string
	for _, r := range tf.Failed {
		names = append(names, r.Name)
		if r.Detail == "" {
			t.Errorf("failed result %s has no detail", r.Name)
		}
	}
	return names
}

func TestHandleNoTests(t *testing.T) {
	d := releasetest.Load(t)
	d.Tests, d.Hook = nil, ""
	got, err := (&Handler{Lambda: &fakeLambda{}}).Handle(context.Background(), d)
	if err != nil || got.State.Phase != release.PhaseTested {
		t.Fatalf("Handle = %+v, %v", got, err)
	}
}

func TestHandleAWSErrors(t *testing.T) {
	tests := []struct {
		name    string
		err     error
		wantErr any
	}{
		{"throttled", &lambdatypes.TooManyRequestsException{}, new(*failure.ThrottledError)},
		{"green missing", &lambdatypes.ResourceNotFoundException{}, new(*failure.OperationError)},
		{"conflict", &lambdatypes.ResourceConflictException{}, new(*failure.ConflictError)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := (&Handler{Lambda: &fakeLambda{err: tt.err}}).Handle(context.Background(), releasetest.Load(t))
			if !errors.As(err, tt.wantErr) {
				t.Fatalf("error = %v (%T)", err, err)
			}
		})
	}
}

func TestSubset(t *testing.T) {
	tests := []struct {
		want, got, path string
		ok              bool
	}{
		{`{"a":1}`, `{"a":1,"b":2}`, "", true},
		{`{"a":{"b":[1,{"c":true}]}}`, `{"a":{"b":[1,{"c":true,"d":0}]}}`, "", true},
		{`{"a":1}`, `{"b":1}`, "$.a", false},
		{`{"a":[1,2]}`, `{"a":[1]}`, "$.a", false},
		{`{"a":[1,2]}`, `{"a":[1,3]}`, "$.a[1]", false},
		{`"x"`, `"x"`, "", true},
		{`null`, `{}`, "$", false},
		{`{"a":"1"}`, `{"a":1}`, "$.a", false},
		{`{"a":1.0}`, `{"a":1}`, "", true},
		// With several mismatches the first key in order is reported, so
		// that the same response always fails with the same message.
		{`{"z":1,"m":1,"b":{"y":1,"c":1}}`, `{"b":{}}`, "$.b.c", false},
	}
	for _, tt := range tests {
		var w, g any
		if err := json.Unmarshal([]byte(tt.want), &w); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(tt.got), &g); err != nil {
			t.Fatal(err)
		}
		path, ok := subset(w, g, "$")
		if ok != tt.ok || path != tt.path {
			t.Errorf("subset(%s, %s) = %q, %v; want %q, %v", tt.want, tt.got, path, ok, tt.path, tt.ok)
		}
	}
}
