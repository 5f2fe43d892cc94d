// Command api is the front of the shop example: callers invoke it, and it
// invokes the worker (named by WORKER_FUNCTION) through the alias it was
// itself invoked through, so a request that enters through the candidate
// alias is served by candidate versions only:
//
//	go build -tags lambda.norpc -ldflags "-X main.version=a2" -o bootstrap ./examples/shop/api
//
// a1 and a2 are both healthy. The health check {"path": "/health"} checks
// the worker's health too, and a request the worker fails fails the api, so
// the api's alarms watch the whole stack.
package main

import (
	"context"
	"log"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/greenlight/greenlight/examples/shop"
)

// version is set with -ldflags "-X main.version=aN".
var version = "dev"

func main() {
	cfg, err := awsconfig.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	h, err := newHandler(version, os.Getenv(shop.WorkerVar), awslambda.NewFromConfig(cfg))
	if err != nil {
		log.Fatal(err)
	}
	lambda.Start(h.Handle)
}
