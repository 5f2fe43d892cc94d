package main

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/greenlight/greenlight/examples/shop"
)

const (
	apiARN    = "arn:aws:lambda:us-east-1:000000000000:function:shop-api"
	workerARN = "arn:aws:lambda:us-east-1:000000000000:function:shop-worker"
)

// fakeWorker records the invocations of the worker and answers them.
type fakeWorker struct {
	invoked []awslambda.InvokeInput
	answer  func(in *awslambda.InvokeInput) (*awslambda.InvokeOutput, error)
}

func (f *fakeWorker) Invoke(_ context.Context, in *awslambda.InvokeInput, _ ...func(*awslambda.Options)) (*awslambda.InvokeOutput, error) {
	f.invoked = append(f.invoked, *in)
	return f.answer(in)
}

// answers is a worker that answers every request with body.
func answers(body string) func(*awslambda.InvokeInput) (*awslambda.InvokeOutput, error) {
	return func(*awslambda.InvokeInput) (*awslambda.InvokeOutput, error) {
		return &awslambda.InvokeOutput{StatusCode: 200, Payload: []byte(body)}, nil
	}
}

// invokedAs is a context like Lambda's for an invocation through arn.
func invokedAs(arn string) context.Context {
	return lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{InvokedFunctionArn: arn})
}

const workerAnswer = `{"worker":"w2","alias":"green","functionVersion":"4"}`

func TestCallsTheWorkerThroughItsOwnAlias(t *testing.T) {
	tests := []struct {
		name       string
		invokedARN string
		worker     string // WORKER_FUNCTION
		wantWorker string // the FunctionName the worker is invoked with
		wantAlias  string
	}{
		{"candidate alias", apiARN + ":green", "shop-worker", "shop-worker:green", "green"},
		{"live alias", apiARN + ":live", "shop-worker", "shop-worker:live", "live"},
		{"worker named by ARN", apiARN + ":green", workerARN, workerARN + ":green", "green"},
		{"worker pinned to an alias", apiARN + ":green", "shop-worker:live", "shop-worker:live", "green"},
		{"version: the worker's own numbers differ", apiARN + ":7", "shop-worker", "shop-worker", "7"},
		{"unqualified", apiARN, "shop-worker", "shop-worker", ""},
		{"$LATEST", apiARN + ":$LATEST", "shop-worker", "shop-worker", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := &fakeWorker{answer: answers(workerAnswer)}
			h := mustHandler(t, "a2", tt.worker, fake)
			order := json.RawMessage(`{"order":"42"}`)
			got, err := h.Handle(invokedAs(tt.invokedARN), order)
			if err != nil {
				t.Fatal(err)
			}
			if len(fake.invoked) != 1 {
				t.Fatalf("the worker was invoked %d times, want once", len(fake.invoked))
			}
			in := fake.invoked[0]
			if fn := aws.ToString(in.FunctionName); fn != tt.wantWorker || in.Qualifier != nil {
				t.Errorf("invoked %s (qualifier %v), want %s", fn, in.Qualifier, tt.wantWorker)
			}
			if string(in.Payload) != string(order) {
				t.Errorf("passed %s on to the worker, want the request %s", in.Payload, order)
			}
			want := shop.APIAnswer{API: "a2", Alias: tt.wantAlias, Worker: shop.WorkerAnswer{Worker: "w2", Alias: "green", FunctionVersion: "4"}}
			if got != want {
				t.Errorf("answer %+v, want %+v", got, want)
			}
		})
	}
}

func TestHealthCheckChecksTheWorker(t *testing.T) {
	tests := []struct {
		name   string
		worker string // its answer to the health check
		want   shop.Health
	}{
		{"healthy worker", `{"statusCode":200,"body":"ok"}`, shop.Healthy},
		{"unhealthy worker", `{"statusCode":503,"body":"unhealthy"}`, shop.Health{StatusCode: 503, Body: "worker unhealthy: 503 unhealthy"}},
		{"worker without a health check", workerAnswer, shop.Health{StatusCode: 503, Body: "worker unhealthy: 0 "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := &fakeWorker{answer: answers(tt.worker)}
			check := json.RawMessage(`{"path":"/health"}`)
			got, err := mustHandler(t, "a1", "shop-worker", fake).Handle(invokedAs(apiARN+":green"), check)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("answer %+v, want %+v", got, tt.want)
			}
			if len(fake.invoked) != 1 || aws.ToString(fake.invoked[0].FunctionName) != "shop-worker:green" || string(fake.invoked[0].Payload) != string(check) {
				t.Errorf("invoked %+v, want the health check of shop-worker:green", fake.invoked)
			}
		})
	}
}

