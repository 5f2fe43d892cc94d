package asl

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/greenlight/greenlight/localcloud/internal/uuid"
)

// fanOut runs work(i) for i in [0, n) on at most limit goroutines (0: no
// limit) and waits for them. It keeps the clock's accounting: the caller is
// counted as running before and after, and idle while it waits.
func (x *Execution) fanOut(n, limit int, work func(i int)) {
	if n == 0 {
		return
	}
	workers := n
	if limit > 0 && limit < n {
		workers = limit
	}
	t := x.engine.time
	var next atomic.Int64
	var left atomic.Int64
	left.Store(int64(workers))
	var wg sync.WaitGroup
	wg.Add(workers)
	for range workers {
		t.acquire()
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					break
				}
				work(i)
			}
			// The last worker hands its running unit back to the caller.
			if left.Add(-1) > 0 {
				t.release()
			}
		}()
	}
	t.release()
	wg.Wait()
}

// parallel runs every branch on a copy of the effective input.
func (r *stateRun) parallel(ctx context.Context, eff any) (any, *Error) {
	input := eff
	if r.st.Parameters != nil {
		var err *Error
		if input, err = r.applyTemplate(r.st.Parameters, eff, nil); err != nil {
			return nil, err
		}
	}
	start := r.x.emit(r.th, Event{Type: ParallelStateStarted})
	bctx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := make([]any, len(r.st.Branches))
	var once sync.Once
	var failure *Error
	r.x.fanOut(len(r.st.Branches), 0, func(i int) {
		th := &thread{last: start}
		out, err := r.x.runProgram(bctx, th, r.st.Branches[i], deepCopy(input))
		if err != nil {
			if err != errAborted {
				once.Do(func() { failure = err; cancel() })
			}
			return
		}
		results[i] = out
	})
	if ctx.Err() != nil {
		return nil, errAborted
	}
	if failure != nil {
		r.childFailed = true
		return nil, failure
	}
	r.x.emit(r.th, Event{Type: ParallelSucceeded})
	return results, nil
}

// mapState runs the item processor over the items of the effective input.
func (r *stateRun) mapState(ctx context.Context, eff any) (any, *Error) {
	st := r.st
	itemsVal := eff
	if st.ItemsPath != nil {
		pctx := r.context(nil)
		v, ok := st.ItemsPath.Eval(eff, pctx)
		if !ok {
			return nil, r.runtime("Invalid path '%s' : %s", st.ItemsPath.text, st.ItemsPath.notFound(eff, pctx))
		}
		itemsVal = v
	}
	items, ok := itemsVal.([]any)
	if !ok {
		path := "$"
		if st.ItemsPath != nil {
			path = st.ItemsPath.text
		}
		return nil, r.runtime("Invalid input type for the Map state: the value at '%s' must be an array, not %s", path, typeName(itemsVal))
	}
	limit, err := r.maxConcurrency(eff)
	if err != nil {
		return nil, err
	}
	started := r.x.emit(r.th, Event{Type: MapStateStarted, MapStateStarted: &MapStateStartedDetails{Length: len(items)}})
	exceeded, err := r.tolerance(eff, len(items))
	if err != nil {
		return nil, err
	}
	if st.Distributed {
		r.x.emit(r.th, Event{Type: MapRunStarted, MapRunStarted: &MapRunStartedDetails{MapRunARN: r.mapRunARN()}})
	}
	mctx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := make([]any, len(items))
	var mu sync.Mutex
	var failure *Error
	failures := 0
	r.x.fanOut(len(items), limit, func(i int) {
		if mctx.Err() != nil {
			return
		}
		item := &mapItem{index: i, value: items[i]}
		input := deepCopy(items[i])
		if st.ItemSelector != nil {
			v, err := r.applyTemplate(st.ItemSelector, eff, item)
			if err != nil {
				mu.Lock()
				if failure == nil {
					failure = err
				}
				mu.Unlock()
				cancel()
				return
			}
			input = v
		}
		th := &thread{last: started, discard: st.Distributed}
		iter := &MapIterationDetails{Name: st.Name, Index: i}
		r.x.emit(th, Event{Type: MapIterationStarted, MapIterationStarted: iter})
		out, err := r.x.runProgram(mctx, th, st.Processor, input)
		switch {
		case err == errAborted:
			r.x.emit(th, Event{Type: MapIterationAborted, MapIterationAborted: iter})
		case err != nil:
			r.x.emit(th, Event{Type: MapIterationFailed, MapIterationFailed: iter})
			mu.Lock()
			defer mu.Unlock()
			failures++
			if !st.Distributed {
				if failure == nil {
					failure = err
				}
				cancel()
				return
			}
			results[i] = objectOf("Error", err.Name, "Cause", err.Cause)
			if exceeded(failures) && failure == nil {
				failure = &Error{Name: ErrExceedToleratedFailure, Cause: toleratedFailureExceedCause}
				cancel()
			}
		default:
			r.x.emit(th, Event{Type: MapIterationSucceeded, MapIterationSucceeded: iter})
			results[i] = out
		}
	})
	if ctx.Err() != nil {
		return nil, errAborted
	}
	if failure != nil {
		r.childFailed = true
		if st.Distributed {
			r.x.emit(r.th, Event{Type: MapRunFailed, MapRunFailed: &FailureDetails{Error: failure.Name, Cause: failure.Cause}})
		}
		return nil, failure
	}
	if st.Distributed {
		r.x.emit(r.th, Event{Type: MapRunSucceeded})
	}
	r.x.emit(r.th, Event{Type: MapStateSucceeded})
	return results, nil
}

