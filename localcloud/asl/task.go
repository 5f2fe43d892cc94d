package asl

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/greenlight/greenlight/localcloud/internal/uuid"
)

// defaultTaskTimeout is the TimeoutSeconds of a Task that sets none.
const defaultTaskTimeout = 99999999 * time.Second

// resourceKind splits a Task resource into the resourceType and resource
// names its history events use. Plain Lambda function ARNs use the
// LambdaFunction* events instead and report lambda == true.
func resourceKind(arn string) (resourceType, resource string, lambda bool) {
	if strings.HasPrefix(arn, "arn:aws:lambda:") || strings.Contains(arn, ":lambda:") && strings.Contains(arn, ":function:") {
		return "lambda", arn, true
	}
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) == 6 && parts[2] == "states" && parts[3] == "" {
		if svc, action, ok := strings.Cut(parts[5], ":"); ok {
			return svc, action, false
		}
	}
	if len(parts) == 6 && parts[2] == "states" && strings.HasPrefix(parts[5], "activity:") {
		return "activity", arn, false
	}
	return "unknown", arn, false
}

// callback is a task waiting for SendTaskSuccess or SendTaskFailure.
type callback struct {
	mu        sync.Mutex
	closed    bool
	result    chan *taskOutcome
	heartbeat chan struct{}
}

type taskOutcome struct {
	output any
	err    *Error
}

