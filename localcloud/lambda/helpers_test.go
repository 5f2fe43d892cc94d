package lambda

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/smithy-go"

	"github.com/greenlight/greenlight/localcloud/bus"
)

// testFunction builds the test function for the host once, on first use.
var testFunction = sync.OnceValues(func() ([]byte, error) {
	dir, err := os.MkdirTemp("", "lambda-test-fn-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "bootstrap")
	cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-o", bin, "../internal/testfn")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("build test function: %v\n%s", err, out)
	}
	return os.ReadFile(bin)
})

// codeZip packages the test function; build makes packages with different
// CodeSha256 from the same binary.
func codeZip(t testing.TB, build string) []byte {
	t.Helper()
	bootstrap, err := testFunction()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	h := &zip.FileHeader{Name: "bootstrap", Method: zip.Store}
	h.SetMode(0o755)
	w, err := zw.CreateHeader(h)
	if err == nil {
		_, err = w.Write(bootstrap)
	}
	if err == nil {
		w, err = zw.Create("build.txt")
	}
	if err == nil {
		_, err = w.Write([]byte(build))
	}
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// metricsSink records metric data.
type metricsSink struct {
	mu   sync.Mutex
	data []bus.Datum
}

func (m *metricsSink) PutMetric(_ context.Context, d ...bus.Datum) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.data = append(m.data, d...)
	return nil
}

func (m *metricsSink) snapshot() []bus.Datum {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]bus.Datum(nil), m.data...)
}

// sum adds up the values of a metric with exactly the given dimensions.
func (m *metricsSink) sum(metric string, dims ...bus.Dimension) (float64, int) {
	total, n := 0.0, 0
	for _, d := range m.snapshot() {
		if d.MetricName != metric || d.Namespace != "AWS/Lambda" || len(d.Dimensions) != len(dims) {
			continue
		}
		match := true
		for i := range dims {
			match = match && d.Dimensions[i] == dims[i]
		}
		if match {
			total += d.Value
			n++
		}
	}
	return total, n
}

type harness struct {
	svc    *Service
	client *awslambda.Client
	close  func()
}

func newHarness(t testing.TB, opts Options) *harness {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(t.Output(), nil))
	}
	svc, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(svc)
	client := awslambda.New(awslambda.Options{
		BaseEndpoint:     aws.String(srv.URL),
		Region:           bus.Region,
		Credentials:      credentials.NewStaticCredentialsProvider("test", "test", ""),
		RetryMaxAttempts: 1,
	})
	h := &harness{svc: svc, client: client}
	var once sync.Once
	h.close = func() {
		once.Do(func() {
			srv.Close()
			if err := svc.Close(); err != nil {
				t.Error(err)
			}
		})
	}
	t.Cleanup(h.close)
	return h
}

const testRole = "arn:aws:iam::000000000000:role/test"

// create makes a function from the test binary and waits until it is active.
func (h *harness) create(t testing.TB, name string, env map[string]string, mutate ...func(*awslambda.CreateFunctionInput)) *awslambda.CreateFunctionOutput {
	t.Helper()
	in := &awslambda.CreateFunctionInput{
		FunctionName: aws.String(name),
		Runtime:      types.RuntimeProvidedal2023,
		Role:         aws.String(testRole),
		Handler:      aws.String("bootstrap"),
		Code:         &types.FunctionCode{ZipFile: codeZip(t, name)},
		Environment:  &types.Environment{Variables: env},
	}
	for _, m := range mutate {
		m(in)
	}
	out, err := h.client.CreateFunction(context.Background(), in)
	if err != nil {
		t.Fatalf("CreateFunction %s: %v", name, err)
	}
	h.waitActive(t, name)
	return out
}

func (h *harness) waitActive(t testing.TB, name string) {
	t.Helper()
	w := awslambda.NewFunctionActiveV2Waiter(h.client, func(o *awslambda.FunctionActiveV2WaiterOptions) {
		o.MinDelay, o.MaxDelay = 50*time.Millisecond, 100*time.Millisecond
	})
	if err := w.Wait(context.Background(), &awslambda.GetFunctionInput{FunctionName: aws.String(name)}, 10*time.Second); err != nil {
		t.Fatalf("wait for %s to be active: %v", name, err)
	}
}

func (h *harness) waitUpdated(t testing.TB, name string) {
	t.Helper()
	w := awslambda.NewFunctionUpdatedV2Waiter(h.client, func(o *awslambda.FunctionUpdatedV2WaiterOptions) {
		o.MinDelay, o.MaxDelay = 50*time.Millisecond, 100*time.Millisecond
	})
	if err := w.Wait(context.Background(), &awslambda.GetFunctionInput{FunctionName: aws.String(name)}, 10*time.Second); err != nil {
		t.Fatalf("wait for %s to be updated: %v", name, err)
	}
}

// reply is what the test function answers.
type reply struct {
	Label      string            `json:"label"`
	Version    string            `json:"version"`
	PID        int               `json:"pid"`
	ARN        string            `json:"arn"`
	RequestID  string            `json:"requestId"`
	DeadlineMs int64             `json:"deadlineMs"`
	Echo       json.RawMessage   `json:"echo"`
	Env        map[string]string `json:"env"`
}

func (h *harness) invoke(t testing.TB, name, qualifier, payload string) (*awslambda.InvokeOutput, reply) {
	t.Helper()
	in := &awslambda.InvokeInput{FunctionName: aws.String(name), Payload: []byte(payload)}
	if qualifier != "" {
		in.Qualifier = aws.String(qualifier)
	}
	out, err := h.client.Invoke(context.Background(), in)
	if err != nil {
		t.Fatalf("Invoke %s (%s): %v", name, qualifier, err)
	}
	var r reply
	if out.FunctionError == nil {
		if err := json.Unmarshal(out.Payload, &r); err != nil {
			t.Fatalf("decode reply %s: %v", out.Payload, err)
		}
	}
	return out, r
}

// errorCode returns the AWS error code of err ("" when err is nil).
func errorCode(err error) string {
	if err == nil {
		return ""
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	return "not an API error: " + err.Error()
}

// zipOf builds a zip from file names and contents, each file with mode.
func zipOf(t testing.TB, mode fs.FileMode, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, content := range files {
		h := &zip.FileHeader{Name: name, Method: zip.Deflate}
		h.SetMode(mode)
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(content)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
