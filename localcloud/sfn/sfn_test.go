package sfn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awssfn "github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/smithy-go"

	"github.com/greenlight/greenlight/localcloud/asl"
	"github.com/greenlight/greenlight/localcloud/bus"
	"github.com/greenlight/greenlight/localcloud/fault"
	"github.com/greenlight/greenlight/localcloud/internal/awserr"
)

// fakeInvoker answers invocations by function name.
type fakeInvoker struct {
	mu    sync.Mutex
	calls []string
	fn    func(function, qualifier string, payload []byte) (bus.InvokeResult, error)
}

func (f *fakeInvoker) Invoke(_ context.Context, function, qualifier string, payload []byte) (bus.InvokeResult, error) {
	f.mu.Lock()
	f.calls = append(f.calls, function)
	f.mu.Unlock()
	return f.fn(function, qualifier, payload)
}

type published struct{ topic, subject, message string }

type fakePublisher struct {
	mu   sync.Mutex
	msgs []published
	attr map[string]bus.MessageAttribute
}

func (f *fakePublisher) Publish(_ context.Context, topic, subject, message string, attrs map[string]bus.MessageAttribute) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.msgs = append(f.msgs, published{topic, subject, message})
	f.attr = attrs
	return "msg-1", nil
}

// defaultInvoke echoes the payload; "boom" fails as a function error and
// "missing" as a service error.
func defaultInvoke(function, _ string, payload []byte) (bus.InvokeResult, error) {
	switch {
	case strings.HasSuffix(function, "boom"):
		return bus.InvokeResult{Payload: []byte(`{"errorMessage":"bad release","errorType":"ValidationError"}`), FunctionError: "Unhandled", StatusCode: 200}, nil
	case strings.HasSuffix(function, "missing"):
		return bus.InvokeResult{}, awserr.New("ResourceNotFoundException", http.StatusNotFound, "Function not found: "+function)
	}
	return bus.InvokeResult{Payload: payload, ExecutedVersion: "3", StatusCode: 200}, nil
}

type harness struct {
	svc    *Service
	client *awssfn.Client
	inv    *fakeInvoker
	pub    *fakePublisher
}

