package lambda

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/greenlight/greenlight/localcloud/fault"
)

func TestInjectedFunctionErrors(t *testing.T) {
	faults := &fault.Injector{}
	h := newHarness(t, Options{SettleTime: -1, Faults: faults})
	h.create(t, "ff", nil)
	ctx := context.Background()
	for _, tc := range []struct {
		name     string
		rule     fault.Rule
		payload  string
		minTime  time.Duration // the function ran first
		wantType string
	}{
		{
			name:     "crash before the function runs",
			rule:     fault.Rule{Service: "lambda", Operation: "Invoke", Match: "ff", FunctionError: fault.Crash, Count: 1},
			payload:  `{}`,
			wantType: fault.Crash,
		},
		{
			name:     "timeout after the function ran",
			rule:     fault.Rule{Service: "lambda", Operation: "Invoke", Match: "ff", FunctionError: fault.Timeout, AfterRun: true, Count: 1},
			payload:  `{"sleepMs":300}`,
			minTime:  300 * time.Millisecond,
			wantType: fault.Timeout,
		},
		{
			name:     "a named error with its message",
			rule:     fault.Rule{Service: "lambda", Operation: "Invoke", FunctionError: "ThrottledError", Message: "slow", Count: 1},
			payload:  `{}`,
			wantType: "ThrottledError",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			faults.Reset()
			if err := faults.Add(tc.rule); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			res, err := h.svc.Invoke(ctx, "ff", "", []byte(tc.payload))
			if err != nil {
				t.Fatalf("Invoke: %v", err)
			}
			if res.FunctionError != "Unhandled" {
				t.Fatalf("FunctionError = %q, want Unhandled", res.FunctionError)
			}
			var doc struct{ ErrorType, ErrorMessage string }
			if err := json.Unmarshal(res.Payload, &doc); err != nil || doc.ErrorType != tc.wantType {
				t.Fatalf("error document %s (%v), want errorType %s", res.Payload, err, tc.wantType)
			}
			if tc.rule.Message != "" && doc.ErrorMessage != tc.rule.Message {
				t.Errorf("errorMessage = %q, want %q", doc.ErrorMessage, tc.rule.Message)
			}
			if elapsed := time.Since(start); elapsed < tc.minTime {
				t.Errorf("returned after %v: the function did not run first", elapsed)
			}
			if faults.Hits("lambda", "Invoke") != 1 {
				t.Errorf("hits = %d, want 1", faults.Hits("lambda", "Invoke"))
			}
			// The rule is spent: the next call runs normally.
			res, err = h.svc.Invoke(ctx, "ff", "", []byte(`{}`))
			if err != nil || res.FunctionError != "" {
				t.Fatalf("Invoke after the fault: %+v %v", res, err)
			}
		})
	}
}
