package localcloud

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
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

	"github.com/greenlight/greenlight/localcloud/cfn"
	"github.com/greenlight/greenlight/localcloud/fault"
)

// equal reports got != want (compared deeply) without stopping the test.
func equal[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s = %#v, want %#v", what, got, want)
	}
}

// eventually polls cond every tick until it holds or timeout passes, and
// reports whether it held.
func eventually(timeout, tick time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(tick)
	}
}

// testLogger writes the cloud's logs to the test's output.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), nil))
}

// start runs a cloud on a free port for the test.
func start(t *testing.T, dir string) *Cloud {
	t.Helper()
	c, err := New(Options{Addr: "127.0.0.1:0", Dir: dir, TimeScale: 60, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Error(err)
		}
	})
	return c
}

func apiCode(t *testing.T, err error) string {
	t.Helper()
	var api smithy.APIError
	if !errors.As(err, &api) {
		t.Fatalf("want an API error, got %v", err)
	}
	return api.ErrorCode()
}

func TestRoutesBySigningName(t *testing.T) {
	c := start(t, "")
	ctx := t.Context()
	cfg := c.AWSConfig()

	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("routed")}); err != nil {
		t.Fatal(err)
	}
	buckets, err := s3c.ListBuckets(ctx, &s3.ListBucketsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(buckets.Buckets) != 1 {
		t.Fatalf("%d buckets, want 1", len(buckets.Buckets))
	}
	equal(t, "bucket", *buckets.Buckets[0].Name, "routed")

	_, err = lambda.NewFromConfig(cfg).GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("nope")})
	equal(t, "GetFunction error", apiCode(t, err), "ResourceNotFoundException")

	cw := cloudwatch.NewFromConfig(cfg)
	_, err = cw.PutMetricAlarm(ctx, &cloudwatch.PutMetricAlarmInput{
		AlarmName: aws.String("a"), Namespace: aws.String("n"), MetricName: aws.String("m"), Statistic: "Sum",
		Period: aws.Int32(60), EvaluationPeriods: aws.Int32(1), Threshold: aws.Float64(1), ComparisonOperator: "GreaterThanThreshold",
	})
	if err != nil {
		t.Fatal(err)
	}
	alarms, err := cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(alarms.MetricAlarms) != 1 {
		t.Errorf("%d alarms, want 1", len(alarms.MetricAlarms))
	}

	_, err = cloudformation.NewFromConfig(cfg).DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String("missing")})
	equal(t, "DescribeStacks error", apiCode(t, err), "ValidationError")
}

// TestKeysAreLiteral checks that S3 keys reach S3 as written: "..", "."
// and empty segments are parts of a key, never a path to clean, on a cloud
// that verifies signatures too (a cleaned path would break the signature).
func TestKeysAreLiteral(t *testing.T) {
	for _, verify := range []bool{false, true} {
		t.Run("verify="+strconv.FormatBool(verify), func(t *testing.T) {
			c, err := New(Options{Addr: "127.0.0.1:0", VerifySignatures: verify, SecretAccessKey: "literal-secret", ControlToken: "t"})
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Start(t.Context()); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = c.Close() })
			ctx := t.Context()
			s3c := s3.NewFromConfig(c.AWSConfig(), func(o *s3.Options) { o.UsePathStyle = true })
			if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("keys")}); err != nil {
				t.Fatal(err)
			}
			keys := []string{"releases/a/../b/x.zip", "./c", "d//e", "f/./g/"}
			for _, k := range keys {
				if _, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("keys"), Key: aws.String(k), Body: strings.NewReader(k)}); err != nil {
					t.Fatalf("put %q: %v", k, err)
				}
			}
			for _, k := range keys {
				out, err := s3c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("keys"), Key: aws.String(k)})
				if err != nil {
					t.Fatalf("get %q: %v", k, err)
				}
				var body bytes.Buffer
				_, _ = body.ReadFrom(out.Body)
				_ = out.Body.Close()
				equal(t, "body of "+k, body.String(), k)
			}
			list, err := s3c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("keys")})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, o := range list.Contents {
				got = append(got, *o.Key)
			}
			want := slices.Clone(keys)
			slices.Sort(want)
			equal(t, "keys", got, want)
		})
	}
}

