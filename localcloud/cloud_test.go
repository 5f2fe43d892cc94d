package localcloud

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/localcloud/cfn"
	"github.com/greenlight/greenlight/localcloud/fault"
)

// start runs a cloud on a free port for the test.
func start(t *testing.T, dir string) *Cloud {
	t.Helper()
	c, err := New(Options{Addr: "127.0.0.1:0", Dir: dir, TimeScale: 60, Logf: t.Logf})
	require.NoError(t, err)
	require.NoError(t, c.Start(t.Context()))
	t.Cleanup(func() { assert.NoError(t, c.Close()) })
	return c
}

func apiCode(t *testing.T, err error) string {
	t.Helper()
	var api smithy.APIError
	require.True(t, errors.As(err, &api), "want an API error, got %v", err)
	return api.ErrorCode()
}

func TestRoutesBySigningName(t *testing.T) {
	c := start(t, "")
	ctx := t.Context()
	cfg := c.AWSConfig()

	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	_, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("routed")})
	require.NoError(t, err)
	buckets, err := s3c.ListBuckets(ctx, &s3.ListBucketsInput{})
	require.NoError(t, err)
	require.Len(t, buckets.Buckets, 1)
	assert.Equal(t, "routed", *buckets.Buckets[0].Name)

	_, err = lambda.NewFromConfig(cfg).GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("nope")})
	assert.Equal(t, "ResourceNotFoundException", apiCode(t, err))

	cw := cloudwatch.NewFromConfig(cfg)
	_, err = cw.PutMetricAlarm(ctx, &cloudwatch.PutMetricAlarmInput{
		AlarmName: aws.String("a"), Namespace: aws.String("n"), MetricName: aws.String("m"), Statistic: "Sum",
		Period: aws.Int32(60), EvaluationPeriods: aws.Int32(1), Threshold: aws.Float64(1), ComparisonOperator: "GreaterThanThreshold",
	})
	require.NoError(t, err)
	alarms, err := cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{})
	require.NoError(t, err)
	assert.Len(t, alarms.MetricAlarms, 1)

	_, err = cloudformation.NewFromConfig(cfg).DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String("missing")})
	assert.Equal(t, "ValidationError", apiCode(t, err))
}

func TestUnsignedRequestsGoToS3(t *testing.T) {
	c := start(t, "")
	resp, err := http.Get(c.Endpoint() + "/")
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	var body bytes.Buffer
	_, _ = body.ReadFrom(resp.Body)
	assert.Contains(t, body.String(), "ListAllMyBucketsResult")
}

func TestUnknownServiceIsRefused(t *testing.T) {
	c := start(t, "")
	req, err := http.NewRequest(http.MethodPost, c.Endpoint()+"/", strings.NewReader("Action=GetCallerIdentity"))
	require.NoError(t, err)
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=x")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
}

func TestSigningService(t *testing.T) {
	tests := []struct {
		name, auth, query, want string
	}{
		{"header", "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/states/aws4_request, SignedHeaders=host, Signature=abc", "", "states"},
		{"presigned", "", "X-Amz-Credential=AKID%2F20260101%2Fus-east-1%2Fs3%2Faws4_request", "s3"},
		{"unsigned", "", "", ""},
		{"sigv2", "AWS AKID:sig", "", ""},
		{"malformed scope", "AWS4-HMAC-SHA256 Credential=AKID/us-east-1/lambda, Signature=abc", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := http.NewRequest(http.MethodGet, "http://x/?"+tt.query, nil)
			require.NoError(t, err)
			if tt.auth != "" {
				r.Header.Set("Authorization", tt.auth)
			}
			assert.Equal(t, tt.want, signingService(r))
		})
	}
}

func doJSON(t *testing.T, method, url string, body any, out any) int {
	t.Helper()
	var rd bytes.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(t, err)
		rd = *bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, &rd)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	if out != nil && resp.StatusCode != http.StatusNoContent {
		require.NoError(t, json.NewDecoder(resp.Body).Decode(out))
	}
	return resp.StatusCode
}

