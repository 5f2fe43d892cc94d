// Command rollback is the greenlight task that puts the function back on
// blue: the live alias serves blue at 100 % with routing cleared, and the
// candidate alias points back at blue.
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
