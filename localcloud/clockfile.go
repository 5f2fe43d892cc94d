package localcloud

import (
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/greenlight/greenlight/localcloud/clock"
	"github.com/greenlight/greenlight/localcloud/internal/statefile"
)

// clockFile, under Options.Dir, keeps a reading of the cloud's clock, so
// that a restart continues from it instead of from the wall clock.
const clockFile = "clock.json"

// clockSaveEvery is how often, in real time, the clock's reading is saved.
const clockSaveEvery = 250 * time.Millisecond

// clockState is the content of clockFile.
type clockState struct {
	// Now is a time the clock has not reached yet when it is written:
	// the reading plus what the clock runs through in two save periods,
	// so that however the process ends, no time it handed out is later
	// than what a restart starts from.
	Now   time.Time `json:"now"`
	Scale float64   `json:"scale"`
}

// clockKeeper saves the clock's reading periodically and at Close.
type clockKeeper struct {
	path  string
	clock *clock.Scaled
	stop  chan struct{}
	done  chan struct{}
	once  sync.Once
}

// loadClock returns the cloud's clock: it continues from the reading kept
// in dir, if any, at the given scale.
func loadClock(dir string, scale float64) (*clock.Scaled, error) {
	if dir == "" {
		return clock.NewScaled(scale), nil
	}
	var st clockState
	if _, err := statefile.ReadJSON(filepath.Join(dir, clockFile), &st); err != nil {
		return nil, fmt.Errorf("local cloud clock: %w", err)
	}
	return clock.NewScaledFrom(scale, st.Now), nil
}

// keepClock saves a first reading at once and then every clockSaveEvery
// until close or kill; "" keeps nothing.
func keepClock(dir string, c *clock.Scaled) (*clockKeeper, error) {
	k := &clockKeeper{clock: c, stop: make(chan struct{}), done: make(chan struct{})}
	if dir == "" {
		close(k.done)
		return k, nil
	}
	k.path = filepath.Join(dir, clockFile)
	if err := k.save(true); err != nil {
		return nil, fmt.Errorf("local cloud clock: %w", err)
	}
	go k.loop()
	return k, nil
}

func (k *clockKeeper) loop() {
	defer close(k.done)
	t := time.NewTicker(clockSaveEvery)
	defer t.Stop()
	for {
		select {
		case <-k.stop:
			return
		case <-t.C:
			_ = k.save(true)
		}
	}
}

// save writes the clock's reading; ahead adds the margin that covers the
// time until the next save.
func (k *clockKeeper) save(ahead bool) error {
	now := k.clock.Now()
	if ahead {
		now = now.Add(time.Duration(float64(2*clockSaveEvery) * k.clock.Scale()))
	}
	return statefile.WriteJSON(k.path, clockState{Now: now, Scale: k.clock.Scale()}, 0o644)
}

// close stops the saves and, unless killed, saves the exact reading.
func (k *clockKeeper) close(killed bool) error {
	var err error
	k.once.Do(func() {
		close(k.stop)
		<-k.done
		if !killed && k.path != "" {
			err = k.save(false)
		}
	})
	return err
}
