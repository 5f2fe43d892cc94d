package asl

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/greenlight/greenlight/localcloud/clock"
)

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

type run struct {
	res    Result
	events []Event
	clk    *clock.Virtual
}

func (r run) types() string {
	var s []string
	for _, e := range r.events {
		s = append(s, string(e.Type))
	}
	return strings.Join(s, " ")
}

// start parses def and starts it on a virtual clock.
func start(t *testing.T, def, input string, resolver TaskResolver) (*Engine, *Execution, *clock.Virtual) {
	t.Helper()
	m, err := Parse([]byte(def))
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.NewVirtual(epoch)
	e := NewEngine(Options{Clock: clk, Resolver: resolver})
	x, err := e.Start(m, StartInput{ExecutionARN: "arn:aws:states:us-east-1:000000000000:execution:sm:x", Name: "x",
		StateMachineARN: "arn:aws:states:us-east-1:000000000000:stateMachine:sm", StateMachineName: "sm", Input: input})
	if err != nil {
		t.Fatal(err)
	}
	return e, x, clk
}

func wait(t *testing.T, x *Execution, clk *clock.Virtual) run {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := x.Wait(ctx)
	if err != nil {
		t.Fatalf("execution did not finish: %v", err)
	}
	return run{res: res, events: x.History(), clk: clk}
}

func runMachine(t *testing.T, def, input string, resolver TaskResolver) run {
	t.Helper()
	_, x, clk := start(t, def, input, resolver)
	return wait(t, x, clk)
}

func TestTaskEvents(t *testing.T) {
	echo := TaskResolverFunc(func(_ context.Context, req TaskRequest) (json.RawMessage, error) {
		return json.RawMessage(`{"from":"` + req.Resource + `","in":` + string(req.Parameters) + `}`), nil
	})
	tests := []struct {
		name, resource, wantTypes string
	}{
		{"lambda ARN", "arn:aws:lambda:us-east-1:000000000000:function:f", "ExecutionStarted TaskStateEntered LambdaFunctionScheduled LambdaFunctionStarted LambdaFunctionSucceeded TaskStateExited ExecutionSucceeded"},
		{"service integration", "arn:aws:states:::lambda:invoke", "ExecutionStarted TaskStateEntered TaskScheduled TaskStarted TaskSucceeded TaskStateExited ExecutionSucceeded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"` + tt.resource + `","Parameters":{"a.$":"$.a"},"ResultSelector":{"in.$":"$.in"},"ResultPath":"$.r","End":true}}}`
			r := runMachine(t, def, `{"a":1}`, echo)
			if r.res.Status != StatusSucceeded || r.res.Output != `{"a":1,"r":{"in":{"a":1}}}` {
				t.Fatalf("result = %+v", r.res)
			}
			if r.types() != tt.wantTypes {
				t.Errorf("events = %s\nwant     %s", r.types(), tt.wantTypes)
			}
		})
	}
}

func TestTaskScheduledDetails(t *testing.T) {
	def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::sns:publish","TimeoutSeconds":30,"Parameters":{"Message":"hi"},"End":true}}}`
	r := runMachine(t, def, `{}`, TaskResolverFunc(func(context.Context, TaskRequest) (json.RawMessage, error) {
		return json.RawMessage(`{"MessageId":"1"}`), nil
	}))
	d := r.events[2].TaskScheduled
	if d == nil || d.ResourceType != "sns" || d.Resource != "publish" || d.Parameters != `{"Message":"hi"}` || d.TimeoutInSeconds != 30 || d.Region != "us-east-1" {
		t.Errorf("TaskScheduled details = %+v", d)
	}
	b, err := json.Marshal(r.events[2])
	if err != nil || !strings.Contains(string(b), `"taskScheduledEventDetails":{"resourceType":"sns"`) || !strings.Contains(string(b), `"previousEventId":2`) {
		t.Errorf("event JSON = %s, %v", b, err)
	}
}

