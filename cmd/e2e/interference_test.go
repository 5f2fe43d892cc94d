package e2e

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/greenlight/greenlight/cmd/internal/demo"
	"github.com/greenlight/greenlight/internal/failure"
	"github.com/greenlight/greenlight/internal/ledger"
)

// longBake holds half the traffic for seconds of the local cloud's clock
// (at timeScale, 300 seconds pass in 5 real ones), then promotes.
func longBake(seconds int) map[string]any {
	return map[string]any{"steps": []map[string]any{{"percent": 50, "bakeSeconds": seconds}}}
}

// outsideWindow is the bake, in seconds of the local cloud's clock, during
// which a story acts from outside: long enough (20 s of real time) that a
// loaded machine still acts before the bake ends on its own.
const outsideWindow = 1200

// TestOutsideInterference changes what a release relies on while it bakes,
// as people and tools outside greenlight do, and checks that the release
// never undoes someone else's work, ends, frees its lock and says why.
func TestOutsideInterference(t *testing.T) {
	b := newHarness(t)
	ctx := context.Background()
	stories := []struct {
		name string
		run  func(t *testing.T, fn, blue string) demo.Ending
	}{
		{"lock deleted by hand, nobody takes it: blue is restored", func(t *testing.T, fn, blue string) demo.Ending {
			arn := b.execution(t, b.release(t, fn, "a", artifact(t, "v2"), map[string]any{"strategy": longBake(outsideWindow), "tests": healthTest}))
			b.awaitCanary(t, fn)
			b.deleteLock(t, fn)
			e := b.check(t, arn, demo.Expect{Function: fn, Blue: blue})
			wantEnding(t, e, "FAILED", blue, "rolled back to version "+blue, "release lock lost")
			return e
		}},
		{"a stale release never undoes a later one", func(t *testing.T, fn, blue string) demo.Ending {
			a := b.execution(t, b.release(t, fn, "a", artifact(t, "v2"), map[string]any{"strategy": longBake(outsideWindow), "tests": healthTest}))
			b.awaitCanary(t, fn)
			b.deleteLock(t, fn)
			// The later release ships the same code: its green is the
			// stale one's green, so only the lock tells them apart.
			later := b.check(t, b.execution(t, b.release(t, fn, "b", artifact(t, "v2"), map[string]any{"strategy": oneStep, "tests": healthTest})),
				demo.Expect{Function: fn, Blue: blue, Concurrent: true})
			if later.Status != "SUCCEEDED" {
				t.Fatalf("the later release ended %s (%s), want promoted", later.Status, later.Cause)
			}
			e := b.check(t, a, demo.Expect{Function: fn, Blue: blue, Concurrent: true})
			if e.Notification != nil && strings.Contains(e.Notification.Subject, "rolled back") {
				// The stale release noticed the lost lock before the
				// later one took it: it took the lock back, restored
				// blue and freed the lock, all before the later
				// release locked, so nothing of the later one was undone.
				wantEnding(t, e, "FAILED", later.Live, "rolled back to version "+blue, "release lock lost")
				if e.Unlocking.IsZero() || !e.Unlocking.Before(later.Locked) {
					t.Errorf("the stale release freed the lock at %v, after the later release took it at %v", e.Unlocking, later.Locked)
				}
				return e
			}
			wantEnding(t, e, "FAILED", later.Live, "stopped, traffic not moved", "release lock lost")
			return e
		}},
		{"live changed by an operator mid-bake is left as they set it", func(t *testing.T, fn, blue string) demo.Ending {
			arn := b.execution(t, b.release(t, fn, "a", artifact(t, "v2"), map[string]any{"strategy": longBake(outsideWindow), "tests": healthTest}))
			b.awaitCanary(t, fn)
			if _, err := b.lambda.UpdateAlias(ctx, &awslambda.UpdateAliasInput{
				FunctionName: &fn, Name: aws.String("live"), FunctionVersion: &blue,
				RoutingConfig: &lambdatypes.AliasRoutingConfiguration{AdditionalVersionWeights: map[string]float64{}},
			}); err != nil {
				t.Fatalf("the operator's update-alias: %v", err)
			}
			_, revision := b.alias(t, fn, "live")
			e := b.check(t, arn, demo.Expect{Function: fn, Blue: blue})
			wantEnding(t, e, "FAILED", blue, "stopped, traffic not moved", "changed outside greenlight")
			if _, after := b.alias(t, fn, "live"); after != revision {
				t.Errorf("live alias revision %s → %s: greenlight moved it after the operator did", revision, after)
			}
			return e
		}},
		{"candidate alias deleted mid-release is recreated at promotion", func(t *testing.T, fn, blue string) demo.Ending {
			arn := b.execution(t, b.release(t, fn, "a", artifact(t, "v2"), map[string]any{"strategy": longBake(outsideWindow), "tests": healthTest}))
			b.awaitCanary(t, fn)
			if _, err := b.lambda.DeleteAlias(ctx, &awslambda.DeleteAliasInput{FunctionName: &fn, Name: aws.String("green")}); err != nil {
				t.Fatalf("delete the candidate alias: %v", err)
			}
			e := b.check(t, arn, demo.Expect{Function: fn, Blue: blue})
			wantEnding(t, e, "SUCCEEDED", e.Candidate, "promoted to version "+e.Candidate, "")
			if e.Candidate == "" || e.Candidate == blue {
				t.Errorf("candidate alias = %q after promotion, want green", e.Candidate)
			}
			return e
		}},
		{"promote and rollback at the same moment: one wins, the other says so", func(t *testing.T, fn, blue string) demo.Ending {
			arn := b.execution(t, b.release(t, fn, "a", artifact(t, "v2"), map[string]any{"strategy": longBake(outsideWindow), "tests": healthTest}))
			b.awaitCanary(t, fn)
			type result struct {
				command string
				out     []byte
				err     error
			}
			results := make(chan result, 2)
			for _, command := range []string{"promote", "rollback"} {
				go func() {
					out, err := cli(ctx, t, b.local, command, "--function", fn)
					results <- result{command, out, err}
				}()
			}
			r1, r2 := <-results, <-results
			won, lost := r1, r2
			if r1.err != nil {
				won, lost = r2, r1
			}
			if won.err != nil || lost.err == nil {
				t.Fatalf("promote and rollback: %s → %v\n%s\n%s → %v\n%s: want exactly one to succeed",
					r1.command, r1.err, r1.out, r2.command, r2.err, r2.out)
			}
			// The loser names the decision that won: the promote, or the
			// halt (rollback) that came first.
			if winner := map[string]string{"promote": "promoted", "rollback": "halted"}[won.command]; !strings.Contains(string(lost.out), winner) {
				t.Errorf("greenlight %s lost but does not say the release was %s:\n%s", lost.command, winner, lost.out)
			}
			e := b.check(t, arn, demo.Expect{Function: fn, Blue: blue})
			if want := map[string]string{"promote": "SUCCEEDED", "rollback": "FAILED"}[won.command]; e.Status != want {
				t.Errorf("greenlight %s won, but the release ended %s (%s)", won.command, e.Status, e.Cause)
			}
			return e
		}},
	}
	count := newTally(t, "interference", len(stories))
	for i, s := range stories {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			defer count.record(t)
			fn := fmt.Sprintf("%sinterfere%d", functionPrefix, i)
			blue := b.createFunction(t, fn)
			e := s.run(t, fn, blue)
			for _, v := range e.Violations {
				t.Errorf("invariant: %s", v)
			}
		})
	}
}

