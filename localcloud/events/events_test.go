package events

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/smithy-go"

	"github.com/greenlight/greenlight/localcloud/bus"
	"github.com/greenlight/greenlight/localcloud/fault"
)

// call is one delivery a fake target received.
type call struct{ arn, input string }

// targets fakes Step Functions and Lambda.
type targets struct {
	calls chan call
	mu    sync.Mutex
	fail  int // how many calls still answer with a throttling error
}

type throttled struct{}

func (throttled) Error() string     { return "TooManyRequestsException: slow down" }
func (throttled) ErrorCode() string { return "TooManyRequestsException" }
func (throttled) HTTPStatus() int   { return 429 }

func (f *targets) failing() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail > 0 {
		f.fail--
		return throttled{}
	}
	return nil
}

func (f *targets) StartExecution(_ context.Context, arn, _, input string) (string, error) {
	if err := f.failing(); err != nil {
		return "", err
	}
	f.calls <- call{arn, input}
	return arn + ":exec", nil
}

func (f *targets) Invoke(_ context.Context, function, _ string, payload []byte) (bus.InvokeResult, error) {
	if err := f.failing(); err != nil {
		return bus.InvokeResult{}, err
	}
	f.calls <- call{function, string(payload)}
	return bus.InvokeResult{StatusCode: 202}, nil
}

func (f *targets) next(t *testing.T) call {
	t.Helper()
	select {
	case c := <-f.calls:
		return c
	case <-time.After(5 * time.Second):
		t.Fatal("no delivery")
		return call{}
	}
}

func (f *targets) none(t *testing.T) {
	t.Helper()
	select {
	case c := <-f.calls:
		t.Fatalf("unexpected delivery to %s: %s", c.arn, c.input)
	case <-time.After(100 * time.Millisecond):
	}
}

type fixture struct {
	svc     *Service
	client  *eventbridge.Client
	targets *targets
	faults  *fault.Injector
}

func start(t *testing.T, dir string) *fixture {
	t.Helper()
	f := &fixture{targets: &targets{calls: make(chan call, 16)}, faults: &fault.Injector{}}
	svc, err := New(Options{Dir: dir, Executions: f.targets, Invoker: f.targets, Faults: f.faults})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(svc)
	t.Cleanup(func() { srv.Close(); svc.Close() })
	f.svc = svc
	f.client = eventbridge.New(eventbridge.Options{
		BaseEndpoint: aws.String(srv.URL),
		Region:       bus.Region,
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
	return f
}

const (
	stateMachine = "arn:aws:states:us-east-1:000000000000:stateMachine:greenlight"
	function     = "arn:aws:lambda:us-east-1:000000000000:function:guard"
	releaseRule  = `{"source":["aws.s3"],"detail-type":["Object Created"],"detail":{"bucket":{"name":["b"]},"object":{"key":[{"wildcard":"releases/*.zip"}]}}}`
)

func (f *fixture) rule(t *testing.T, name, pattern string, targets ...types.Target) {
	t.Helper()
	ctx := context.Background()
	if _, err := f.client.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String(name), EventPattern: aws.String(pattern)}); err != nil {
		t.Fatal(err)
	}
	out, err := f.client.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String(name), Targets: targets})
	if err != nil {
		t.Fatal(err)
	}
	if out.FailedEntryCount != 0 {
		t.Fatalf("PutTargets failed entries: %+v", out.FailedEntries)
	}
}

func s3Detail(bucket, key string) string {
	return `{"version":"0","bucket":{"name":"` + bucket + `"},"object":{"key":"` + key + `","size":5,"etag":"e","sequencer":"1"},"reason":"PutObject"}`
}