func newHarness(t *testing.T, opts Options) *harness {
	t.Helper()
	h := &harness{inv: &fakeInvoker{fn: defaultInvoke}, pub: &fakePublisher{}}
	if opts.Invoker == nil {
		opts.Invoker = h.inv
	}
	opts.Publisher = h.pub
	svc, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	h.svc = svc
	if err := svc.Resume(); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(svc)
	t.Cleanup(func() {
		srv.Close()
		if err := svc.Close(); err != nil {
			t.Error(err)
		}
	})
	h.client = awssfn.New(awssfn.Options{
		Region:       bus.Region,
		BaseEndpoint: aws.String(srv.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
	return h
}

func (h *harness) create(t *testing.T, name, def string) string {
	t.Helper()
	out, err := h.client.CreateStateMachine(context.Background(), &awssfn.CreateStateMachineInput{
		Name: aws.String(name), Definition: aws.String(def), RoleArn: aws.String("arn:aws:iam::000000000000:role/sfn"),
	})
	if err != nil {
		t.Fatal(err)
	}
	return *out.StateMachineArn
}

func (h *harness) run(t *testing.T, smARN, name, input string) *awssfn.DescribeExecutionOutput {
	t.Helper()
	ctx := context.Background()
	in := &awssfn.StartExecutionInput{StateMachineArn: aws.String(smARN), Input: aws.String(input)}
	if name != "" {
		in.Name = aws.String(name)
	}
	start, err := h.client.StartExecution(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	return h.await(t, *start.ExecutionArn)
}

func (h *harness) await(t *testing.T, arn string) *awssfn.DescribeExecutionOutput {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		d, err := h.client.DescribeExecution(context.Background(), &awssfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
		if err != nil {
			t.Fatal(err)
		}
		if d.Status != types.ExecutionStatusRunning {
			return d
		}
		if time.Now().After(deadline) {
			t.Fatalf("execution %s still running", arn)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func TestStateMachineLifecycle(t *testing.T) {
	h := newHarness(t, Options{})
	ctx := context.Background()
	def := `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`
	arn := h.create(t, "releases", def)
	if arn != "arn:aws:states:us-east-1:000000000000:stateMachine:releases" {
		t.Errorf("arn = %s", arn)
	}
	if again := h.create(t, "releases", def); again != arn {
		t.Errorf("an identical create returned %s", again)
	}
	// AWS ignores another roleArn on a repeated create and keeps the first.
	other, err := h.client.CreateStateMachine(ctx, &awssfn.CreateStateMachineInput{Name: aws.String("releases"),
		Definition: aws.String(def), RoleArn: aws.String("arn:aws:iam::000000000000:role/other")})
	if err != nil || *other.StateMachineArn != arn {
		t.Fatalf("create with another roleArn = %+v, %v; want the same machine", other, err)
	}
	if d, err := h.client.DescribeStateMachine(ctx, &awssfn.DescribeStateMachineInput{StateMachineArn: aws.String(arn)}); err != nil || *d.RoleArn != "arn:aws:iam::000000000000:role/sfn" {
		t.Fatalf("describe after a create with another roleArn = %+v, %v; want the first roleArn", d, err)
	}
	_, err = h.client.CreateStateMachine(ctx, &awssfn.CreateStateMachineInput{Name: aws.String("releases"),
		Definition: aws.String(`{"StartAt":"S","States":{"S":{"Type":"Succeed"}}}`), RoleArn: aws.String("arn:aws:iam::000000000000:role/sfn")})
	if errorCode(err) != "StateMachineAlreadyExists" {
		t.Errorf("create with another definition: %v", err)
	}
	newDef := `{"StartAt":"S","States":{"S":{"Type":"Succeed"}}}`
	if _, err := h.client.UpdateStateMachine(ctx, &awssfn.UpdateStateMachineInput{StateMachineArn: aws.String(arn), Definition: aws.String(newDef)}); err != nil {
		t.Fatal(err)
	}
	d, err := h.client.DescribeStateMachine(ctx, &awssfn.DescribeStateMachineInput{StateMachineArn: aws.String(arn)})
	if err != nil || *d.Definition != newDef || *d.Name != "releases" || d.Status != types.StateMachineStatusActive || d.CreationDate == nil {
		t.Fatalf("describe = %+v, %v", d, err)
	}
	h.create(t, "another", def)
	list, err := h.client.ListStateMachines(ctx, &awssfn.ListStateMachinesInput{MaxResults: 1})
	if err != nil || len(list.StateMachines) != 1 || *list.StateMachines[0].Name != "another" || list.NextToken == nil {
		t.Fatalf("list page 1 = %+v, %v", list, err)
	}
	list, err = h.client.ListStateMachines(ctx, &awssfn.ListStateMachinesInput{NextToken: list.NextToken})
	if err != nil || len(list.StateMachines) != 1 || *list.StateMachines[0].Name != "releases" || list.NextToken != nil {
		t.Fatalf("list page 2 = %+v, %v", list, err)
	}
	if _, err := h.client.DeleteStateMachine(ctx, &awssfn.DeleteStateMachineInput{StateMachineArn: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	_, err = h.client.DescribeStateMachine(ctx, &awssfn.DescribeStateMachineInput{StateMachineArn: aws.String(arn)})
	var notFound *types.StateMachineDoesNotExist
	if !errors.As(err, &notFound) {
		t.Errorf("describe after delete: %v", err)
	}
}

func TestCreateStateMachineErrors(t *testing.T) {
	h := newHarness(t, Options{})
	tests := []struct {
		name, smName, def, want string
	}{
		{"invalid definition", "x", `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"}}}`, "InvalidDefinition"},
		{"JSONata refused", "x", `{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Succeed"}}}`, "InvalidDefinition"},
		{"bad name", "has space", `{"StartAt":"A","States":{"A":{"Type":"Succeed"}}}`, "InvalidName"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := h.client.CreateStateMachine(context.Background(), &awssfn.CreateStateMachineInput{
				Name: aws.String(tt.smName), Definition: aws.String(tt.def), RoleArn: aws.String("arn:aws:iam::000000000000:role/r")})
			if errorCode(err) != tt.want {
				t.Errorf("err = %v, want %s", err, tt.want)
			}
		})
	}
	_, err := h.client.CreateStateMachine(context.Background(), &awssfn.CreateStateMachineInput{
		Name: aws.String("x"), Definition: aws.String(`{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"}}}`), RoleArn: aws.String("arn:aws:iam::000000000000:role/r")})
	var invalid *types.InvalidDefinition
	if !errors.As(err, &invalid) || !strings.Contains(invalid.ErrorMessage(), "Missing 'Next' target: B") {
		t.Errorf("err = %v, want InvalidDefinition naming the missing target", err)
	}
}

func TestTasks(t *testing.T) {
	fn := "arn:aws:lambda:us-east-1:000000000000:function:"
	tests := []struct {
		name, state, input           string
		wantStatus                   types.ExecutionStatus
		wantOutput, wantErr, inCause string
	}{
		{"plain lambda ARN", `{"Type":"Task","Resource":"` + fn + `deploy","End":true}`, `{"release":1}`, types.ExecutionStatusSucceeded, `{"release":1}`, "", ""},
		{"lambda:invoke", `{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"deploy","Payload.$":"$"},"ResultSelector":{"p.$":"$.Payload","v.$":"$.ExecutedVersion","s.$":"$.StatusCode"},"End":true}`, `{"a":1}`, types.ExecutionStatusSucceeded, `{"p":{"a":1},"v":"3","s":200}`, "", ""},
		{"function error", `{"Type":"Task","Resource":"` + fn + `boom","End":true}`, `{}`, types.ExecutionStatusFailed, "", "ValidationError", `"errorMessage":"bad release"`},
		{"lambda:invoke function error", `{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"boom"},"End":true}`, `{}`, types.ExecutionStatusFailed, "", "ValidationError", `"errorType":"ValidationError"`},
		{"service error", `{"Type":"Task","Resource":"` + fn + `missing","End":true}`, `{}`, types.ExecutionStatusFailed, "", "Lambda.ResourceNotFoundException", "Function not found"},
		{"sns:publish", `{"Type":"Task","Resource":"arn:aws:states:::sns:publish","Parameters":{"TopicArn":"arn:aws:sns:us-east-1:000000000000:t","Subject":"promoted","Message.$":"$","MessageAttributes":{"event":{"DataType":"String","StringValue":"promoted"}}},"ResultSelector":{"id.$":"$.MessageId"},"End":true}`, `{"r":1}`, types.ExecutionStatusSucceeded, `{"id":"msg-1"}`, "", ""},
		{"unsupported resource", `{"Type":"Task","Resource":"arn:aws:states:::dynamodb:putItem","End":true}`, `{}`, types.ExecutionStatusFailed, "", "States.TaskFailed", "arn:aws:states:::dynamodb:putItem"},
	}
	h := newHarness(t, Options{})
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			arn := h.create(t, "task"+string(rune('a'+i)), `{"StartAt":"T","States":{"T":`+tt.state+`}}`)
			d := h.run(t, arn, "", tt.input)
			if d.Status != tt.wantStatus || aws.ToString(d.Error) != tt.wantErr || !strings.Contains(aws.ToString(d.Cause), tt.inCause) {
				t.Fatalf("status %s error %q cause %q", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
			}
			if tt.wantOutput != "" && !jsonEqual(aws.ToString(d.Output), tt.wantOutput) {
				t.Errorf("output %s, want %s", aws.ToString(d.Output), tt.wantOutput)
			}
		})
	}
	h.pub.mu.Lock()
	defer h.pub.mu.Unlock()
	if len(h.pub.msgs) != 1 || h.pub.msgs[0].message != `{"r":1}` || h.pub.msgs[0].subject != "promoted" || h.pub.attr["event"].StringValue != "promoted" {
		t.Errorf("published = %+v %+v", h.pub.msgs, h.pub.attr)
	}
}

func jsonEqual(a, b string) bool {
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	xb, _ := json.Marshal(x)
	yb, _ := json.Marshal(y)
	return string(xb) == string(yb)
}

func TestExecutionsAPI(t *testing.T) {
	h := newHarness(t, Options{})
	ctx := context.Background()
	arn := h.create(t, "sm", `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.ok","BooleanEquals":true,"Next":"Y"}],"Default":"N"},
	  "Y":{"Type":"Succeed"},"N":{"Type":"Fail","Error":"No","Cause":"not ok"}}}`)
	ok := h.run(t, arn, "first", `{"ok":true}`)
	if ok.Status != types.ExecutionStatusSucceeded || *ok.Name != "first" || *ok.ExecutionArn != "arn:aws:states:us-east-1:000000000000:execution:sm:first" || ok.StopDate == nil {
		t.Fatalf("describe = %+v", ok)
	}
	bad := h.run(t, arn, "", `{"ok":false}`)
	if bad.Status != types.ExecutionStatusFailed || *bad.Error != "No" || len(*bad.Name) != 36 {
		t.Fatalf("describe = %+v", bad)
	}
	_, err := h.client.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(arn), Name: aws.String("first"), Input: aws.String(`{}`)})
	var exists *types.ExecutionAlreadyExists
	if !errors.As(err, &exists) {
		t.Errorf("second start of 'first': %v", err)
	}
	_, err = h.client.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(arn), Input: aws.String(`{`)})
	if errorCode(err) != "InvalidExecutionInput" {
		t.Errorf("bad input: %v", err)
	}
	failed, err := h.client.ListExecutions(ctx, &awssfn.ListExecutionsInput{StateMachineArn: aws.String(arn), StatusFilter: types.ExecutionStatusFailed})
	if err != nil || len(failed.Executions) != 1 || *failed.Executions[0].ExecutionArn != *bad.ExecutionArn {
		t.Fatalf("list failed = %+v, %v", failed, err)
	}
	all, err := h.client.ListExecutions(ctx, &awssfn.ListExecutionsInput{StateMachineArn: aws.String(arn)})
	if err != nil || len(all.Executions) != 2 {
		t.Fatalf("list = %+v, %v", all, err)
	}
	_, err = h.client.DescribeExecution(ctx, &awssfn.DescribeExecutionInput{ExecutionArn: aws.String("arn:aws:states:us-east-1:000000000000:execution:sm:nope")})
	var missing *types.ExecutionDoesNotExist
	if !errors.As(err, &missing) {
		t.Errorf("describe unknown: %v", err)
	}
}

func TestGetExecutionHistory(t *testing.T) {
	h := newHarness(t, Options{})
	ctx := context.Background()
	arn := h.create(t, "hist", `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Pass","End":true}}}`)
	d := h.run(t, arn, "x", `{"v":1}`)
	want := []types.HistoryEventType{"ExecutionStarted", "PassStateEntered", "PassStateExited", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"}
	var got []types.HistoryEventType
	p := awssfn.NewGetExecutionHistoryPaginator(h.client, &awssfn.GetExecutionHistoryInput{ExecutionArn: d.ExecutionArn, MaxResults: 4})
	pages := 0
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, e := range page.Events {
			got = append(got, e.Type)
		}
	}
	if pages != 2 || len(got) != len(want) {
		t.Fatalf("got %d pages, events %v", pages, got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("events %v, want %v", got, want)
		}
	}
	rev, err := h.client.GetExecutionHistory(ctx, &awssfn.GetExecutionHistoryInput{ExecutionArn: d.ExecutionArn, ReverseOrder: true})
	if err != nil {
		t.Fatal(err)
	}
	last := rev.Events[0]
	if last.Type != types.HistoryEventTypeExecutionSucceeded || last.Id != 6 || last.PreviousEventId != 5 ||
		!jsonEqual(aws.ToString(last.ExecutionSucceededEventDetails.Output), `{"v":1}`) || last.Timestamp == nil {
		t.Errorf("last event = %+v", last)
	}
	first := rev.Events[len(rev.Events)-1]
	if first.ExecutionStartedEventDetails == nil || aws.ToString(first.ExecutionStartedEventDetails.RoleArn) != "arn:aws:iam::000000000000:role/sfn" {
		t.Errorf("first event = %+v", first)
	}
	if _, err := h.client.GetExecutionHistory(ctx, &awssfn.GetExecutionHistoryInput{ExecutionArn: d.ExecutionArn, NextToken: aws.String("garbage")}); errorCode(err) != "InvalidToken" {
		t.Errorf("bad token: %v", err)
	}
}

func TestStopExecution(t *testing.T) {
	h := newHarness(t, Options{})
	ctx := context.Background()
	arn := h.create(t, "bake", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`)
	start, err := h.client.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.client.StopExecution(ctx, &awssfn.StopExecutionInput{ExecutionArn: start.ExecutionArn, Error: aws.String("Halted"), Cause: aws.String("operator")}); err != nil {
		t.Fatal(err)
	}
	d := h.await(t, *start.ExecutionArn)
	if d.Status != types.ExecutionStatusAborted || aws.ToString(d.Error) != "Halted" {
		t.Fatalf("describe = %+v", d)
	}
	hist, err := h.client.GetExecutionHistory(ctx, &awssfn.GetExecutionHistoryInput{ExecutionArn: start.ExecutionArn, ReverseOrder: true})
	if err != nil || hist.Events[0].Type != types.HistoryEventTypeExecutionAborted || aws.ToString(hist.Events[0].ExecutionAbortedEventDetails.Cause) != "operator" {
		t.Fatalf("history = %+v, %v", hist, err)
	}
	if _, err := h.client.StopExecution(ctx, &awssfn.StopExecutionInput{ExecutionArn: start.ExecutionArn}); err == nil {
		t.Error("stopping an ended execution succeeded")
	}
}

func TestWaitForTaskToken(t *testing.T) {
	tokens := make(chan string, 4)
	inv := &fakeInvoker{fn: func(_, _ string, payload []byte) (bus.InvokeResult, error) {
		var p struct{ Token string }
		_ = json.Unmarshal(payload, &p)
		tokens <- p.Token
		return bus.InvokeResult{Payload: []byte(`null`), StatusCode: 200}, nil
	}}
	h := newHarness(t, Options{Invoker: inv})
	ctx := context.Background()
	arn := h.create(t, "callback", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken",
	  "HeartbeatSeconds":60,"Parameters":{"FunctionName":"approver","Payload":{"Token.$":"$$.Task.Token"}},"End":true}}}`)
	tests := []struct {
		name       string
		complete   func(token string) error
		wantStatus types.ExecutionStatus
		wantError  string
	}{
		{"success", func(tok string) error {
			if _, err := h.client.SendTaskHeartbeat(ctx, &awssfn.SendTaskHeartbeatInput{TaskToken: aws.String(tok)}); err != nil {
				return err
			}
			_, err := h.client.SendTaskSuccess(ctx, &awssfn.SendTaskSuccessInput{TaskToken: aws.String(tok), Output: aws.String(`{"approved":true}`)})
			return err
		}, types.ExecutionStatusSucceeded, ""},
		{"failure", func(tok string) error {
			_, err := h.client.SendTaskFailure(ctx, &awssfn.SendTaskFailureInput{TaskToken: aws.String(tok), Error: aws.String("Rejected"), Cause: aws.String("no")})
			return err
		}, types.ExecutionStatusFailed, "Rejected"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start, err := h.client.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(arn)})
			if err != nil {
				t.Fatal(err)
			}
			tok := <-tokens
			if err := tt.complete(tok); err != nil {
				t.Fatal(err)
			}
			d := h.await(t, *start.ExecutionArn)
			if d.Status != tt.wantStatus || aws.ToString(d.Error) != tt.wantError {
				t.Fatalf("describe = %s %q", d.Status, aws.ToString(d.Error))
			}
			_, err = h.client.SendTaskSuccess(ctx, &awssfn.SendTaskSuccessInput{TaskToken: aws.String(tok), Output: aws.String(`{}`)})
			var gone *types.TaskDoesNotExist
			if !errors.As(err, &gone) {
				t.Errorf("late SendTaskSuccess: %v", err)
			}
		})
	}
}

