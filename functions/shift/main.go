// Command shift is the greenlight task that moves the live alias to the next
// traffic step of the release's schedule, and records the task token of the
// bake and approval states so that a decision can end them at once.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/greenlight/greenlight/internal/lambdaenv"
	"github.com/greenlight/greenlight/internal/ledger"
)

func main() {
	bucket := lambdaenv.MustGet(lambdaenv.BucketVar)
	cfg := lambdaenv.MustLoadAWS()
	l := &ledger.Ledger{S3: s3.NewFromConfig(cfg), Bucket: bucket}
	h := &Handler{
		Lambda:     awslambda.NewFromConfig(cfg),
		CloudWatch: cloudwatch.NewFromConfig(cfg),
		Ledger:     l,
		Waits:      l,
		Tasks:      sfn.NewFromConfig(cfg),
	}
	lambda.Start(h.Invoke)
}
