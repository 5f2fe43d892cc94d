package fault

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/greenlight/greenlight/localcloud/internal/awserr"
)

func TestCheck(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name     string
		rules    []Rule
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
			rules: []Rule{{Service: "lambda", Operation: "UpdateAlias", FunctionError: Crash, Count: -1}},
			calls: []string{"orders"},
			want:  []string{""},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var in Injector
			for _, r := range tc.rules {
				in.Add(r)
			}
			start := time.Now()
			for i, res := range tc.calls {
				err := in.Check(ctx, "lambda", "UpdateAlias", res)
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
	in.Add(Rule{Service: "lambda", Operation: "Invoke", Match: "greenlight-deploy", FunctionError: Timeout, AfterRun: true, Count: 1, Skip: 1})
	in.Add(Rule{Service: "lambda", Operation: "Invoke", Match: "greenlight-deploy", Code: "ServiceException", Count: 1})
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
