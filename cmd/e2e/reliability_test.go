package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/greenlight/greenlight/cmd/internal/demo"
	"github.com/greenlight/greenlight/localcloud/fault"
)

// A faultTarget is one Task state of the release state machine: the Lambda
// the state invokes and one AWS call that Lambda makes about the function
// being released.
type faultTarget struct {
	state    string // as the workflow names it
	function string // the deployer Lambda, greenlight-<name>
	service  string // SigV4 signing name of the AWS call
	op       string
	// match returns what the call's resource contains for the released
	// function fn.
	match func(fn string) string
	// skip is how many matching calls earlier states make in the release.
	skip int
	// failing: the release's tests fail, so that it rolls back.
	failing bool
}

// faultTargets names, per state, the first call of that state that no earlier
// state makes, or the count of earlier ones to skip. A release here is a
// one-step canary of a function whose live and candidate aliases exist.
var faultTargets = []faultTarget{
	{state: "Prepare", function: "greenlight-prepare", service: "lambda", op: "GetFunction", match: name},
	{state: "Lock", function: "greenlight-lock", service: "s3", op: "PutObject", match: lockKey},
	{state: "Deploy", function: "greenlight-deploy", service: "lambda", op: "UpdateFunctionCode", match: name},
	{state: "Test", function: "greenlight-test", service: "lambda", op: "Invoke", match: name},
	// Deploy points the candidate alias first.
	{state: "Shift", function: "greenlight-shift", service: "lambda", op: "UpdateAlias", match: name, skip: 1},
	// Shift reads the alarms before its first step.
	{state: "Verify", function: "greenlight-verify", service: "monitoring", op: "DescribeAlarms", match: name, skip: 1},
	// Deploy and shift move aliases first.
	{state: "Promote", function: "greenlight-promote", service: "lambda", op: "UpdateAlias", match: name, skip: 2},
	// The tests fail; deploy pointed the candidate, rollback points it back.
	{state: "Rollback", function: "greenlight-rollback", service: "lambda", op: "UpdateAlias", match: name, skip: 1, failing: true},
	// The first notification is "started".
	{state: "Notify", function: "greenlight-notify", service: "sns", op: "Publish", match: func(string) string { return "" }},
	{state: "Unlock", function: "greenlight-unlock", service: "s3", op: "DeleteObject", match: lockKey},
}

func name(fn string) string    { return fn }
func lockKey(fn string) string { return "locks/" + fn + ".json" }

// A faultKind is one way an AWS call or the Lambda itself fails, or, with
// stop, the execution stopped from outside (StopExecution, as from the
// console) while the rule holds the state's Lambda back.
type faultKind struct {
	name string
	rule func(tg faultTarget, fn string) fault.Rule
	stop bool
}

// apiFault fails the target's AWS call count times with the service's
// spelling of an error.
func apiFault(codes map[string]string, status, count int) func(faultTarget, string) fault.Rule {
	return func(tg faultTarget, fn string) fault.Rule {
		return fault.Rule{Service: tg.service, Operation: tg.op, Match: tg.match(fn), Code: codes[tg.service], Status: status, Count: count, Skip: tg.skip}
	}
}

// lambdaFault ends count invocations of the state's Lambda in a function
// error.
func lambdaFault(errorType string, afterRun bool, count int) func(faultTarget, string) fault.Rule {
	return func(tg faultTarget, _ string) fault.Rule {
		return fault.Rule{Service: "lambda", Operation: "Invoke", Match: tg.function, FunctionError: errorType, AfterRun: afterRun, Count: count}
	}
}

var faultKinds = []faultKind{
	{"throttled x3", apiFault(map[string]string{
		"lambda": "TooManyRequestsException", "s3": "SlowDown", "sns": "Throttling", "monitoring": "Throttling",
	}, 429, 3), false},
	{"conflict", apiFault(map[string]string{
		"lambda": "ResourceConflictException", "s3": "OperationAborted", "sns": "ConcurrentAccess", "monitoring": "ConcurrentModification",
	}, 409, 2), false},
	{"5xx", apiFault(map[string]string{
		"lambda": "ServiceException", "s3": "InternalError", "sns": "InternalError", "monitoring": "InternalFailure",
	}, 500, 2), false},
	// The Lambda did its work and timed out before it answered.
	{"timeout", lambdaFault(fault.Timeout, true, 1), false},
	// The Lambda's process died before it did anything, once.
	{"crash", lambdaFault(fault.Crash, false, 1), false},
	// An error of no known kind, more often than the workflow retries it.
	{"function error x3", lambdaFault("errorString", false, 3), false},
	// Stopped from the console while the state's Lambda is being invoked.
	{"stopped", holdBack, true},
}

// holdBack delays the invocation of the state's Lambda long enough to act
// from outside while the execution is in the state.
func holdBack(tg faultTarget, _ string) fault.Rule {
	return fault.Rule{Service: "lambda", Operation: "Invoke", Match: tg.function, Latency: 3 * time.Second}
}

// invokes reports whether a history event schedules the Lambda function:
// a Task whose resource is its ARN, or one of the Lambda integration with
// it as FunctionName.
func invokes(e sfntypes.HistoryEvent, function string) bool {
	suffix := ":function:" + function
	if d := e.LambdaFunctionScheduledEventDetails; d != nil {
		return strings.HasSuffix(aws.ToString(d.Resource), suffix)
	}
	if d := e.TaskScheduledEventDetails; d != nil {
		return strings.Contains(aws.ToString(d.Parameters), suffix+`"`)
	}
	return false
}

