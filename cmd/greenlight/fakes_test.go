package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	lambdasdk "github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/smithy-go"

	"github.com/greenlight/greenlight/internal/ledger/ledgertest"
)

const (
	testBucket = "greenlight-artifacts"
	testSM     = "arn:aws:states:eu-west-1:123456789012:stateMachine:greenlight"
)

var t0 = time.Date(2026, 11, 22, 10, 15, 0, 0, time.UTC)

func fixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// fakeStacks serves one stack's outputs; an empty outputs map means the
// stack does not exist.
type fakeStacks struct{ outputs map[string]string }

func (f fakeStacks) DescribeStacks(_ context.Context, in *cloudformation.DescribeStacksInput, _ ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error) {
	if f.outputs == nil {
		return nil, &smithy.GenericAPIError{Code: "ValidationError", Message: fmt.Sprintf("Stack with id %s does not exist", aws.ToString(in.StackName))}
	}
	st := cfntypes.Stack{StackName: in.StackName}
	for k, v := range f.outputs {
		st.Outputs = append(st.Outputs, cfntypes.Output{OutputKey: aws.String(k), OutputValue: aws.String(v)})
	}
	return &cloudformation.DescribeStacksOutput{Stacks: []cfntypes.Stack{st}}, nil
}

var goodStack = fakeStacks{outputs: map[string]string{
	"ArtifactBucketName": testBucket,
	"TopicArn":           "arn:aws:sns:eu-west-1:123456789012:greenlight",
	"StateMachineArn":    testSM,
}}

// fakeExecution is one execution as the fake Step Functions holds it.
type fakeExecution struct {
	arn    string
	input  string
	start  time.Time
	status sfntypes.ExecutionStatus // the status once runningPolls are used up
	// runningPolls is how many DescribeExecution calls see RUNNING.
	runningPolls int
	described    int
	output       string
	errName      string
	cause        string
	events       []sfntypes.HistoryEvent // oldest first
	// runningEvents, when set, is how many events history shows while the
	// execution runs.
	runningEvents int
}

// seenRunning reports whether the last DescribeExecution saw it running.
func (e *fakeExecution) seenRunning() bool { return e.described <= e.runningPolls }

func (e *fakeExecution) currentStatus() sfntypes.ExecutionStatus {
	if e.described < e.runningPolls {
		return sfntypes.ExecutionStatusRunning
	}
	return e.status
}

// fakeSFN holds executions newest first.
type fakeSFN struct {
	execs []*fakeExecution
	// appear, when set, is added in front of execs on the ListExecutions
	// call number appearAfter.
	appear      *fakeExecution
	appearAfter int
	lists       int
	// next, when set, is the execution StartExecution starts; started
	// holds the inputs it was given.
	next    *fakeExecution
	started []string
}

func (f *fakeSFN) StartExecution(_ context.Context, in *sfn.StartExecutionInput, _ ...func(*sfn.Options)) (*sfn.StartExecutionOutput, error) {
	if aws.ToString(in.StateMachineArn) != testSM {
		return nil, &smithy.GenericAPIError{Code: "StateMachineDoesNotExist", Message: aws.ToString(in.StateMachineArn)}
	}
	f.started = append(f.started, aws.ToString(in.Input))
	e := f.next
	if e == nil {
		e = &fakeExecution{arn: fmt.Sprintf("started-%d", len(f.started)), status: sfntypes.ExecutionStatusRunning, runningPolls: 1 << 30}
	}
	e.input = aws.ToString(in.Input)
	f.execs = append([]*fakeExecution{e}, f.execs...)
	return &sfn.StartExecutionOutput{ExecutionArn: &e.arn}, nil
}

func (f *fakeSFN) find(arn string) (*fakeExecution, error) {
	for _, e := range f.execs {
		if e.arn == arn {
			return e, nil
		}
	}
	return nil, &smithy.GenericAPIError{Code: "ExecutionDoesNotExist", Message: arn}
}

func (f *fakeSFN) ListExecutions(_ context.Context, in *sfn.ListExecutionsInput, _ ...func(*sfn.Options)) (*sfn.ListExecutionsOutput, error) {
	if aws.ToString(in.StateMachineArn) != testSM {
		return nil, &smithy.GenericAPIError{Code: "StateMachineDoesNotExist", Message: aws.ToString(in.StateMachineArn)}
	}
	f.lists++
	if f.appear != nil && f.lists >= f.appearAfter {
		f.execs = append([]*fakeExecution{f.appear}, f.execs...)
		f.appear = nil
	}
	out := &sfn.ListExecutionsOutput{}
	for _, e := range f.execs {
		if in.StatusFilter != "" && e.currentStatus() != in.StatusFilter {
			continue
		}
		out.Executions = append(out.Executions, sfntypes.ExecutionListItem{
			ExecutionArn: aws.String(e.arn), StartDate: aws.Time(e.start), Status: e.currentStatus(), StateMachineArn: in.StateMachineArn,
		})
	}
	return out, nil
}

func (f *fakeSFN) DescribeExecution(_ context.Context, in *sfn.DescribeExecutionInput, _ ...func(*sfn.Options)) (*sfn.DescribeExecutionOutput, error) {
	e, err := f.find(aws.ToString(in.ExecutionArn))
	if err != nil {
		return nil, err
	}
	out := &sfn.DescribeExecutionOutput{
		ExecutionArn: aws.String(e.arn), Input: aws.String(e.input), StartDate: aws.Time(e.start), Status: e.status,
	}
	if e.described < e.runningPolls {
		out.Status = sfntypes.ExecutionStatusRunning
	}
	e.described++
	if out.Status == sfntypes.ExecutionStatusRunning {
		return out, nil
	}
	if e.status != sfntypes.ExecutionStatusRunning {
		out.StopDate = aws.Time(e.start.Add(6 * time.Minute))
	}
	if e.output != "" {
		out.Output = aws.String(e.output)
	}
	if e.errName != "" {
		out.Error, out.Cause = aws.String(e.errName), aws.String(e.cause)
	}
	return out, nil
}