func TestUnsignedRequestsGoToS3(t *testing.T) {
	c := start(t, "")
	resp, err := http.Get(c.Endpoint() + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	equal(t, "status", resp.StatusCode, http.StatusOK)
	var body bytes.Buffer
	_, _ = body.ReadFrom(resp.Body)
	if !strings.Contains(body.String(), "ListAllMyBucketsResult") {
		t.Errorf("body %s is not a ListBuckets answer", body.String())
	}
}

func TestUnknownServiceIsRefused(t *testing.T) {
	c := start(t, "")
	req, err := http.NewRequest(http.MethodPost, c.Endpoint()+"/", strings.NewReader("Action=GetCallerIdentity"))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=x")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	equal(t, "status", resp.StatusCode, http.StatusBadRequest)
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
			if err != nil {
				t.Fatal(err)
			}
			if tt.auth != "" {
				r.Header.Set("Authorization", tt.auth)
			}
			equal(t, "signingService", signingService(r), tt.want)
		})
	}
}

func doJSON(t *testing.T, method, url string, body any, out any) int {
	t.Helper()
	var rd bytes.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = *bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, &rd)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil && resp.StatusCode != http.StatusNoContent {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatalf("%s %s: decode the answer: %v", method, url, err)
		}
	}
	return resp.StatusCode
}

func TestControlEndpoints(t *testing.T) {
	c := start(t, "")
	base := c.Endpoint() + ControlPrefix

	var h Health
	equal(t, "GET health", doJSON(t, "GET", base+"health", nil, &h), http.StatusOK)
	equal(t, "health status", h.Status, "ok")
	if !slices.Contains(h.Services, "lambda") {
		t.Errorf("services %v do not include lambda", h.Services)
	}

	var cs ClockState
	equal(t, "GET clock", doJSON(t, "GET", base+"clock", nil, &cs), http.StatusOK)
	equal(t, "clock scale", cs.Scale, 60.0)
	if d := time.Since(cs.Now).Abs(); d > time.Hour {
		t.Errorf("clock says %v, %v away from now", cs.Now, d)
	}

	rule := fault.Rule{Service: "lambda", Operation: "GetFunction", Match: "flaky", Code: "TooManyRequestsException", Status: 429, Count: 1}
	equal(t, "POST faults", doJSON(t, "POST", base+"faults", rule, nil), http.StatusCreated)
	var rules []fault.Rule
	equal(t, "GET faults", doJSON(t, "GET", base+"faults", nil, &rules), http.StatusOK)
	equal(t, "rules", rules, []fault.Rule{rule})

	fn := lambda.NewFromConfig(c.AWSConfig(), func(o *lambda.Options) { o.RetryMaxAttempts = 1 })
	_, err := fn.GetFunction(t.Context(), &lambda.GetFunctionInput{FunctionName: aws.String("flaky")})
	equal(t, "first GetFunction error", apiCode(t, err), "TooManyRequestsException")
	_, err = fn.GetFunction(t.Context(), &lambda.GetFunctionInput{FunctionName: aws.String("flaky")})
	equal(t, "second GetFunction error (the fault fired once)", apiCode(t, err), "ResourceNotFoundException")

	equal(t, "DELETE faults", doJSON(t, "DELETE", base+"faults", nil, nil), http.StatusNoContent)
	if rules := c.Faults().Rules(); len(rules) != 0 {
		t.Errorf("rules after DELETE = %v, want none", rules)
	}

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
			equal(t, "POST faults", doJSON(t, "POST", base+"faults", tt.body, &e), http.StatusBadRequest)
			if e.Error == "" {
				t.Error("the refusal gives no reason")
			}
		})
	}

	var e ErrorBody
	equal(t, "GET nothing", doJSON(t, "GET", base+"nothing", nil, &e), http.StatusNotFound)
	equal(t, "POST stacks with a relative path", doJSON(t, "POST", base+"stacks", DeployRequest{Template: "relative.json"}, &e), http.StatusBadRequest)
}

