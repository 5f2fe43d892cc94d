package bench

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/greenlight/greenlight/cmd/internal/demo"
	"github.com/greenlight/greenlight/internal/decision"
	"github.com/greenlight/greenlight/internal/ledger"
	"github.com/greenlight/greenlight/internal/strategy"
)

// longBake is how long, in the cloud's time, the canary of an end-to-end
// latency run bakes: the 30 minutes of the Canary10Percent30Minutes preset,
// which the measured action cuts short.
const longBake = 30 * time.Minute

// runLimit bounds one latency run, from the upload to the release's end.
const runLimit = 2 * time.Minute

// canary is a custom strategy of one 10 % step that bakes for bake of the
// cloud's time.
func canary(bake time.Duration) strategy.Strategy {
	return strategy.Strategy{Name: strategy.Custom, Steps: []strategy.Step{{Percent: 10, BakeSeconds: int(math.Ceil(bake.Seconds()))}}}
}

// measureLatency calls run once per benchmark iteration, each call within
// runLimit, and reports the p50, p99 and max of the latencies it returns, in
// milliseconds, and their number. Each iteration is one run; -benchtime 50x
// gives 50 runs.
func measureLatency(b *testing.B, run func(context.Context) (time.Duration, error)) {
	b.Helper()
	var latencies []time.Duration
	for b.Loop() {
		ctx, cancel := context.WithTimeout(context.Background(), runLimit)
		latency, err := run(ctx)
		cancel()
		if err != nil {
			b.Fatalf("run %d: %v", len(latencies)+1, err)
		}
		latencies = append(latencies, latency)
	}
	b.ReportMetric(ms(Percentile(latencies, 50)), "p50-ms")
	b.ReportMetric(ms(Percentile(latencies, 99)), "p99-ms")
	b.ReportMetric(ms(Percentile(latencies, 100)), "max-ms")
	b.ReportMetric(float64(len(latencies)), "runs")
}

// canaryLive releases the build blue does not run with the strategy and
// returns the execution's ARN and the release's lock record as soon as the
// canary's traffic shows on the live alias.
func (e *env) canaryLive(ctx context.Context, s strategy.Strategy) (string, ledger.Record, error) {
	arn, _, err := e.release(ctx, e.candidate(), s)
	if err != nil {
		return "", ledger.Record{}, err
	}
	if _, err := e.waitAlias(ctx, 5*time.Millisecond, func(s aliasState) bool { return s.weight > 0 }); err != nil {
		return "", ledger.Record{}, fmt.Errorf("canary never went live: %w", err)
	}
	rec, err := e.lockRecord(ctx, arn)
	return arn, rec, err
}

// baking releases the build blue does not run as a 10 % canary that bakes
// for longBake, and returns the execution's ARN and the release's lock
// record once the release waits in that bake: where an alarm, an operator
// or a stop finds a release most of the time. The release has sent no
// notification but the one it started with.
func (e *env) baking(ctx context.Context) (string, ledger.Record, error) {
	arn, rec, err := e.canaryLive(ctx, canary(longBake))
	if err != nil {
		return "", ledger.Record{}, err
	}
	if _, err := poll(ctx, 5*time.Millisecond, func() (bool, error) {
		rec, err = e.lockRecord(ctx, arn)
		return err == nil && rec.Waiting(decision.Bake), err
	}); err != nil {
		return "", ledger.Record{}, fmt.Errorf("release %s never waited in its bake: %w", arn, err)
	}
	return arn, rec, nil
}

// lockRecord reads the demo function's lock record and checks that the
// release the execution arn runs holds it.
func (e *env) lockRecord(ctx context.Context, arn string) (ledger.Record, error) {
	rec, _, err := e.book.Get(ctx, demo.DemoFunction)
	if err != nil {
		return ledger.Record{}, err
	}
	if rec.ExecutionARN != arn || rec.ReleaseAlarm == "" {
		return ledger.Record{}, fmt.Errorf("lock record %+v is not the release %s", rec, arn)
	}
	return rec, nil
}
