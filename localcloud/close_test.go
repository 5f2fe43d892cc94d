package localcloud

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/greenlight/greenlight/localcloud/fault"
)

// closerFunc adapts a function to io.Closer.
type closerFunc func() error

func (f closerFunc) Close() error { return f() }

var _ io.Closer = closerFunc(nil)

// executionGoroutines counts the goroutines that run executions.
func executionGoroutines() int {
	n := 0
	for _, g := range strings.Split(goroutines(), "\n\n") {
		if strings.Contains(g, "localcloud/asl.") {
			n++
		}
	}
	return n
}

// TestCloseEndsExecutionsBeforeLambda runs an execution that invokes a
// function over and over, closes the cloud, and checks that no invocation
// reached Lambda once Lambda began to close, that no goroutine of the
// execution is left, and that the execution goes on after a restart.
func TestCloseEndsExecutionsBeforeLambda(t *testing.T) {
	dir := t.TempDir()
	before := executionGoroutines()
	c := start(t, dir)
	ctx := t.Context()
	// Every invocation of "nowhere" fails with an injected fault, which
	// the injector counts.
	if err := c.Faults().Add(fault.Rule{Service: "lambda", Operation: "Invoke", Match: "nowhere", Code: "ServiceException", Status: 500, Count: -1}); err != nil {
		t.Fatal(err)
	}
	invocations := func() int { return c.Faults().Hits("lambda", "Invoke") }
	atLambdaClose := -1
	for i, nc := range c.closers {
		if nc.name == "lambda" {
			inner := nc.c
			c.closers[i].c = closerFunc(func() error { atLambdaClose = invocations(); return inner.Close() })
		}
	}

	machines := sfn.NewFromConfig(c.AWSConfig())
	sm, err := machines.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{
		Name: aws.String("retry-forever"), RoleArn: aws.String("arn:aws:iam::000000000000:role/sfn"),
		Definition: aws.String(`{"StartAt":"Call","States":{
			"Call":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:000000000000:function:nowhere",
				"Catch":[{"ErrorEquals":["States.ALL"],"Next":"Pause"}],"End":true},
			"Pause":{"Type":"Wait","Seconds":1,"Next":"Call"}}}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	started, err := machines.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Name: aws.String("busy")})
	if err != nil {
		t.Fatal(err)
	}
	if !eventually(10*time.Second, 10*time.Millisecond, func() bool { return invocations() >= 5 }) {
		t.Fatalf("the execution invoked %d times", invocations())
	}

	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	after := invocations()
	if atLambdaClose != after {
		t.Errorf("%d invocations reached Lambda once it began to close", after-atLambdaClose)
	}
	time.Sleep(200 * time.Millisecond)
	if later := invocations(); later != after {
		t.Errorf("%d invocations after Close", later-after)
	}
	if !eventually(5*time.Second, 10*time.Millisecond, func() bool { return executionGoroutines() <= before }) {
		t.Errorf("%d goroutines of executions left after Close, %d before:\n%s", executionGoroutines(), before, goroutines())
	}

	again := start(t, dir)
	machines = sfn.NewFromConfig(again.AWSConfig())
	d, err := machines.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: started.ExecutionArn})
	if err != nil {
		t.Fatalf("the execution was lost: %v", err)
	}
	// The execution resumes where it was.
	equal(t, "status after a restart", d.Status, sfntypes.ExecutionStatusRunning)
	hist, err := machines.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: started.ExecutionArn, MaxResults: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(hist.Events) < 10 {
		t.Errorf("%d events after a restart; the history so far was not kept", len(hist.Events))
	}
	if _, err := machines.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: started.ExecutionArn}); err != nil {
		t.Fatal(err)
	}
}
