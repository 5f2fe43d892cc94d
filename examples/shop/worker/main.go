// Command worker is the back end of the shop example: the api invokes it
// through the alias it was itself invoked through. It answers with its build,
// the alias it was invoked through and the version that ran, so a caller sees
// which stack served it:
//
//	go build -tags lambda.norpc -ldflags "-X main.version=w3" -o bootstrap ./examples/shop/worker
//
// w1 and w2 are healthy; w3 passes its health check but fails half of the
// other requests, so a release of it is rolled back by the alarm on the
// api's errors once traffic reaches it.
package main

import (
	"log"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
)

// version is set with -ldflags "-X main.version=wN".
var version = "dev"

func main() {
	h, err := newHandler(version, os.Getenv(functionVersionVar))
	if err != nil {
		log.Fatal(err)
	}
	lambda.Start(h.Handle)
}
