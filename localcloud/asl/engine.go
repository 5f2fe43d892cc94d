package asl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/greenlight/greenlight/localcloud/clock"
)

// MaxPayloadSize is the Step Functions limit on an execution's input and
// on any state's output, in bytes.
const MaxPayloadSize = 256 * 1024

// TaskRequest is one attempt of a Task state, handed to a TaskResolver.
type TaskRequest struct {
	// Resource is the Task's Resource ARN as written in the definition.
	Resource string
	// Parameters is the task's effective input (after InputPath and
	// Parameters), as JSON.
	Parameters json.RawMessage
	// Token is the task token for ".waitForTaskToken" resources; the task
	// then completes through Engine.SendTaskSuccess or SendTaskFailure.
	Token        string
	ExecutionARN string
	StateName    string
}

// TaskResolver carries out Task states. RunTask returns the task's result,
// or, for a ".waitForTaskToken" resource, whatever the service returned when
// the work was handed over. An *Error fails the task with its name; any other
// error fails it as States.TaskFailed. ctx is cancelled when the task times
// out or the execution stops.
type TaskResolver interface {
	RunTask(ctx context.Context, req TaskRequest) (json.RawMessage, error)
}

// TaskResolverFunc adapts a function to TaskResolver.
type TaskResolverFunc func(ctx context.Context, req TaskRequest) (json.RawMessage, error)

// RunTask calls f.
func (f TaskResolverFunc) RunTask(ctx context.Context, req TaskRequest) (json.RawMessage, error) {
	return f(ctx, req)
}

// Options configure an Engine.
type Options struct {
	// Clock is the time source; nil means the wall clock. A *clock.Virtual
	// makes every wait pass at once when nothing else runs.
	Clock clock.Clock
	// Resolver carries out Task states; nil fails every Task with an error
	// naming its Resource.
	Resolver TaskResolver
	// Region is reported in TaskScheduled events; default "us-east-1".
	Region string
	// OnCheckpoint, when set, is called on the execution's goroutine
	// each time its checkpoint changes, with the history up to it; keeping
	// both lets Resume continue the execution in another process.
	OnCheckpoint func(x *Execution, cp Checkpoint, history []Event)
}

// Engine runs executions and routes task-token callbacks to them. It is safe
// for concurrent use. Close ends its work.
type Engine struct {
	time     timeSource
	resolver TaskResolver
	region   string
	// onCheckpoint is Options.OnCheckpoint.
	onCheckpoint func(x *Execution, cp Checkpoint, history []Event)

	mu        sync.Mutex
	callbacks map[string]*callback
	running   map[*Execution]struct{}
	closed    bool
	// work counts every goroutine of every execution (the execution
	// itself, its timeout, the TaskResolver calls of its tasks), so that
	// Close can wait for the last one.
	work sync.WaitGroup
}

// ErrClosed is returned by Start once the engine was closed.
var ErrClosed = errors.New("the engine is closed")

// NewEngine returns an engine.
func NewEngine(opts Options) *Engine {
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	return &Engine{time: newTimeSource(opts.Clock), resolver: opts.Resolver, region: opts.Region, onCheckpoint: opts.OnCheckpoint,
		callbacks: map[string]*callback{}, running: map[*Execution]struct{}{}}
}

// Close interrupts every running execution and waits until the goroutines
// of all of them have returned, so that no TaskResolver call is in progress
// or starts once Close returns: the context of each task is cancelled. An
// interrupted execution has not ended: no terminal event is recorded, its
// Result still says RUNNING and its history stops at the last event it
// recorded, so that it can be kept and resumed; its Done channel is closed.
// Start fails with ErrClosed once Close was called. Close is idempotent.
func (e *Engine) Close() {
	e.mu.Lock()
	e.closed = true
	running := make([]*Execution, 0, len(e.running))
	for x := range e.running {
		running = append(running, x)
	}
	e.mu.Unlock()
	for _, x := range running {
		x.halt(&stopCause{interrupted: true})
	}
	e.work.Wait()
}

// Status is an execution's status, as Step Functions names it.
type Status string

// Execution statuses.
const (
	StatusRunning   Status = "RUNNING"
	StatusSucceeded Status = "SUCCEEDED"
	StatusFailed    Status = "FAILED"
	StatusTimedOut  Status = "TIMED_OUT"
	StatusAborted   Status = "ABORTED"
)

