package clock

import (
	"testing"
	"time"
)

func TestScaledFrom(t *testing.T) {
	wall := time.Now()
	tests := []struct {
		name  string
		scale float64
		start time.Time
		// wantAhead is how far ahead of the wall clock the new clock starts.
		wantAhead time.Duration
	}{
		{name: "a reading in the past is ignored", scale: 60, start: wall.Add(-time.Hour)},
		{name: "a reading in the future is kept", scale: 60, start: wall.Add(time.Hour), wantAhead: time.Hour},
		{name: "real time continues from a later reading", scale: 1, start: wall.Add(time.Minute), wantAhead: time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewScaledFrom(tt.scale, tt.start)
			got := time.Until(c.Now())
			if d := got - tt.wantAhead; d < -time.Second || d > time.Second {
				t.Errorf("clock is %v ahead of the wall clock, want about %v", got, tt.wantAhead)
			}
			if c.Now().Before(tt.start) {
				t.Errorf("clock reads %v, before %v", c.Now(), tt.start)
			}
		})
	}
}

// TestOrigin checks the contract of Origin: a process that knows only the
// scale and the origin computes the clock's time.
func TestOrigin(t *testing.T) {
	for _, ahead := range []time.Duration{0, time.Minute, 90 * time.Hour} {
		c := NewScaledFrom(60, time.Now().Add(ahead))
		o := c.Origin()
		w := time.Now()
		derived := o.Add(time.Duration(float64(w.Sub(o)) * c.Scale()))
		if d := c.Now().Sub(derived); d < -time.Second || d > time.Second {
			t.Errorf("ahead %v: the origin gives %v, the clock reads %v", ahead, derived, c.Now())
		}
	}
}
