// Command notify is the greenlight task that publishes a release's
// notification to the SNS topic.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/greenlight/greenlight/internal/lambdaenv"
)

func main() {
	topic := lambdaenv.MustGet(lambdaenv.TopicARNVar)
	cfg := lambdaenv.MustLoadAWS()
	h := &Handler{SNS: sns.NewFromConfig(cfg), CloudWatch: cloudwatch.NewFromConfig(cfg), TopicARN: topic}
	lambda.Start(h.Handle)
}
