package bench

import (
	"context"
	"flag"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/greenlight/greenlight/internal/notice"
)

var rollbackBake = flag.Duration("rollback-bake", 1500*time.Millisecond,
	"real time the canary of a rollback run bakes; the guard must act within it, or the verify at its end rolls back instead")

// BenchmarkRollbackLatency releases the demo function as a 10 % canary, sets
// the release's alarm to ALARM while the canary bakes, and measures the time
// from that state change until the live alias serves blue at 100 % again.
func BenchmarkRollbackLatency(b *testing.B) {
	e := cloud(b)
	s := canary(time.Duration(float64(*rollbackBake) * e.scale))
	measureLatency(b, func(ctx context.Context) (time.Duration, error) {
		arn, rec, err := e.canaryLive(ctx, s)
		if err != nil {
			return 0, err
		}
		changed := time.Now()
		if err := e.alarm(ctx, rec.ReleaseAlarm); err != nil {
			return 0, err
		}
		restored, err := e.waitAlias(ctx, time.Millisecond, e.servesBlue)
		if err != nil {
			return 0, fmt.Errorf("blue never restored: %w", err)
		}
		if err := e.haltedRollback(ctx, arn); err != nil {
			return 0, err
		}
		return restored.Sub(changed), nil
	})
}

// BenchmarkRollbackEndLatency releases the demo function as a 10 % canary
// that bakes for 30 minutes, sets the release's alarm to ALARM mid-bake, and
// measures the time from that state change until the rolledBack
// notification is in the topic's inbox: the whole rollback as its
// subscribers see it.
func BenchmarkRollbackEndLatency(b *testing.B) {
	e := cloud(b)
	measureLatency(b, func(ctx context.Context) (time.Duration, error) {
		arn, rec, err := e.baking(ctx)
		if err != nil {
			return 0, err
		}
		changed := time.Now()
		if err := e.alarm(ctx, rec.ReleaseAlarm); err != nil {
			return 0, err
		}
		notified, err := e.notified(ctx, arn, notice.RolledBack)
		if err != nil {
			return 0, err
		}
		if err := e.haltedRollback(ctx, arn); err != nil {
			return 0, err
		}
		return notified.Sub(changed), nil
	})
}

// alarm sets the named alarm's state to ALARM, as a breach would.
func (e *env) alarm(ctx context.Context, name string) error {
	if _, err := e.cloudwatch.SetAlarmState(ctx, &cloudwatch.SetAlarmStateInput{
		AlarmName:   aws.String(name),
		StateValue:  cwtypes.StateValueAlarm,
		StateReason: aws.String("rollback latency benchmark"),
	}); err != nil {
		return fmt.Errorf("set alarm state: %w", err)
	}
	return nil
}

// haltedRollback waits for the execution to end and checks that it rolled
// back because of the guard's halt; an AlarmBreachedError would mean the
// verify at the end of the bake got there first.
func (e *env) haltedRollback(ctx context.Context, arn string) error {
	d, h, err := e.wait(ctx, arn)
	if err != nil {
		return err
	}
	if reason := rollbackReason(h); d.Status != sfntypes.ExecutionStatusFailed || reason != "HaltedError" {
		return fmt.Errorf("release ended %s (rolled back for %q); want a rollback after the guard's halt", d.Status, reason)
	}
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
