// Command guard restores blue the moment an alarm a release watches goes to
// ALARM. An EventBridge rule on "CloudWatch Alarm State Change" invokes it;
// it is not part of the state machine.
package main

import (
	"context"
	"log"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/greenlight/greenlight/internal/ledger"
)

func main() {
	bucket := os.Getenv("GREENLIGHT_BUCKET")
	if bucket == "" {
		log.Fatal("GREENLIGHT_BUCKET is not set")
	}
	cfg, err := awsconfig.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Fatalf("load AWS configuration: %v", err)
	}
	h := &Handler{
		Lambda: awslambda.NewFromConfig(cfg),
		Ledger: &ledger.Ledger{S3: s3.NewFromConfig(cfg), Bucket: bucket},
	}
	lambda.Start(h.Handle)
}
