package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/greenlight/greenlight/internal/failure"
	"github.com/greenlight/greenlight/internal/ledger"
	"github.com/greenlight/greenlight/internal/notice"
)

// TestWatchdogRestoresAStoppedRelease stops a release from outside in the
// middle of its canary, as an operator does from the console, and checks
// that the watchdog puts blue back at 100 %, frees the lock and says so.
func TestWatchdogRestoresAStoppedRelease(t *testing.T) {
	b := newHarness(t)
	ctx := context.Background()
	fn := functionPrefix + "watchdog"
	blue := b.createFunction(t, fn)
	key := b.release(t, fn, "stopped", artifact(t, "v2"), map[string]any{"strategy": "Canary10Percent30Minutes", "tests": healthTest})
	arn := b.execution(t, key)

	eventually(t, "the canary to take traffic", time.Minute, func() bool {
		out, err := b.lambda.GetAlias(ctx, &awslambda.GetAliasInput{FunctionName: &fn, Name: aws.String("live")})
		return err == nil && out.RoutingConfig != nil && len(out.RoutingConfig.AdditionalVersionWeights) > 0
	})
	if _, err := b.sfn.StopExecution(ctx, &sfn.StopExecutionInput{
		ExecutionArn: &arn, Error: aws.String("Operator"), Cause: aws.String("stopped from the console"),
	}); err != nil {
		t.Fatalf("stop %s: %v", arn, err)
	}

	eventually(t, "blue at 100 % with no routing", 30*time.Second, func() bool {
		out, err := b.lambda.GetAlias(ctx, &awslambda.GetAliasInput{FunctionName: &fn, Name: aws.String("live")})
		return err == nil && aws.ToString(out.FunctionVersion) == blue &&
			(out.RoutingConfig == nil || len(out.RoutingConfig.AdditionalVersionWeights) == 0)
	})
	eventually(t, "the lock to be released", 30*time.Second, func() bool {
		_, err := b.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &b.bucket, Key: aws.String(ledger.Key(fn))})
		return failure.IsNotFound(err)
	})
	eventually(t, "an aborted notification", 30*time.Second, func() bool {
		ms, err := b.local.Messages(ctx)
		if err != nil {
			return false
		}
		for _, m := range ms {
			if m.Attributes[notice.AttrFunction] == fn && notice.Event(m.Attributes[notice.AttrEvent]) == notice.Aborted {
				return true
			}
		}
		return false
	})
}

// eventually polls cond every 100 ms until it holds, and fails the test
// naming what did not happen when it still does not after limit.
func eventually(t *testing.T, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(limit); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("waited %s for %s", limit, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
