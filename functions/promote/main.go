// Command promote is the greenlight task that makes green the live version:
// the live alias serves green at 100 % with routing cleared.
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
