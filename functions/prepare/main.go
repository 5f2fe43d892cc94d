// Command prepare is the first greenlight task: it turns an S3 upload event or
// a console input into a validated, planned release document. Bad input fails
// here, before anything is touched.
package main

import (
	"context"
	"log"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/greenlight/greenlight/internal/config"
)

func main() {
	conf, err := config.Parse([]byte(os.Getenv(config.EnvVar)))
	if err != nil {
		log.Fatal(err)
	}
	bucket := os.Getenv("GREENLIGHT_BUCKET")
	if bucket == "" {
		log.Fatal("GREENLIGHT_BUCKET is not set")
	}
	cfg, err := awsconfig.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Fatalf("load AWS configuration: %v", err)
	}
	h := &Handler{Config: conf, Bucket: bucket, S3: s3.NewFromConfig(cfg), Lambda: awslambda.NewFromConfig(cfg)}
	lambda.Start(h.Handle)
}
