package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/aws/aws-lambda-go/events"

	"github.com/greenlight/greenlight/examples/internal/flaky"
)

// HealthPath is the path of the health check that the pre-traffic test
// calls: {"path": "/health"} answers {"statusCode": 200, "body": "ok"} on a
// healthy version.
const HealthPath = "/health"

// behaviour is what one version does.
type behaviour struct {
	greeting string
	// failOn lists, by their count modulo ten, the requests (other than
	// the health check) that fail: {3, 6, 9} fails 30 % (see flaky.New).
	failOn  []uint64
	healthy bool
}

var behaviours = map[string]behaviour{
	"v1": {greeting: "hello from greenlight", healthy: true},
	"v2": {greeting: "hello again, now with a canary", healthy: true},
	"v3": {greeting: "hello, most of the time", failOn: []uint64{3, 6, 9}, healthy: true},
	"v4": {greeting: "hello from a broken build", healthy: false},
}

// MemoryError is the error every request but the health check gets when
// the function runs with less memory than MIN_MEMORY_MB asks for.
type MemoryError struct {
	Have, Need int
}

func (e *MemoryError) Error() string {
	return fmt.Sprintf("out of memory: %d MB configured, %d MB needed", e.Have, e.Need)
}

// Environment variables the app reads: its configuration, released like
// its code.
const (
	// FeatureVar is a feature flag; its value is echoed in every greeting.
	FeatureVar = "FEATURE"
	// MinMemoryVar is the memory, in MB, below which requests fail.
	MinMemoryVar = "MIN_MEMORY_MB"
	// memoryVar is the memory Lambda gives the function.
	memoryVar = "AWS_LAMBDA_FUNCTION_MEMORY_SIZE"
)

type handler struct {
	version  string
	b        behaviour
	feature  string
	memory   *MemoryError // nil when the function has the memory it needs
	requests *flaky.Requests
}

// newHandler is the handler of a version, configured by getenv.
func newHandler(version string, getenv func(string) string) (*handler, error) {
	b, ok := behaviours[version]
	if !ok {
		return nil, fmt.Errorf("unknown version %q: build with -ldflags \"-X main.version=vN\", N from 1 to 4", version)
	}
	h := &handler{version: version, b: b, feature: getenv(FeatureVar), requests: flaky.New(version, b.failOn...)}
	if need := getenv(MinMemoryVar); need != "" {
		n, err := strconv.Atoi(need)
		if err != nil {
			return nil, fmt.Errorf("%s=%q: not a number of MB", MinMemoryVar, need)
		}
		have, err := strconv.Atoi(getenv(memoryVar))
		if err == nil && have < n {
			h.memory = &MemoryError{Have: have, Need: n}
		}
	}
	return h, nil
}

// greeting is the body of a successful request.
type greeting struct {
	Message string `json:"message"`
	Version string `json:"version"`
	Path    string `json:"path"`
	// Feature is the value of FEATURE, when set.
	Feature string `json:"feature,omitempty"`
}

// Handle answers one request.
func (h *handler) Handle(_ context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	headers := map[string]string{"Content-Type": "text/plain", "X-App-Version": h.version}
	if req.Path == HealthPath {
		if !h.b.healthy {
			return events.APIGatewayProxyResponse{StatusCode: http.StatusServiceUnavailable, Headers: headers, Body: "unhealthy"}, nil
		}
		return events.APIGatewayProxyResponse{StatusCode: http.StatusOK, Headers: headers, Body: "ok"}, nil
	}
	broken := h.requests.Next()
	if h.memory != nil {
		return events.APIGatewayProxyResponse{}, h.memory
	}
	if broken != nil {
		// A *flaky.BrokenVersionError.
		return events.APIGatewayProxyResponse{}, broken
	}
	path := req.Path
	if path == "" {
		path = "/"
	}
	body, err := json.Marshal(greeting{Message: h.b.greeting, Version: h.version, Path: path, Feature: h.feature})
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	headers["Content-Type"] = "application/json"
	return events.APIGatewayProxyResponse{StatusCode: http.StatusOK, Headers: headers, Body: string(body)}, nil
}
