package asl

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/greenlight/greenlight/localcloud/internal/uuid"
)

// fanOut runs work(w, i) for i in [0, n) on at most limit goroutines (0: no
// limit) and waits for them; w numbers the goroutine that runs item i, and
// each goroutine runs its items one after another. It keeps the clock's accounting:
// the caller is counted as running before and after, and idle while it waits.
func (x *Execution) fanOut(n, limit int, work func(w, i int)) {
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
	for w := range workers {
		t.acquire()
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					break
				}
				work(w, i)
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
	var join joinPoint
	r.x.fanOut(len(r.st.Branches), 0, func(_, i int) {
		th := &thread{last: start}
		out, err := r.x.runProgram(bctx, th, r.st.Branches[i], deepCopy(input))
		if err != nil {
			if err != errAborted {
				once.Do(func() { failure = err; join.fail(th.last); cancel() })
			}
			return
		}
		join.done(th.last)
		results[i] = out
	})
	if ctx.Err() != nil {
		return nil, errAborted
	}
	r.th.last = join.last()
	if failure != nil {
		r.childFailed = true
		return nil, failure
	}
	r.emitAside(Event{Type: ParallelSucceeded})
	return results, nil
}

// joinPoint finds the event a Map or Parallel state's own events follow once
// its iterations or branches end: AWS chains them to the last event of the
// child that ended last or, on a failure, of the child that failed.
type joinPoint struct {
	mu      sync.Mutex
	id      int64
	failure bool
}

// done records a child that ended well with its last event.
func (j *joinPoint) done(id int64) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if !j.failure && id > j.id {
		j.id = id
	}
}

// fail records the last event of the child whose failure ends the state.
func (j *joinPoint) fail(id int64) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if !j.failure {
		j.id, j.failure = id, true
	}
}

// last returns the event the state's own events follow.
func (j *joinPoint) last() int64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.id
}

// emitAside records a state's success event (MapStateSucceeded,
// ParallelStateSucceeded): AWS chains the state's exit to the same event as
// the success event rather than to the success event itself.
func (r *stateRun) emitAside(ev Event) {
	last := r.th.last
	r.x.emit(r.th, ev)
	r.th.last = last
}

// mapState runs the item processor over the items of the effective input.
func (r *stateRun) mapState(ctx context.Context, eff any) (any, *Error) {
	st := r.st
	// AWS resolves MaxConcurrency(Path) before the items.
	limit, err := r.maxConcurrency(eff)
	if err != nil {
		return nil, err
	}
	items, err := r.mapItems(eff)
	if err != nil {
		return nil, err
	}
	r.x.emit(r.th, Event{Type: MapStateStarted, MapStateStarted: &MapStateStartedDetails{Length: len(items)}})
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
	// An iteration follows the end of the one before it in its slot: all
	// start after MapStateStarted when nothing limits the concurrency.
	slots := make([]int64, len(items))
	for i := range slots {
		slots[i] = r.th.last
	}
	var join joinPoint
	join.done(r.th.last)
	r.x.fanOut(len(items), limit, func(w, i int) {
		if mctx.Err() != nil {
			return
		}
		th := &thread{last: slots[w], discard: st.Distributed}
		iter := &MapIterationDetails{Name: st.Name, Index: i}
		r.x.emit(th, Event{Type: MapIterationStarted, MapIterationStarted: iter})
		// The ItemSelector belongs to the iteration: when it fails, the
		// iteration fails.
		input, err := r.iterationInput(eff, &mapItem{index: i, value: items[i]})
		if err != nil && st.Distributed {
			mu.Lock()
			if failure == nil {
				failure = err
			}
			mu.Unlock()
			cancel()
			return
		}
		var out any
		if err == nil {
			out, err = r.x.runProgram(mctx, th, st.Processor, input)
		}
		end := th.last
		slots[w] = end
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
					join.fail(end)
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
			join.done(r.x.emit(th, Event{Type: MapIterationSucceeded, MapIterationSucceeded: iter}))
			results[i] = out
		}
	})
	if ctx.Err() != nil {
		return nil, errAborted
	}
	if !st.Distributed {
		r.th.last = join.last()
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
	r.emitAside(Event{Type: MapStateSucceeded})
	return results, nil
}

// iterationInput is the input of a Map iteration: its item, or what the
// ItemSelector makes of it.
func (r *stateRun) iterationInput(eff any, item *mapItem) (any, *Error) {
	if r.st.ItemSelector == nil {
		return deepCopy(item.value), nil
	}
	return r.applyTemplate(r.st.ItemSelector, eff, item)
}

// mapItems resolves the items a Map state iterates over: its effective
// input, or what ItemsPath selects in it.
func (r *stateRun) mapItems(eff any) ([]any, *Error) {
	itemsVal := eff
	if p := r.st.ItemsPath; p != nil {
		pctx := r.context(nil)
		v, ok := p.Eval(eff, pctx)
		if !ok {
			return nil, r.runtime("Invalid path '%s' : %s", p.text, p.notFound(eff, pctx))
		}
		itemsVal = v
	}
	items, ok := itemsVal.([]any)
	if !ok {
		// AWS words this the same whether the items come from the input or
		// from ItemsPath, and quotes the value as JSON.
		return nil, r.runtime("Map state input must be an array but was: %s", encodeJSON(itemsVal))
	}
	return items, nil
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
