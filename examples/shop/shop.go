// Package shop holds what the two functions of the shop example agree on:
// the api (examples/shop/api), which callers invoke, and the worker
// (examples/shop/worker), which the api invokes. greenlight releases them as
// one group; README.md explains how the api reaches the worker of its own
// stack, live or candidate.
package shop

// Members are the functions of the group and the builds of each, chosen at
// build time with -ldflags "-X main.version=…". The api's a1 and a2 are
// healthy; the worker's w1 and w2 are healthy, and w3 passes its health
// check but fails half of the other requests.
var Members = map[string][]string{
	"api":    {"a1", "a2"},
	"worker": {"w1", "w2", "w3"},
}

// HealthPath is the path of the health check, {"path": "/health"}: the
// worker answers Healthy, and so does the api once the worker it calls has.
const HealthPath = "/health"

// HealthTest is the pre-traffic test case (release document format) of the
// group. It enters through the api's candidate alias, so it checks the
// candidate worker too.
const HealthTest = `{"name": "health", "payload": {"path": "/health"}, "expect": {"statusCode": 200, "body": "ok"}}`

// WorkerVar is the environment variable that names the worker function for
// the api.
const WorkerVar = "WORKER_FUNCTION"

// Request is the part of a request both functions read; the rest of it (an
// order, say) is passed on as it came.
type Request struct {
	Path string `json:"path"`
}

// Health is the answer to the health check, in the shape of an API Gateway
// proxy response.
type Health struct {
	StatusCode int    `json:"statusCode"`
	Body       string `json:"body"`
}

// Healthy is a passing health check.
var Healthy = Health{StatusCode: 200, Body: "ok"}

// WorkerAnswer is the worker's answer to a request: which build ran, through
// which alias, as which published version.
type WorkerAnswer struct {
	Worker          string `json:"worker"`
	Alias           string `json:"alias"`
	FunctionVersion string `json:"functionVersion"`
}

// APIAnswer is the api's answer to a request: its build, its alias, and the
// answer of the worker it called.
type APIAnswer struct {
	API    string       `json:"api"`
	Alias  string       `json:"alias"`
	Worker WorkerAnswer `json:"worker"`
}
