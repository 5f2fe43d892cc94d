package sfn

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/greenlight/greenlight/localcloud/asl"
	"github.com/greenlight/greenlight/localcloud/bus"
	"github.com/greenlight/greenlight/localcloud/clock"
	"github.com/greenlight/greenlight/localcloud/internal/statefile"
)

// invokerFunc adapts a function to bus.Invoker.
type invokerFunc func(ctx context.Context, function string, payload []byte) (bus.InvokeResult, error)

func (f invokerFunc) Invoke(ctx context.Context, function, _ string, payload []byte) (bus.InvokeResult, error) {
	return f(ctx, function, payload)
}

// hang is an invocation that lasts until the execution stops.
func hang(ctx context.Context, _ string, _ []byte) (bus.InvokeResult, error) {
	<-ctx.Done()
	return bus.InvokeResult{}, ctx.Err()
}

// durable starts a service on dir with a state machine called "m".
func durable(t *testing.T, dir string, clk clock.Clock, inv bus.Invoker, def string) *Service {
	t.Helper()
	s, err := New(Options{Dir: dir, Clock: clk, Invoker: inv})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if def != "" {
		body, _ := json.Marshal(map[string]string{"name": "m", "definition": def, "roleArn": "arn:aws:iam::000000000000:role/sfn"})
		if _, err := s.createStateMachine(context.Background(), body); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Resume(); err != nil {
		t.Fatal(err)
	}
	return s
}

// checkpointOf reads the running file of an execution.
func checkpointOf(s *Service, arn string) *asl.Checkpoint {
	var x execution
	if found, err := statefile.ReadJSON(s.runningPath(arn), &x); !found || err != nil {
		return nil
	}
	return x.Checkpoint
}

// waitFor polls cond for up to five seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(2 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// ended waits for an execution to end and returns it.
func ended(t *testing.T, s *Service, arn string) execution {
	t.Helper()
	var c execution
	waitFor(t, arn+" to end", func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		c = s.executions[arn].snapshot()
		return c.Status != asl.StatusRunning
	})
	return c
}

func countEvents(h []asl.Event, typ asl.EventType) int {
	n := 0
	for _, e := range h {
		if e.Type == typ {
			n++
		}
	}
	return n
}

// TestWaitResumesWithRemainingTime kills the service in the middle of an
// hour's Wait and restarts it 1000 seconds later: the Wait ends an hour
// after it began, not an hour after the restart.
func TestWaitResumesWithRemainingTime(t *testing.T) {
	dir := t.TempDir()
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	v := clock.NewVirtual(t0)
	v.Acquire() // time stands still until the kill
	s1 := durable(t, dir, v, nil, `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"Next":"P"},"P":{"Type":"Pass","End":true}}}`)
	arn, err := s1.StartExecution(context.Background(), machineARN("m"), "x", `{"a":1}`)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the Wait's checkpoint", func() bool { cp := checkpointOf(s1, arn); return cp != nil && !cp.WaitUntil.IsZero() })
	s1.Kill()

	s2 := durable(t, dir, clock.NewVirtual(t0.Add(1000*time.Second)), nil, "")
	x := ended(t, s2, arn)
	if x.Status != asl.StatusSucceeded || x.Output != `{"a":1}` {
		t.Fatalf("after a restart: %s %q %s", x.Status, x.Output, x.Cause)
	}
	for _, e := range x.History {
		if e.Type == "WaitStateExited" {
			if got := time.Time(e.Timestamp); !got.Equal(t0.Add(time.Hour)) {
				t.Errorf("the Wait ended at %v, want %v", got, t0.Add(time.Hour))
			}
		}
	}
	if n := countEvents(x.History, asl.ExecutionStarted); n != 1 {
		t.Errorf("%d ExecutionStarted events", n)
	}
	for i, e := range x.History {
		if e.ID != int64(i+1) {
			t.Fatalf("event %d has id %d", i, e.ID)
		}
	}
}

