// Package clockenv gives greenlight's functions the time of the cloud they
// run in. On AWS that is the wall clock. The local cloud can run its clock
// faster than real time, so that a five-minute bake takes seconds; it tells
// the function processes it starts how its clock relates to the wall clock,
// and the timestamps the functions write (release start, steps taken, lock
// records) and the metric windows they query then agree with the cloud's.
package clockenv

import (
	"os"
	"strconv"
	"sync"
	"time"
)

// Environment variables the local cloud sets for its function processes.
const (
	// ScaleVar is how many times faster than real time the cloud's clock runs.
	ScaleVar = "GREENLIGHT_CLOCK_SCALE"
	// OriginVar is the instant, in Unix nanoseconds, at which the cloud's
	// clock and the wall clock agreed.
	OriginVar = "GREENLIGHT_CLOCK_ORIGIN"
)

// Env returns the environment entries that hand a clock running scale times
// faster than real time since origin to a process.
func Env(scale float64, origin time.Time) []string {
	return []string{
		ScaleVar + "=" + strconv.FormatFloat(scale, 'f', -1, 64),
		OriginVar + "=" + strconv.FormatInt(origin.UnixNano(), 10),
	}
}

// FromEnv returns the clock that getenv describes: the wall clock unless both
// variables are set to valid values with a scale above 1.
func FromEnv(getenv func(string) string) func() time.Time {
	scale, err := strconv.ParseFloat(getenv(ScaleVar), 64)
	if err != nil || scale <= 1 {
		return time.Now
	}
	nanos, err := strconv.ParseInt(getenv(OriginVar), 10, 64)
	if err != nil {
		return time.Now
	}
	origin := time.Unix(0, nanos)
	return func() time.Time {
		return origin.Add(time.Duration(float64(time.Since(origin)) * scale))
	}
}

var (
	once sync.Once
	now  func() time.Time
)

// Now is the time of the cloud this process runs in, read from the
// process's environment once.
func Now() time.Time {
	once.Do(func() { now = FromEnv(os.Getenv) })
	return now()
}