func TestPersistence(t *testing.T) {
	dir := t.TempDir()
	svc, err := New(Options{Dir: dir, Invoker: &fakeInvoker{fn: defaultInvoke}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	srv := httptest.NewServer(svc)
	client := awssfn.New(awssfn.Options{Region: bus.Region, BaseEndpoint: aws.String(srv.URL), Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
	h := &harness{svc: svc, client: client}
	quick := h.create(t, "quick", `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":"done","End":true}}}`)
	slow := h.create(t, "slow", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`)
	done := h.run(t, quick, "q", `{}`)
	running, err := svc.StartExecution(ctx, slow, "s", `{}`)
	if err != nil {
		t.Fatal(err)
	}
	srv.Close()
	if err := svc.Close(); err != nil {
		t.Fatal(err)
	}

	h2 := newHarness(t, Options{Dir: dir})
	d, err := h2.client.DescribeExecution(ctx, &awssfn.DescribeExecutionInput{ExecutionArn: done.ExecutionArn})
	if err != nil || d.Status != types.ExecutionStatusSucceeded || aws.ToString(d.Output) != `"done"` {
		t.Fatalf("finished execution after restart = %+v, %v", d, err)
	}
	d, err = h2.client.DescribeExecution(ctx, &awssfn.DescribeExecutionInput{ExecutionArn: aws.String(running)})
	if err != nil || d.Status != types.ExecutionStatusRunning {
		t.Fatalf("running execution after restart = %+v, %v", d, err)
	}
	hist, err := h2.client.GetExecutionHistory(ctx, &awssfn.GetExecutionHistoryInput{ExecutionArn: aws.String(running)})
	if err != nil {
		t.Fatal(err)
	}
	if len(hist.Events) != 2 || hist.Events[0].Type != types.HistoryEventTypeExecutionStarted || hist.Events[1].Type != types.HistoryEventTypeWaitStateEntered {
		t.Errorf("history after restart = %+v, want the start and the Wait it waits in", hist.Events)
	}
	if again := h2.run(t, quick, "q2", `{}`); again.Status != types.ExecutionStatusSucceeded {
		t.Errorf("reloaded state machine does not run: %+v", again)
	}
}

func TestFaultsAndProtocolErrors(t *testing.T) {
	faults := &fault.Injector{}
	h := newHarness(t, Options{Faults: faults})
	ctx := context.Background()
	arn := h.create(t, "f", `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)
	if err := faults.Add(fault.Rule{Service: "states", Operation: "StartExecution", Code: "ThrottlingException", Status: 400, Count: 1}); err != nil {
		t.Fatal(err)
	}
	_, err := h.client.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(arn)}, func(o *awssfn.Options) { o.RetryMaxAttempts = 1 })
	if errorCode(err) != "ThrottlingException" {
		t.Errorf("injected fault: %v", err)
	}
	req, _ := http.NewRequest(http.MethodPost, "/", strings.NewReader("{}"))
	req.Header.Set("X-Amz-Target", "AWSStepFunctions.Nope")
	rec := httptest.NewRecorder()
	h.svc.ServeHTTP(rec, req)
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), `"__type":"UnknownOperationException"`) {
		t.Errorf("unknown operation: %d %s", rec.Code, rec.Body)
	}
}

