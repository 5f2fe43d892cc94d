// Command guard restores blue the moment an alarm a release watches goes to
// ALARM and ends the release's bake at once. An EventBridge rule on "CloudWatch Alarm State Change" invokes it;
// it is not part of the state machine.
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
	h := &Handler{
		Lambda: awslambda.NewFromConfig(cfg),
		Ledger: &ledger.Ledger{S3: s3.NewFromConfig(cfg), Bucket: bucket},
		Tasks:  sfn.NewFromConfig(cfg),
	}
	lambda.Start(h.Handle)
}