// StartInput identifies an execution and gives its input.
type StartInput struct {
	ExecutionARN     string
	Name             string
	StateMachineARN  string
	StateMachineName string
	RoleARN          string
	// Input is the execution input as JSON text; empty means {}.
	Input string
}

// Result is the state of an execution.
type Result struct {
	Status    Status
	Output    string // JSON, when SUCCEEDED
	Error     string
	Cause     string
	StartTime time.Time
	StopTime  time.Time
}

// Execution is one run of a Machine.
type Execution struct {
	engine  *Engine
	machine *Machine
	in      StartInput
	execCtx *object
	smCtx   *object
	start   time.Time

	ctx    context.Context
	cancel context.CancelCauseFunc
	done   chan struct{}

	mu     sync.Mutex
	events []Event
	result Result
	ended  bool // finish is past the point where Stop can change anything
	held   int  // running units Stop holds until the execution has wound down
}

// stopCause is the reason an execution's context was cancelled: a status
// to end with and its error, or an interruption by Engine.Close, which ends
// nothing.
type stopCause struct {
	status      Status
	err         *Error
	interrupted bool
}

func (s *stopCause) Error() string {
	if s.interrupted {
		return "interrupted"
	}
	return string(s.status)
}

// InputError reports an execution input that cannot be used.
type InputError struct{ Reason string }

func (e *InputError) Error() string { return e.Reason }

// Start begins an execution of m and returns at once.
func (e *Engine) Start(m *Machine, in StartInput) (*Execution, error) {
	if in.Input == "" {
		in.Input = "{}"
	}
	if len(in.Input) > MaxPayloadSize {
		return nil, &InputError{Reason: fmt.Sprintf("The input is %d bytes, more than the %d bytes limit", len(in.Input), MaxPayloadSize)}
	}
	x, err := e.newExecution(m, in, e.time.now())
	if err != nil {
		return nil, err
	}
	input, _ := x.execCtx.get("Input")
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		x.cancel(nil)
		return nil, ErrClosed
	}
	e.running[x] = struct{}{}
	top := &thread{top: true}
	x.emit(&thread{}, startedEvent(in))
	e.time.acquire()
	e.work.Go(func() { x.run(top, input, nil) })
	return x, nil
}

// newExecution builds an execution of m that started at start.
func (e *Engine) newExecution(m *Machine, in StartInput, start time.Time) (*Execution, error) {
	input, err := decodeJSON([]byte(in.Input))
	if err != nil {
		return nil, &InputError{Reason: "Invalid State Machine Execution Input: " + err.Error()}
	}
	x := &Execution{
		engine: e, machine: m, in: in, start: start, done: make(chan struct{}),
		result: Result{Status: StatusRunning, StartTime: start},
	}
	// The keys are in the order AWS renders them (the recorded case
	// base.query-context-object-values).
	x.execCtx = objectOf("Id", in.ExecutionARN, "Input", input, "StartTime", formatTime(start),
		"Name", in.Name, "RoleArn", in.RoleARN, "RedriveCount", json.Number("0"))
	x.smCtx = objectOf("Id", in.StateMachineARN, "Name", in.StateMachineName)
	x.ctx, x.cancel = context.WithCancelCause(context.Background())
	return x, nil
}

func formatTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// run runs the execution from its start, or from resume.
func (x *Execution) run(top *thread, input any, resume *Checkpoint) {
	defer x.engine.time.release()
	defer func() {
		x.engine.mu.Lock()
		delete(x.engine.running, x)
		x.engine.mu.Unlock()
	}()
	if x.machine.TimeoutSeconds > 0 {
		// A resumed execution counts its timeout from its original start.
		left := time.Duration(x.machine.TimeoutSeconds)*time.Second - x.engine.time.now().Sub(x.start)
		ch, stop := x.engine.time.timer(max(left, 0))
		x.engine.work.Go(func() {
			select {
			case <-ch:
				// Keep running until the execution has wound down, so that a
				// virtual clock does not jump past timers it cancels.
				x.cancel(&stopCause{status: StatusTimedOut})
				<-x.done
				x.engine.time.release()
			case <-x.done:
				if !stop() {
					x.engine.time.release()
				}
			}
		})
	}
	name := x.machine.program.StartAt
	if resume != nil {
		name = resume.State
	}
	out, ferr := x.runFrom(x.ctx, top, &x.machine.program, name, input, resume)
	x.finish(top, out, ferr)
}