// maxConcurrency resolves MaxConcurrency(Path); 0 means no limit.
func (r *stateRun) maxConcurrency(eff any) (int, *Error) {
	p := r.st.MaxConcurrencyPath
	if p == nil {
		return int(r.st.MaxConcurrency), nil
	}
	v, ok := p.Eval(eff, r.context(nil))
	c, isInt := integer(v)
	if !ok || !isInt || c < 0 {
		return 0, r.runtime("The MaxConcurrencyPath field refers to value %q which is not a valid integer: %s", formatArg(v), p.text)
	}
	return int(c), nil
}

// tolerance resolves the tolerated failure thresholds of a distributed Map
// over n items; exceeded tells whether a number of failed iterations is
// more than the Map tolerates.
func (r *stateRun) tolerance(eff any, n int) (exceeded func(failures int) bool, err *Error) {
	st := r.st
	tolCount, hasCount := st.ToleratedFailureCount, st.hasTolCount
	tolPct, hasPct := st.ToleratedFailurePercentage, st.hasTolPct
	if p := st.ToleratedFailureCountPath; p != nil {
		v, ok := p.Eval(eff, r.context(nil))
		c, isInt := integer(v)
		switch {
		case !ok || !isInt:
			return nil, r.runtime("The ToleratedFailureCountPath field refers to value %q which is not a valid integer: %s", formatArg(v), p.text)
		case c < 0:
			return nil, r.runtime("ToleratedFailureCount cannot be negative.")
		}
		tolCount, hasCount = c, true
	}
	if p := st.ToleratedFailurePercentagePath; p != nil {
		v, ok := p.Eval(eff, r.context(nil))
		f, isNum := number(v)
		if !ok || !isNum {
			return nil, r.runtime("The ToleratedFailurePercentagePath field refers to value %q which is not a valid float: %s", formatArg(v), p.text)
		}
		if f < 0 || f > 100 {
			return nil, r.runtime("ToleratedFailurePercentage must be between 0 and 100.")
		}
		tolPct, hasPct = f, true
	}
	exceeded = func(failures int) bool {
		switch {
		case hasCount && int64(failures) > tolCount:
			return true
		case hasPct && float64(failures)*100 > tolPct*float64(n):
			return true
		default:
			return !hasCount && !hasPct && failures > 0
		}
	}
	return exceeded, nil
}

func (r *stateRun) mapRunARN() string {
	return fmt.Sprintf("%s/%s:%s", r.x.in.StateMachineARN, r.st.Name, uuid.New())
}
