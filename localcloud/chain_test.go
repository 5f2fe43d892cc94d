package localcloud

import (
	"archive/zip"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestUploadReachesFunctionThroughEventBridge checks the wiring between the
// services: an S3 upload becomes an EventBridge event, whose rule invokes a
// real function, whose invocation is counted in CloudWatch.
func TestUploadReachesFunctionThroughEventBridge(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a test function")
	}
	c := start(t, "")
	ctx := t.Context()
	cfg := c.AWSConfig()
	code := testFunctionZip(t)

	fn, err := lambda.NewFromConfig(cfg).CreateFunction(ctx, &lambda.CreateFunctionInput{
		FunctionName: aws.String("chain"), Runtime: lambdatypes.RuntimeProvidedal2023, Handler: aws.String("bootstrap"),
		Role: aws.String("arn:aws:iam::000000000000:role/chain"), Code: &lambdatypes.FunctionCode{ZipFile: code},
	})
	require.NoError(t, err)
	require.NoError(t, lambda.NewFunctionActiveV2Waiter(lambda.NewFromConfig(cfg), func(o *lambda.FunctionActiveV2WaiterOptions) {
		o.MinDelay, o.MaxDelay = 50*time.Millisecond, 50*time.Millisecond
	}).Wait(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("chain")}, 30*time.Second))
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	_, err = s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("uploads")})
	require.NoError(t, err)
	_, err = s3c.PutBucketNotificationConfiguration(ctx, &s3.PutBucketNotificationConfigurationInput{
		Bucket: aws.String("uploads"), NotificationConfiguration: &s3types.NotificationConfiguration{EventBridgeConfiguration: &s3types.EventBridgeConfiguration{}},
	})
	require.NoError(t, err)
	eb := eventbridge.NewFromConfig(cfg)
	_, err = eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("on-upload"), EventPattern: aws.String(`{"source":["aws.s3"],"detail":{"bucket":{"name":["uploads"]}}}`)})
	require.NoError(t, err)
	_, err = eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("on-upload"), Targets: []ebtypes.Target{{Id: aws.String("fn"), Arn: fn.FunctionArn}}})
	require.NoError(t, err)

	_, err = s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("uploads"), Key: aws.String("a.txt"), Body: strings.NewReader("a")})
	require.NoError(t, err)

	cw := cloudwatch.NewFromConfig(cfg)
	assert.Eventually(t, func() bool {
		now := c.Clock().Now()
		out, err := cw.GetMetricStatistics(ctx, &cloudwatch.GetMetricStatisticsInput{
			Namespace: aws.String("AWS/Lambda"), MetricName: aws.String("Invocations"),
			Dimensions: []cwtypes.Dimension{{Name: aws.String("FunctionName"), Value: aws.String("chain")}},
			StartTime:  aws.Time(now.Add(-time.Hour)), EndTime: aws.Time(now.Add(time.Hour)),
			Period: aws.Int32(3600), Statistics: []cwtypes.Statistic{cwtypes.StatisticSum},
		})
		if err != nil {
			t.Logf("GetMetricStatistics: %v", err)
			return false
		}
		return len(out.Datapoints) == 1 && *out.Datapoints[0].Sum >= 1
	}, 60*time.Second, 100*time.Millisecond, "the upload invoked the function")
}

func TestInbox(t *testing.T) {
	c := start(t, "")
	ctx := t.Context()
	client := sns.NewFromConfig(c.AWSConfig())
	topic, err := client.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("releases")})
	require.NoError(t, err)
	_, err = client.Publish(ctx, &sns.PublishInput{TopicArn: topic.TopicArn, Subject: aws.String("promoted"), Message: aws.String(`{"event":"promoted"}`)})
	require.NoError(t, err)

	var inbox struct {
		TopicARN string `json:"topicArn"`
		Messages []struct {
			Subject string `json:"subject"`
			Message string `json:"message"`
		} `json:"messages"`
	}
	require.Equal(t, 200, doJSON(t, "GET", c.Endpoint()+ControlPrefix+"sns/inbox?topic="+*topic.TopicArn, nil, &inbox))
	assert.Equal(t, *topic.TopicArn, inbox.TopicARN)
	require.Len(t, inbox.Messages, 1)
	assert.Equal(t, "promoted", inbox.Messages[0].Subject)
	assert.Equal(t, 404, doJSON(t, "GET", c.Endpoint()+ControlPrefix+"sns/inbox?topic=missing", nil, nil))
}

// testFunctionZip builds the test function (internal/testfn)
// for this machine and zips it as a provided.al2023 package.
func testFunctionZip(t *testing.T) []byte {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "bootstrap")
	cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-o", bin, "./internal/testfn")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+runtime.GOARCH)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "build the test function: %s", out)
	b, err := os.ReadFile(bin)
	require.NoError(t, err)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	h := &zip.FileHeader{Name: "bootstrap", Method: zip.Deflate}
	h.SetMode(0o755)
	w, err := zw.CreateHeader(h)
	require.NoError(t, err)
	_, err = w.Write(b)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return buf.Bytes()
}