// task runs one attempt of a Task state on its effective input.
func (r *stateRun) task(ctx context.Context, eff any) (any, *Error) {
	st, e := r.st, r.x.engine
	waitToken := strings.HasSuffix(st.Resource, ".waitForTaskToken")
	resume := r.takeResume()
	var cb *callback
	if waitToken {
		if resume != nil && resume.Token != "" {
			r.token = resume.Token // the token stays valid across a restart
		} else {
			r.token = uuid.New()
		}
		cb = e.callbackFor(r.token)
		if r.cp != nil && (resume == nil || !resume.Submitted) {
			r.cp.Token, r.cp.Submitted = r.token, false
			r.checkpoint()
		}
		defer func() {
			e.mu.Lock()
			delete(e.callbacks, r.token)
			e.mu.Unlock()
			r.token = ""
		}()
	}
	params := eff
	if st.Parameters != nil {
		var err *Error
		if params, err = r.applyTemplate(st.Parameters, eff, nil); err != nil {
			return nil, err
		}
	}
	timeout, heartbeat, terr := r.taskTimeouts(eff)
	if terr != nil {
		return nil, terr
	}
	rtype, res, lambda := resourceKind(st.Resource)
	var out any
	var err *Error
	if waitToken && resume != nil && resume.Submitted {
		// Handed over before a restart: wait on for the same token.
		out, err = r.awaitCallback(ctx, cb, resume.TaskDeadline, heartbeat)
	} else {
		out, err = r.schedule(ctx, params, cb, timeout, heartbeat)
	}
	if ctx.Err() != nil {
		return nil, errAborted
	}
	if err == nil && len(encodeJSON(out)) > MaxPayloadSize {
		// AWS reports an oversized result as the task's failure, naming the
		// service or the function rather than the state.
		who := rtype
		if lambda {
			who = st.Resource
		}
		err = resultTooLarge(who)
		err.catchable = true
	}
	r.recordOutcome(out, err, rtype, res, lambda)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// schedule records the task's scheduling, invokes it and, for a
// .waitForTaskToken resource (cb not nil), waits for its callback.
func (r *stateRun) schedule(ctx context.Context, params any, cb *callback, timeout, heartbeat time.Duration) (any, *Error) {
	st, e := r.st, r.x.engine
	rtype, res, lambda := resourceKind(st.Resource)
	paramText := encodeJSON(params)
	if lambda {
		d := &LambdaScheduledDetails{Resource: st.Resource, Input: paramText, InputDetails: &Truncation{}}
		if st.hasTimeoutSeconds || st.TimeoutSecondsPath != nil {
			d.TimeoutInSeconds = int64(timeout / time.Second)
		}
		r.x.emit(r.th, Event{Type: LambdaScheduled, LambdaScheduled: d})
		r.x.emit(r.th, Event{Type: LambdaStarted})
	} else {
		d := &TaskScheduledDetails{ResourceType: rtype, Resource: res, Region: e.region, Parameters: paramText}
		if st.hasTimeoutSeconds || st.TimeoutSecondsPath != nil {
			d.TimeoutInSeconds = int64(timeout / time.Second)
		}
		if heartbeat > 0 {
			d.HeartbeatInSeconds = int64(heartbeat / time.Second)
		}
		r.x.emit(r.th, Event{Type: TaskScheduled, TaskScheduled: d})
		r.x.emit(r.th, Event{Type: TaskStarted, TaskStarted: &TaskDetails{ResourceType: rtype, Resource: res}})
	}
	deadline := e.time.now().Add(timeout)
	out, err := r.invoke(ctx, params, deadline)
	if err == nil && cb != nil {
		r.x.emit(r.th, Event{Type: TaskSubmitted, TaskSubmitted: &TaskOutputDetails{ResourceType: rtype, Resource: res, Output: encodeJSON(out), OutputDetails: &Truncation{}}})
		if r.cp != nil {
			r.cp.Submitted, r.cp.TaskDeadline = true, deadline
			r.checkpoint()
		}
		out, err = r.awaitCallback(ctx, cb, deadline, heartbeat)
	}
	return out, err
}

// recordOutcome records the end of a task attempt.
func (r *stateRun) recordOutcome(out any, err *Error, rtype, res string, lambda bool) {
	switch {
	case err == nil && lambda:
		r.x.emit(r.th, Event{Type: LambdaSucceeded, LambdaSucceeded: &OutputDetails{Output: encodeJSON(out), OutputDetails: &Truncation{}}})
	case err == nil:
		r.x.emit(r.th, Event{Type: TaskSucceeded, TaskSucceeded: &TaskOutputDetails{ResourceType: rtype, Resource: res, Output: encodeJSON(out), OutputDetails: &Truncation{}}})
	case lambda && (err.Name == ErrTimeout || err.Name == ErrHeartbeatTimeout):
		r.x.emit(r.th, Event{Type: LambdaTimedOut, LambdaTimedOut: &FailureDetails{Error: err.Name, Cause: err.Cause}})
	case lambda:
		r.x.emit(r.th, Event{Type: LambdaFailed, LambdaFailed: &FailureDetails{Error: err.Name, Cause: err.Cause}})
	case err.Name == ErrTimeout || err.Name == ErrHeartbeatTimeout:
		r.x.emit(r.th, Event{Type: TaskTimedOut, TaskTimedOut: &TaskFailureDetails{ResourceType: rtype, Resource: res, Error: err.Name, Cause: err.Cause}})
	default:
		r.x.emit(r.th, Event{Type: TaskFailed, TaskFailed: &TaskFailureDetails{ResourceType: rtype, Resource: res, Error: err.Name, Cause: err.Cause}})
	}
}

// taskTimeouts resolves TimeoutSeconds(Path) and HeartbeatSeconds(Path).
func (r *stateRun) taskTimeouts(eff any) (timeout, heartbeat time.Duration, err *Error) {
	st := r.st
	timeout = defaultTaskTimeout
	if st.hasTimeoutSeconds {
		timeout = time.Duration(st.TimeoutSeconds) * time.Second
	}
	if st.hasHeartbeatSeconds {
		heartbeat = time.Duration(st.HeartbeatSeconds) * time.Second
	}
	for _, f := range []struct {
		p     *Path
		dst   *time.Duration
		field string
	}{{st.TimeoutSecondsPath, &timeout, "TimeoutSecondsPath"}, {st.HeartbeatSecsPath, &heartbeat, "HeartbeatSecondsPath"}} {
		if f.p == nil {
			continue
		}
		ctx := r.context(nil)
		v, ok := f.p.Eval(eff, ctx)
		if !ok {
			return 0, 0, r.runtime("Invalid path '%s' : %s", f.p.text, f.p.notFound(eff, ctx))
		}
		n, isInt := integer(v)
		if !isInt || n <= 0 {
			return 0, 0, r.runtime("The %s field refers to value %q which is not a valid positive integer: %s", f.field, formatArg(v), f.p.text)
		}
		*f.dst = time.Duration(n) * time.Second
	}
	return timeout, heartbeat, nil
}

// invoke calls the resolver, bounded by the task's deadline.
func (r *stateRun) invoke(ctx context.Context, params any, deadline time.Time) (any, *Error) {
	e := r.x.engine
	if e.resolver == nil {
		return nil, &Error{Name: ErrTaskFailed, Cause: fmt.Sprintf("No task resolver is configured for the resource '%s'", r.st.Resource)}
	}
	req := TaskRequest{Resource: r.st.Resource, Parameters: json.RawMessage(encodeJSON(params)), Token: r.token, ExecutionARN: r.x.in.ExecutionARN, StateName: r.st.Name}
	tctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan *taskOutcome, 1)
	e.time.acquire() // for the resolver goroutine; handed back through done
	e.work.Go(func() {
		raw, err := e.resolver.RunTask(tctx, req)
		done <- decodeOutcome(raw, err)
	})
	timer, stop := e.time.timer(deadline.Sub(e.time.now()))
	e.time.release()
	select {
	case o := <-done:
		if !stop() {
			e.time.release()
		}
		return o.output, o.err
	case <-timer:
		cancel()
		e.work.Go(func() { <-done; e.time.release() })
		return nil, &Error{Name: ErrTimeout}
	case <-ctx.Done():
		cancel()
		if !stop() {
			e.time.release()
		}
		<-done
		return nil, errAborted
	}
}