// tally counts the stories of a test that held (their subtest passed) and
// prints "<name>: stories=N held=M" when the test and its parallel
// subtests are done; the test fails unless every story held.
type tally struct {
	mu   sync.Mutex
	held int
}

func newTally(t *testing.T, name string, stories int) *tally {
	c := &tally{}
	t.Cleanup(func() {
		fmt.Printf("%s: stories=%d held=%d\n", name, stories, c.held)
		if c.held != stories {
			t.Errorf("%s: %d of %d stories held", name, c.held, stories)
		}
	})
	return c
}

// record counts t's story as held when t has not failed; defer it first in
// the subtest.
func (c *tally) record(t *testing.T) {
	if t.Failed() {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.held++
}

// wantEnding checks how a release ended: its status, the version live
// serves at 100 %, and the words its last notification carries.
func wantEnding(t *testing.T, e demo.Ending, status, live string, subject ...string) {
	t.Helper()
	if e.Status != status {
		t.Errorf("ended %s (%s: %s), want %s; path %s", e.Status, e.Error, e.Cause, status, strings.Join(e.Path, " → "))
	}
	if e.Live != live || e.LiveRouting != "" {
		t.Errorf("live = %s %s, want %s at 100 %%", e.Live, e.LiveRouting, live)
	}
	if e.Notification == nil {
		t.Errorf("no notification")
		return
	}
	for _, s := range subject {
		if !strings.Contains(e.Notification.Subject+"\n"+e.Notification.Body, s) {
			t.Errorf("notification %q does not say %q:\n%s", e.Notification.Subject, s, e.Notification.Body)
		}
	}
}

// awaitCanary waits until fn's live alias sends part of its traffic to
// green.
func (b *harness) awaitCanary(t *testing.T, fn string) {
	t.Helper()
	eventually(t, "the canary of "+fn+" to take traffic", time.Minute, func() bool {
		out, err := b.lambda.GetAlias(context.Background(), &awslambda.GetAliasInput{FunctionName: &fn, Name: aws.String("live")})
		return err == nil && out.RoutingConfig != nil && len(out.RoutingConfig.AdditionalVersionWeights) > 0
	})
}

// deleteLock deletes fn's lock record, as someone cleaning up by hand would.
func (b *harness) deleteLock(t *testing.T, fn string) {
	t.Helper()
	if _, err := b.s3.DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: &b.bucket, Key: aws.String(ledger.Key(fn))}); err != nil && !failure.IsNotFound(err) {
		t.Fatalf("delete the lock of %s: %v", fn, err)
	}
}
