package bench

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/greenlight/greenlight/internal/strategy"
)

// BenchmarkRelease releases the demo function with each strategy until it is
// promoted and reports, from the execution's history, what a user pays for
// it on AWS (state transitions, the deployer's Lambda invocations and
// GB-seconds) and how much time the deployer adds: from the upload to the
// first traffic on green, less the time the user's tests take, and from
// entering Promote to the end of the execution.
func BenchmarkRelease(b *testing.B) {
	for _, name := range []string{strategy.AllAtOnce, "Canary10Percent5Minutes", "Linear10PercentEvery1Minute"} {
		b.Run(name, func(b *testing.B) {
			e := cloud(b)
			memory := map[string]int32{}
			var sum releaseFigures
			n := 0
			for b.Loop() {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
				f, err := releaseOnce(ctx, e, name, memory)
				cancel()
				if err != nil {
					b.Fatal(err)
				}
				sum.add(f)
				n++
			}
			avg := sum.scaled(1 / float64(n))
			b.ReportMetric(float64(avg.transitions), "transitions")
			b.ReportMetric(float64(avg.invocations), "invocations")
			b.ReportMetric(avg.gbSeconds, "GB-s")
			b.ReportMetric(ms(avg.toTraffic), "upload-to-traffic-ms")
			b.ReportMetric(ms(avg.promoteToDone), "promote-to-done-ms")
			b.ReportMetric(ms(avg.tests), "tests-ms")
			b.ReportMetric(ms(avg.deploy), "deploy-ms")
		})
	}
}

// releaseFigures are what one release cost and took.
type releaseFigures struct {
	transitions   float64
	invocations   float64
	gbSeconds     float64
	toTraffic     time.Duration // upload to green's first traffic, less tests
	promoteToDone time.Duration
	tests         time.Duration
	deploy        time.Duration // the Deploy green state: update, publish, candidate alias
}

func (f *releaseFigures) add(g releaseFigures) {
	f.transitions += g.transitions
	f.invocations += g.invocations
	f.gbSeconds += g.gbSeconds
	f.toTraffic += g.toTraffic
	f.promoteToDone += g.promoteToDone
	f.tests += g.tests
	f.deploy += g.deploy
}

func (f releaseFigures) scaled(k float64) releaseFigures {
	d := func(x time.Duration) time.Duration { return time.Duration(float64(x) * k) }
	return releaseFigures{f.transitions * k, f.invocations * k, f.gbSeconds * k, d(f.toTraffic), d(f.promoteToDone), d(f.tests), d(f.deploy)}
}

// releaseOnce releases the build blue does not run with the strategy and
// reads the figures off the promoted execution's history. memory caches the
// deployer functions' memory sizes.
func releaseOnce(ctx context.Context, e *env, name string, memory map[string]int32) (releaseFigures, error) {
	arn, uploaded, err := e.release(ctx, e.candidate(), name)
	if err != nil {
		return releaseFigures{}, err
	}
	h, err := e.succeeded(ctx, arn, name)
	if err != nil {
		return releaseFigures{}, err
	}
	live, err := e.live(ctx)
	if err != nil {
		return releaseFigures{}, err
	}
	e.promoted(live.version)

	f := releaseFigures{transitions: float64(transitions(h))}
	for _, c := range lambdaCalls(h, e.scale) {
		mb, err := memorySize(ctx, e.lambda, c.resource, memory)
		if err != nil {
			return releaseFigures{}, err
		}
		f.invocations++
		// Lambda bills each invocation's duration rounded up to the millisecond.
		f.gbSeconds += math.Ceil(ms(c.duration)) / 1000 * float64(mb) / 1024
	}
	// Green's first traffic: the first shift, or the promotion when the
	// strategy moves all traffic at once.
	first := "Shift traffic"
	if name == strategy.AllAtOnce {
		first = "Promote"
	}
	testsIn, ok1 := entered(h, "Run tests")
	testsOut, ok2 := exited(h, "Run tests")
	traffic, ok3 := exited(h, first)
	promote, ok4 := entered(h, "Promote")
	deployIn, ok5 := entered(h, "Deploy green")
	deployOut, ok6 := exited(h, "Deploy green")
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || !ok6 {
		return releaseFigures{}, fmt.Errorf("%s release %s: history lacks Deploy green, Run tests, %s or Promote", name, arn, first)
	}
	f.deploy = wall(deployOut.Sub(deployIn), e.scale)
	f.tests = wall(testsOut.Sub(testsIn), e.scale)
	f.toTraffic = wall(traffic.Sub(uploaded), e.scale) - f.tests
	f.promoteToDone = wall(ended(h).Sub(promote), e.scale)
	return f, nil
}

// succeeded waits for the execution of the release named what to end and
// returns its history; an error when it did not succeed.
func (e *env) succeeded(ctx context.Context, arn, what string) ([]sfntypes.HistoryEvent, error) {
	d, h, err := e.wait(ctx, arn)
	if err != nil {
		return nil, err
	}
	if d.Status != sfntypes.ExecutionStatusSucceeded {
		return nil, fmt.Errorf("%s release ended %s: %s %s", what, d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
	}
	return h, nil
}

// memorySize returns the memory size, in MB, of the function behind a Lambda
// task resource.
func memorySize(ctx context.Context, c *awslambda.Client, resource string, cache map[string]int32) (int32, error) {
	if mb, ok := cache[resource]; ok {
		return mb, nil
	}
	out, err := c.GetFunctionConfiguration(ctx, &awslambda.GetFunctionConfigurationInput{FunctionName: &resource})
	if err != nil {
		return 0, fmt.Errorf("memory size of %s: %w", resource, err)
	}
	cache[resource] = aws.ToInt32(out.MemorySize)
	return cache[resource], nil
}
