// Command test is the greenlight task that runs the release's test cases and
// hook against the green version before any user traffic reaches it.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/greenlight/greenlight/internal/lambdaenv"
)

func main() {
	cfg := lambdaenv.MustLoadAWS()
	h := &Handler{Lambda: awslambda.NewFromConfig(cfg)}
	lambda.Start(h.Handle)
}
