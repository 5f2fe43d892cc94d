package clock

import (
	"sort"
	"sync"
	"time"
)

// Virtual is a clock for tests whose time moves only when nothing is
// running: then it jumps straight to the earliest pending timer, so a
// 30-minute bake passes at once while the order of events stays as on a
// real clock.
//
// Goroutines that use the clock say when they run (Acquire) and when they
// stop to wait (Release). A timer from Timer hands its receiver one unit of
// "running" when it fires: whoever receives from its channel is counted as
// running and must eventually Release. Timers from After are for code that
// does not take part in this accounting; they fire whenever nothing runs and
// hand nothing over. It is safe for concurrent use.
type Virtual struct {
	mu      sync.Mutex
	now     time.Time
	running int
	seq     int64
	timers  []*virtualTimer
}

type virtualTimer struct {
	at      time.Time
	seq     int64
	ch      chan time.Time
	handoff bool
}

// NewVirtual returns a virtual clock that starts at start.
func NewVirtual(start time.Time) *Virtual { return &Virtual{now: start} }

// Now returns the clock's time.
func (v *Virtual) Now() time.Time {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.now
}

// After returns a channel that receives once d has passed on this clock.
func (v *Virtual) After(d time.Duration) <-chan time.Time {
	ch, _ := v.add(d, false)
	return ch
}

// Timer is After for goroutines that take part in the accounting: the
// caller should Release while it waits. If the timer fires, the receiver is
// counted as running. stop cancels the timer and reports whether it had not
// fired yet (if it had, the caller was already counted as running).
func (v *Virtual) Timer(d time.Duration) (c <-chan time.Time, stop func() bool) {
	return v.add(d, true)
}

func (v *Virtual) add(d time.Duration, handoff bool) (<-chan time.Time, func() bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.seq++
	t := &virtualTimer{at: v.now.Add(max(d, 0)), seq: v.seq, ch: make(chan time.Time, 1), handoff: handoff}
	i := sort.Search(len(v.timers), func(i int) bool {
		o := v.timers[i]
		return o.at.After(t.at) || (o.at.Equal(t.at) && o.seq > t.seq)
	})
	v.timers = append(v.timers, nil)
	copy(v.timers[i+1:], v.timers[i:])
	v.timers[i] = t
	v.fireIfIdle()
	stop := func() bool {
		v.mu.Lock()
		defer v.mu.Unlock()
		for i, o := range v.timers {
			if o == t {
				v.timers = append(v.timers[:i], v.timers[i+1:]...)
				return true
			}
		}
		return false
	}
	return t.ch, stop
}

// Acquire counts the calling goroutine as running.
func (v *Virtual) Acquire() {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.running++
}

// Release counts the calling goroutine as waiting (or gone). When nothing
// runs any more, the clock jumps to the next timer.
func (v *Virtual) Release() {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.running > 0 {
		v.running--
	}
	v.fireIfIdle()
}

// Advance moves the clock forward by d, firing every timer that falls due.
func (v *Virtual) Advance(d time.Duration) {
	v.mu.Lock()
	defer v.mu.Unlock()
	target := v.now.Add(d)
	for len(v.timers) > 0 && !v.timers[0].at.After(target) {
		v.fire()
	}
	v.now = target
	v.fireIfIdle()
}

// fireIfIdle fires timers while nothing runs. Callers hold mu.
func (v *Virtual) fireIfIdle() {
	for v.running == 0 && len(v.timers) > 0 {
		v.fire()
	}
}

// fire fires the earliest timer. Callers hold mu.
func (v *Virtual) fire() {
	t := v.timers[0]
	v.timers = v.timers[1:]
	if t.at.After(v.now) {
		v.now = t.at
	}
	if t.handoff {
		v.running++
	}
	t.ch <- v.now
}