func (f *fakeSFN) GetExecutionHistory(_ context.Context, in *sfn.GetExecutionHistoryInput, _ ...func(*sfn.Options)) (*sfn.GetExecutionHistoryOutput, error) {
	e, err := f.find(aws.ToString(in.ExecutionArn))
	if err != nil {
		return nil, err
	}
	events := append([]sfntypes.HistoryEvent(nil), e.events...)
	if e.seenRunning() && e.runningEvents > 0 {
		events = events[:e.runningEvents]
	}
	if in.ReverseOrder {
		for i, j := 0, len(events)-1; i < j; i, j = i+1, j-1 {
			events[i], events[j] = events[j], events[i]
		}
	}
	return &sfn.GetExecutionHistoryOutput{Events: events}, nil
}

// entered builds a state-entered history event.
func entered(typ sfntypes.HistoryEventType, name string, at time.Time, input string) sfntypes.HistoryEvent {
	return sfntypes.HistoryEvent{
		Type: typ, Timestamp: aws.Time(at),
		StateEnteredEventDetails: &sfntypes.StateEnteredEventDetails{Name: aws.String(name), Input: aws.String(input)},
	}
}

// fakeAlarms answers DescribeAlarms from a map of alarm states.
type fakeAlarms map[string]cwtypes.StateValue

func (f fakeAlarms) DescribeAlarms(_ context.Context, in *cloudwatch.DescribeAlarmsInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.DescribeAlarmsOutput, error) {
	out := &cloudwatch.DescribeAlarmsOutput{}
	for _, n := range in.AlarmNames {
		if st, ok := f[n]; ok {
			out.MetricAlarms = append(out.MetricAlarms, cwtypes.MetricAlarm{AlarmName: aws.String(n), StateValue: st})
		}
	}
	return out, nil
}

// versionedBucket is a ledgertest bucket that also versions uploads and
// remembers their order.
type versionedBucket struct {
	*ledgertest.Bucket
	puts []string
}

func newBucket() *versionedBucket { return &versionedBucket{Bucket: ledgertest.NewBucket()} }

func (b *versionedBucket) PutObject(ctx context.Context, in *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	if aws.ToString(in.Bucket) != testBucket {
		return nil, &smithy.GenericAPIError{Code: "NoSuchBucket", Message: aws.ToString(in.Bucket)}
	}
	out, err := b.Bucket.PutObject(ctx, in, optFns...)
	if err != nil {
		return nil, err
	}
	b.puts = append(b.puts, aws.ToString(in.Key))
	out.VersionId = aws.String(fmt.Sprintf("v%d", len(b.puts)))
	return out, nil
}

func (b *versionedBucket) object(t *testing.T, key string) string {
	t.Helper()
	out, err := b.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(testBucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	body, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(body)
}

// fakeFunctions knows some functions and records UpdateAlias calls.
type fakeFunctions struct {
	mu      sync.Mutex
	names   []string
	updates []*lambdasdk.UpdateAliasInput
	err     error
}

func (f *fakeFunctions) GetFunction(_ context.Context, in *lambdasdk.GetFunctionInput, _ ...func(*lambdasdk.Options)) (*lambdasdk.GetFunctionOutput, error) {
	if !slices.Contains(f.names, aws.ToString(in.FunctionName)) {
		return nil, &lambdatypes.ResourceNotFoundException{Message: aws.String("Function not found: " + aws.ToString(in.FunctionName))}
	}
	return &lambdasdk.GetFunctionOutput{}, nil
}

func (f *fakeFunctions) UpdateAlias(_ context.Context, in *lambdasdk.UpdateAliasInput, _ ...func(*lambdasdk.Options)) (*lambdasdk.UpdateAliasOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	f.updates = append(f.updates, in)
	return &lambdasdk.UpdateAliasOutput{}, nil
}

// run executes the command line against a root wired to clients and returns
// stdout, stderr and the exit code main would use.
func run(t *testing.T, c *awsClients, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	root := newBareRoot()
	a := newReleaseApp(func(context.Context) (*awsClients, error) {
		if c == nil {
			return nil, environmentf("no AWS credentials")
		}
		return c, nil
	})
	a.now = func() time.Time { return t0.Add(2 * time.Minute) }
	a.poll = time.Millisecond
	a.findTimeout = 200 * time.Millisecond
	addReleaseCommands(root, a)
	var out, errOut bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetArgs(args)
	err := execute(context.Background(), root)
	return out.String(), errOut.String(), exitCode(err)
}

// runOK runs the command line, which must succeed, and returns its stdout.
func runOK(t *testing.T, c *awsClients, args ...string) string {
	t.Helper()
	out, errOut, code := run(t, c, args...)
	if code != exitOK {
		t.Fatalf("%s: exit code %d: %s", strings.Join(args, " "), code, errOut)
	}
	return out
}

// runJSON runs the command line, which must succeed, and decodes its
// output (-o json) into v.
func runJSON(t *testing.T, c *awsClients, v any, args ...string) {
	t.Helper()
	out := runOK(t, c, args...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
}

func mustContain(t *testing.T, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("output does not contain %q:\n%s", w, got)
		}
	}
}
