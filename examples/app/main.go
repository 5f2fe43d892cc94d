// Command app is greenlight's demo function: a small HTTP-style handler
// (API Gateway proxy request in, proxy response out) whose behaviour is
// chosen at build time, so one source gives every release the demo needs:
//
//	go build -tags lambda.norpc -ldflags "-X main.version=v3" -o bootstrap ./examples/app
//
// v1 and v2 are healthy and answer with different bodies; v3 passes its
// health check but fails about 30 % of other requests; v4 fails its health
// check, so its pre-traffic test stops the release.
//
// Every version reads its configuration from the environment: FEATURE is
// echoed in each greeting, and with MIN_MEMORY_MB set, every request but the
// health check fails when the function has less memory than that.
package main

import (
	"log"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
)

// version is set with -ldflags "-X main.version=vN".
var version = "dev"

func main() {
	h, err := newHandler(version, os.Getenv)
	if err != nil {
		log.Fatal(err)
	}
	lambda.Start(h.Handle)
}
