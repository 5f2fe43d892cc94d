package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/greenlight/greenlight/alias"
	"github.com/greenlight/greenlight/examples/shop"
)

// invoker invokes the worker.
type invoker interface {
	Invoke(context.Context, *awslambda.InvokeInput, ...func(*awslambda.Options)) (*awslambda.InvokeOutput, error)
}

var _ invoker = (*awslambda.Client)(nil)

// WorkerError is the api's error when the worker did not answer a request:
// it could not be invoked, its answer was not JSON, or it failed its health
// check. (A request the worker fails gets a 502 answer instead.) Lambda
// reports its name as the errorType.
type WorkerError struct {
	// Function is the worker as invoked, with its qualifier.
	Function string
	// Type and Message are the worker's error, when it failed.
	Type, Message string
	// Err is why the invocation or its answer failed otherwise.
	Err error
}

func (e *WorkerError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("worker %s: %v", e.Function, e.Err)
	}
	return fmt.Sprintf("worker %s failed: %s: %s", e.Function, e.Type, e.Message)
}

func (e *WorkerError) Unwrap() error { return e.Err }

type handler struct {
	version string
	worker  string // name or ARN, unqualified
	lambda  invoker
}

// newHandler is the handler of a build that calls worker through client.
func newHandler(version, worker string, client invoker) (*handler, error) {
	if !slices.Contains(shop.Members["api"], version) {
		return nil, fmt.Errorf("unknown version %q: build with -ldflags \"-X main.version=aN\", one of %v", version, shop.Members["api"])
	}
	if worker == "" {
		return nil, fmt.Errorf("%s is not set: it names the worker function", shop.WorkerVar)
	}
	return &handler{version: version, worker: worker, lambda: client}, nil
}

// Handle answers one request: the health check with a shop.Health once the
// worker's health check passed, anything else with a shop.APIAnswer that
// holds the worker's answer to the same request.
func (h *handler) Handle(ctx context.Context, payload json.RawMessage) (any, error) {
	var req shop.Request
	if err := json.Unmarshal(payload, &req); err != nil {
		return nil, fmt.Errorf("decode request: %w", err)
	}
	if req.Path == shop.HealthPath {
		var health shop.Health
		if err := h.callWorker(ctx, payload, &health); err != nil {
			return nil, err
		}
		if health != shop.Healthy {
			return shop.Health{StatusCode: 503, Body: fmt.Sprintf("worker unhealthy: %d %s", health.StatusCode, health.Body)}, nil
		}
		return shop.Healthy, nil
	}
	var w shop.WorkerAnswer
	if err := h.callWorker(ctx, payload, &w); err != nil {
		var we *WorkerError
		if errors.As(err, &we) && we.Type != "" {
			// The worker failed the request: the caller gets a 502, and
			// the failure counts in the worker's Errors metric (where
			// the worker's release alarm sees it), not in the api's.
			return shop.Health{StatusCode: 502, Body: we.Error()}, nil
		}
		return nil, err
	}
	return shop.APIAnswer{API: h.version, Alias: alias.Of(ctx), Worker: w}, nil
}

// callWorker invokes the worker through the alias this function was invoked
// through with payload, and decodes its answer into answer.
func (h *handler) callWorker(ctx context.Context, payload json.RawMessage, answer any) error {
	fn := alias.Peer(ctx, h.worker)
	out, err := h.lambda.Invoke(ctx, &awslambda.InvokeInput{FunctionName: &fn, Payload: payload})
	if err != nil {
		return &WorkerError{Function: fn, Err: err}
	}
	if out.FunctionError != nil {
		// Lambda's error document: {"errorType": …, "errorMessage": …}.
		var doc struct {
			Type    string `json:"errorType"`
			Message string `json:"errorMessage"`
		}
		if json.Unmarshal(out.Payload, &doc) != nil || doc.Type == "" {
			doc.Type, doc.Message = *out.FunctionError, string(out.Payload)
		}
		return &WorkerError{Function: fn, Type: doc.Type, Message: doc.Message}
	}
	if err := json.Unmarshal(out.Payload, answer); err != nil {
		return &WorkerError{Function: fn, Err: fmt.Errorf("decode answer %s: %w", out.Payload, err)}
	}
	return nil
}