func TestRetryBackoffAndCatch(t *testing.T) {
	tests := []struct {
		name       string
		failures   int
		errName    string
		wantStatus Status
		wantOutput string
		wantError  string
		wantWait   time.Duration
	}{
		{"recovers after two retries", 2, "Boom", StatusSucceeded, `{"attempt":2}`, "", 2*time.Second + 6*time.Second},
		// ResultPath appends a new key last; the error output is {Error, Cause}.
		{"exhausted retries are caught", 5, "Boom", StatusSucceeded, `{"in":true,"error":{"Error":"Boom","Cause":"it broke"}}`, "", 8 * time.Second},
		{"unmatched error fails", 1, "Other", StatusFailed, "", "Other", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			calls := 0
			resolver := TaskResolverFunc(func(_ context.Context, req TaskRequest) (json.RawMessage, error) {
				mu.Lock()
				defer mu.Unlock()
				calls++
				if calls <= tt.failures {
					return nil, &Error{Name: tt.errName, Cause: "it broke"}
				}
				var p struct{ Retry json.Number }
				_ = json.Unmarshal(req.Parameters, &p)
				return json.RawMessage(`{"attempt":` + p.Retry.String() + `}`), nil
			})
			def := `{"StartAt":"T","States":{
			  "T":{"Type":"Task","Resource":"arn:aws:states:::x:y","Parameters":{"Retry.$":"$$.State.RetryCount"},
			       "Retry":[{"ErrorEquals":["Boom"],"IntervalSeconds":2,"BackoffRate":3,"MaxAttempts":2}],
			       "Catch":[{"ErrorEquals":["States.TaskFailed"],"ResultPath":"$.error","Next":"Caught"}],"End":true},
			  "Caught":{"Type":"Pass","End":true}}}`
			if tt.errName == "Other" {
				def = strings.Replace(def, `"States.TaskFailed"`, `"Nope"`, 1)
			}
			r := runMachine(t, def, `{"in":true}`, resolver)
			if r.res.Status != tt.wantStatus || r.res.Output != tt.wantOutput && tt.wantOutput != "" || r.res.Error != tt.wantError {
				t.Fatalf("result = %+v", r.res)
			}
			if got := r.clk.Now().Sub(epoch); got != tt.wantWait {
				t.Errorf("waited %v, want %v", got, tt.wantWait)
			}
		})
	}
}

func TestErrorMatching(t *testing.T) {
	tests := []struct {
		pattern, name, stateType string
		want                     bool
	}{
		{"States.ALL", "Boom", "Task", true},
		{"States.ALL", ErrRuntime, "Task", false},
		{"States.ALL", ErrDataLimitExceeded, "Pass", false},
		{ErrDataLimitExceeded, ErrDataLimitExceeded, "Task", true},
		{"States.TaskFailed", "Boom", "Task", true},
		{"States.TaskFailed", ErrTimeout, "Task", false},
		{"States.TaskFailed", "Boom", "Map", false},
		{"States.Timeout", ErrHeartbeatTimeout, "Task", true},
		{"Boom", "Boom", "Parallel", true},
		{"Boom", "Boom2", "Task", false},
	}
	for _, tt := range tests {
		if got := errorMatches(tt.pattern, tt.name, tt.stateType); got != tt.want {
			t.Errorf("errorMatches(%q, %q, %q) = %v, want %v", tt.pattern, tt.name, tt.stateType, got, tt.want)
		}
	}
}

func TestNoResolverNamesResource(t *testing.T) {
	r := runMachine(t, `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::dynamodb:putItem","End":true}}}`, `{}`, nil)
	if r.res.Status != StatusFailed || r.res.Error != ErrTaskFailed || !strings.Contains(r.res.Cause, "arn:aws:states:::dynamodb:putItem") {
		t.Errorf("result = %+v", r.res)
	}
}