// whenIn calls do once the execution has scheduled the state's Lambda, and
// reports whether it did: not when the execution ended first.
func (b *harness) whenIn(t *testing.T, arn string, tg faultTarget, do func()) bool {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		h, err := b.sfn.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: &arn, MaxResults: 1000})
		if err != nil {
			t.Fatalf("history of %s: %v", arn, err)
		}
		for _, e := range h.Events {
			if e.Type == sfntypes.HistoryEventTypeExecutionSucceeded || e.Type == sfntypes.HistoryEventTypeExecutionFailed {
				return false
			}
			if invokes(e, tg.function) {
				do()
				return true
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

// stop stops the execution from outside, as from the console.
func (b *harness) stop(t *testing.T, arn string, tg faultTarget) {
	t.Helper()
	_, err := b.sfn.StopExecution(context.Background(), &sfn.StopExecutionInput{ExecutionArn: &arn, Error: aws.String("OperatorStop"), Cause: aws.String("stopped in " + tg.state)})
	if err != nil {
		t.Fatalf("stop %s: %v", arn, err)
	}
}

// withFault injects kind into the state tg names, for calls about fn, runs
// the release start starts, and checks its ending with check (one ending
// per function released). It reports whether the fault was injected and
// the invariant held.
func (b *harness) withFault(t *testing.T, faults *fault.Injector, tg faultTarget, kind faultKind, fn string,
	start func() string, check func(arn string) []demo.Ending) ([]demo.Ending, bool) {
	t.Helper()
	faults.Reset()
	rule := kind.rule(tg, fn)
	if err := faults.Add(rule); err != nil {
		t.Fatal(err)
	}
	arn := start()
	var injected int
	if kind.stop && b.whenIn(t, arn, tg, func() { b.stop(t, arn, tg) }) {
		injected = 1
	}
	endings := check(arn)
	if !kind.stop {
		injected = faults.Hits(rule.Service, rule.Operation)
	}
	faults.Reset()
	held := injected > 0
	if injected == 0 {
		t.Errorf("the fault was never injected: %+v", rule)
	}
	for _, e := range endings {
		t.Logf("%s: %s, last state %q, live %s, injected %d", kind.name, e.Status, e.LastState, e.Live, injected)
		for _, v := range e.Violations {
			t.Errorf("invariant: %s (execution %s ended %s %s: %s)", v, arn, e.Status, e.Error, e.Cause)
		}
		if !e.Held() {
			held = false
			t.Logf("path: %s", strings.Join(e.Path, " → "))
		}
	}
	return endings, held
}

// TestFaultMatrix releases a function once per Task state and fault, with
// the fault injected into that state, then once per state with the local
// cloud killed and restarted in it, and checks after each execution that
// greenlight's invariant holds.
func TestFaultMatrix(t *testing.T) {
	b := newHarness(t)
	faults := b.local.Cloud.Faults()
	combinations, held := 0, 0
	defer func() { fmt.Printf("fault-matrix: combinations=%d held=%d\n", combinations, held) }()
	for _, tg := range faultTargets {
		fn := functionPrefix + "fm-" + strings.ToLower(tg.state)
		blue := b.createFunction(t, fn)
		next := "v2"
		for i, kind := range faultKinds {
			t.Run(tg.state+"/"+kind.name, func(t *testing.T) {
				combinations++
				version := next
				if tg.failing {
					version = "v4"
				}
				endings, ok := b.withFault(t, faults, tg, kind, fn, func() string {
					manifest := map[string]any{"strategy": oneStep, "tests": healthTest}
					return b.execution(t, b.release(t, fn, fmt.Sprintf("%d-%s", i, version), artifact(t, version), manifest))
				}, func(arn string) []demo.Ending {
					return []demo.Ending{b.check(t, arn, demo.Expect{Function: fn, Blue: blue})}
				})
				if ok {
					held++
				}
				e := endings[0]
				if e.Live != "" {
					blue = e.Live
				}
				if e.Live != "" && e.Status == "SUCCEEDED" {
					next = map[string]string{"v1": "v2", "v2": "v1"}[version]
				}
			})
		}
	}
	// The local cloud killed with SIGKILL while the release is in each state,
	// and started again on the same folder: the release finishes.
	u := startUpCloud(t)
	ub := u.harness(t)
	for _, tg := range faultTargets {
		t.Run(tg.state+"/killed and restarted", func(t *testing.T) {
			combinations++
			e, in := killedIn(t, u, ub, tg)
			t.Logf("killed: %s, last state %q, live %s", e.Status, e.LastState, e.Live)
			if !in {
				t.Errorf("the release ended before the cloud was killed in %s", tg.state)
			}
			for _, v := range e.Violations {
				t.Errorf("invariant: %s (ended %s %s: %s)", v, e.Status, e.Error, e.Cause)
			}
			if e.Status != "SUCCEEDED" && e.Status != "FAILED" {
				t.Errorf("the release ended %s, want it finished (promoted or rolled back) after the restart", e.Status)
			}
			if in && e.Held() && !t.Failed() {
				held++
			}
		})
	}
	if combinations != held {
		t.Errorf("fault-matrix: the invariant held in %d of %d combinations", held, combinations)
	}
}