func TestS3EventStartsExecution(t *testing.T) {
	f := start(t, "")
	f.rule(t, "releases", releaseRule, types.Target{Id: aws.String("workflow"), Arn: aws.String(stateMachine)})

	err := f.svc.PutEvent(context.Background(), bus.Event{
		Source: "aws.s3", DetailType: "Object Created", Detail: json.RawMessage(s3Detail("b", "releases/orders/42.zip")),
		Resources: []string{"arn:aws:s3:::b"}, Time: time.Date(2026, 11, 22, 10, 15, 0, 0, time.UTC),
	})
	if err != nil {
		t.Fatal(err)
	}
	c := f.targets.next(t)
	if c.arn != stateMachine {
		t.Errorf("delivered to %s", c.arn)
	}
	var ev map[string]any
	if err := json.Unmarshal([]byte(c.input), &ev); err != nil {
		t.Fatal(err)
	}
	if ev["version"] != "0" || ev["account"] != bus.Account || ev["region"] != bus.Region || ev["time"] != "2026-11-22T10:15:00Z" ||
		ev["source"] != "aws.s3" || ev["detail-type"] != "Object Created" || len(ev["id"].(string)) != 36 {
		t.Errorf("event envelope = %s", c.input)
	}
	if key := ev["detail"].(map[string]any)["object"].(map[string]any)["key"]; key != "releases/orders/42.zip" {
		t.Errorf("detail key = %v", key)
	}

	for _, miss := range []string{s3Detail("b", "locks/orders.json"), s3Detail("other", "releases/orders/42.zip")} {
		if err := f.svc.PutEvent(context.Background(), bus.Event{Source: "aws.s3", DetailType: "Object Created", Detail: json.RawMessage(miss)}); err != nil {
			t.Fatal(err)
		}
	}
	f.targets.none(t)
}

