package fault

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/greenlight/greenlight/localcloud/internal/awserr"
)

func TestCheck(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name     string
		rules    []Rule
		op       string   // the operation called; "" is UpdateAlias
		calls    []string // resources, in order
		want     []string // error code per call, "" for none
		minDelay time.Duration
	}{
		{
			name:  "fails count times, then passes",
			rules: []Rule{{Service: "lambda", Operation: "UpdateAlias", Match: "orders", Code: "TooManyRequestsException", Status: 429, Count: 2}},
			calls: []string{"orders", "orders", "orders"},
			want:  []string{"TooManyRequestsException", "TooManyRequestsException", ""},
		},
		{
			name:  "other resources pass",
			rules: []Rule{{Service: "lambda", Operation: "UpdateAlias", Match: "orders", Code: "ServiceException", Status: 500, Count: -1}},
			calls: []string{"billing", "orders", "orders"},
			want:  []string{"", "ServiceException", "ServiceException"},
		},
		{
			name:  "skips the first calls",
			rules: []Rule{{Service: "lambda", Operation: "UpdateAlias", Match: "orders", Code: "ResourceConflictException", Status: 409, Count: 1, Skip: 2}},
			calls: []string{"orders", "billing", "orders", "orders", "orders"},
			want:  []string{"", "", "", "ResourceConflictException", ""},
		},
		{
			name:     "latency only",
			rules:    []Rule{{Service: "lambda", Operation: "UpdateAlias", Latency: 20 * time.Millisecond, Count: -1}},
			calls:    []string{"orders"},
			want:     []string{""},
			minDelay: 20 * time.Millisecond,
		},
		{
			name:  "function errors are not API errors",
			rules: []Rule{{Service: "lambda", Operation: "Invoke", FunctionError: Crash, Count: -1}},
			op:    "Invoke",
			calls: []string{"orders"},
			want:  []string{""},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var in Injector
			for _, r := range tc.rules {
				if err := in.Add(r); err != nil {
					t.Fatal(err)
				}
			}
			op := tc.op
			if op == "" {
				op = "UpdateAlias"
			}
			start := time.Now()
			for i, res := range tc.calls {
				err := in.Check(ctx, "lambda", op, res)
				got := ""
				var fe *awserr.Error
				if errors.As(err, &fe) {
					got = fe.ErrorCode()
					if fe.HTTPStatus() < 400 {
						t.Errorf("call %d: status %d", i, fe.HTTPStatus())
					}
				} else if err != nil {
					t.Fatalf("call %d: %v", i, err)
				}
				if got != tc.want[i] {
					t.Errorf("call %d (%s): error %q, want %q", i, res, got, tc.want[i])
				}
			}
			if d := time.Since(start); d < tc.minDelay {
				t.Errorf("took %v, want at least %v", d, tc.minDelay)
			}
		})
	}
}

func TestInvocation(t *testing.T) {
	var in Injector
	for _, r := range []Rule{
		{Service: "lambda", Operation: "Invoke", Match: "greenlight-deploy", FunctionError: Timeout, AfterRun: true, Count: 1, Skip: 1},
		{Service: "lambda", Operation: "Invoke", Match: "greenlight-deploy", Code: "ServiceException", Count: 1},
	} {
		if err := in.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	if got := in.Invocation("greenlight-shift"); got != nil {
		t.Fatalf("another function: %+v", got)
	}
	if got := in.Invocation("greenlight-deploy"); got != nil {
		t.Fatalf("the first call is skipped, got %+v", got)
	}
	got := in.Invocation("greenlight-deploy")
	want := Invocation{ErrorType: Timeout, Message: "injected " + Timeout, AfterRun: true}
	if got == nil || *got != want {
		t.Fatalf("Invocation = %+v, want %+v", got, want)
	}
	if got := in.Invocation("greenlight-deploy"); got != nil {
		t.Fatalf("the rule is spent, got %+v", got)
	}
	if n := in.Hits("lambda", "Invoke"); n != 1 {
		t.Fatalf("hits = %d, want 1", n)
	}
	var nilInjector *Injector
	if nilInjector.Invocation("x") != nil || nilInjector.Check(context.Background(), "lambda", "Invoke", "x") != nil {
		t.Fatal("a nil Injector injected a fault")
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		rule Rule
		want string // in the error; "" when the rule is valid
	}{
		{"error code", Rule{Service: "lambda", Operation: "UpdateAlias", Code: "TooManyRequestsException", Status: 429, Count: 2}, ""},
		{"latency only", Rule{Service: "s3", Operation: "PutObject", Latency: time.Second, Count: -1}, ""},
		{"function error", Rule{Service: "lambda", Operation: "Invoke", FunctionError: Crash, AfterRun: true, Count: 1}, ""},
		{"function error with latency", Rule{Service: "lambda", Operation: "Invoke", FunctionError: Timeout, Latency: time.Second}, ""},
		{"every service", Rule{Service: "monitoring", Operation: "PutMetricData", Code: "Throttling", Status: 599}, ""},
		{"unknown service", Rule{Service: "sqs", Operation: "SendMessage", Code: "X"}, `service "sqs" is not one of s3, lambda, states, events, sns, monitoring`},
		{"no service", Rule{Operation: "Invoke", Code: "X"}, `service ""`},
		{"no operation", Rule{Service: "lambda", Code: "X"}, "operation is required"},
		{"no effect", Rule{Service: "lambda", Operation: "Invoke"}, "give an error code, a function error, a latency"},
		{"function error outside Invoke", Rule{Service: "lambda", Operation: "GetFunction", FunctionError: Crash}, "lambda Invoke only"},
		{"function error of another service", Rule{Service: "states", Operation: "Invoke", FunctionError: Crash}, "lambda Invoke only"},
		{"function error and code", Rule{Service: "lambda", Operation: "Invoke", FunctionError: Crash, Code: "X"}, "not both"},
		{"after run without function error", Rule{Service: "lambda", Operation: "Invoke", Latency: 1, AfterRun: true}, "afterRun needs a function error"},
		{"success status", Rule{Service: "lambda", Operation: "Invoke", Code: "X", Status: 200}, "status 200 is not an HTTP error status"},
		{"status past 599", Rule{Service: "lambda", Operation: "Invoke", Code: "X", Status: 600}, "status 600"},
		{"negative latency", Rule{Service: "lambda", Operation: "Invoke", Code: "X", Latency: -1}, "latency must not be negative"},
		{"negative skip", Rule{Service: "lambda", Operation: "Invoke", Code: "X", Skip: -1}, "skip must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.rule.Validate()
			var in Injector
			addErr := in.Add(tt.rule)
			if tt.want == "" {
				if err != nil || addErr != nil {
					t.Fatalf("Validate = %v, Add = %v; want the rule accepted", err, addErr)
				}
				if got := in.Rules(); len(got) != 1 || got[0] != tt.rule {
					t.Errorf("Rules() = %+v, want [%+v]", got, tt.rule)
				}
				return
			}
			var re *RuleError
			if !errors.As(err, &re) || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "fault rule: ") {
				t.Errorf("Validate = %v, want a *RuleError containing %q", err, tt.want)
			}
			if addErr == nil || addErr.Error() != err.Error() {
				t.Errorf("Add = %v, want the error of Validate (%v)", addErr, err)
			}
			if got := in.Rules(); len(got) != 0 {
				t.Errorf("a refused rule was installed: %+v", got)
			}
		})
	}
}
