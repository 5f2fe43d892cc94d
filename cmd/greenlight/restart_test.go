package main

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/greenlight/greenlight/localcloud"
)

// upProcess is `greenlight local up` running as a process of its own.
type upProcess struct {
	cmd      *exec.Cmd
	endpoint string
}

// startUp runs the binary bin as `local up` on dir and waits for its endpoint.
func startUp(t *testing.T, bin, dir string) *upProcess {
	t.Helper()
	var out, errOut syncBuffer
	cmd := exec.Command(bin, "local", "up", "--port", "0", "--dir", dir, "--time-scale", "60", "--template", "")
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	endpointRE := regexp.MustCompile(`export AWS_ENDPOINT_URL=(http://127\.0\.0\.1:\d+)\n`)
	waitFor(t, 30*time.Second, func() bool { return endpointRE.MatchString(out.String()) }, "local up printed no endpoint; stderr: %s", &errOut)
	return &upProcess{cmd: cmd, endpoint: endpointRE.FindStringSubmatch(out.String())[1]}
}

func (p *upProcess) client() *sfn.Client {
	return sfn.New(sfn.Options{Region: "us-east-1", BaseEndpoint: aws.String(p.endpoint),
		Credentials: credentials.NewStaticCredentialsProvider(localcloud.AccessKeyID, localcloud.SecretAccessKey, "")})
}

func (p *upProcess) clock(t *testing.T) time.Time {
	t.Helper()
	resp, err := http.Get(p.endpoint + localcloud.ControlPrefix + "clock")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st localcloud.ClockState
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	return st.Now
}

// TestExecutionSurvivesKill runs `greenlight local up` as a process, starts
// an execution that waits ten minutes (ten seconds at time scale 60),
// kills the process with SIGKILL in the middle of the wait and starts it
// again on the same folder: the execution finishes, with one history, and
// the clock goes on from where it was.
func TestExecutionSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs greenlight")
	}
	bin := filepath.Join(t.TempDir(), "greenlight")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	dir := t.TempDir()
	ctx := context.Background()

	first := startUp(t, bin, dir)
	sm, err := first.client().CreateStateMachine(ctx, &sfn.CreateStateMachineInput{
		Name: aws.String("bake"), RoleArn: aws.String("arn:aws:iam::000000000000:role/sfn"),
		Definition: aws.String(`{"StartAt":"Bake","States":{"Bake":{"Type":"Wait","Seconds":600,"Next":"Done"},"Done":{"Type":"Pass","End":true}}}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	started, err := first.client().StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Name: aws.String("release-1"), Input: aws.String(`{"build":"7"}`)})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second)
	before := first.clock(t)
	if err := first.cmd.Process.Signal(os.Kill); err != nil {
		t.Fatal(err)
	}
	_ = first.cmd.Wait()

	second := startUp(t, bin, dir)
	if after := second.clock(t); after.Before(before) {
		t.Errorf("the clock went back across the restart: %v, then %v", before, after)
	}
	var d *sfn.DescribeExecutionOutput
	waitFor(t, 30*time.Second, func() bool {
		d, err = second.client().DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: started.ExecutionArn})
		return err == nil && d.Status != sfntypes.ExecutionStatusRunning
	}, "the execution did not end after the restart")
	if d.Status != sfntypes.ExecutionStatusSucceeded || aws.ToString(d.Output) != `{"build":"7"}` {
		t.Fatalf("after the restart: %s %q %q", d.Status, aws.ToString(d.Output), aws.ToString(d.Cause))
	}
	hist, err := second.client().GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: started.ExecutionArn})
	if err != nil {
		t.Fatal(err)
	}
	var types []sfntypes.HistoryEventType
	var entered, exited time.Time
	for i, ev := range hist.Events {
		types = append(types, ev.Type)
		if i > 0 && ev.Timestamp.Before(*hist.Events[i-1].Timestamp) {
			t.Errorf("event %d (%s) is earlier than the one before it", ev.Id, ev.Type)
		}
		switch ev.Type {
		case sfntypes.HistoryEventTypeWaitStateEntered:
			entered = *ev.Timestamp
		case sfntypes.HistoryEventTypeWaitStateExited:
			exited = *ev.Timestamp
		}
	}
	want := []sfntypes.HistoryEventType{"ExecutionStarted", "WaitStateEntered", "WaitStateExited", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"}
	if len(types) != len(want) {
		t.Fatalf("history = %v, want %v", types, want)
	}
	for i := range want {
		if types[i] != want[i] {
			t.Fatalf("history = %v, want %v", types, want)
		}
	}
	if waited := exited.Sub(entered); waited < 10*time.Minute {
		t.Errorf("the Wait lasted %v of the cloud's time, want at least 10m", waited)
	}
}
