// Command test is the greenlight task that runs the release's test cases and
// hook against the green version before any user traffic reaches it.
package main

import (
	"context"
	"log"

	"github.com/aws/aws-lambda-go/lambda"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
)

func main() {
	cfg, err := awsconfig.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Fatalf("load AWS configuration: %v", err)
	}
	h := &Handler{Lambda: awslambda.NewFromConfig(cfg)}
	lambda.Start(h.Handle)
}