// TestTaskInvokedAgain kills the service while a Task's second attempt
// runs: the restart invokes it again, with the retry counted.
func TestTaskInvokedAgain(t *testing.T) {
	dir := t.TempDir()
	var calls atomic.Int32
	first := invokerFunc(func(ctx context.Context, fn string, p []byte) (bus.InvokeResult, error) {
		if calls.Add(1) == 1 {
			return bus.InvokeResult{Payload: []byte(`{"errorType":"Flaky","errorMessage":"try again"}`), FunctionError: "Unhandled"}, nil
		}
		return hang(ctx, fn, p)
	})
	def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:000000000000:function:f",
		"Parameters":{"retries.$":"$$.State.RetryCount"},
		"Retry":[{"ErrorEquals":["Flaky"],"IntervalSeconds":1,"MaxAttempts":5}],"End":true}}}`
	s1 := durable(t, dir, clock.NewVirtual(time.Now()), first, def)
	arn, err := s1.StartExecution(context.Background(), machineARN("m"), "x", `{}`)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the second attempt", func() bool { return calls.Load() == 2 })
	s1.Kill()

	var mu sync.Mutex
	var payloads []string
	again := invokerFunc(func(_ context.Context, _ string, p []byte) (bus.InvokeResult, error) {
		mu.Lock()
		defer mu.Unlock()
		payloads = append(payloads, string(p))
		return bus.InvokeResult{Payload: p}, nil
	})
	s2 := durable(t, dir, clock.NewVirtual(time.Now()), again, "")
	x := ended(t, s2, arn)
	if x.Status != asl.StatusSucceeded {
		t.Fatalf("after a restart: %s %s", x.Status, x.Cause)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(payloads) != 1 || payloads[0] != `{"retries":1}` {
		t.Errorf("invocations after the restart = %q, want one with the retry counted", payloads)
	}
	if n := countEvents(x.History, asl.LambdaFailed); n != 1 {
		t.Errorf("%d LambdaFunctionFailed events, want the first attempt's", n)
	}
}

// TestTaskTokenSurvivesRestart kills the service while a
// .waitForTaskToken task waits: after the restart the same token
// completes it, and the task is not invoked again.
func TestTaskTokenSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	tokens := make(chan string, 1)
	hand := invokerFunc(func(_ context.Context, _ string, p []byte) (bus.InvokeResult, error) {
		var in struct{ Token string }
		_ = json.Unmarshal(p, &in)
		tokens <- in.Token
		return bus.InvokeResult{Payload: []byte(`{}`)}, nil
	})
	def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken",
		"Parameters":{"FunctionName":"approve","Payload":{"Token.$":"$$.Task.Token"}},"End":true}}}`
	s1 := durable(t, dir, nil, hand, def)
	arn, err := s1.StartExecution(context.Background(), machineARN("m"), "x", `{}`)
	if err != nil {
		t.Fatal(err)
	}
	token := <-tokens
	waitFor(t, "the task to be handed over", func() bool { cp := checkpointOf(s1, arn); return cp != nil && cp.Submitted })
	s1.Kill()

	var calls atomic.Int32
	s2 := durable(t, dir, nil, invokerFunc(func(context.Context, string, []byte) (bus.InvokeResult, error) {
		calls.Add(1)
		return bus.InvokeResult{Payload: []byte(`{}`)}, nil
	}), "")
	body, _ := json.Marshal(map[string]string{"taskToken": token, "output": `{"approved":true}`})
	if _, err := s2.sendTaskSuccess(context.Background(), body); err != nil {
		t.Fatalf("SendTaskSuccess after a restart: %v", err)
	}
	x := ended(t, s2, arn)
	if x.Status != asl.StatusSucceeded || x.Output != `{"approved":true}` {
		t.Fatalf("after a restart: %s %q %s", x.Status, x.Output, x.Cause)
	}
	if n := calls.Load(); n != 0 {
		t.Errorf("the task was invoked %d times after the restart", n)
	}
}

// fakeEvents keeps the events put on the bus.
type fakeEvents struct {
	mu     sync.Mutex
	events []bus.Event
}