func TestWorkerFailureFailsTheAPI(t *testing.T) {
	unreachable := errors.New("connection refused")
	tests := []struct {
		name    string
		answer  func(*awslambda.InvokeInput) (*awslambda.InvokeOutput, error)
		path    string
		wantErr string
		wantIs  error
	}{
		{
			name: "worker error in its health check",
			answer: func(*awslambda.InvokeInput) (*awslambda.InvokeOutput, error) {
				return &awslambda.InvokeOutput{StatusCode: 200, FunctionError: aws.String("Unhandled"), Payload: []byte(`crash`)}, nil
			},
			path:    shop.HealthPath,
			wantErr: "worker shop-worker:live failed: Unhandled: crash",
		},
		{
			name: "invoke fails",
			answer: func(*awslambda.InvokeInput) (*awslambda.InvokeOutput, error) {
				return nil, unreachable
			},
			wantErr: "worker shop-worker:live: connection refused",
			wantIs:  unreachable,
		},
		{
			name:    "answer is not JSON",
			answer:  answers(`not json`),
			wantErr: "worker shop-worker:live: decode answer not json",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := mustHandler(t, "a1", "shop-worker", &fakeWorker{answer: tt.answer})
			req, _ := json.Marshal(shop.Request{Path: tt.path})
			_, err := h.Handle(invokedAs(apiARN+":live"), req)
			var we *WorkerError
			if !errors.As(err, &we) || !strings.HasPrefix(err.Error(), tt.wantErr) {
				t.Fatalf("error %v (%T), want a *WorkerError %q", err, err, tt.wantErr)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("error %v does not wrap %v", err, tt.wantIs)
			}
		})
	}
}

// TestWorkerFailsRequest: a request the worker fails is a 502 answer, not
// an error of the api, so that only the worker's Errors metric counts it.
func TestWorkerFailsRequest(t *testing.T) {
	fake := &fakeWorker{answer: func(*awslambda.InvokeInput) (*awslambda.InvokeOutput, error) {
		return &awslambda.InvokeOutput{StatusCode: 200, FunctionError: aws.String("Unhandled"),
			Payload: []byte(`{"errorType":"BrokenVersionError","errorMessage":"w3 failed request 2"}`)}, nil
	}}
	got, err := mustHandler(t, "a1", "shop-worker", fake).Handle(invokedAs(apiARN+":live"), json.RawMessage(`{"order":1}`))
	if err != nil {
		t.Fatalf("Handle: %v, want a 502 answer", err)
	}
	want := shop.Health{StatusCode: 502, Body: "worker shop-worker:live failed: BrokenVersionError: w3 failed request 2"}
	if got != want {
		t.Errorf("answer = %+v, want %+v", got, want)
	}
}

func TestBadRequest(t *testing.T) {
	fake := &fakeWorker{answer: answers(workerAnswer)}
	if _, err := mustHandler(t, "a1", "shop-worker", fake).Handle(invokedAs(apiARN), json.RawMessage(`["not an object"]`)); err == nil {
		t.Error("a request that is no object was answered")
	}
	if len(fake.invoked) != 0 {
		t.Error("a bad request reached the worker")
	}
}

func TestNewHandler(t *testing.T) {
	tests := []struct{ version, worker, wantErr string }{
		{"a1", "shop-worker", ""},
		{"a2", workerARN, ""},
		{"a3", "shop-worker", `unknown version "a3"`},
		{"w1", "shop-worker", `unknown version "w1"`},
		{"dev", "shop-worker", `unknown version "dev"`},
		{"a1", "", "WORKER_FUNCTION is not set"},
	}
	for _, tt := range tests {
		_, err := newHandler(tt.version, tt.worker, &fakeWorker{})
		if (err == nil) != (tt.wantErr == "") || err != nil && !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("newHandler(%q, %q): %v, want %q", tt.version, tt.worker, err, tt.wantErr)
		}
	}
}

func mustHandler(t *testing.T, version, worker string, client invoker) *handler {
	t.Helper()
	h, err := newHandler(version, worker, client)
	if err != nil {
		t.Fatal(err)
	}
	return h
}
