// Command notify is the greenlight task that publishes a release's
// notification to the SNS topic.
package main

import (
	"context"
	"log"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/sns"
)

func main() {
	cfg, err := awsconfig.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Fatalf("load AWS configuration: %v", err)
	}
	topic := os.Getenv("GREENLIGHT_TOPIC_ARN")
	if topic == "" {
		log.Fatal("GREENLIGHT_TOPIC_ARN is not set")
	}
	h := &Handler{SNS: sns.NewFromConfig(cfg), CloudWatch: cloudwatch.NewFromConfig(cfg), TopicARN: topic}
	lambda.Start(h.Handle)
}
