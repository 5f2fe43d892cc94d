package asl

import (
	"context"
	"time"

	"github.com/greenlight/greenlight/localcloud/clock"
)

// tracker is implemented by clocks that must know when the engine's
// goroutines run and wait, such as clock.Virtual, which moves time forward
// only when everything waits.
type tracker interface {
	Acquire()
	Release()
	Timer(d time.Duration) (<-chan time.Time, func() bool)
}

var _ tracker = (*clock.Virtual)(nil)

// timeSource wraps the engine's clock. With a tracker every wait releases
// the goroutine and every wake-up is handed over; with any other clock the
// accounting is a no-op.
type timeSource struct {
	clk clock.Clock
	tr  tracker
}

func newTimeSource(c clock.Clock) timeSource {
	if c == nil {
		c = clock.Real{}
	}
	tr, _ := c.(tracker)
	return timeSource{clk: c, tr: tr}
}

func (t timeSource) now() time.Time { return t.clk.Now() }

func (t timeSource) acquire() {
	if t.tr != nil {
		t.tr.Acquire()
	}
}

func (t timeSource) release() {
	if t.tr != nil {
		t.tr.Release()
	}
}

// timer returns a channel that fires after d, and a stop function that
// reports whether the timer was stopped before it fired.
func (t timeSource) timer(d time.Duration) (<-chan time.Time, func() bool) {
	if t.tr != nil {
		return t.tr.Timer(d)
	}
	if _, ok := t.clk.(clock.Real); ok {
		tm := time.NewTimer(d)
		return tm.C, tm.Stop
	}
	return t.clk.After(d), func() bool { return true }
}

// sleep waits d, or until ctx is done.
func (t timeSource) sleep(ctx context.Context, d time.Duration) error {
	ch, stop := t.timer(d)
	t.release()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		if stop() {
			t.acquire()
		}
		return ctx.Err()
	}
}