func TestControlEndpoints(t *testing.T) {
	c := start(t, "")
	base := c.Endpoint() + ControlPrefix

	var h Health
	assert.Equal(t, http.StatusOK, doJSON(t, "GET", base+"health", nil, &h))
	assert.Equal(t, "ok", h.Status)
	assert.Contains(t, h.Services, "lambda")

	var cs ClockState
	assert.Equal(t, http.StatusOK, doJSON(t, "GET", base+"clock", nil, &cs))
	assert.Equal(t, 60.0, cs.Scale)
	assert.WithinDuration(t, time.Now(), cs.Now, time.Hour)

	rule := fault.Rule{Service: "lambda", Operation: "GetFunction", Match: "flaky", Code: "TooManyRequestsException", Status: 429, Count: 1}
	assert.Equal(t, http.StatusCreated, doJSON(t, "POST", base+"faults", rule, nil))
	var rules []fault.Rule
	assert.Equal(t, http.StatusOK, doJSON(t, "GET", base+"faults", nil, &rules))
	assert.Equal(t, []fault.Rule{rule}, rules)

	fn := lambda.NewFromConfig(c.AWSConfig(), func(o *lambda.Options) { o.RetryMaxAttempts = 1 })
	_, err := fn.GetFunction(t.Context(), &lambda.GetFunctionInput{FunctionName: aws.String("flaky")})
	assert.Equal(t, "TooManyRequestsException", apiCode(t, err))
	_, err = fn.GetFunction(t.Context(), &lambda.GetFunctionInput{FunctionName: aws.String("flaky")})
	assert.Equal(t, "ResourceNotFoundException", apiCode(t, err), "the fault fired once")

	assert.Equal(t, http.StatusNoContent, doJSON(t, "DELETE", base+"faults", nil, nil))
	assert.Empty(t, c.Faults().Rules())

	bad := []struct {
		name string
		body any
	}{
		{"unknown service", fault.Rule{Service: "sqs", Operation: "SendMessage", Code: "X"}},
		{"no operation", fault.Rule{Service: "lambda", Code: "X"}},
		{"no effect", fault.Rule{Service: "lambda", Operation: "Invoke"}},
		{"bad status", fault.Rule{Service: "lambda", Operation: "Invoke", Code: "X", Status: 200}},
		{"function error outside Invoke", fault.Rule{Service: "lambda", Operation: "GetFunction", FunctionError: fault.Crash}},
		{"function error and code", fault.Rule{Service: "lambda", Operation: "Invoke", FunctionError: fault.Crash, Code: "X"}},
		{"negative skip", fault.Rule{Service: "lambda", Operation: "Invoke", Code: "X", Skip: -1}},
		{"after run without function error", fault.Rule{Service: "lambda", Operation: "Invoke", Latency: 1, AfterRun: true}},
		{"unknown field", map[string]any{"service": "lambda", "operation": "Invoke", "code": "X", "typo": 1}},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			var e ErrorBody
			assert.Equal(t, http.StatusBadRequest, doJSON(t, "POST", base+"faults", tt.body, &e))
			assert.NotEmpty(t, e.Error)
		})
	}

	var e ErrorBody
	assert.Equal(t, http.StatusNotFound, doJSON(t, "GET", base+"nothing", nil, &e))
	assert.Equal(t, http.StatusBadRequest, doJSON(t, "POST", base+"stacks", DeployRequest{Template: "relative.json"}, &e))
}

func deployApp(t *testing.T, c *Cloud) *cfn.Stack {
	t.Helper()
	path, err := filepath.Abs("testdata/assembly/app.template.json")
	require.NoError(t, err)
	var raw json.RawMessage
	code := doJSON(t, "POST", c.Endpoint()+ControlPrefix+"stacks", DeployRequest{Template: path}, &raw)
	require.Equal(t, http.StatusOK, code, "deploy: %s", raw)
	var st cfn.Stack
	require.NoError(t, json.Unmarshal(raw, &st))
	return &st
}

