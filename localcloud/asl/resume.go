package asl

import (
	"context"
	"time"
)

// Checkpoint is where an execution stands between two steps of its
// top-level states: enough to resume it in another process after the one
// running it died. The engine hands one to Options.OnCheckpoint whenever it
// changes: when a top-level state is entered, when a Wait knows its end,
// when a Task is retried, and when a .waitForTaskToken task takes or hands
// over its token.
//
// Map and Parallel states are resumed whole: they run again from their
// input, every branch and iteration from its start, as their children keep
// no checkpoints of their own. Task states are invoked again (the
// deployer's tasks are idempotent), keeping their retry counters, unless a
// .waitForTaskToken task had already handed over its token: then it goes
// on waiting for that token.
type Checkpoint struct {
	// State is the top-level state being run; "" means no state was
	// entered yet, and the execution resumes at StartAt with its input.
	State string `json:"state,omitempty"`
	// Input is the state's raw input, as JSON text.
	Input string `json:"input,omitempty"`
	// EnteredID and EnteredAt identify the state's entered event.
	EnteredID int64     `json:"enteredId,omitempty"`
	EnteredAt time.Time `json:"enteredAt,omitzero"`
	// LastEventID is the id of the last event of the top-level thread,
	// which the next event names as its previous event.
	LastEventID int64 `json:"lastEventId,omitempty"`
	// RetryAttempts counts the attempts used of each retrier of the state,
	// and RetryCount the retries done ($$.State.RetryCount).
	RetryAttempts []int64 `json:"retryAttempts,omitempty"`
	RetryCount    int     `json:"retryCount,omitempty"`
	// WaitUntil is, by the engine's clock, when a Wait state ends or when
	// the next attempt of a retried state may start.
	WaitUntil time.Time `json:"waitUntil,omitzero"`
	// Token is the task token of a .waitForTaskToken task; Submitted says
	// the task was handed over and waits for the token until TaskDeadline.
	Token        string    `json:"taskToken,omitempty"`
	Submitted    bool      `json:"submitted,omitempty"`
	TaskDeadline time.Time `json:"taskDeadline,omitzero"`
}

// ResumeInput is what Resume needs besides the machine and StartInput: the
// execution's start time and its history and checkpoint as they were
// handed to Options.OnCheckpoint.
type ResumeInput struct {
	StartTime  time.Time
	History    []Event
	Checkpoint Checkpoint
}

// Resume continues an execution kept from another process. Its history
// goes on from in.History (no new ExecutionStarted event), its state from
// the checkpoint: a Wait waits out its remaining time, a Task is invoked
// again with its retry counters, a .waitForTaskToken task that had handed
// over its token waits for that token (which is valid again as soon as
// Resume returns), and the machine's TimeoutSeconds counts from the
// original start.
func (e *Engine) Resume(m *Machine, in StartInput, r ResumeInput) (*Execution, error) {
	if in.Input == "" {
		in.Input = "{}"
	}
	cp := r.Checkpoint
	text := cp.Input
	if cp.State == "" {
		text = in.Input
	}
	input, err := decodeJSON([]byte(text))
	if err != nil {
		return nil, &InputError{Reason: "Invalid checkpoint input: " + err.Error()}
	}
	if cp.State != "" {
		if _, ok := m.program.States[cp.State]; !ok {
			return nil, &InputError{Reason: "The state '" + cp.State + "' of the checkpoint is not in the state machine"}
		}
	}
	x, err := e.newExecution(m, in, r.StartTime)
	if err != nil {
		return nil, err
	}
	x.events = append([]Event(nil), r.History...)
	top := &thread{top: true, last: cp.LastEventID}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		x.cancel(nil)
		return nil, ErrClosed
	}
	e.running[x] = struct{}{}
	if len(x.events) == 0 {
		x.emit(&thread{}, startedEvent(in))
	}
	var resume *Checkpoint
	if cp.State != "" {
		resume = &cp
		if cp.Submitted && cp.Token != "" {
			// Register the token now: a callback may come before the
			// execution's goroutine reaches the task.
			e.callbacks[cp.Token] = newCallback()
		}
	}
	e.time.acquire()
	e.work.Go(func() { x.run(top, input, resume) })
	return x, nil
}

// checkpoint hands the state's checkpoint, with the history so far, to
// Options.OnCheckpoint. Only top-level states keep checkpoints.
func (r *stateRun) checkpoint() {
	hook := r.x.engine.onCheckpoint
	if r.cp == nil || hook == nil {
		return
	}
	r.cp.LastEventID = r.th.last
	cp := *r.cp
	cp.RetryAttempts = append([]int64(nil), r.cp.RetryAttempts...)
	hook(r.x, cp, r.x.History())
}

// takeResume returns the checkpoint the state resumes from, once: only the
// first attempt after a resume continues where the last process stopped.
func (r *stateRun) takeResume() *Checkpoint {
	cp := r.resume
	r.resume = nil
	return cp
}

// sleepUntil waits until the engine's clock reads t, or ctx is done.
func (r *stateRun) sleepUntil(ctx context.Context, t time.Time) error {
	t0 := r.x.engine.time
	if d := t.Sub(t0.now()); d > 0 {
		return t0.sleep(ctx, d)
	}
	return nil
}

// callbackFor returns the callback registered for token, registering a
// new one if there is none (Resume registers them early).
func (e *Engine) callbackFor(token string) *callback {
	e.mu.Lock()
	defer e.mu.Unlock()
	cb := e.callbacks[token]
	if cb == nil {
		cb = newCallback()
		e.callbacks[token] = cb
	}
	return cb
}

func newCallback() *callback {
	return &callback{result: make(chan *taskOutcome, 1), heartbeat: make(chan struct{}, 1)}
}

func startedEvent(in StartInput) Event {
	return Event{Type: ExecutionStarted, ExecutionStarted: &ExecutionStartedDetails{
		Input: in.Input, InputDetails: &Truncation{}, RoleARN: in.RoleARN}}
}
