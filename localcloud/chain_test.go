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

	fn := createTestFunction(t, lambda.NewFromConfig(cfg), "chain", code)
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("uploads")}); err != nil {
		t.Fatal(err)
	}
	if _, err := s3c.PutBucketNotificationConfiguration(ctx, &s3.PutBucketNotificationConfigurationInput{
		Bucket: aws.String("uploads"), NotificationConfiguration: &s3types.NotificationConfiguration{EventBridgeConfiguration: &s3types.EventBridgeConfiguration{}},
	}); err != nil {
		t.Fatal(err)
	}
	eb := eventbridge.NewFromConfig(cfg)
	if _, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("on-upload"), EventPattern: aws.String(`{"source":["aws.s3"],"detail":{"bucket":{"name":["uploads"]}}}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("on-upload"), Targets: []ebtypes.Target{{Id: aws.String("fn"), Arn: fn.FunctionArn}}}); err != nil {
		t.Fatal(err)
	}

	if _, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("uploads"), Key: aws.String("a.txt"), Body: strings.NewReader("a")}); err != nil {
		t.Fatal(err)
	}

	cw := cloudwatch.NewFromConfig(cfg)
	if !eventually(60*time.Second, 100*time.Millisecond, func() bool {
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
	}) {
		t.Error("the upload did not invoke the function")
	}
}

func TestInbox(t *testing.T) {
	c := start(t, "")
	ctx := t.Context()
	client := sns.NewFromConfig(c.AWSConfig())
	topic, err := client.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("releases")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.Publish(ctx, &sns.PublishInput{TopicArn: topic.TopicArn, Subject: aws.String("promoted"), Message: aws.String(`{"event":"promoted"}`)}); err != nil {
		t.Fatal(err)
	}

	var inbox struct {
		TopicARN string `json:"topicArn"`
		Messages []struct {
			Subject string `json:"subject"`
			Message string `json:"message"`
		} `json:"messages"`
	}
	if code := doJSON(t, "GET", c.Endpoint()+ControlPrefix+"sns/inbox?topic="+*topic.TopicArn, nil, &inbox); code != 200 {
		t.Fatalf("GET inbox: %d", code)
	}
	equal(t, "topic", inbox.TopicARN, *topic.TopicArn)
	if len(inbox.Messages) != 1 {
		t.Fatalf("%d messages, want 1", len(inbox.Messages))
	}
	equal(t, "subject", inbox.Messages[0].Subject, "promoted")
	equal(t, "GET inbox of a missing topic", doJSON(t, "GET", c.Endpoint()+ControlPrefix+"sns/inbox?topic=missing", nil, nil), 404)
}

// createTestFunction creates function name from code (a zip of the test
// function) and waits until it is active.
func createTestFunction(t *testing.T, client *lambda.Client, name string, code []byte) *lambda.CreateFunctionOutput {
	t.Helper()
	fn, err := client.CreateFunction(t.Context(), &lambda.CreateFunctionInput{
		FunctionName: aws.String(name), Runtime: lambdatypes.RuntimeProvidedal2023, Handler: aws.String("bootstrap"),
		Role: aws.String("arn:aws:iam::000000000000:role/" + name), Code: &lambdatypes.FunctionCode{ZipFile: code},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := lambda.NewFunctionActiveV2Waiter(client, func(o *lambda.FunctionActiveV2WaiterOptions) { o.MinDelay, o.MaxDelay = poll, poll }).Wait(t.Context(), &lambda.GetFunctionInput{FunctionName: aws.String(name)}, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	return fn
}

// poll is how often tests poll the SDK's waiters: the local cloud settles in
// a fraction of a second, and the default waits seconds between polls.
const poll = 50 * time.Millisecond

// testFunctionZip builds the test function (internal/testfn)
// for this machine and zips it as a provided.al2023 package.
func testFunctionZip(t *testing.T) []byte {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "bootstrap")
	cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-o", bin, "./internal/testfn")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+runtime.GOARCH)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build the test function: %v: %s", err, out)
	}
	b, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	h := &zip.FileHeader{Name: "bootstrap", Method: zip.Deflate}
	h.SetMode(0o755)
	w, err := zw.CreateHeader(h)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
