// Command promote is the greenlight task that makes green the live version:
// the live alias serves green at 100 % with routing cleared.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/greenlight/greenlight/internal/lambdaenv"
	"github.com/greenlight/greenlight/internal/ledger"
)

func main() {
	bucket := lambdaenv.MustGet(lambdaenv.BucketVar)
	cfg := lambdaenv.MustLoadAWS()
	h := &Handler{
		Lambda: awslambda.NewFromConfig(cfg),
		Ledger: &ledger.Ledger{S3: s3.NewFromConfig(cfg), Bucket: bucket},
	}
	lambda.Start(h.Handle)
}