func decodeOutcome(raw json.RawMessage, err error) *taskOutcome {
	if err != nil {
		return &taskOutcome{err: asError(err, ErrTaskFailed)}
	}
	if len(raw) == 0 {
		return &taskOutcome{output: nil}
	}
	v, derr := decodeJSON(raw)
	if derr != nil {
		return &taskOutcome{err: &Error{Name: ErrTaskFailed, Cause: "The task returned invalid JSON: " + derr.Error()}}
	}
	return &taskOutcome{output: v}
}

// awaitCallback waits for SendTaskSuccess/Failure on the task's token,
// failing with States.Timeout or States.HeartbeatTimeout when time runs out.
func (r *stateRun) awaitCallback(ctx context.Context, cb *callback, deadline time.Time, heartbeat time.Duration) (any, *Error) {
	e := r.x.engine
	defer cb.close(e)
	for {
		now := e.time.now()
		due, timeoutErr := deadline, &Error{Name: ErrTimeout}
		if heartbeat > 0 && now.Add(heartbeat).Before(deadline) {
			due, timeoutErr = now.Add(heartbeat), &Error{Name: ErrHeartbeatTimeout}
		}
		timer, stop := e.time.timer(due.Sub(now))
		e.time.release()
		select {
		case o := <-cb.result:
			if !stop() {
				e.time.release()
			}
			return o.output, o.err
		case <-cb.heartbeat:
			if !stop() {
				e.time.release()
			}
		case <-timer:
			return nil, timeoutErr
		case <-ctx.Done():
			if stop() {
				e.time.acquire()
			}
			return nil, errAborted
		}
	}
}

// close stops deliveries to the callback and gives back the running units
// of deliveries nobody will receive.
func (cb *callback) close(e *Engine) {
	cb.mu.Lock()
	defer cb.mu.Unlock()
	cb.closed = true
	for {
		select {
		case <-cb.result:
			e.time.release()
		case <-cb.heartbeat:
			e.time.release()
		default:
			return
		}
	}
}

func (e *Engine) lookup(token string) (*callback, error) {
	if token == "" || len(token) > 1024 {
		return nil, ErrInvalidToken
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	cb, ok := e.callbacks[token]
	if !ok {
		return nil, ErrTaskDoesNotExist
	}
	return cb, nil
}

func (e *Engine) deliver(token string, o *taskOutcome) error {
	cb, err := e.lookup(token)
	if err != nil {
		return err
	}
	cb.mu.Lock()
	defer cb.mu.Unlock()
	if cb.closed || len(cb.result) > 0 {
		return ErrTaskDoesNotExist
	}
	e.time.acquire()
	cb.result <- o
	return nil
}

// SendTaskSuccess completes the task waiting on token with output (JSON).
func (e *Engine) SendTaskSuccess(token, output string) error {
	v, err := decodeJSON([]byte(output))
	if err != nil {
		return &InputError{Reason: "Invalid output: " + err.Error()}
	}
	return e.deliver(token, &taskOutcome{output: v})
}

// SendTaskFailure fails the task waiting on token.
func (e *Engine) SendTaskFailure(token, errName, cause string) error {
	if errName == "" {
		errName = ErrTaskFailed
	}
	return e.deliver(token, &taskOutcome{err: &Error{Name: errName, Cause: cause}})
}

// SendTaskHeartbeat tells the task waiting on token that work goes on.
func (e *Engine) SendTaskHeartbeat(token string) error {
	cb, err := e.lookup(token)
	if err != nil {
		return err
	}
	cb.mu.Lock()
	defer cb.mu.Unlock()
	if cb.closed {
		return ErrTaskDoesNotExist
	}
	if len(cb.heartbeat) == 0 {
		e.time.acquire()
		cb.heartbeat <- struct{}{}
	}
	return nil
}
