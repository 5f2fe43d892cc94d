package asl

import (
	"context"
	"encoding/json"
	"errors"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/greenlight/greenlight/localcloud/clock"
)

// engineGoroutines counts the goroutines running the engine's code.
func engineGoroutines() int {
	buf := make([]byte, 1<<22)
	n := 0
	for _, g := range strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n") {
		if strings.Contains(g, "localcloud/asl.(*") || strings.Contains(g, "localcloud/asl.timeSource") {
			n++
		}
	}
	return n
}

// polls reports whether cond holds within five seconds.
func polls(cond func() bool) bool {
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return cond()
}

func TestCloseInterruptsExecutions(t *testing.T) {
	const fn = "arn:aws:lambda:us-east-1:000000000000:function:f"
	tests := []struct {
		name string
		def  string
		// ready is the event the execution records once it is where the
		// test wants it interrupted, with busy tasks in progress.
		ready EventType
		busy  int32
		// virtual runs the engine on a virtual clock, which moves on as
		// soon as nothing runs: an interrupted wait must not get to end.
		virtual bool
	}{
		{"in a task", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"` + fn + `","End":true}}}`, LambdaStarted, 1, false},
		{"in a wait", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`, entered("Wait"), 0, false},
		{"waiting for a callback", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::sns:publish.waitForTaskToken","Parameters":{"fast":true},"End":true}}}`, TaskSubmitted, 0, false},
		{"between retries", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"` + fn + `","Parameters":{"fail":true},
			"Retry":[{"ErrorEquals":["States.ALL"],"IntervalSeconds":3600}],"End":true}}}`, LambdaFailed, 0, false},
		{"in parallel branches", `{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
			{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"` + fn + `","End":true}}},
			{"StartAt":"B","States":{"B":{"Type":"Task","Resource":"` + fn + `","End":true}}}]}}}`, ParallelStateStarted, 2, false},
		{"in a loop of tasks", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"` + fn + `","Parameters":{"fast":true},"Next":"T"}}}`, LambdaSucceeded, 0, false},
		{"waiting beside a task on a virtual clock", `{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
			{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}},
			{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"` + fn + `","End":true}}}]}}}`, entered("Wait"), 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := engineGoroutines()
			var calls, inflight atomic.Int32
			resolver := TaskResolverFunc(func(ctx context.Context, req TaskRequest) (json.RawMessage, error) {
				calls.Add(1)
				inflight.Add(1)
				defer inflight.Add(-1)
				switch {
				case strings.Contains(string(req.Parameters), "fail"):
					return nil, &Error{Name: "Boom"}
				case strings.Contains(string(req.Parameters), "fast"):
					return json.RawMessage(`{"fast":true}`), nil
				}
				<-ctx.Done() // a function that runs until it is told to stop
				return nil, ctx.Err()
			})
			m, err := Parse([]byte(tt.def))
			if err != nil {
				t.Fatal(err)
			}
			opts := Options{Resolver: resolver}
			if tt.virtual {
				opts.Clock = clock.NewVirtual(epoch)
			}
			e := NewEngine(opts)
			x, err := e.Start(m, StartInput{ExecutionARN: "arn:x"})
			if err != nil {
				t.Fatal(err)
			}
			if !polls(func() bool {
				for _, ev := range x.History() {
					if ev.Type == tt.ready {
						return inflight.Load() == tt.busy
					}
				}
				return false
			}) {
				t.Fatalf("the execution did not get to %s with %d tasks running: %v", tt.ready, tt.busy, x.History())
			}

			closed := make(chan struct{})
			go func() { e.Close(); close(closed) }()
			select {
			case <-closed:
			case <-time.After(5 * time.Second):
				t.Fatal("Close did not return")
			}
			if n := inflight.Load(); n != 0 {
				t.Errorf("%d tasks still running once Close returned", n)
			}
			select {
			case <-x.Done():
			default:
				t.Fatal("Done is not closed after Close")
			}
			n := calls.Load()
			time.Sleep(50 * time.Millisecond)
			if later := calls.Load(); later != n {
				t.Errorf("the resolver was called %d times after Close", later-n)
			}

			res := x.Result()
			if res.Status != StatusRunning || !res.StopTime.IsZero() || res.Error != "" {
				t.Errorf("an interrupted execution has not ended, yet its result is %+v", res)
			}
			for _, ev := range x.History() {
				switch ev.Type {
				case ExecutionAborted, ExecutionFailed, ExecutionSucceeded, ExecutionTimedOut, exited("Wait"):
					t.Errorf("an interrupted execution recorded %s", ev.Type)
				}
			}
			if x.Stop("Halted", "late") {
				t.Error("Stop after Close reported a running execution")
			}
			if _, err := e.Start(m, StartInput{ExecutionARN: "arn:y"}); !errors.Is(err, ErrClosed) {
				t.Errorf("Start after Close = %v, want ErrClosed", err)
			}
			e.Close() // idempotent
			if !polls(func() bool { return engineGoroutines() <= before }) {
				t.Errorf("%d goroutines of the engine left after Close, %d before", engineGoroutines(), before)
			}
		})
	}
}
