package e2e

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/greenlight/greenlight/cmd/internal/demo"
)

// TestConcurrentReleases uploads ten releases of one function within a
// second, and one release each of twenty other functions at once. The ten
// must run one after the other (the lock queue), never two between lock and
// unlock at the same time; the twenty must all be promoted.
func TestConcurrentReleases(t *testing.T) {
	b := newHarness(t)
	manifest := map[string]any{"strategy": "AllAtOnce", "tests": healthTest}

	same := functionPrefix + "queue"
	b.createFunction(t, same)
	var others []string
	for i := range 20 {
		fn := fmt.Sprintf("%smany-%02d", functionPrefix, i)
		b.createFunction(t, fn)
		others = append(others, fn)
	}

	// Ten builds of the same function: alternate the two good versions so
	// that none is a no-op of the one before.
	var sameKeys, otherKeys []string
	for i := range 10 {
		version := []string{"v2", "v1"}[i%2]
		sameKeys = append(sameKeys, b.release(t, same, fmt.Sprintf("q%02d-%s", i, version), artifact(t, version), manifest))
	}
	for _, fn := range others {
		otherKeys = append(otherKeys, b.release(t, fn, "v2", artifact(t, "v2"), manifest))
	}

	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	arns, err := b.executions(ctx, append(sameKeys, otherKeys...)...)
	if err != nil {
		t.Fatal(err)
	}

	endings := make(map[string]demo.Ending)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for key, arn := range arns {
		fn := same
		for i, k := range otherKeys {
			if k == key {
				fn = others[i]
			}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			e, err := b.inspect.CheckInvariant(ctx, arn, demo.Expect{Function: fn, Blue: "1", Concurrent: fn == same})
			if err != nil {
				t.Errorf("check %s: %v", key, err)
			}
			mu.Lock()
			endings[key] = e
			mu.Unlock()
		}()
	}
	wg.Wait()

	// The queue: every release of the same function got the lock, and the
	// lock-to-unlock spans never overlap.
	serialized := 0
	var spans []demo.Ending
	for _, k := range sameKeys {
		e := endings[k]
		for _, v := range e.Violations {
			t.Errorf("%s: invariant: %s", k, v)
		}
		if e.Locked.IsZero() || e.Unlocking.IsZero() || e.Unlocked.IsZero() {
			t.Errorf("%s: ended %s without holding the lock (path %v)", k, e.Status, e.Path)
			continue
		}
		spans = append(spans, e)
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].Locked.Before(spans[j].Locked) })
	for i, e := range spans {
		// The history records when a task's answer arrived, not when the
		// lock object was written or deleted: a release overlaps the one
		// before only if it held the lock before that one even began to
		// unlock.
		if i > 0 && e.Locked.Before(spans[i-1].Unlocking) {
			t.Errorf("%s held the lock at %s, before %s began to release it at %s",
				e.ExecutionARN, e.Locked.Format(time.StampMilli), spans[i-1].ExecutionARN, spans[i-1].Unlocking.Format(time.StampMilli))
			continue
		}
		if e.Held() && e.Status == "SUCCEEDED" {
			serialized++
		} else {
			t.Errorf("%s ended %s %s: %s (path %v)", e.ExecutionARN, e.Status, e.Error, e.Cause, e.Path)
		}
	}
	// The last release to take the lock decides what live serves.
	if len(spans) > 0 {
		last := spans[len(spans)-1]
		if live, _ := b.alias(t, same, "live"); live != last.Live {
			t.Errorf("live serves %s, the last release left %s", live, last.Live)
		}
	}
	fmt.Printf("concurrency: same-function=%d serialized=%d\n", len(sameKeys), serialized)
	if serialized != len(sameKeys) {
		t.Errorf("concurrency: %d of %d releases of one function were serialized and promoted", serialized, len(sameKeys))
	}

	finished := 0
	for i, k := range otherKeys {
		e := endings[k]
		for _, v := range e.Violations {
			t.Errorf("%s: invariant: %s", others[i], v)
		}
		if e.Held() && e.Status == "SUCCEEDED" && e.LastState == "Promoted" {
			finished++
		} else {
			t.Errorf("%s: ended %s in %q (%s %s), path %v", others[i], e.Status, e.LastState, e.Error, e.Cause, e.Path)
		}
	}
	fmt.Printf("concurrency: functions=%d finished=%d\n", len(others), finished)
	if finished != len(others) {
		t.Errorf("concurrency: %d of %d functions released at once finished", finished, len(others))
	}
}