func TestRequestID(t *testing.T) {
	h := newHarness(t, Options{})
	ctx := context.Background()
	out, err := h.client.ListStateMachines(ctx, &awssfn.ListStateMachinesInput{})
	if err != nil {
		t.Fatal(err)
	}
	if id, ok := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata); !ok || id == "" {
		t.Errorf("a success has no request id (%q)", id)
	}
	_, err = h.client.DescribeExecution(ctx, &awssfn.DescribeExecutionInput{ExecutionArn: aws.String("arn:aws:states:us-east-1:000000000000:execution:m:x")})
	var re *awshttp.ResponseError
	if !errors.As(err, &re) || re.ServiceRequestID() == "" {
		t.Errorf("an error has no request id: %v", err)
	}
}

func TestMaxResultsRange(t *testing.T) {
	h := newHarness(t, Options{})
	ctx := context.Background()
	arn := h.create(t, "paged", `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)
	d := h.run(t, arn, "x", `{}`)
	operations := []struct {
		name string
		call func(maxResults int32) error
	}{
		{"ListStateMachines", func(n int32) error {
			_, err := h.client.ListStateMachines(ctx, &awssfn.ListStateMachinesInput{MaxResults: n})
			return err
		}},
		{"ListExecutions", func(n int32) error {
			_, err := h.client.ListExecutions(ctx, &awssfn.ListExecutionsInput{StateMachineArn: aws.String(arn), MaxResults: n})
			return err
		}},
		{"GetExecutionHistory", func(n int32) error {
			_, err := h.client.GetExecutionHistory(ctx, &awssfn.GetExecutionHistoryInput{ExecutionArn: d.ExecutionArn, MaxResults: n})
			return err
		}},
	}
	sizes := []struct {
		maxResults int32
		want       string // error code, "" for success
	}{
		{-1, "ValidationException"},
		{0, ""},
		{1000, ""},
		{1001, "ValidationException"},
	}
	for _, op := range operations {
		for _, size := range sizes {
			t.Run(fmt.Sprintf("%s/%d", op.name, size.maxResults), func(t *testing.T) {
				if err := op.call(size.maxResults); errorCode(err) != size.want || (size.want == "") != (err == nil) {
					t.Errorf("error = %v, want %q", err, size.want)
				}
			})
		}
	}
}

func TestOversizedRequest(t *testing.T) {
	h := newHarness(t, Options{})
	arn := h.create(t, "big", `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)
	input := `{"blob":"` + strings.Repeat("x", maxRequestBody) + `"}`
	_, err := h.client.StartExecution(context.Background(), &awssfn.StartExecutionInput{StateMachineArn: aws.String(arn), Input: aws.String(input)})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "ValidationException" || !strings.Contains(ae.ErrorMessage(), "larger than 4194304 bytes") {
		t.Errorf("error = %v, want ValidationException naming the 4194304-byte limit", err)
	}
}