func deployApp(t *testing.T, c *Cloud) *cfn.Stack {
	t.Helper()
	path, err := filepath.Abs("testdata/assembly/app.template.json")
	if err != nil {
		t.Fatal(err)
	}
	var raw json.RawMessage
	if code := doJSON(t, "POST", c.Endpoint()+ControlPrefix+"stacks", DeployRequest{Template: path}, &raw); code != http.StatusOK {
		t.Fatalf("deploy: %d %s", code, raw)
	}
	var st cfn.Stack
	if err := json.Unmarshal(raw, &st); err != nil {
		t.Fatal(err)
	}
	return &st
}

func TestDeployAndDescribeStack(t *testing.T) {
	c := start(t, "")
	ctx := t.Context()
	st := deployApp(t, c)
	equal(t, "stack name", st.Name, "app")
	equal(t, "stack status", st.Status, cfn.StatusCreateComplete)

	cfg := c.AWSConfig()
	fn, err := lambda.NewFromConfig(cfg).GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(st.Resources["Fn"].PhysicalID)})
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "BUCKET", fn.Configuration.Environment.Variables["BUCKET"], st.Outputs["BucketName"].Value)
	alarms, err := cloudwatch.NewFromConfig(cfg).DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{"app-errors"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(alarms.MetricAlarms) != 1 {
		t.Errorf("%d alarms, want 1", len(alarms.MetricAlarms))
	}

	cf := cloudformation.NewFromConfig(cfg)
	out, err := cf.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String("app")})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Stacks) != 1 {
		t.Fatalf("%d stacks, want 1", len(out.Stacks))
	}
	equal(t, "described status", string(out.Stacks[0].StackStatus), "CREATE_COMPLETE")
	equal(t, "described id", *out.Stacks[0].StackId, st.ID)
	outputs := map[string]string{}
	for _, o := range out.Stacks[0].Outputs {
		outputs[*o.OutputKey] = *o.OutputValue
	}
	equal(t, "described outputs", outputs, map[string]string{
		"BucketName":      st.Outputs["BucketName"].Value,
		"FunctionArn":     st.Outputs["FunctionArn"].Value,
		"TopicArn":        st.Outputs["TopicArn"].Value,
		"StateMachineArn": st.Outputs["StateMachineArn"].Value,
	})

	machines := sfn.NewFromConfig(cfg)
	started, err := machines.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(st.Outputs["StateMachineArn"].Value)})
	if err != nil {
		t.Fatal(err)
	}
	var done *sfn.DescribeExecutionOutput
	if !eventually(10*time.Second, 20*time.Millisecond, func() bool {
		done, err = machines.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: started.ExecutionArn})
		return err == nil && done.Status != sfntypes.ExecutionStatusRunning
	}) {
		t.Fatalf("the execution did not end: %+v, %v", done, err)
	}
	if done.Status != sfntypes.ExecutionStatusSucceeded {
		t.Fatalf("execution status = %s, want SUCCEEDED", done.Status)
	}
	var gotOut, wantOut any
	_ = json.Unmarshal([]byte(*done.Output), &gotOut)
	_ = json.Unmarshal([]byte(`{"bucket":"`+st.Outputs["BucketName"].Value+`","function":"`+st.Outputs["FunctionArn"].Value+`"}`), &wantOut)
	equal(t, "execution output (the definition got its substitutions and Fn::Join)", gotOut, wantOut)

	res, err := cf.ListStackResources(ctx, &cloudformation.ListStackResourcesInput{StackName: aws.String(st.ID)})
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "resources listed", len(res.StackResourceSummaries), len(st.Resources))
	for _, r := range res.StackResourceSummaries {
		equal(t, *r.LogicalResourceId, *r.PhysicalResourceId, st.Resources[*r.LogicalResourceId].PhysicalID)
	}

	again := deployApp(t, c)
	equal(t, "status after a second deploy", again.Status, cfn.StatusUpdateComplete)
	equal(t, "outputs after a second deploy", again.Outputs, st.Outputs)
}