func (f *fakeEvents) PutEvent(_ context.Context, e bus.Event) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.events = append(f.events, e)
	return nil
}

func (f *fakeEvents) statuses() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, e := range f.events {
		var d struct{ Status string }
		_ = json.Unmarshal(e.Detail, &d)
		out = append(out, d.Status)
	}
	return out
}

func TestStatusChangeEvents(t *testing.T) {
	tests := []struct {
		name   string
		def    string
		stop   bool // stop the execution from outside
		want   string
		detail map[string]any // fields of the final event's detail
	}{
		{name: "succeeded", def: `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"ok":true},"End":true}}}`,
			want: "SUCCEEDED", detail: map[string]any{"output": `{"ok":true}`, "outputDetails": map[string]any{"included": true}, "error": nil, "cause": nil}},
		{name: "failed", def: `{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Boom","Cause":"it broke"}}}`,
			want: "FAILED", detail: map[string]any{"output": nil, "error": "Boom", "cause": "it broke"}},
		{name: "timed out", def: `{"TimeoutSeconds":5,"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":60,"End":true}}}`,
			want: "TIMED_OUT", detail: map[string]any{"output": nil, "error": nil, "cause": nil}},
		{name: "stopped", def: `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`, stop: true,
			want: "ABORTED", detail: map[string]any{"output": nil, "error": "Operator", "cause": "stopped by hand"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := clock.NewVirtual(time.Now())
			if tt.stop {
				v.Acquire()
				defer v.Release()
			}
			ev := &fakeEvents{}
			s, err := New(Options{Clock: v, Events: ev})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			body, _ := json.Marshal(map[string]string{"name": "m", "definition": tt.def, "roleArn": "arn:aws:iam::000000000000:role/sfn"})
			if _, err := s.createStateMachine(context.Background(), body); err != nil {
				t.Fatal(err)
			}
			arn, err := s.StartExecution(context.Background(), machineARN("m"), "x", `{"in":1}`)
			if err != nil {
				t.Fatal(err)
			}
			if tt.stop {
				body, _ := json.Marshal(map[string]string{"executionArn": arn, "error": "Operator", "cause": "stopped by hand"})
				if _, err := s.stopExecution(context.Background(), body); err != nil {
					t.Fatal(err)
				}
			}
			ended(t, s, arn)
			waitFor(t, "two events", func() bool { return len(ev.statuses()) == 2 })
			if got := strings.Join(ev.statuses(), ","); got != "RUNNING,"+tt.want {
				t.Fatalf("statuses = %s, want RUNNING,%s", got, tt.want)
			}
			ev.mu.Lock()
			defer ev.mu.Unlock()
			first, last := ev.events[0], ev.events[1]
			if last.Source != "aws.states" || last.DetailType != "Step Functions Execution Status Change" || len(last.Resources) != 1 || last.Resources[0] != arn {
				t.Errorf("event = %s %q %v", last.Source, last.DetailType, last.Resources)
			}
			var d, d0 map[string]any
			if err := json.Unmarshal(last.Detail, &d); err != nil {
				t.Fatal(err)
			}
			_ = json.Unmarshal(first.Detail, &d0)
			for _, k := range []string{"executionArn", "stateMachineArn", "name", "status", "startDate", "stopDate", "input", "output", "inputDetails", "outputDetails", "error", "cause"} {
				if _, ok := d[k]; !ok {
					t.Errorf("detail has no %q: %s", k, last.Detail)
				}
			}
			if d0["stopDate"] != nil || d["stopDate"] == nil || d["executionArn"] != arn || d["input"] != `{"in":1}` || d["name"] != "x" {
				t.Errorf("details: %s then %s", first.Detail, last.Detail)
			}
			for k, want := range tt.detail {
				got, _ := json.Marshal(d[k])
				w, _ := json.Marshal(want)
				if string(got) != string(w) {
					t.Errorf("detail %s = %s, want %s", k, got, w)
				}
			}
		})
	}
}