func TestStopExecutionHonoursContext(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{})
	// The task ignores cancellation, so the stopped execution cannot end
	// until release is closed.
	stuck := &fakeInvoker{fn: func(string, string, []byte) (bus.InvokeResult, error) {
		close(entered)
		<-release
		return bus.InvokeResult{Payload: []byte(`{}`), StatusCode: 200}, nil
	}}
	h := newHarness(t, Options{Invoker: stuck})
	t.Cleanup(func() { close(release) })
	arn := h.create(t, "stuck", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:000000000000:function:slow","End":true}}}`)
	start, err := h.client.StartExecution(context.Background(), &awssfn.StartExecutionInput{StateMachineArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	<-entered
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := h.svc.stopExecution(ctx, []byte(`{"executionArn":"`+*start.ExecutionArn+`"}`))
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("stopExecution = %v, want %v", err, context.DeadlineExceeded)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("stopExecution still waits after its context ended")
	}
}

func TestWriteErrorMessage(t *testing.T) {
	injected := awserr.New("ThrottlingException", http.StatusBadRequest, "Rate exceeded")
	tests := []struct {
		name       string
		err        error
		code, msg  string
		wantStatus int
	}{
		{"fault", injected, "ThrottlingException", "Rate exceeded", http.StatusBadRequest},
		{"wrapped fault", fmt.Errorf("start execution: %w", injected), "ThrottlingException", "Rate exceeded", http.StatusBadRequest},
		{"wrapped client error", fmt.Errorf("decode: %w", clientError("InvalidArn", "Invalid Arn: 'x'")), "InvalidArn", "Invalid Arn: 'x'", http.StatusBadRequest},
		{"internal error", errors.New("disk full"), "InternalFailure", "disk full", http.StatusInternalServerError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			writeError(rec, tt.err)
			var body map[string]string
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatal(err)
			}
			if rec.Code != tt.wantStatus || body["__type"] != tt.code || body["message"] != tt.msg {
				t.Errorf("answer = %d %v, want %d %s %q", rec.Code, body, tt.wantStatus, tt.code, tt.msg)
			}
		})
	}
}

