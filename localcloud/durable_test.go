package localcloud

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
)

// TestClockMonotonicAcrossKill kills a cloud and starts another on its
// folder: the new clock starts no earlier than any reading of the old.
func TestClockMonotonicAcrossKill(t *testing.T) {
	dir := t.TempDir()
	c := start(t, dir)
	time.Sleep(600 * time.Millisecond)
	before := c.Clock().Now()
	c.Kill()
	again := start(t, dir)
	if after := again.Clock().Now(); after.Before(before) {
		t.Errorf("the clock went back across a kill: %v, then %v", before, after)
	}
}

// TestStatusChangeReachesRuleTarget stops an execution from outside and
// checks that a rule on its status-change event starts its target, a
// watchdog state machine, with the event.
func TestStatusChangeReachesRuleTarget(t *testing.T) {
	c := start(t, t.TempDir())
	ctx := t.Context()
	machines := sfn.NewFromConfig(c.AWSConfig())
	create := func(name, def string) string {
		out, err := machines.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String(name), Definition: aws.String(def), RoleArn: aws.String("arn:aws:iam::000000000000:role/sfn")})
		if err != nil {
			t.Fatal(err)
		}
		return *out.StateMachineArn
	}
	release := create("release", `{"StartAt":"Bake","States":{"Bake":{"Type":"Wait","Seconds":3600,"End":true}}}`)
	watchdog := create("watchdog", `{"StartAt":"Note","States":{"Note":{"Type":"Pass","End":true}}}`)
	eb := eventbridge.NewFromConfig(c.AWSConfig())
	pattern := `{"source":["aws.states"],"detail-type":["Step Functions Execution Status Change"],"detail":{"status":["ABORTED","TIMED_OUT","FAILED"]}}`
	if _, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("watchdog"), EventPattern: aws.String(pattern)}); err != nil {
		t.Fatal(err)
	}
	if _, err := eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("watchdog"), Targets: []ebtypes.Target{{Id: aws.String("sfn"), Arn: aws.String(watchdog)}}}); err != nil {
		t.Fatal(err)
	}
	started, err := machines.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(release), Name: aws.String("r1")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := machines.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: started.ExecutionArn, Error: aws.String("Operator"), Cause: aws.String("stopped from the console")}); err != nil {
		t.Fatal(err)
	}
	var input string
	if !eventually(10*time.Second, 20*time.Millisecond, func() bool {
		list, err := machines.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(watchdog)})
		if err != nil || len(list.Executions) == 0 {
			return false
		}
		d, err := machines.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: list.Executions[0].ExecutionArn})
		if err != nil {
			return false
		}
		input = aws.ToString(d.Input)
		return true
	}) {
		t.Fatal("the watchdog was not started")
	}
	var ev struct {
		Source     string `json:"source"`
		DetailType string `json:"detail-type"`
		Detail     struct {
			ExecutionARN string `json:"executionArn"`
			Status       string `json:"status"`
			Error        string `json:"error"`
			Cause        string `json:"cause"`
		} `json:"detail"`
	}
	if err := json.Unmarshal([]byte(input), &ev); err != nil {
		t.Fatal(err)
	}
	d := ev.Detail
	if ev.Source != "aws.states" || d.ExecutionARN != *started.ExecutionArn || d.Status != "ABORTED" || d.Error != "Operator" || !strings.Contains(d.Cause, "console") {
		t.Errorf("the watchdog got %s", input)
	}
}
