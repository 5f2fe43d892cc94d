package bench

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/greenlight/greenlight/cmd/internal/demo"
	"github.com/greenlight/greenlight/internal/ledger"
	"github.com/greenlight/greenlight/internal/notice"
)

// BenchmarkWatchdogLatency releases the demo function as a 10 % canary that
// bakes for 30 minutes, stops the execution mid-bake with StopExecution, as
// an operator does from the console, and measures the time from the stop
// until the watchdog has put blue back at 100 % with the routing cleared
// and freed the release's lock.
func BenchmarkWatchdogLatency(b *testing.B) {
	e := cloud(b)
	measureLatency(b, func(ctx context.Context) (time.Duration, error) {
		arn, _, err := e.baking(ctx)
		if err != nil {
			return 0, err
		}
		stopped := time.Now()
		if _, err := e.sfn.StopExecution(ctx, &sfn.StopExecutionInput{
			ExecutionArn: &arn, Error: aws.String("Benchmark"), Cause: aws.String("watchdog latency benchmark"),
		}); err != nil {
			return 0, fmt.Errorf("stop %s: %w", arn, err)
		}
		restored, err := poll(ctx, time.Millisecond, func() (bool, error) { return e.restored(ctx) })
		if err != nil {
			return 0, fmt.Errorf("blue not restored with the lock freed: %w", err)
		}
		// The aborted notification is the watchdog's last act: the next run
		// starts once it is done.
		if _, err := e.notified(ctx, arn, notice.Aborted); err != nil {
			return 0, err
		}
		return restored.Sub(stopped), nil
	})
}

// restored reports whether the live alias serves blue alone and the demo
// function's lock record is gone.
func (e *env) restored(ctx context.Context) (bool, error) {
	s, err := e.live(ctx)
	if err != nil || !e.servesBlue(s) {
		return false, err
	}
	_, _, err = e.book.Get(ctx, demo.DemoFunction)
	if errors.Is(err, ledger.ErrNotHeld) {
		return true, nil
	}
	return false, err
}
