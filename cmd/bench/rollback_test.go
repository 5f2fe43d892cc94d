package bench

import (
	"context"
	"flag"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/greenlight/greenlight/cmd/internal/demo"
	"github.com/greenlight/greenlight/internal/ledger"
	"github.com/greenlight/greenlight/internal/strategy"
)

var rollbackBake = flag.Duration("rollback-bake", 1500*time.Millisecond,
	"real time the canary of a rollback run bakes; the guard must act within it, or the verify at its end rolls back instead")

// BenchmarkRollbackLatency releases the demo function as a 10 % canary, sets
// the release's alarm to ALARM while the canary bakes, and measures the time
// from that state change until the live alias serves blue at 100 % again.
// Each iteration is one run; -benchtime 50x gives 50 runs.
func BenchmarkRollbackLatency(b *testing.B) {
	e := cloud(b)
	ctx := context.Background()
	cw := cloudwatch.NewFromConfig(e.local.Config())
	book := &ledger.Ledger{S3: e.s3, Bucket: e.local.Stack.Bucket}
	bake := int(math.Ceil(rollbackBake.Seconds() * e.scale))
	canary := strategy.Strategy{Name: strategy.Custom, Steps: []strategy.Step{{Percent: 10, BakeSeconds: bake}}}

	var latencies []time.Duration
	for b.Loop() {
		rctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		latency, err := rollbackOnce(rctx, e, cw, book, canary)
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

// rollbackOnce runs one canary release to its alarm rollback and returns the
// time from the alarm state change to blue serving 100 %.
func rollbackOnce(ctx context.Context, e *env, cw *cloudwatch.Client, book *ledger.Ledger, canary strategy.Strategy) (time.Duration, error) {
	arn, _, err := e.release(ctx, e.candidate(), canary)
	if err != nil {
		return 0, err
	}
	if _, err := e.waitAlias(ctx, 5*time.Millisecond, func(s aliasState) bool { return s.weight > 0 }); err != nil {
		return 0, fmt.Errorf("canary never went live: %w", err)
	}
	rec, _, err := book.Get(ctx, demo.DemoFunction)
	if err != nil {
		return 0, err
	}
	if rec.ExecutionARN != arn || rec.ReleaseAlarm == "" {
		return 0, fmt.Errorf("lock record %+v is not the release %s", rec, arn)
	}
	changed := time.Now()
	if _, err := cw.SetAlarmState(ctx, &cloudwatch.SetAlarmStateInput{
		AlarmName:   aws.String(rec.ReleaseAlarm),
		StateValue:  cwtypes.StateValueAlarm,
		StateReason: aws.String("rollback latency benchmark"),
	}); err != nil {
		return 0, fmt.Errorf("set alarm state: %w", err)
	}
	restored, err := e.waitAlias(ctx, time.Millisecond, func(s aliasState) bool { return s.version == e.blue && s.weight == 0 })
	if err != nil {
		return 0, fmt.Errorf("blue never restored: %w", err)
	}
	d, h, err := e.wait(ctx, arn)
	if err != nil {
		return 0, err
	}
	// The guard's halt is why the release rolls back; an AlarmBreachedError
	// would mean the verify at the end of the bake got there first.
	if reason := rollbackReason(h); d.Status != sfntypes.ExecutionStatusFailed || reason != "HaltedError" {
		return 0, fmt.Errorf("release ended %s (rolled back for %q); want a rollback after the guard's halt", d.Status, reason)
	}
	return restored.Sub(changed), nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
