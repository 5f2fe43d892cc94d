// Command lock is the greenlight task that takes the function's release lock,
// so that releases of one function never interleave.
package main

import (
	"context"
	"log"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

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
	l := &ledger.Ledger{S3: s3.NewFromConfig(cfg), Bucket: bucket, Executions: sfn.NewFromConfig(cfg)}
	h := &Handler{Ledger: l}
	lambda.Start(h.Handle)
}
