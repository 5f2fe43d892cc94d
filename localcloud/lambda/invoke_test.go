package lambda

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/greenlight/greenlight/localcloud/bus"
	"github.com/greenlight/greenlight/localcloud/fault"
)

func TestInvokeFailures(t *testing.T) {
	metrics := &metricsSink{}
	h := newHarness(t, Options{SettleTime: -1, Metrics: metrics})
	h.create(t, "ff", nil, func(in *awslambda.CreateFunctionInput) { in.Timeout = aws.Int32(1) })
	h.create(t, "dies-at-init", map[string]string{"EXIT_AT_INIT": "1"})

	tests := []struct {
		name      string
		fn        string
		payload   string
		errorType string
		message   string
	}{
		{"function error", "ff", `{"fail":"boom"}`, "errorString", "boom"},
		{"timeout", "ff", `{"sleepMs":3000}`, "Sandbox.Timedout", "Task timed out after 1.00 seconds"},
		{"crash", "ff", `{"crash":true}`, "Runtime.ExitError", "Runtime exited with error: exit status 3"},
		{"exit during init", "dies-at-init", `{}`, "Runtime.ExitError", "exit status 4"},
		{"response too large", "ff", `{"big":7000000}`, "Function.ResponseSizeTooLarge", "exceeded maximum allowed payload size"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			out, _ := h.invoke(t, tt.fn, "", tt.payload)
			if aws.ToString(out.FunctionError) != "Unhandled" {
				t.Fatalf("FunctionError %q, want Unhandled (payload %s)", aws.ToString(out.FunctionError), out.Payload)
			}
			var doc struct{ ErrorType, ErrorMessage string }
			if err := json.Unmarshal(out.Payload, &doc); err != nil {
				t.Fatalf("error document %s: %v", out.Payload, err)
			}
			if doc.ErrorType != tt.errorType || !strings.Contains(doc.ErrorMessage, tt.message) {
				t.Fatalf("error document %s, want type %s with %q", out.Payload, tt.errorType, tt.message)
			}
			if tt.errorType == "Sandbox.Timedout" && time.Since(start) > 2500*time.Millisecond {
				t.Fatalf("the timeout took %v", time.Since(start))
			}
			// The function still serves the next invocation.
			if tt.fn == "ff" {
				if out, _ := h.invoke(t, "ff", "", `{}`); out.FunctionError != nil {
					t.Fatalf("invocation after %s failed: %s", tt.name, out.Payload)
				}
			}
		})
	}
	fn := bus.Dimension{Name: "FunctionName", Value: "ff"}
	if errs, _ := metrics.sum("Errors", fn); errs != 4 {
		t.Errorf("Errors = %v, want 4", errs)
	}
	if inv, _ := metrics.sum("Invocations", fn, bus.Dimension{Name: "Resource", Value: "ff"}); inv != 8 {
		t.Errorf("Invocations = %v, want 8", inv)
	}
	if d, n := metrics.sum("Duration", fn); n != 8 || d < 900 {
		t.Errorf("Duration: %d data points summing to %v ms, want 8 including about 1 s of timeout", n, d)
	}
}

func TestUnrunnableBootstrap(t *testing.T) {
	h := newHarness(t, Options{SettleTime: -1})
	program, err := testFunction()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		mode    fs.FileMode
		files   map[string]string
		message string
	}{
		{"missing", 0o755, map[string]string{"README": "no bootstrap here"}, "Couldn't find valid bootstrap"},
		{"not a program", 0o755, map[string]string{"bootstrap": "\x00\x01\x02\x03 not a binary"}, "built for this machine"},
		{"not executable", 0o644, map[string]string{"bootstrap": string(program)}, "Error: fork/exec /var/task/bootstrap: permission denied"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fn := fmt.Sprintf("bad%d", i)
			h.create(t, fn, nil, func(in *awslambda.CreateFunctionInput) { in.Code.ZipFile = zipOf(t, tt.mode, tt.files) })
			out, _ := h.invoke(t, fn, "", `{}`)
			var doc struct{ ErrorType, ErrorMessage string }
			if err := json.Unmarshal(out.Payload, &doc); err != nil || aws.ToString(out.FunctionError) != "Unhandled" ||
				doc.ErrorType != "Runtime.InvalidEntrypoint" || !strings.Contains(doc.ErrorMessage, tt.message) {
				t.Fatalf("invoke: %s %s", aws.ToString(out.FunctionError), out.Payload)
			}
		})
	}
}