func TestPutEventsThroughSDK(t *testing.T) {
	f := start(t, "")
	ctx := context.Background()
	f.rule(t, "prefix", `{"detail":{"object":{"key":[{"prefix":"releases/"}]}}}`,
		types.Target{Id: aws.String("fn"), Arn: aws.String(function), InputPath: aws.String("$.detail.object")})
	out, err := f.client.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []types.PutEventsRequestEntry{
		{Source: aws.String("test"), DetailType: aws.String("Object Created"), Detail: aws.String(s3Detail("b", "releases/x.zip"))},
		{Source: aws.String("test"), DetailType: aws.String("Object Created"), Detail: aws.String("not json")},
		{Source: aws.String("test"), Detail: aws.String("{}")},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if out.FailedEntryCount != 2 || aws.ToString(out.Entries[0].EventId) == "" ||
		aws.ToString(out.Entries[1].ErrorCode) != "MalformedDetail" || aws.ToString(out.Entries[2].ErrorCode) != "InvalidArgument" {
		t.Errorf("PutEvents = %d failed, entries %+v", out.FailedEntryCount, out.Entries)
	}
	c := f.targets.next(t)
	if c.arn != function || c.input != `{"etag":"e","key":"releases/x.zip","sequencer":"1","size":5}` {
		t.Errorf("delivered %s to %s", c.input, c.arn)
	}
}

func TestTargetInputs(t *testing.T) {
	tests := []struct {
		name   string
		target types.Target
		want   string
	}{
		{"constant input", types.Target{Input: aws.String(`{"release":"manual"}`)}, `{"release":"manual"}`},
		{"input path", types.Target{InputPath: aws.String("$.detail.bucket")}, `{"name":"b"}`},
		{"input transformer", types.Target{InputTransformer: &types.InputTransformer{
			InputPathsMap: map[string]string{"key": "$.detail.object.key", "size": "$.detail.object.size"},
			InputTemplate: aws.String(`{"key":"<key>","size":<size>,"rule":"<aws.events.rule-name>"}`),
		}}, `{"key":"releases/orders/42.zip","size":5,"rule":"transform"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := start(t, "")
			tt.target.Id, tt.target.Arn = aws.String("t"), aws.String(stateMachine)
			f.rule(t, "transform", releaseRule, tt.target)
			err := f.svc.PutEvent(context.Background(), bus.Event{Source: "aws.s3", DetailType: "Object Created", Detail: json.RawMessage(s3Detail("b", "releases/orders/42.zip"))})
			if err != nil {
				t.Fatal(err)
			}
			if c := f.targets.next(t); c.input != tt.want {
				t.Errorf("input = %s, want %s", c.input, tt.want)
			}
		})
	}
}

func TestDisabledRuleAndRetries(t *testing.T) {
	f := start(t, "")
	ctx := context.Background()
	f.rule(t, "releases", releaseRule, types.Target{Id: aws.String("w"), Arn: aws.String(stateMachine)})
	event := bus.Event{Source: "aws.s3", DetailType: "Object Created", Detail: json.RawMessage(s3Detail("b", "releases/a.zip"))}
	if _, err := f.client.DisableRule(ctx, &eventbridge.DisableRuleInput{Name: aws.String("releases")}); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.PutEvent(ctx, event); err != nil {
		t.Fatal(err)
	}
	f.targets.none(t)
	if _, err := f.client.EnableRule(ctx, &eventbridge.EnableRuleInput{Name: aws.String("releases")}); err != nil {
		t.Fatal(err)
	}
	f.targets.fail = 2 // throttled twice, then delivered
	if err := f.svc.PutEvent(ctx, event); err != nil {
		t.Fatal(err)
	}
	if c := f.targets.next(t); c.arn != stateMachine {
		t.Errorf("delivered to %s", c.arn)
	}
}

func errorCode(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	return ""
}

func TestRuleLifecycleAndErrors(t *testing.T) {
	f := start(t, "")
	ctx := context.Background()
	f.rule(t, "releases", releaseRule, types.Target{Id: aws.String("w"), Arn: aws.String(stateMachine), RoleArn: aws.String("arn:aws:iam::000000000000:role/r")})
	if _, err := f.client.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("nightly"), ScheduleExpression: aws.String("rate(1 day)"), State: types.RuleStateDisabled}); err != nil {
		t.Fatal(err)
	}
	d, err := f.client.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: aws.String("releases")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(d.EventPattern) != releaseRule || d.State != types.RuleStateEnabled || aws.ToString(d.Arn) != ruleARN("releases") {
		t.Errorf("DescribeRule = %+v", d)
	}
	list, err := f.client.ListRules(ctx, &eventbridge.ListRulesInput{NamePrefix: aws.String("night")})
	if err != nil || len(list.Rules) != 1 || aws.ToString(list.Rules[0].ScheduleExpression) != "rate(1 day)" {
		t.Errorf("ListRules = %+v, %v", list, err)
	}
	tl, err := f.client.ListTargetsByRule(ctx, &eventbridge.ListTargetsByRuleInput{Rule: aws.String("releases")})
	if err != nil || len(tl.Targets) != 1 || aws.ToString(tl.Targets[0].RoleArn) == "" {
		t.Errorf("ListTargetsByRule = %+v, %v", tl, err)
	}

	tests := []struct {
		name string
		call func() error
		code string
	}{
		{"bad pattern", func() error {
			_, err := f.client.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("x"), EventPattern: aws.String(`{"source":"aws.s3"}`)})
			return err
		}, "InvalidEventPatternException"},
		{"neither pattern nor schedule", func() error {
			_, err := f.client.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("x")})
			return err
		}, "ValidationException"},
		{"bad rule name", func() error {
			_, err := f.client.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("a/b"), EventPattern: aws.String(releaseRule)})
			return err
		}, "ValidationException"},
		{"unknown bus", func() error {
			_, err := f.client.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("x"), EventPattern: aws.String(releaseRule), EventBusName: aws.String("custom")})
			return err
		}, "ResourceNotFoundException"},
		{"describe missing rule", func() error {
			_, err := f.client.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: aws.String("missing")})
			return err
		}, "ResourceNotFoundException"},
		{"targets on missing rule", func() error {
			_, err := f.client.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("missing"), Targets: []types.Target{{Id: aws.String("t"), Arn: aws.String(stateMachine)}}})
			return err
		}, "ResourceNotFoundException"},
		{"input and input path", func() error {
			_, err := f.client.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("releases"), Targets: []types.Target{{Id: aws.String("t"), Arn: aws.String(stateMachine), Input: aws.String("{}"), InputPath: aws.String("$.detail")}}})
			return err
		}, "ValidationException"},
		{"delete rule with targets", func() error {
			_, err := f.client.DeleteRule(ctx, &eventbridge.DeleteRuleInput{Name: aws.String("releases")})
			return err
		}, "ValidationException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if code := errorCode(tt.call()); code != tt.code {
				t.Errorf("error code %q, want %q", code, tt.code)
			}
		})
	}

	rm, err := f.client.RemoveTargets(ctx, &eventbridge.RemoveTargetsInput{Rule: aws.String("releases"), Ids: []string{"w", "gone"}})
	if err != nil || rm.FailedEntryCount != 1 {
		t.Errorf("RemoveTargets = %+v, %v", rm, err)
	}
	if _, err := f.client.DeleteRule(ctx, &eventbridge.DeleteRuleInput{Name: aws.String("releases")}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.client.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: aws.String("releases")}); errorCode(err) != "ResourceNotFoundException" {
		t.Errorf("describe after delete: %v", err)
	}
}

func TestPersistenceAndFaults(t *testing.T) {
	dir := t.TempDir()
	f := start(t, dir)
	f.rule(t, "releases", releaseRule, types.Target{Id: aws.String("w"), Arn: aws.String(stateMachine)})
	g := start(t, dir)
	if err := g.svc.PutEvent(context.Background(), bus.Event{Source: "aws.s3", DetailType: "Object Created", Detail: json.RawMessage(s3Detail("b", "releases/a.zip"))}); err != nil {
		t.Fatal(err)
	}
	if c := g.targets.next(t); c.arn != stateMachine {
		t.Errorf("after restart delivered to %s", c.arn)
	}
	if err := g.faults.Add(fault.Rule{Service: "events", Operation: "PutRule", Code: "ThrottlingException", Status: 400, Count: 1}); err != nil {
		t.Fatal(err)
	}
	_, err := g.client.PutRule(context.Background(), &eventbridge.PutRuleInput{Name: aws.String("x"), EventPattern: aws.String(releaseRule)},
		func(o *eventbridge.Options) { o.RetryMaxAttempts = 1 })
	if code := errorCode(err); code != "ThrottlingException" {
		t.Errorf("injected fault: %v", err)
	}
}

func TestOversizedRequest(t *testing.T) {
	f := start(t, "")
	ctx := context.Background()
	huge := strings.Repeat("x", maxRequestBody)
	tests := []struct {
		name    string
		call    func() error
		message string
	}{
		{"PutEvents", func() error {
			_, err := f.client.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []types.PutEventsRequestEntry{{
				Source: aws.String("app"), DetailType: aws.String("big"), Detail: aws.String(`{"blob":"` + huge + `"}`),
			}}})
			return err
		}, "Total size of the entries in the request is over the limit."},
		{"PutRule", func() error {
			_, err := f.client.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("big"), EventPattern: aws.String(releaseRule), Description: aws.String(huge)})
			return err
		}, "The request is larger than 1048576 bytes."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			var api smithy.APIError
			if !errors.As(err, &api) || api.ErrorCode() != "ValidationException" || api.ErrorMessage() != tt.message {
				t.Errorf("error = %v, want ValidationException %q", err, tt.message)
			}
		})
	}
}

// brokenWriter is a response whose client has gone: every write fails.
type brokenWriter struct{ header http.Header }

func (b *brokenWriter) Header() http.Header       { return b.header }
func (b *brokenWriter) WriteHeader(int)           {}
func (b *brokenWriter) Write([]byte) (int, error) { return 0, errors.New("connection reset") }

func TestResponseWriteFailureIsLogged(t *testing.T) {
	tests := []struct {
		name, target, want string
	}{
		{"result", "AWSEvents.ListRules", `msg="write response"`},
		{"error", "AWSEvents.Unknown", `msg="write error response"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log bytes.Buffer
			svc, err := New(Options{Logger: slog.New(slog.NewTextHandler(&log, nil))})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { svc.Close() })
			r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader("{}"))
			r.Header.Set("X-Amz-Target", tt.target)
			svc.ServeHTTP(&brokenWriter{header: http.Header{}}, r)
			if !strings.Contains(log.String(), tt.want) || !strings.Contains(log.String(), "connection reset") {
				t.Errorf("log = %q, want %q with the write error", log.String(), tt.want)
			}
		})
	}
}

func TestClosedServiceStartsNoDelivery(t *testing.T) {
	f := start(t, "")
	f.rule(t, "releases", releaseRule, types.Target{Id: aws.String("workflow"), Arn: aws.String(stateMachine)})
	if err := f.svc.Close(); err != nil {
		t.Fatal(err)
	}
	err := f.svc.PutEvent(context.Background(), bus.Event{Source: "aws.s3", DetailType: "Object Created", Detail: json.RawMessage(s3Detail("b", "releases/orders/42.zip"))})
	var ae bus.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "InternalException" {
		t.Errorf("PutEvent after Close = %v, want an InternalException", err)
	}
	f.targets.none(t)
}