// countingInvoker counts invocations; "hang" runs until its context ends.
type countingInvoker struct {
	calls, inflight atomic.Int32
	hung            chan struct{} // closed once "hang" runs
	once            sync.Once
	hangAll         bool // every function hangs
}

func (c *countingInvoker) Invoke(ctx context.Context, function, _ string, payload []byte) (bus.InvokeResult, error) {
	c.calls.Add(1)
	c.inflight.Add(1)
	defer c.inflight.Add(-1)
	if c.hangAll || strings.HasSuffix(function, "hang") {
		c.once.Do(func() { close(c.hung) })
		<-ctx.Done()
		return bus.InvokeResult{}, ctx.Err()
	}
	return bus.InvokeResult{Payload: payload, StatusCode: 200}, nil
}

func TestCloseEndsExecutionsAndKeepsThem(t *testing.T) {
	dir := t.TempDir()
	inv := &countingInvoker{hung: make(chan struct{})}
	svc, err := New(Options{Dir: dir, Invoker: inv})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	srv := httptest.NewServer(svc)
	h := &harness{svc: svc, client: awssfn.New(awssfn.Options{Region: bus.Region, BaseEndpoint: aws.String(srv.URL), Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})}
	loop := h.create(t, "loop", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:000000000000:function:spin","Next":"T"}}}`)
	hang := h.create(t, "hang", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:000000000000:function:hang","End":true}}}`)
	looping, err := svc.StartExecution(ctx, loop, "spinning", `{}`)
	if err != nil {
		t.Fatal(err)
	}
	hanging, err := svc.StartExecution(ctx, hang, "hanging", `{}`)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-inv.hung:
	case <-time.After(5 * time.Second):
		t.Fatal("the hanging function was never invoked")
	}
	for deadline := time.Now().Add(5 * time.Second); inv.calls.Load() < 20; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the loop invoked %d times", inv.calls.Load())
		}
	}
	srv.Close()

	closed := make(chan error, 1)
	go func() { closed <- svc.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close waits for an invocation that never ends")
	}
	if n := inv.inflight.Load(); n != 0 {
		t.Errorf("%d invocations still running once Close returned", n)
	}
	n := inv.calls.Load()
	time.Sleep(100 * time.Millisecond)
	if later := inv.calls.Load(); later != n {
		t.Errorf("%d invocations after Close", later-n)
	}

	// Saved as they were, still running, for a restart to pick up.
	var saved persisted
	raw, err := os.ReadFile(filepath.Join(dir, stateFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &saved); err != nil {
		t.Fatal(err)
	}
	kept := map[string]*execution{}
	for _, x := range saved.Executions {
		kept[x.ARN] = x
	}
	for _, arn := range []string{looping, hanging} {
		x := kept[arn]
		if x == nil {
			t.Fatalf("%s was not saved", arn)
		}
		if x.Status != asl.StatusRunning || len(x.History) < 3 {
			t.Errorf("%s saved as %s with %d events, want RUNNING with its history", arn, x.Status, len(x.History))
		}
		for _, ev := range x.History {
			if ev.Type == asl.ExecutionAborted {
				t.Errorf("%s was saved aborted", arn)
			}
		}
	}

	// A restart invokes the tasks they were running again, and their
	// histories go on from their last checkpoints.
	inv2 := &countingInvoker{hung: make(chan struct{}), hangAll: true}
	h2 := newHarness(t, Options{Dir: dir, Invoker: inv2})
	for deadline := time.Now().Add(5 * time.Second); inv2.calls.Load() < 2; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the restart invoked the tasks %d times, want 2", inv2.calls.Load())
		}
	}
	for _, arn := range []string{looping, hanging} {
		var events []types.HistoryEvent
		pages := awssfn.NewGetExecutionHistoryPaginator(h2.client, &awssfn.GetExecutionHistoryInput{ExecutionArn: aws.String(arn), MaxResults: 1000})
		for pages.HasMorePages() {
			page, err := pages.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			events = append(events, page.Events...)
		}
		starts := 0
		for _, ev := range events {
			if ev.Type == types.HistoryEventTypeExecutionStarted {
				starts++
			}
		}
		last := events[len(events)-1].Type
		if starts != 1 || len(events) > len(kept[arn].History)+2 || last != types.HistoryEventTypeLambdaFunctionStarted {
			t.Errorf("%s after a restart: %d events (%d before), %d ExecutionStarted, last %s; want one start and the task invoked again",
				arn, len(events), len(kept[arn].History), starts, last)
		}
	}
}