func TestLongWaitRunsAtOnce(t *testing.T) {
	def := `{"StartAt":"Bake","States":{"Bake":{"Type":"Wait","Seconds":1800,"Next":"Again"},"Again":{"Type":"Wait","SecondsPath":"$.s","End":true}}}`
	began := time.Now()
	r := runMachine(t, def, `{"s":600}`, nil)
	if r.res.Status != StatusSucceeded {
		t.Fatalf("result = %+v", r.res)
	}
	if got := r.clk.Now().Sub(epoch); got != 40*time.Minute {
		t.Errorf("clock advanced %v, want 40m", got)
	}
	if time.Since(began) > 5*time.Second {
		t.Errorf("a virtual 40-minute wait took %v of real time", time.Since(began))
	}
}

func TestExecutionTimeout(t *testing.T) {
	r := runMachine(t, `{"TimeoutSeconds":5,"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`, `{}`, nil)
	// AWS reports neither an error nor a cause for a timed-out execution.
	if r.res.Status != StatusTimedOut || r.res.Error != "" || r.res.Cause != "" {
		t.Fatalf("result = %+v", r.res)
	}
	if got := r.clk.Now().Sub(epoch); got != 5*time.Second {
		t.Errorf("timed out after %v, want 5s", got)
	}
	last := r.events[len(r.events)-1]
	if last.Type != ExecutionTimedOut || *last.ExecutionTimedOut != (FailureDetails{}) || last.PreviousEventID != 2 {
		t.Errorf("last event = %+v, want ExecutionTimedOut with empty details after event 2", last)
	}
}

func TestStop(t *testing.T) {
	m, err := Parse([]byte(`{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`))
	if err != nil {
		t.Fatal(err)
	}
	x, err := NewEngine(Options{}).Start(m, StartInput{ExecutionARN: "arn:x"})
	if err != nil {
		t.Fatal(err)
	}
	if !x.Stop("Halted", "operator") {
		t.Fatal("Stop reported the execution had ended")
	}
	r := wait(t, x, nil)
	if r.res.Status != StatusAborted || r.res.Error != "Halted" || r.res.Cause != "operator" {
		t.Fatalf("result = %+v", r.res)
	}
	// A stop comes from outside: its event follows no other (previousEventId 0).
	if last := r.events[len(r.events)-1]; last.Type != ExecutionAborted || last.ExecutionAborted.Cause != "operator" || last.PreviousEventID != 0 {
		t.Errorf("last event = %+v", last)
	}
	if x.Stop("Again", "") {
		t.Error("Stop of an ended execution reported true")
	}
}

func TestTaskTimeout(t *testing.T) {
	m, err := Parse([]byte(`{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:0:function:slow","TimeoutSeconds":1,"End":true}}}`))
	if err != nil {
		t.Fatal(err)
	}
	block := TaskResolverFunc(func(ctx context.Context, _ TaskRequest) (json.RawMessage, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	})
	x, err := NewEngine(Options{Resolver: block}).Start(m, StartInput{ExecutionARN: "arn:x"})
	if err != nil {
		t.Fatal(err)
	}
	r := wait(t, x, nil)
	if r.res.Status != StatusFailed || r.res.Error != ErrTimeout {
		t.Fatalf("result = %+v", r.res)
	}
	if !strings.Contains(r.types(), "LambdaFunctionTimedOut") {
		t.Errorf("events = %s", r.types())
	}
}

const callbackDef = `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken",
  "HeartbeatSeconds":10,"Parameters":{"Payload":{"token.$":"$$.Task.Token"}},"End":true}}}`