func TestStatePersistsAcrossRestarts(t *testing.T) {
	dir := t.TempDir()
	c, err := New(Options{Addr: "127.0.0.1:0", Dir: dir, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	st := deployApp(t, c)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("Close is idempotent, yet the second one said %v", err)
	}
	if _, err := http.Get(c.Endpoint() + ControlPrefix + "health"); err == nil {
		t.Fatal("the listener is still open")
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	folders := []string{"cloudformation", "cloudwatch", "events", "lambda", "s3", "sns", "states"}
	for _, e := range entries {
		if e.Name() == clockFile && !e.IsDir() {
			continue
		}
		if !e.IsDir() || !slices.Contains(folders, e.Name()) {
			t.Errorf("%s in the state folder; want only the services' folders %v and %s", e.Name(), folders, clockFile)
		}
	}

	c2 := start(t, dir)
	ctx := t.Context()
	cfg := c2.AWSConfig()
	got, err := c2.Stacks().Get("app")
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "outputs", got.Outputs, st.Outputs)
	if _, err := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }).HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(st.Outputs["BucketName"].Value)}); err != nil {
		t.Fatal(err)
	}
	if _, err := lambda.NewFromConfig(cfg).GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(st.Resources["Fn"].PhysicalID)}); err != nil {
		t.Fatal(err)
	}
	out, err := cloudformation.NewFromConfig(cfg).DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String("app")})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Stacks) != 1 {
		t.Errorf("%d stacks, want 1", len(out.Stacks))
	}
}

func TestCloseWithoutStart(t *testing.T) {
	c, err := New(Options{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	addr := strings.TrimPrefix(c.Endpoint(), "http://")
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := New(Options{Addr: addr})
	if err != nil {
		t.Fatalf("the port is not free again: %v", err)
	}
	if err := again.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := again.Start(t.Context()); err == nil {
		t.Error("a cloud starts once, yet a second Start succeeded")
	}
	if err := again.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestFunctionEnv(t *testing.T) {
	var gotScale float64
	var gotOrigin time.Time
	c, err := New(Options{Addr: "127.0.0.1:0", TimeScale: 60, ClockEnv: func(scale float64, origin time.Time) []string {
		gotScale, gotOrigin = scale, origin
		return []string{"CLOCK=" + strconv.FormatFloat(scale, 'f', -1, 64)}
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Error(err)
		}
	})
	env := map[string]string{}
	for _, kv := range c.FunctionEnv() {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	equal(t, "AWS_ENDPOINT_URL", env["AWS_ENDPOINT_URL"], c.Endpoint())
	equal(t, "AWS_REGION", env["AWS_REGION"], "us-east-1")
	equal(t, "AWS_ACCESS_KEY_ID", env["AWS_ACCESS_KEY_ID"], AccessKeyID)
	equal(t, "CLOCK (the embedder's clock entries are passed on)", env["CLOCK"], "60")
	equal(t, "scale", gotScale, 60.0)
	if d := time.Since(gotOrigin).Abs(); d > time.Minute {
		t.Errorf("the origin is when the clock started, yet it is %v away", d)
	}

	plain := start(t, "")
	for _, kv := range plain.FunctionEnv() {
		if strings.HasPrefix(kv, "CLOCK=") {
			t.Fatalf("no ClockEnv, yet %s", kv)
		}
	}
}