func (x *Execution) finish(top *thread, out any, ferr *Error) {
	var sc *stopCause
	if cause := context.Cause(x.ctx); cause != nil {
		errors.As(cause, &sc)
	}
	if sc == nil || !sc.interrupted {
		x.mu.Lock()
		x.result.StopTime = x.engine.time.now()
		x.mu.Unlock()
	}
	switch {
	case sc != nil && sc.interrupted:
		// Engine.Close: the execution stays as far as it got.
	case sc != nil && sc.status == StatusTimedOut:
		// AWS reports a timed-out execution without an error or a cause,
		// in its ExecutionTimedOut event as in DescribeExecution.
		x.emit(top, Event{Type: ExecutionTimedOut, ExecutionTimedOut: &FailureDetails{}})
		x.setResult(StatusTimedOut, "", nil)
	case sc != nil:
		// A stop comes from outside the execution: its event follows none.
		top.last = 0
		x.emit(top, Event{Type: ExecutionAborted, ExecutionAborted: &FailureDetails{Error: sc.err.Name, Cause: sc.err.Cause}})
		x.setResult(StatusAborted, "", sc.err)
	case ferr != nil:
		x.emit(top, Event{Type: ExecutionFailed, ExecutionFailed: &FailureDetails{Error: ferr.Name, Cause: ferr.Cause}})
		x.setResult(StatusFailed, "", ferr)
	default:
		text := encodeJSON(out)
		x.emit(top, Event{Type: ExecutionSucceeded, ExecutionSucceeded: &OutputDetails{Output: text, OutputDetails: &Truncation{}}})
		x.setResult(StatusSucceeded, text, nil)
	}
	x.mu.Lock()
	x.ended = true
	held := x.held
	x.held = 0
	x.mu.Unlock()
	x.cancel(nil)
	close(x.done)
	for range held {
		x.engine.time.release()
	}
}

func (x *Execution) setResult(s Status, output string, err *Error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.result.Status, x.result.Output = s, output
	if err != nil {
		x.result.Error, x.result.Cause = err.Name, err.Cause
	}
}

// Stop aborts a running execution with the given error and cause, as
// StopExecution does. It reports false if the execution had already ended.
func (x *Execution) Stop(errName, cause string) bool {
	return x.halt(&stopCause{status: StatusAborted, err: &Error{Name: errName, Cause: cause}})
}

// halt cancels the execution's context with cause, unless it has ended, and
// reports whether it did.
func (x *Execution) halt(cause *stopCause) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.ended {
		return false
	}
	// The clock must not move on until the execution has wound down (a
	// virtual clock would jump past the timers it cancels): hold a running
	// unit, which finish gives back.
	x.engine.time.acquire()
	x.held++
	x.cancel(cause)
	return true
}

// Done is closed when the execution has ended, or when Engine.Close
// interrupted it (its Result then still says RUNNING).
func (x *Execution) Done() <-chan struct{} { return x.done }

// Wait blocks until the execution ends or ctx is done.
func (x *Execution) Wait(ctx context.Context) (Result, error) {
	select {
	case <-x.done:
		return x.Result(), nil
	case <-ctx.Done():
		return x.Result(), ctx.Err()
	}
}

// Result returns the execution's current state.
func (x *Execution) Result() Result {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.result
}

// History returns a copy of the events so far.
func (x *Execution) History() []Event {
	x.mu.Lock()
	defer x.mu.Unlock()
	return append([]Event(nil), x.events...)
}

// ARN returns the execution ARN it was started with.
func (x *Execution) ARN() string { return x.in.ExecutionARN }

// thread is a sequence of states that run one after another: the machine
// itself, a Parallel branch, or a Map iteration. Its events chain through
// previousEventId. A discarding thread records nothing (the iterations of a
// distributed Map are child executions with their own histories).
type thread struct {
	last    int64
	discard bool
	// top marks the execution's own thread, whose states keep checkpoints.
	top bool
}