func TestWaitForTaskToken(t *testing.T) {
	tests := []struct {
		name       string
		send       func(e *Engine, token string) error
		wantStatus Status
		wantOutput string
		wantError  string
		wantEvent  EventType
	}{
		{"success", func(e *Engine, tok string) error { return e.SendTaskSuccess(tok, `{"done":true}`) }, StatusSucceeded, `{"done":true}`, "", TaskSucceeded},
		{"failure", func(e *Engine, tok string) error { return e.SendTaskFailure(tok, "Rejected", "no") }, StatusFailed, "", "Rejected", TaskFailed},
		{"heartbeat then success", func(e *Engine, tok string) error {
			if err := e.SendTaskHeartbeat(tok); err != nil {
				return err
			}
			return e.SendTaskSuccess(tok, `1`)
		}, StatusSucceeded, `1`, "", TaskSucceeded},
		{"no heartbeat", nil, StatusFailed, "", ErrHeartbeatTimeout, TaskTimedOut},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tokens := make(chan string, 1)
			resolver := TaskResolverFunc(func(_ context.Context, req TaskRequest) (json.RawMessage, error) {
				var p struct{ Payload struct{ Token string } }
				if err := json.Unmarshal(req.Parameters, &p); err != nil || p.Payload.Token != req.Token {
					t.Errorf("parameters %s do not carry the token %q", req.Parameters, req.Token)
				}
				tokens <- req.Token
				return json.RawMessage(`{"StatusCode":202}`), nil
			})
			m, err := Parse([]byte(callbackDef))
			if err != nil {
				t.Fatal(err)
			}
			clk := clock.NewVirtual(epoch)
			e := NewEngine(Options{Clock: clk, Resolver: resolver})
			if tt.send != nil {
				// The test is a participant: time must not run while it works.
				clk.Acquire()
			}
			x, err := e.Start(m, StartInput{ExecutionARN: "arn:x"})
			if err != nil {
				t.Fatal(err)
			}
			tok := <-tokens
			if tt.send != nil {
				if err := tt.send(e, tok); err != nil {
					t.Fatal(err)
				}
				clk.Release()
			}
			r := wait(t, x, clk)
			if r.res.Status != tt.wantStatus || r.res.Error != tt.wantError || r.res.Output != tt.wantOutput {
				t.Fatalf("result = %+v", r.res)
			}
			if !strings.Contains(r.types(), "TaskSubmitted "+string(tt.wantEvent)) {
				t.Errorf("events = %s", r.types())
			}
			if err := e.SendTaskSuccess(tok, `{}`); !errors.Is(err, ErrTaskDoesNotExist) {
				t.Errorf("late SendTaskSuccess = %v, want ErrTaskDoesNotExist", err)
			}
		})
	}
}

func TestCallbackTokenErrors(t *testing.T) {
	e := NewEngine(Options{})
	if err := e.SendTaskSuccess("", `{}`); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("empty token: %v", err)
	}
	if err := e.SendTaskHeartbeat("unknown"); !errors.Is(err, ErrTaskDoesNotExist) {
		t.Errorf("unknown token: %v", err)
	}
	var ie *InputError
	if err := e.SendTaskSuccess("unknown", `{`); !errors.As(err, &ie) {
		t.Errorf("bad output: %v", err)
	}
}

func TestMapConcurrentWaits(t *testing.T) {
	def := `{"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":0,"ItemSelector":{"i.$":"$$.Map.Item.Index","s.$":"$$.Map.Item.Value"},
	  "ItemProcessor":{"StartAt":"W","States":{"W":{"Type":"Wait","SecondsPath":"$.s","Next":"P"},"P":{"Type":"Pass","OutputPath":"$.i","End":true}}},"End":true}}}`
	items := make([]int, 50)
	for i := range items {
		items[i] = (i * 7) % 13
	}
	in, _ := json.Marshal(items)
	r := runMachine(t, def, string(in), nil)
	if r.res.Status != StatusSucceeded {
		t.Fatalf("result = %+v", r.res)
	}
	var out []int
	if err := json.Unmarshal([]byte(r.res.Output), &out); err != nil || len(out) != 50 || out[49] != 49 {
		t.Errorf("output = %s", r.res.Output)
	}
	if got := r.clk.Now().Sub(epoch); got != 12*time.Second {
		t.Errorf("the Map took %v of virtual time, want the longest wait, 12s", got)
	}
}

func TestStartInputErrors(t *testing.T) {
	m, err := Parse([]byte(`{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`))
	if err != nil {
		t.Fatal(err)
	}
	e := NewEngine(Options{})
	for _, in := range []string{`{`, `"` + strings.Repeat("a", MaxPayloadSize) + `"`} {
		var ie *InputError
		if _, err := e.Start(m, StartInput{Input: in}); !errors.As(err, &ie) {
			t.Errorf("Start(%.20q) = %v, want an *InputError", in, err)
		}
	}
}
