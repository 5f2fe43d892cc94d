package main

import (
	"context"
	"fmt"

	"github.com/greenlight/greenlight/alias"
	"github.com/greenlight/greenlight/examples/internal/flaky"
	"github.com/greenlight/greenlight/examples/shop"
)

// failOn lists, per build, the requests (other than the health check) that
// fail, by their count modulo ten: w3 fails the even ones, half of them.
var failOn = map[string][]uint64{
	"w1": nil,
	"w2": nil,
	"w3": {2, 4, 6, 8, 0},
}

// functionVersionVar is the published version Lambda runs, which it sets
// in every execution environment.
const functionVersionVar = "AWS_LAMBDA_FUNCTION_VERSION"

type handler struct {
	version         string
	functionVersion string
	requests        *flaky.Requests
}

// newHandler is the handler of a build running as functionVersion.
func newHandler(version, functionVersion string) (*handler, error) {
	fails, ok := failOn[version]
	if !ok {
		return nil, fmt.Errorf("unknown version %q: build with -ldflags \"-X main.version=wN\", one of %v", version, shop.Members["worker"])
	}
	return &handler{version: version, functionVersion: functionVersion, requests: flaky.New(version, fails...)}, nil
}

// Handle answers one request: a shop.Health for the health check, else a
// shop.WorkerAnswer, or a *flaky.BrokenVersionError for the requests w3
// fails.
func (h *handler) Handle(ctx context.Context, req shop.Request) (any, error) {
	if req.Path == shop.HealthPath {
		return shop.Healthy, nil
	}
	if err := h.requests.Next(); err != nil {
		return nil, err
	}
	return shop.WorkerAnswer{Worker: h.version, Alias: alias.Of(ctx), FunctionVersion: h.functionVersion}, nil
}
