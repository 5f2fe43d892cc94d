// Command unlock is the greenlight task that ends every release: it deletes
// the release's error alarm, records what the release left the function in,
// and releases the function's lock.
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
	h := &Handler{
		Ledger:     &ledger.Ledger{S3: s3.NewFromConfig(cfg), Bucket: bucket},
		CloudWatch: cloudwatch.NewFromConfig(cfg),
		Lambda:     awslambda.NewFromConfig(cfg),
	}
	lambda.Start(h.Handle)
}