func TestDeployAndDescribeStack(t *testing.T) {
	c := start(t, "")
	ctx := t.Context()
	st := deployApp(t, c)
	assert.Equal(t, "app", st.Name)
	assert.Equal(t, cfn.StatusCreateComplete, st.Status)

	cfg := c.AWSConfig()
	fn, err := lambda.NewFromConfig(cfg).GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(st.Resources["Fn"].PhysicalID)})
	require.NoError(t, err)
	assert.Equal(t, st.Outputs["BucketName"].Value, fn.Configuration.Environment.Variables["BUCKET"])
	alarms, err := cloudwatch.NewFromConfig(cfg).DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{"app-errors"}})
	require.NoError(t, err)
	assert.Len(t, alarms.MetricAlarms, 1)

	cf := cloudformation.NewFromConfig(cfg)
	out, err := cf.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String("app")})
	require.NoError(t, err)
	require.Len(t, out.Stacks, 1)
	assert.Equal(t, "CREATE_COMPLETE", string(out.Stacks[0].StackStatus))
	assert.Equal(t, st.ID, *out.Stacks[0].StackId)
	outputs := map[string]string{}
	for _, o := range out.Stacks[0].Outputs {
		outputs[*o.OutputKey] = *o.OutputValue
	}
	assert.Equal(t, map[string]string{
		"BucketName":      st.Outputs["BucketName"].Value,
		"FunctionArn":     st.Outputs["FunctionArn"].Value,
		"TopicArn":        st.Outputs["TopicArn"].Value,
		"StateMachineArn": st.Outputs["StateMachineArn"].Value,
	}, outputs)

	machines := sfn.NewFromConfig(cfg)
	started, err := machines.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(st.Outputs["StateMachineArn"].Value)})
	require.NoError(t, err)
	var done *sfn.DescribeExecutionOutput
	require.Eventually(t, func() bool {
		done, err = machines.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: started.ExecutionArn})
		return err == nil && done.Status != sfntypes.ExecutionStatusRunning
	}, 10*time.Second, 20*time.Millisecond)
	require.Equal(t, sfntypes.ExecutionStatusSucceeded, done.Status)
	assert.JSONEq(t, `{"bucket":"`+st.Outputs["BucketName"].Value+`","function":"`+st.Outputs["FunctionArn"].Value+`"}`, *done.Output,
		"the definition got its substitutions and Fn::Join")

	res, err := cf.ListStackResources(ctx, &cloudformation.ListStackResourcesInput{StackName: aws.String(st.ID)})
	require.NoError(t, err)
	assert.Len(t, res.StackResourceSummaries, len(st.Resources))
	for _, r := range res.StackResourceSummaries {
		assert.Equal(t, st.Resources[*r.LogicalResourceId].PhysicalID, *r.PhysicalResourceId)
	}

	again := deployApp(t, c)
	assert.Equal(t, cfn.StatusUpdateComplete, again.Status)
	assert.Equal(t, st.Outputs, again.Outputs)
}

func TestStatePersistsAcrossRestarts(t *testing.T) {
	dir := t.TempDir()
	c, err := New(Options{Addr: "127.0.0.1:0", Dir: dir, Logf: t.Logf})
	require.NoError(t, err)
	require.NoError(t, c.Start(context.Background()))
	st := deployApp(t, c)
	require.NoError(t, c.Close())
	require.NoError(t, c.Close(), "Close is idempotent")
	_, err = http.Get(c.Endpoint() + ControlPrefix + "health")
	require.Error(t, err, "the listener is closed")

	c2 := start(t, dir)
	ctx := t.Context()
	cfg := c2.AWSConfig()
	got, err := c2.Stacks().Get("app")
	require.NoError(t, err)
	assert.Equal(t, st.Outputs, got.Outputs)
	_, err = s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }).HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(st.Outputs["BucketName"].Value)})
	require.NoError(t, err)
	_, err = lambda.NewFromConfig(cfg).GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(st.Resources["Fn"].PhysicalID)})
	require.NoError(t, err)
	out, err := cloudformation.NewFromConfig(cfg).DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String("app")})
	require.NoError(t, err)
	assert.Len(t, out.Stacks, 1)
}

func TestCloseWithoutStart(t *testing.T) {
	c, err := New(Options{Addr: "127.0.0.1:0"})
	require.NoError(t, err)
	addr := strings.TrimPrefix(c.Endpoint(), "http://")
	require.NoError(t, c.Close())
	again, err := New(Options{Addr: addr})
	require.NoError(t, err, "the port is free again")
	require.NoError(t, again.Start(t.Context()))
	assert.Error(t, again.Start(t.Context()), "a cloud starts once")
	require.NoError(t, again.Close())
}

func TestFunctionEnv(t *testing.T) {
	var gotScale float64
	var gotOrigin time.Time
	c, err := New(Options{Addr: "127.0.0.1:0", TimeScale: 60, ClockEnv: func(scale float64, origin time.Time) []string {
		gotScale, gotOrigin = scale, origin
		return []string{"CLOCK=" + strconv.FormatFloat(scale, 'f', -1, 64)}
	}})
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, c.Close()) })
	env := map[string]string{}
	for _, kv := range c.FunctionEnv() {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	assert.Equal(t, c.Endpoint(), env["AWS_ENDPOINT_URL"])
	assert.Equal(t, "us-east-1", env["AWS_REGION"])
	assert.Equal(t, AccessKeyID, env["AWS_ACCESS_KEY_ID"])
	assert.Equal(t, "60", env["CLOCK"], "the embedder's clock entries are passed on")
	assert.Equal(t, 60.0, gotScale)
	assert.WithinDuration(t, time.Now(), gotOrigin, time.Minute, "the origin is when the clock started")

	plain := start(t, "")
	for _, kv := range plain.FunctionEnv() {
		if strings.HasPrefix(kv, "CLOCK=") {
			t.Fatalf("no ClockEnv, yet %s", kv)
		}
	}
}
