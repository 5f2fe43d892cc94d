// Command watchdog restores the invariant when a release execution ends
// without finishing — stopped from the console, timed out, or failed outside
// the workflow's own paths — while it still holds its lock: one version at
// 100 % on the live alias (the same side, all green or all blue, for every
// member of a group), what it left recorded for the next release's drift
// check, the lock released, an aborted notification (one for a group). An
// EventBridge rule on "Step Functions Execution Status Change" invokes it;
// it is not part of the state machine.
package main

import (
	"os"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/greenlight/greenlight/internal/lambdaenv"
	"github.com/greenlight/greenlight/internal/ledger"
)

func main() {
	bucket := lambdaenv.MustGet(lambdaenv.BucketVar)
	topic := lambdaenv.MustGet(lambdaenv.TopicARNVar)
	cfg := lambdaenv.MustLoadAWS()
	h := &Handler{
		Ledger:   &ledger.Ledger{S3: s3.NewFromConfig(cfg), Bucket: bucket},
		Lambda:   awslambda.NewFromConfig(cfg),
		SNS:      sns.NewFromConfig(cfg),
		TopicARN: topic,
		Groups:   strings.Split(os.Getenv(lambdaenv.GroupsVar), ","),
	}
	lambda.Start(h.Handle)
}
