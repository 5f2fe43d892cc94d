// Command deploy is the greenlight task that publishes the green version: it
// checks the artifact, updates the function's code from the exact S3 object
// version, publishes a version pinned to that code, points the candidate
// alias at it and creates the release's error alarm.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/greenlight/greenlight/internal/lambdaenv"
	"github.com/greenlight/greenlight/internal/ledger"
)

func main() {
	bucket := lambdaenv.MustGet(lambdaenv.BucketVar)
	cfg := lambdaenv.MustLoadAWS()
	s3c := s3.NewFromConfig(cfg)
	h := &Handler{
		S3:         s3c,
		Lambda:     awslambda.NewFromConfig(cfg),
		CloudWatch: cloudwatch.NewFromConfig(cfg),
		Ledger:     &ledger.Ledger{S3: s3c, Bucket: bucket},
	}
	lambda.Start(h.Handle)
}