// emit appends an event and returns its id.
func (x *Execution) emit(th *thread, ev Event) int64 {
	if th.discard {
		return 0
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	ev.ID = int64(len(x.events)) + 1
	ev.PreviousEventID = th.last
	ev.Timestamp = EpochTime(x.engine.time.now())
	x.events = append(x.events, ev)
	th.last = ev.ID
	return ev.ID
}

// errAborted is returned by states interrupted because the execution (or
// the Map or Parallel state around them) stopped.
var errAborted = &Error{Name: errAbortedName}

// runProgram runs states from StartAt until one ends the program.
func (x *Execution) runProgram(ctx context.Context, th *thread, prog *program, input any) (any, *Error) {
	return x.runFrom(ctx, th, prog, prog.StartAt, input, nil)
}

// runFrom runs states from the named one until one ends the program; the
// first resumes from resume when it is not nil.
func (x *Execution) runFrom(ctx context.Context, th *thread, prog *program, name string, input any, resume *Checkpoint) (any, *Error) {
	for {
		if ctx.Err() != nil {
			return nil, errAborted
		}
		st := prog.States[name]
		out, next, err := x.runState(ctx, th, st, input, resume)
		resume = nil
		if err != nil {
			return nil, err
		}
		if next == "" {
			return out, nil
		}
		input, name = out, next
	}
}

// mapItem is the current Map item, exposed as $$.Map.Item.
type mapItem struct {
	index int
	value any
}

// stateRun is the bookkeeping of one state's visit.
type stateRun struct {
	x          *Execution
	th         *thread
	st         *State
	enteredID  int64
	enteredAt  time.Time
	retryCount int
	token      string
	// childFailed is set when a Map or Parallel attempt failed because an
	// iteration or branch failed (rather than in its own data processing).
	childFailed bool
	// cp is the checkpoint of a top-level state (nil in branches and
	// iterations); resume is the one it resumes from, until taken.
	cp     *Checkpoint
	resume *Checkpoint
}

// context builds the context object ($$) for the state.
func (r *stateRun) context(item *mapItem) *object {
	state := objectOf("Name", r.st.Name, "EnteredTime", formatTime(r.enteredAt))
	if len(r.st.Retry) > 0 {
		// Only states that can be retried count their retries.
		state.set("RetryCount", intValue(int64(r.retryCount)))
	}
	c := objectOf("Execution", r.x.execCtx, "StateMachine", r.x.smCtx, "State", state)
	if r.token != "" {
		c.set("Task", objectOf("Token", r.token))
	}
	if item != nil {
		c.set("Map", objectOf("Item", objectOf("Index", intValue(int64(item.index)), "Value", item.value)))
	}
	return c
}

func (r *stateRun) runtime(format string, args ...any) *Error {
	return runtimeError(r.st.Name, r.enteredID, format, args...)
}

// inputPath applies InputPath to the raw input.
func (r *stateRun) inputPath(raw any) (any, *Error) {
	return r.selectPath(r.st.InputPath, raw)
}

// outputPath applies OutputPath to the state's output.
func (r *stateRun) outputPath(v any) (any, *Error) {
	return r.selectPath(r.st.OutputPath, v)
}

func (r *stateRun) selectPath(p *optPath, v any) (any, *Error) {
	switch {
	case p == nil:
		return v, nil
	case p.null:
		return newObject(0), nil
	}
	ctx := r.context(nil)
	out, ok := p.path.Eval(v, ctx)
	if !ok {
		return nil, r.runtime("Invalid path '%s' : %s", p.path.text, p.path.notFound(v, ctx))
	}
	return deepCopy(out), nil
}

// applyTemplate evaluates Parameters, ResultSelector or ItemSelector.
func (r *stateRun) applyTemplate(t *template, data any, item *mapItem) (any, *Error) {
	ctx := r.context(item)
	v, err := t.eval(data, ctx)
	if err == nil {
		return v, nil
	}
	var fe *fieldPathError
	if errors.As(err, &fe) {
		searched := data
		if fe.context {
			searched = ctx
		}
		return nil, r.runtime("%s '%s'", fe.Error(), encodeJSON(searched))
	}
	if e := r.intrinsicFailure(err, data); e != nil {
		return nil, e
	}
	return nil, asError(err, ErrRuntime)
}

// intrinsicFailure turns the failure of an intrinsic function evaluated on
// input into the States.Runtime error of the state, or returns nil when
// err is something else.
func (r *stateRun) intrinsicFailure(err error, input any) *Error {
	var pe *pathNotFoundError
	var ie *intrinsicError
	switch {
	case errors.As(err, &pe):
		return r.runtime("%s", pe.cause(encodeJSON(input)))
	case errors.As(err, &ie):
		return r.runtime("%s", ie.Error())
	}
	return nil
}

// resultPath merges the state's result into its raw input.
func (r *stateRun) resultPath(p *optPath, raw, result any) (any, *Error) {
	switch {
	case p == nil:
		return result, nil
	case p.null:
		return raw, nil
	}
	out, err := setPath(deepCopy(raw), p.path, result)
	if err != nil {
		return nil, r.runtime("Unable to apply ResultPath '%s': %v", p.path.text, err)
	}
	return out, nil
}

// finishData applies ResultPath and OutputPath and checks the size limit.
func (r *stateRun) finishData(raw, result any) (any, *Error) {
	out, err := r.resultPath(r.st.ResultPath, raw, result)
	if err != nil {
		return nil, err
	}
	if out, err = r.outputPath(out); err != nil {
		return nil, err
	}
	return r.checkSize(out)
}

func (r *stateRun) checkSize(v any) (any, *Error) {
	if len(encodeJSON(v)) > MaxPayloadSize {
		return nil, resultTooLarge(r.st.Name)
	}
	return v, nil
}

// exit records the state's exit event.
func (r *stateRun) exit(out any) {
	r.x.emit(r.th, Event{Type: exited(r.st.Type), StateExited: &StateExitedDetails{Name: r.st.Name, Output: encodeJSON(out), OutputDetails: &Truncation{}}})
}

// runState runs one state and returns its output and the next state ("" at
// the end of the program).
// When resume is not nil the state was entered in another process: it
// continues from the checkpoint without entering again.
func (x *Execution) runState(ctx context.Context, th *thread, st *State, raw any, resume *Checkpoint) (any, string, *Error) {
	r := &stateRun{x: x, th: th, st: st}
	if resume != nil {
		c := *resume
		r.enteredAt, r.enteredID, r.retryCount = c.EnteredAt, c.EnteredID, c.RetryCount
		r.cp, r.resume = &c, resume
	} else {
		r.enteredAt = x.engine.time.now()
		r.enteredID = x.emit(th, Event{Type: entered(st.Type), StateEntered: &StateEnteredDetails{Name: st.Name, Input: encodeJSON(raw), InputDetails: &Truncation{}}})
		if th.top {
			r.cp = &Checkpoint{State: st.Name, Input: encodeJSON(raw), EnteredID: r.enteredID, EnteredAt: r.enteredAt}
			r.checkpoint()
		}
	}
	switch st.Type {
	case "Pass":
		return r.pass(raw)
	case "Choice":
		return r.choice(raw)
	case "Wait":
		return r.wait(ctx, raw)
	case "Succeed":
		out, err := r.inputPathThen(raw)
		if err != nil {
			return nil, "", err
		}
		r.exit(out)
		return out, "", nil
	case "Fail":
		return nil, "", r.fail(raw)
	default:
		return r.withRetry(ctx, raw)
	}
}

// inputPathThen applies InputPath then OutputPath (Succeed).
func (r *stateRun) inputPathThen(raw any) (any, *Error) {
	v, err := r.inputPath(raw)
	if err != nil {
		return nil, err
	}
	return r.outputPath(v)
}

func (r *stateRun) next(out any) (any, string, *Error) {
	r.exit(out)
	if r.st.End {
		return out, "", nil
	}
	return out, r.st.Next, nil
}

func (r *stateRun) pass(raw any) (any, string, *Error) {
	eff, err := r.inputPath(raw)
	if err != nil {
		return nil, "", err
	}
	if r.st.Parameters != nil {
		if eff, err = r.applyTemplate(r.st.Parameters, eff, nil); err != nil {
			return nil, "", err
		}
	}
	result := eff
	if r.st.HasResult {
		result = deepCopy(r.st.Result)
	}
	out, err := r.finishData(raw, result)
	if err != nil {
		return nil, "", err
	}
	return r.next(out)
}

func (r *stateRun) choice(raw any) (any, string, *Error) {
	eff, err := r.inputPath(raw)
	if err != nil {
		return nil, "", err
	}
	target := ""
	for _, c := range r.st.Choices {
		ok, cerr := c.match(eff, r.context(nil))
		if cerr != nil {
			return nil, "", r.runtime("%s", cerr.Error())
		}
		if ok {
			target = c.Next
			break
		}
	}
	if target == "" {
		target = r.st.Default
	}
	if target == "" {
		return nil, "", &Error{Name: ErrNoChoiceMatched, Cause: fmt.Sprintf("No Matches! at state '%s'", r.st.Name)}
	}
	out, err := r.outputPath(eff)
	if err != nil {
		return nil, "", err
	}
	r.exit(out)
	return out, target, nil
}

func (r *stateRun) wait(ctx context.Context, raw any) (any, string, *Error) {
	eff, err := r.inputPath(raw)
	if err != nil {
		return nil, "", err
	}
	if resume := r.takeResume(); resume != nil && !resume.WaitUntil.IsZero() {
		// Resumed: wait out only what is left.
		if r.sleepUntil(ctx, resume.WaitUntil) != nil {
			return nil, "", errAborted
		}
		out, err := r.outputPath(eff)
		if err != nil {
			return nil, "", err
		}
		return r.next(out)
	}
	now := r.x.engine.time.now()
	var d time.Duration
	st := r.st
	switch {
	case st.hasSeconds:
		d = time.Duration(st.Seconds) * time.Second
	case st.hasTimestamp:
		d = st.Timestamp.Sub(now)
	case st.SecondsPath != nil:
		v, ok := st.SecondsPath.Eval(eff, r.context(nil))
		if !ok {
			return nil, "", r.runtime("The SecondsPath parameter does not reference an input value: %s", st.SecondsPath.text)
		}
		n, isInt := integer(v)
		if !isInt {
			return nil, "", r.runtime("The SecondsPath parameter cannot be parsed as a long value: %s == %s", st.SecondsPath.text, formatArg(v))
		}
		if n < 0 {
			return nil, "", r.runtime("The SecondsPath parameter references a negative value: %s == %s", st.SecondsPath.text, formatArg(v))
		}
		d = time.Duration(n) * time.Second
	default:
		v, ok := st.TimestampPath.Eval(eff, r.context(nil))
		if !ok {
			return nil, "", r.runtime("The TimestampPath parameter does not reference an input value: %s", st.TimestampPath.text)
		}
		s, _ := v.(string)
		ts, perr := parseTimestamp(s)
		if perr != nil {
			return nil, "", r.runtime("The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: %s == %s", st.TimestampPath.text, formatArg(v))
		}
		d = ts.Sub(now)
	}
	if r.cp != nil {
		r.cp.WaitUntil = now.Add(max(d, 0))
		r.checkpoint()
	}
	if d > 0 {
		if r.x.engine.time.sleep(ctx, d) != nil {
			return nil, "", errAborted
		}
	}
	out, err := r.outputPath(eff)
	if err != nil {
		return nil, "", err
	}
	return r.next(out)
}

func (r *stateRun) fail(raw any) *Error {
	e := &Error{Name: r.st.Error, Cause: r.st.Cause}
	for _, f := range []struct {
		d     *dynString
		dst   *string
		field string
	}{{r.st.ErrorPath, &e.Name, "ErrorPath"}, {r.st.CausePath, &e.Cause, "CausePath"}} {
		if f.d == nil {
			continue
		}
		var v any
		if f.d.call != nil {
			var err error
			v, err = f.d.call.eval(raw, r.context(nil))
			if e := r.intrinsicFailure(err, raw); e != nil {
				return e
			}
			if err != nil {
				return asError(err, ErrRuntime)
			}
		} else {
			var ok bool
			if v, ok = f.d.path.Eval(raw, r.context(nil)); !ok {
				return r.runtime("The JSONPath '%s' specified for the field '%s' could not be found in the input '%s'", f.d.text, f.field, encodeJSON(raw))
			}
		}
		s, ok := v.(string)
		if !ok {
			return r.runtime("The JSONPath '%s' specified for the field '%s' must reference a string, not %s", f.d.text, f.field, encodeJSON(v))
		}
		*f.dst = s
	}
	return e
}
