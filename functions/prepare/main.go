// Command prepare is the first greenlight task: it turns an S3 upload event or
// a console input into a validated, planned release document. Bad input fails
// here, before anything is touched.
package main

import (
	"log"

	"github.com/aws/aws-lambda-go/lambda"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/greenlight/greenlight/internal/config"
	"github.com/greenlight/greenlight/internal/lambdaenv"
)

func main() {
	conf, err := config.Parse([]byte(lambdaenv.MustGet(lambdaenv.ConfigVar)))
	if err != nil {
		log.Fatalf("%s: %v", lambdaenv.ConfigVar, err)
	}
	bucket := lambdaenv.MustGet(lambdaenv.BucketVar)
	cfg := lambdaenv.MustLoadAWS()
	h := &Handler{Config: conf, Bucket: bucket, S3: s3.NewFromConfig(cfg), Lambda: awslambda.NewFromConfig(cfg)}
	lambda.Start(h.Handle)
}
