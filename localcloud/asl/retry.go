package asl

import (
	"context"
	"math"
	"math/rand/v2"
	"time"
)

// uncatchable errors end the execution whatever Retry and Catch say,
// unless a retrier or catcher names them explicitly.
func uncatchable(name string) bool {
	return name == ErrRuntime || name == ErrDataLimitExceeded
}

// errorMatches reports whether an ErrorEquals entry matches an error raised
// by a state of the given type.
func errorMatches(pattern, name, stateType string) bool {
	switch {
	case pattern == name:
		return true
	case pattern == ErrAll:
		return !uncatchable(name)
	case pattern == ErrTimeout:
		return name == ErrHeartbeatTimeout
	case pattern == ErrTaskFailed:
		return stateType == "Task" && !uncatchable(name) && name != ErrTimeout && name != ErrHeartbeatTimeout
	}
	return false
}

// matchesAny reports whether one of the ErrorEquals entries matches err.
func matchesAny(patterns []string, err *Error, stateType string) bool {
	for _, p := range patterns {
		if errorMatches(p, err.Name, stateType) || p == ErrAll && err.catchable {
			return true
		}
	}
	return false
}

// retryDelay is the wait before retry number attempt (0-based) of r.
func retryDelay(r Retrier, attempt int64) time.Duration {
	secs := float64(r.IntervalSeconds) * math.Pow(r.BackoffRate, float64(attempt))
	if r.MaxDelaySeconds > 0 {
		secs = math.Min(secs, float64(r.MaxDelaySeconds))
	}
	d := time.Duration(secs * float64(time.Second))
	if r.FullJitter {
		d = time.Duration(rand.Int64N(int64(d) + 1))
	}
	return d
}

// withRetry runs a Task, Parallel or Map state, retrying and catching its
// errors as its Retry and Catch fields say.
func (r *stateRun) withRetry(ctx context.Context, raw any) (any, string, *Error) {
	attempts := make([]int64, len(r.st.Retry))
	if resume := r.resume; resume != nil {
		copy(attempts, resume.RetryAttempts)
		// A retry's backoff that was under way goes on for what is left.
		if !resume.Submitted && r.sleepUntil(ctx, resume.WaitUntil) != nil {
			return nil, "", errAborted
		}
	}
	for {
		out, err := r.attempt(ctx, raw)
		if err == nil {
			return r.next(out)
		}
		if ctx.Err() != nil {
			return nil, "", errAborted
		}
		retried := false
		for i, rt := range r.st.Retry {
			if !matchesAny(rt.ErrorEquals, err, r.st.Type) {
				continue
			}
			if attempts[i] < rt.MaxAttempts {
				d := retryDelay(rt, attempts[i])
				attempts[i]++
				r.retryCount++
				if r.cp != nil {
					r.cp.RetryAttempts = append(r.cp.RetryAttempts[:0], attempts...)
					r.cp.RetryCount = r.retryCount
					r.cp.WaitUntil = r.x.engine.time.now().Add(d)
					r.cp.Token, r.cp.Submitted, r.cp.TaskDeadline = "", false, time.Time{}
					r.checkpoint()
				}
				if r.x.engine.time.sleep(ctx, d) != nil {
					return nil, "", errAborted
				}
				retried = true
			}
			break
		}
		if retried {
			continue
		}
		r.failed()
		for _, c := range r.st.Catch {
			if !matchesAny(c.ErrorEquals, err, r.st.Type) {
				continue
			}
			errObj := objectOf("Error", err.Name)
			if err.Cause != "" {
				errObj.set("Cause", err.Cause)
			}
			out, perr := r.resultPath(c.ResultPath, raw, errObj)
			if perr != nil {
				return nil, "", perr
			}
			r.exit(out)
			return out, c.Next, nil
		}
		return nil, "", err
	}
}

// failed records the failure event of a Map or Parallel state that will not
// be retried.
func (r *stateRun) failed() {
	if !r.childFailed {
		return
	}
	switch r.st.Type {
	case "Map":
		r.x.emit(r.th, Event{Type: MapStateFailed})
	case "Parallel":
		r.x.emit(r.th, Event{Type: ParallelFailed})
	}
}

// attempt runs one attempt of a Task, Parallel or Map state and returns its
// output (after ResultPath and OutputPath).
func (r *stateRun) attempt(ctx context.Context, raw any) (any, *Error) {
	r.childFailed = false
	eff, err := r.inputPath(raw)
	if err != nil {
		return nil, err
	}
	var result any
	switch r.st.Type {
	case "Task":
		result, err = r.task(ctx, eff)
	case "Parallel":
		result, err = r.parallel(ctx, eff)
	default:
		result, err = r.mapState(ctx, eff)
	}
	if err != nil {
		return nil, err
	}
	if r.st.ResultSelector != nil {
		if result, err = r.applyTemplate(r.st.ResultSelector, result, nil); err != nil {
			return nil, err
		}
	}
	return r.finishData(raw, result)
}
