package cloudwatch_test

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cw "github.com/aws/aws-sdk-go-v2/service/cloudwatch"

	"github.com/greenlight/greenlight/localcloud/bus"
	"github.com/greenlight/greenlight/localcloud/clock"
	"github.com/greenlight/greenlight/localcloud/cloudwatch"
)

// recorder is a bus.Events that keeps what it receives and when.
type recorder struct {
	mu     sync.Mutex
	events []bus.Event
	at     []time.Time
	signal chan struct{}
}

func newRecorder() *recorder { return &recorder{signal: make(chan struct{}, 100)} }

func (r *recorder) PutEvent(_ context.Context, e bus.Event) error {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.at = append(r.at, time.Now())
	r.mu.Unlock()
	r.signal <- struct{}{}
	return nil
}

func (r *recorder) all() []bus.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]bus.Event(nil), r.events...)
}

// wait blocks until n events have arrived or the timeout passes.
func (r *recorder) wait(t *testing.T, n int, timeout time.Duration) []bus.Event {
	t.Helper()
	deadline := time.After(timeout)
	for {
		if ev := r.all(); len(ev) >= n {
			return ev
		}
		select {
		case <-r.signal:
		case <-deadline:
			t.Fatalf("got %d events, want %d", len(r.all()), n)
		}
	}
}

// waitFor blocks until an event whose detail satisfies match arrives, and
// returns it with the time it arrived.
func (r *recorder) waitFor(t *testing.T, timeout time.Duration, match func(bus.Event) bool) (bus.Event, time.Time) {
	t.Helper()
	deadline := time.After(timeout)
	for seen := 0; ; {
		r.mu.Lock()
		for ; seen < len(r.events); seen++ {
			if match(r.events[seen]) {
				e, at := r.events[seen], r.at[seen]
				r.mu.Unlock()
				return e, at
			}
		}
		r.mu.Unlock()
		select {
		case <-r.signal:
		case <-deadline:
			t.Fatalf("no matching event among %d", len(r.all()))
		}
	}
}

// newService starts a service with the given clock and sink, closed at cleanup.
func newService(t *testing.T, c clock.Clock, events bus.Events, dir string) *cloudwatch.Service {
	t.Helper()
	svc, err := cloudwatch.New(cloudwatch.Options{Dir: dir, Clock: c, Events: events, Logger: slog.New(slog.NewTextHandler(t.Output(), nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := svc.Close(); err != nil {
			t.Error(err)
		}
	})
	return svc
}

// newClient serves svc over HTTP and returns an SDK client for it.
func newClient(t *testing.T, svc *cloudwatch.Service) (*cw.Client, string) {
	t.Helper()
	srv := httptest.NewServer(svc)
	t.Cleanup(srv.Close)
	return cw.New(cw.Options{
		Region:       bus.Region,
		BaseEndpoint: aws.String(srv.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
	}), srv.URL
}
