// Command app is greenlight's demo function: a small HTTP-style handler
// (API Gateway proxy request in, proxy response out) whose behaviour is
// chosen at build time, so one source gives every release the demo needs:
//
//	go build -tags lambda.norpc -ldflags "-X main.version=v3" -o bootstrap ./examples/app
//
// v1 and v2 are healthy and answer with different bodies; v3 passes its
// health check but fails about 30 % of other requests; v4 fails its health
// check, so its pre-traffic test stops the release.
package main

import (
	"log"

	"github.com/aws/aws-lambda-go/lambda"
)

// version is set with -ldflags "-X main.version=vN".
var version = "dev"

func main() {
	h, err := newHandler(version)
	if err != nil {
		log.Fatal(err)
	}
	lambda.Start(h.Handle)
}