func TestConcurrencyAndThrottles(t *testing.T) {
	metrics := &metricsSink{}
	h := newHarness(t, Options{SettleTime: -1, Metrics: metrics, Concurrency: 2})
	ctx := context.Background()
	h.create(t, "busy", nil)

	// Two slow invocations fill the limit; a third is throttled.
	var wg sync.WaitGroup
	results := make([]*awslambda.InvokeOutput, 2)
	for i := range results {
		wg.Go(func() { results[i], _ = h.invoke(t, "busy", "", `{"sleepMs":800}`) })
	}
	time.Sleep(300 * time.Millisecond)
	_, err := h.client.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("busy")})
	var tooMany *types.TooManyRequestsException
	if !errors.As(err, &tooMany) || tooMany.Reason != types.ThrottleReasonConcurrentInvocationLimitExceeded {
		t.Fatalf("third concurrent invocation: %v", err)
	}
	wg.Wait()
	var one, two reply
	json.Unmarshal(results[0].Payload, &one)
	json.Unmarshal(results[1].Payload, &two)
	if one.PID == 0 || one.PID == two.PID {
		t.Fatalf("concurrent invocations ran in processes %d and %d, want two", one.PID, two.PID)
	}

	if _, err := h.client.PutFunctionConcurrency(ctx, &awslambda.PutFunctionConcurrencyInput{FunctionName: aws.String("busy"), ReservedConcurrentExecutions: aws.Int32(0)}); err != nil {
		t.Fatal(err)
	}
	_, err = h.client.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("busy")})
	if !errors.As(err, &tooMany) || tooMany.Reason != types.ThrottleReasonReservedFunctionConcurrentInvocationLimitExceeded {
		t.Fatalf("invocation with reserved concurrency 0: %v", err)
	}
	if th, _ := metrics.sum("Throttles", bus.Dimension{Name: "FunctionName", Value: "busy"}); th != 2 {
		t.Errorf("Throttles = %v, want 2", th)
	}
	got, err := h.client.GetFunctionConcurrency(ctx, &awslambda.GetFunctionConcurrencyInput{FunctionName: aws.String("busy")})
	if err != nil || aws.ToInt32(got.ReservedConcurrentExecutions) != 0 || got.ReservedConcurrentExecutions == nil {
		t.Fatalf("GetFunctionConcurrency: %v %+v", err, got)
	}
	if _, err := h.client.DeleteFunctionConcurrency(ctx, &awslambda.DeleteFunctionConcurrencyInput{FunctionName: aws.String("busy")}); err != nil {
		t.Fatal(err)
	}
	h.invoke(t, "busy", "", `{}`)
}

