// Package clock is the local cloud's notion of time. Every service reads the
// time and waits through a Clock, so a whole release (bakes, alarm periods,
// timeouts) can run faster than real time.
package clock

import (
	"sync"
	"time"
)

// Clock tells the time and waits.
type Clock interface {
	Now() time.Time
	// After returns a channel that receives once d of this clock's time has passed.
	After(d time.Duration) <-chan time.Time
}

// Real is the wall clock.
type Real struct{}

// Now returns time.Now.
func (Real) Now() time.Time { return time.Now() }

// After is time.After.
func (Real) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Scaled runs Scale times faster than the wall clock, starting at the wall
// time it was created, or at a later time it is told to continue from: a
// Scale of 60 turns a five-minute bake into five seconds. It is safe for
// concurrent use.
type Scaled struct {
	scale float64
	mu    sync.Mutex
	base  time.Time // wall time at creation
	start time.Time // clock time at creation
}

// NewScaled returns a clock running scale times faster than real time.
// A scale below 1 is treated as 1.
func NewScaled(scale float64) *Scaled {
	if scale < 1 {
		scale = 1
	}
	now := time.Now()
	return &Scaled{scale: scale, base: now, start: now}
}

// NewScaledFrom returns a clock running scale times faster than real time
// that continues from start, a reading of an earlier clock: it starts at
// start or at the wall time, whichever is later, so that a clock kept
// across a restart never goes backwards.
func NewScaledFrom(scale float64, start time.Time) *Scaled {
	s := NewScaled(scale)
	if start.After(s.start) {
		s.start = start
	}
	return s
}

// Origin is the instant at which this clock and the wall clock agreed (or
// would have, running at this speed): for a clock that read S at wall
// time B, the O with O + (w-O)*scale = S + (w-B)*scale for every wall time
// w, so that a process told only the scale and the origin reads the same
// time. A real-time clock (scale 1) ahead of the wall clock has no origin;
// its Origin is the wall time it was created.
func (s *Scaled) Origin() time.Time {
	ahead := s.start.Sub(s.base)
	if s.scale <= 1 || ahead <= 0 {
		return s.base
	}
	return s.base.Add(-time.Duration(float64(ahead) / (s.scale - 1)))
}

// Scale reports the speed-up factor.
func (s *Scaled) Scale() float64 { return s.scale }

// Now returns the scaled time.
func (s *Scaled) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	elapsed := time.Since(s.base)
	return s.start.Add(time.Duration(float64(elapsed) * s.scale))
}

// After waits d of scaled time. No goroutine waits meanwhile, so a caller
// that stops listening leaves nothing running behind.
func (s *Scaled) After(d time.Duration) <-chan time.Time {
	out := make(chan time.Time, 1)
	real := time.Duration(float64(d) / s.scale)
	time.AfterFunc(real, func() { out <- s.Now() })
	return out
}
