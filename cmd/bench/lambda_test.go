package bench

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
)

// deployer lists the functions under functions/, the deployer's Lambdas.
func deployer(b *testing.B) []string {
	b.Helper()
	mains, err := filepath.Glob("../../functions/*/main.go")
	if err != nil || len(mains) == 0 {
		b.Fatalf("no functions/<name>/main.go found (%v)", err)
	}
	names := make([]string, len(mains))
	for i, m := range mains {
		names[i] = filepath.Base(filepath.Dir(m))
	}
	return names
}

// BenchmarkLambdaBuild builds each function the way `make build` does for
// AWS (linux/arm64, -tags lambda.norpc, stripped) and reports the size of
// the bootstrap binary and of its zip; the time per op is the build time
// with a warm build cache.
func BenchmarkLambdaBuild(b *testing.B) {
	for _, fn := range deployer(b) {
		b.Run(fn, func(b *testing.B) {
			bin := filepath.Join(b.TempDir(), "bootstrap")
			for b.Loop() {
				cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-trimpath", "-ldflags=-s -w", "-o", bin, "./functions/"+fn)
				cmd.Dir = filepath.Join("..", "..")
				cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=arm64")
				if out, err := cmd.CombinedOutput(); err != nil {
					b.Fatalf("build %s: %v\n%s", fn, err, out)
				}
			}
			data, err := os.ReadFile(bin)
			if err != nil {
				b.Fatal(err)
			}
			zipped, err := zipSize(data)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(len(data))/1024, "binary-KiB")
			b.ReportMetric(float64(zipped)/1024, "zip-KiB")
		})
	}
}

// zipSize is the size of a deployment package holding bin as bootstrap.
func zipSize(bin []byte) (int, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	h := &zip.FileHeader{Name: "bootstrap", Method: zip.Deflate}
	h.SetMode(0o755)
	w, err := zw.CreateHeader(h)
	if err != nil {
		return 0, err
	}
	if _, err := w.Write(bin); err != nil {
		return 0, err
	}
	if err := zw.Close(); err != nil {
		return 0, err
	}
	return buf.Len(), nil
}

// BenchmarkLambdaInit measures each deployer function's cold start in the
// local cloud: an invocation in a new execution environment less a warm one
// right after it. The payload is not a valid event, so both fail in the
// runtime's decoding before the handler does any work.
func BenchmarkLambdaInit(b *testing.B) {
	for _, fn := range deployer(b) {
		b.Run(fn, func(b *testing.B) {
			e := cloud(b)
			ctx := context.Background()
			name := "greenlight-" + fn
			// The first start of a function also unpacks its code: leave
			// it out, as a warm host's cold starts do not pay it.
			if _, err := invokeTimed(ctx, e.lambda, name); err != nil {
				b.Fatal(err)
			}
			var cold, warm time.Duration
			n := 0
			for b.Loop() {
				b.StopTimer()
				// A configuration change retires the warm environment.
				if err := touch(ctx, e.lambda, name, n); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				c, err := invokeTimed(ctx, e.lambda, name)
				if err != nil {
					b.Fatal(err)
				}
				w, err := invokeTimed(ctx, e.lambda, name)
				if err != nil {
					b.Fatal(err)
				}
				cold, warm, n = cold+c, warm+w, n+1
			}
			b.ReportMetric(ms(cold-warm)/float64(n), "init-ms")
			b.ReportMetric(ms(warm)/float64(n), "warm-ms")
		})
	}
}

// touch changes the function's description and waits until the update is
// done.
func touch(ctx context.Context, c *awslambda.Client, name string, n int) error {
	if _, err := c.UpdateFunctionConfiguration(ctx, &awslambda.UpdateFunctionConfigurationInput{
		FunctionName: &name, Description: aws.String(fmt.Sprintf("init benchmark %d", n)),
	}); err != nil {
		return fmt.Errorf("update %s: %w", name, err)
	}
	w := awslambda.NewFunctionUpdatedV2Waiter(c, func(o *awslambda.FunctionUpdatedV2WaiterOptions) { o.MinDelay = 10 * time.Millisecond })
	return w.Wait(ctx, &awslambda.GetFunctionInput{FunctionName: &name}, time.Minute)
}

func invokeTimed(ctx context.Context, c *awslambda.Client, name string) (time.Duration, error) {
	start := time.Now()
	out, err := c.Invoke(ctx, &awslambda.InvokeInput{FunctionName: &name, Payload: []byte(`"init benchmark"`)})
	if err != nil {
		return 0, fmt.Errorf("invoke %s: %w", name, err)
	}
	if out.FunctionError == nil {
		return 0, fmt.Errorf("invoke %s: a string event was accepted: %s", name, out.Payload)
	}
	return time.Since(start), nil
}