func TestInvocationTypesAndQualifiers(t *testing.T) {
	metrics := &metricsSink{}
	h := newHarness(t, Options{SettleTime: -1, Metrics: metrics})
	ctx := context.Background()
	h.create(t, "q", nil)
	versions := publishLabelled(t, h, "q", "v1")
	if _, err := h.client.CreateAlias(ctx, &awslambda.CreateAliasInput{FunctionName: aws.String("q"), Name: aws.String("live"), FunctionVersion: aws.String(versions[0])}); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name, fn, qualifier, executed, resource, code string
	}{
		{"name", "q", "", latest, "q", ""},
		{"explicit $LATEST", "q", latest, latest, "q:$LATEST", ""},
		{"version", "q", "1", "1", "q:1", ""},
		{"alias", "q", "live", "1", "q:live", ""},
		{"name with alias suffix", "q:live", "", "1", "q:live", ""},
		{"partial ARN", bus.Account + ":function:q:1", "", "1", "q:1", ""},
		{"full ARN", qualifiedARN("q", "live"), "", "1", "q:live", ""},
		{"suffix and qualifier agree", "q:live", "live", "1", "q:live", ""},
		{"suffix and qualifier differ", "q:live", "1", "", "", codeInvalidParameter},
		{"missing version", "q", "7", "", "", codeNotFound},
		{"missing alias", "q", "nope", "", "", codeNotFound},
		{"missing function", "nope", "", "", "", codeNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := &awslambda.InvokeInput{FunctionName: aws.String(tt.fn)}
			if tt.qualifier != "" {
				in.Qualifier = aws.String(tt.qualifier)
			}
			out, err := h.client.Invoke(ctx, in)
			if got := errorCode(err); got != tt.code {
				t.Fatalf("error %q (%v), want %q", got, err, tt.code)
			}
			if err != nil {
				return
			}
			if aws.ToString(out.ExecutedVersion) != tt.executed {
				t.Fatalf("executed %q, want %q", aws.ToString(out.ExecutedVersion), tt.executed)
			}
			// The function sees the ARN it was invoked through, qualifier
			// and all, and the version that runs.
			var r reply
			if err := json.Unmarshal(out.Payload, &r); err != nil {
				t.Fatalf("decode reply %s: %v", out.Payload, err)
			}
			if want := functionARN(tt.resource); r.ARN != want || r.Version != tt.executed {
				t.Fatalf("the function saw ARN %q and version %q, want %q and %q", r.ARN, r.Version, want, tt.executed)
			}
			if n, _ := metrics.sum("Invocations", bus.Dimension{Name: "FunctionName", Value: "q"}, bus.Dimension{Name: "Resource", Value: tt.resource}); n == 0 {
				t.Fatalf("no Invocations with Resource %s", tt.resource)
			}
		})
	}

	dry, err := h.client.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("q"), InvocationType: types.InvocationTypeDryRun})
	if err != nil || dry.StatusCode != 204 {
		t.Fatalf("DryRun: %v %+v", err, dry)
	}
	before, _ := metrics.sum("Invocations", bus.Dimension{Name: "FunctionName", Value: "q"})
	ev, err := h.client.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("q"), InvocationType: types.InvocationTypeEvent, Payload: []byte(`{}`)})
	if err != nil || ev.StatusCode != 202 {
		t.Fatalf("Event: %v %+v", err, ev)
	}
	deadline := time.Now().Add(5 * time.Second)
	for n := before; n == before; n, _ = metrics.sum("Invocations", bus.Dimension{Name: "FunctionName", Value: "q"}) {
		if time.Now().After(deadline) {
			t.Fatal("the Event invocation did not run")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestIdleEnvironmentsAreReaped(t *testing.T) {
	h := newHarness(t, Options{SettleTime: -1, IdleLifetime: 200 * time.Millisecond})
	h.create(t, "idle", nil)
	_, first := h.invoke(t, "idle", "", `{}`)
	if _, warm := h.invoke(t, "idle", "", `{}`); warm.PID != first.PID {
		t.Fatalf("second invocation ran in process %d, want the warm %d", warm.PID, first.PID)
	}
	time.Sleep(600 * time.Millisecond)
	if _, cold := h.invoke(t, "idle", "", `{}`); cold.PID == first.PID {
		t.Fatal("an environment idle beyond IdleLifetime was reused")
	}
}

func TestBusInvoker(t *testing.T) {
	h := newHarness(t, Options{SettleTime: -1})
	h.create(t, "bi", map[string]string{"LABEL": "bus"})
	var invoker bus.Invoker = h.svc
	res, err := invoker.Invoke(context.Background(), functionARN("bi"), "", []byte(`{"echo":"x"}`))
	if err != nil {
		t.Fatal(err)
	}
	var r reply
	if err := json.Unmarshal(res.Payload, &r); err != nil || r.Label != "bus" || res.ExecutedVersion != latest || res.StatusCode != 200 || res.FunctionError != "" {
		t.Fatalf("Invoke: %+v %v", res, err)
	}
	res, err = invoker.Invoke(context.Background(), "bi", "", []byte(`{"fail":"no"}`))
	if err != nil || res.FunctionError != "Unhandled" {
		t.Fatalf("failing Invoke: %+v %v", res, err)
	}
	_, err = invoker.Invoke(context.Background(), "missing", "", nil)
	var api bus.APIError
	if !errors.As(err, &api) || api.ErrorCode() != codeNotFound || api.HTTPStatus() != 404 {
		t.Fatalf("Invoke of a missing function: %v", err)
	}
}

func TestFaultInjection(t *testing.T) {
	faults := &fault.Injector{}
	h := newHarness(t, Options{SettleTime: -1, Faults: faults})
	ctx := context.Background()
	h.create(t, "fi", nil)
	if _, err := h.client.CreateAlias(ctx, &awslambda.CreateAliasInput{FunctionName: aws.String("fi"), Name: aws.String("live"), FunctionVersion: aws.String(latest)}); err != nil {
		t.Fatal(err)
	}
	if err := faults.Add(fault.Rule{Service: "lambda", Operation: "UpdateAlias", Match: "fi", Code: codeTooManyRequests, Status: 429, Message: "slow down", Count: 1}); err != nil {
		t.Fatal(err)
	}
	if err := faults.Add(fault.Rule{Service: "lambda", Operation: "Invoke", Code: "ServiceException", Status: 500, Count: 1}); err != nil {
		t.Fatal(err)
	}

	_, err := h.client.UpdateAlias(ctx, &awslambda.UpdateAliasInput{FunctionName: aws.String("fi"), Name: aws.String("live")})
	var tooMany *types.TooManyRequestsException
	if !errors.As(err, &tooMany) || tooMany.ErrorMessage() != "slow down" {
		t.Fatalf("injected UpdateAlias fault: %v", err)
	}
	if _, err := h.client.UpdateAlias(ctx, &awslambda.UpdateAliasInput{FunctionName: aws.String("fi"), Name: aws.String("live")}); err != nil {
		t.Fatalf("UpdateAlias after the fault: %v", err)
	}
	_, err = h.svc.Invoke(ctx, "fi", "", nil)
	var api bus.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "ServiceException" {
		t.Fatalf("injected Invoke fault: %v", err)
	}
	if faults.Hits("lambda", "UpdateAlias") != 1 || faults.Hits("lambda", "Invoke") != 1 {
		t.Fatalf("hits: %d %d", faults.Hits("lambda", "UpdateAlias"), faults.Hits("lambda", "Invoke"))
	}
}

func TestPersistence(t *testing.T) {
	dir := t.TempDir()
	h := newHarness(t, Options{Dir: dir, SettleTime: -1})
	ctx := context.Background()
	h.create(t, "kept", nil)
	versions := publishLabelled(t, h, "kept", "one", "two")
	if _, err := h.client.CreateAlias(ctx, &awslambda.CreateAliasInput{
		FunctionName: aws.String("kept"), Name: aws.String("live"), FunctionVersion: aws.String(versions[0]),
		RoutingConfig: &types.AliasRoutingConfiguration{AdditionalVersionWeights: map[string]float64{versions[1]: 0.5}},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.client.TagResource(ctx, &awslambda.TagResourceInput{Resource: aws.String(functionARN("kept")), Tags: map[string]string{"team": "a"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.client.AddPermission(ctx, &awslambda.AddPermissionInput{
		FunctionName: aws.String("kept"), StatementId: aws.String("events"), Action: aws.String("lambda:InvokeFunction"),
		Principal: aws.String("events.amazonaws.com"), SourceArn: aws.String("arn:aws:events:us-east-1:000000000000:rule/r"),
	}); err != nil {
		t.Fatal(err)
	}
	h.invoke(t, "kept", "live", `{}`)
	h.close()

	h2 := newHarness(t, Options{Dir: dir, SettleTime: -1})
	alias, err := h2.client.GetAlias(ctx, &awslambda.GetAliasInput{FunctionName: aws.String("kept"), Name: aws.String("live")})
	if err != nil || alias.RoutingConfig.AdditionalVersionWeights[versions[1]] != 0.5 {
		t.Fatalf("alias after restart: %v %+v", err, alias)
	}
	tags, err := h2.client.ListTags(ctx, &awslambda.ListTagsInput{Resource: aws.String(functionARN("kept"))})
	if err != nil || tags.Tags["team"] != "a" {
		t.Fatalf("tags after restart: %v %+v", err, tags)
	}
	policy, err := h2.client.GetPolicy(ctx, &awslambda.GetPolicyInput{FunctionName: aws.String("kept")})
	if err != nil || !strings.Contains(aws.ToString(policy.Policy), "events.amazonaws.com") {
		t.Fatalf("policy after restart: %v %+v", err, policy)
	}
	for range 10 {
		if _, r := h2.invoke(t, "kept", "live", `{}`); r.Label != "one" && r.Label != "two" {
			t.Fatalf("invoke after restart ran %+v", r)
		}
	}
	v, err := h2.client.PublishVersion(ctx, &awslambda.PublishVersionInput{FunctionName: aws.String("kept")})
	if err != nil || aws.ToString(v.Version) != versions[1] {
		t.Fatalf("PublishVersion of unchanged code after restart: %v %s", err, aws.ToString(v.Version))
	}
}

func TestPermissionsAndTags(t *testing.T) {
	h := newHarness(t, Options{SettleTime: -1})
	ctx := context.Background()
	h.create(t, "pt", nil)
	add := func(sid string) error {
		_, err := h.client.AddPermission(ctx, &awslambda.AddPermissionInput{
			FunctionName: aws.String("pt"), StatementId: aws.String(sid),
			Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("states.amazonaws.com"),
		})
		return err
	}
	if _, err := h.client.GetPolicy(ctx, &awslambda.GetPolicyInput{FunctionName: aws.String("pt")}); errorCode(err) != codeNotFound {
		t.Fatalf("GetPolicy without statements: %v", err)
	}
	if err := add("sfn"); err != nil {
		t.Fatal(err)
	}
	if err := add("sfn"); errorCode(err) != codeConflict {
		t.Fatalf("duplicate statement id: %v", err)
	}
	if _, err := h.client.RemovePermission(ctx, &awslambda.RemovePermissionInput{FunctionName: aws.String("pt"), StatementId: aws.String("sfn")}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.client.RemovePermission(ctx, &awslambda.RemovePermissionInput{FunctionName: aws.String("pt"), StatementId: aws.String("sfn")}); errorCode(err) != codeNotFound {
		t.Fatalf("removing a missing statement: %v", err)
	}
	if _, err := h.client.TagResource(ctx, &awslambda.TagResourceInput{Resource: aws.String(functionARN("pt")), Tags: map[string]string{"a": "1", "b": "2"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.client.UntagResource(ctx, &awslambda.UntagResourceInput{Resource: aws.String(functionARN("pt")), TagKeys: []string{"a"}}); err != nil {
		t.Fatal(err)
	}
	tags, err := h.client.ListTags(ctx, &awslambda.ListTagsInput{Resource: aws.String(functionARN("pt"))})
	if err != nil || len(tags.Tags) != 1 || tags.Tags["b"] != "2" {
		t.Fatalf("ListTags: %v %+v", err, tags.Tags)
	}
	settings, err := h.client.GetAccountSettings(ctx, &awslambda.GetAccountSettingsInput{})
	if err != nil || settings.AccountUsage.FunctionCount != 1 || settings.AccountUsage.TotalCodeSize == 0 {
		t.Fatalf("GetAccountSettings: %v %+v", err, settings)
	}
}
