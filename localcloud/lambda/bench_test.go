package lambda

import (
	"context"
	"log/slog"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
)

// BenchmarkColdStart measures an invocation that starts a new execution
// environment (process start and runtime init) each time.
func BenchmarkColdStart(b *testing.B) {
	h := newHarness(b, Options{SettleTime: -1, Logger: slog.New(slog.DiscardHandler)})
	h.create(b, "cold", nil)
	ctx := context.Background()
	in := &awslambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("cold")}
	for b.Loop() {
		b.StopTimer()
		// A configuration change retires the warm environment.
		if _, err := h.client.UpdateFunctionConfiguration(ctx, in); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := h.svc.Invoke(ctx, "cold", "", []byte(`{}`)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWarmInvoke measures an invocation through the API that reuses a
// warm environment.
func BenchmarkWarmInvoke(b *testing.B) {
	h := newHarness(b, Options{SettleTime: -1, Logger: slog.New(slog.DiscardHandler)})
	h.create(b, "warm", nil)
	h.invoke(b, "warm", "", `{}`)
	for b.Loop() {
		h.invoke(b, "warm", "", `{}`)
	}
}
