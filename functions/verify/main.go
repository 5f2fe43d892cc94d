// Command verify is the greenlight task that ends each bake: it reads the
// release's alarms and the operator's requests and decides what comes next.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/greenlight/greenlight/internal/lambdaenv"
	"github.com/greenlight/greenlight/internal/ledger"
)

func main() {
	bucket := lambdaenv.MustGet(lambdaenv.BucketVar)
	cfg := lambdaenv.MustLoadAWS()
	h := &Handler{
		CloudWatch: cloudwatch.NewFromConfig(cfg),
		Ledger:     &ledger.Ledger{S3: s3.NewFromConfig(cfg), Bucket: bucket},
	}
	lambda.Start(h.Handle)
}
