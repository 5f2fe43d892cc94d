// Command lock is the greenlight task that takes the function's release lock,
// so that releases of one function never interleave, and checks whether the
// function was changed outside greenlight since the last release.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/greenlight/greenlight/internal/lambdaenv"
	"github.com/greenlight/greenlight/internal/ledger"
)

func main() {
	bucket := lambdaenv.MustGet(lambdaenv.BucketVar)
	cfg := lambdaenv.MustLoadAWS()
	l := &ledger.Ledger{S3: s3.NewFromConfig(cfg), Bucket: bucket, Executions: sfn.NewFromConfig(cfg)}
	h := &Handler{Ledger: l, Lambda: awslambda.NewFromConfig(cfg)}
	lambda.Start(h.Handle)
}
