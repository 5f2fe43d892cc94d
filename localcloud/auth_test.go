package localcloud

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/greenlight/greenlight/localcloud/internal/testenv"
)

const (
	testKeyID  = "LOCALKEY"
	testSecret = "local-secret-0123456789"
	testToken  = "control-token"
)

// startVerifying runs a cloud that verifies signatures made with
// testKeyID/testSecret and wants testToken on its control endpoints.
func startVerifying(t *testing.T) *Cloud {
	t.Helper()
	c, err := New(Options{Addr: "127.0.0.1:0", Logger: testLogger(t), AccessKeyID: testKeyID, SecretAccessKey: testSecret,
		VerifySignatures: true, ControlToken: testToken})
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

// httpStatus is the HTTP status of an SDK error's response; 0 without one.
func httpStatus(err error) int {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

func TestVerifySignaturesJSONAndQuery(t *testing.T) {
	c := startVerifying(t)
	good := c.AWSConfig()
	with := func(key, secret, region string) aws.Config {
		cfg := good.Copy()
		cfg.Credentials = credentials.NewStaticCredentialsProvider(key, secret, "")
		cfg.Region = region
		cfg.RetryMaxAttempts = 1
		return cfg
	}
	calls := map[string]func(aws.Config) error{
		"states (awsJson1.0)": func(cfg aws.Config) error {
			_, err := sfn.NewFromConfig(cfg).ListStateMachines(t.Context(), &sfn.ListStateMachinesInput{})
			return err
		},
		"lambda (restJson1)": func(cfg aws.Config) error {
			_, err := lambda.NewFromConfig(cfg).ListFunctions(t.Context(), &lambda.ListFunctionsInput{})
			return err
		},
		"sns (query)": func(cfg aws.Config) error {
			_, err := sns.NewFromConfig(cfg).ListTopics(t.Context(), &sns.ListTopicsInput{})
			return err
		},
		"monitoring": func(cfg aws.Config) error {
			_, err := cloudwatch.NewFromConfig(cfg).DescribeAlarms(t.Context(), &cloudwatch.DescribeAlarmsInput{})
			return err
		},
	}
	tests := []struct {
		name      string
		cfg       aws.Config
		wantJSON  string // the code the JSON protocols answer; "" for success
		wantQuery string // the code the query protocol answers
	}{
		{"right credentials", with(testKeyID, testSecret, "us-east-1"), "", ""},
		{"wrong secret", with(testKeyID, "wrong", "us-east-1"), "InvalidSignatureException", "SignatureDoesNotMatch"},
		{"unknown access key", with("OTHER", testSecret, "us-east-1"), "UnrecognizedClientException", "InvalidClientTokenId"},
		{"wrong region", with(testKeyID, testSecret, "eu-west-1"), "InvalidSignatureException", "SignatureDoesNotMatch"},
	}
	for _, tt := range tests {
		for name, call := range calls {
			t.Run(tt.name+"/"+name, func(t *testing.T) {
				err := call(tt.cfg)
				want := tt.wantJSON
				if name == "sns (query)" {
					want = tt.wantQuery
				}
				if want == "" {
					if err != nil {
						t.Fatalf("want success, got %v", err)
					}
					return
				}
				if err == nil {
					t.Fatalf("want %s, got success", want)
				}
				if got := apiCode(t, err); got != want && !(name == "monitoring" && got == tt.wantQuery) {
					t.Errorf("code = %s, want %s (%v)", got, want, err)
				}
				equal(t, "status", httpStatus(err), http.StatusForbidden)
			})
		}
	}
}

func TestVerifySignaturesUnsigned(t *testing.T) {
	c := startVerifying(t)
	tests := []struct {
		name, method, path, contentType, target string
		wantStatus                              int
		wantCode                                string
	}{
		{"S3 GET", http.MethodGet, "/", "", "", http.StatusForbidden, "<Code>AccessDenied</Code>"},
		{"awsJson", http.MethodPost, "/", "application/x-amz-json-1.0", "AWSStepFunctions.ListStateMachines", http.StatusForbidden,
			`"__type":"MissingAuthenticationTokenException"`},
		{"query", http.MethodPost, "/", "application/x-www-form-urlencoded", "", http.StatusForbidden,
			"<Code>MissingAuthenticationToken</Code>"},
		{"bad Authorization", http.MethodGet, "/", "", "", http.StatusBadRequest, "<Code>AuthorizationHeaderMalformed</Code>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(t.Context(), tt.method, c.Endpoint()+tt.path, strings.NewReader("{}"))
			if err != nil {
				t.Fatal(err)
			}
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			if tt.target != "" {
				req.Header.Set("X-Amz-Target", tt.target)
			}
			if tt.name == "bad Authorization" {
				req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+testKeyID+"/20250101/us-east-1/s3/aws4_request")
				req.Header.Set("X-Amz-Date", time.Now().UTC().Format("20060102T150405Z"))
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			equal(t, "status", resp.StatusCode, tt.wantStatus)
			if !strings.Contains(string(body), tt.wantCode) {
				t.Errorf("body %s does not contain %s", body, tt.wantCode)
			}
		})
	}
}

func TestVerifySignaturesS3(t *testing.T) {
	c := startVerifying(t)
	ctx := t.Context()
	client := s3.NewFromConfig(c.AWSConfig(), func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("signed")}); err != nil {
		t.Fatal(err)
	}
	// Large enough for the SDK to stream it (aws-chunked with a trailing
	// checksum when it does so), and a multipart-sized part.
	large := bytes.Repeat([]byte("greenlight"), 2<<20)
	for _, body := range [][]byte{[]byte("small"), large} {
		_, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("signed"), Key: aws.String("k"), Body: bytes.NewReader(body)})
		if err != nil {
			t.Fatalf("PutObject of %d bytes: %v", len(body), err)
		}
	}
	wrong := s3.NewFromConfig(c.AWSConfig(), func(o *s3.Options) {
		o.UsePathStyle = true
		o.Credentials = credentials.NewStaticCredentialsProvider(testKeyID, "wrong", "")
		o.RetryMaxAttempts = 1
	})
	_, err := wrong.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("signed"), Key: aws.String("k"), Body: bytes.NewReader(large)})
	if err == nil || apiCode(t, err) != "SignatureDoesNotMatch" || httpStatus(err) != http.StatusForbidden {
		t.Errorf("PutObject with the wrong secret: %v, want SignatureDoesNotMatch (403)", err)
	}

	presigned, err := s3.NewPresignClient(client).PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("signed"), Key: aws.String("k")},
		s3.WithPresignExpires(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	tampered, _ := url.Parse(presigned.URL)
	tampered.Path = "/signed/other"
	tests := []struct {
		name       string
		url        string
		later      time.Duration // how far the wall clock moved on after presigning
		wantStatus int
		wantCode   string
	}{
		{"good", presigned.URL, 0, http.StatusOK, ""},
		{"expired", presigned.URL, 2 * time.Minute, http.StatusForbidden, "<Code>AccessDenied</Code><Message>Request has expired</Message>"},
		{"tampered", tampered.String(), 0, http.StatusForbidden, "<Code>SignatureDoesNotMatch</Code>"},
	}
	for _, tt := range tests {
		t.Run("presigned GET "+tt.name, func(t *testing.T) {
			c.verifier.Now = func() time.Time { return time.Now().Add(tt.later) }
			defer func() { c.verifier.Now = nil }()
			resp, err := http.Get(tt.url)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			equal(t, "status", resp.StatusCode, tt.wantStatus)
			if tt.wantCode == "" && !bytes.Equal(body, large) {
				t.Errorf("GET returned %d bytes, want the %d put", len(body), len(large))
			}
			if !strings.Contains(string(body), tt.wantCode) {
				t.Errorf("body %s does not contain %s", body, tt.wantCode)
			}
		})
	}
}

func TestControlToken(t *testing.T) {
	c := startVerifying(t)
	bare, err := NewClient(c.Endpoint(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bare.Health(t.Context()); err != nil {
		t.Errorf("health without the token: %v", err)
	}
	var ce *ControlError
	if _, err := bare.Faults(t.Context()); !errors.As(err, &ce) || ce.Status != http.StatusUnauthorized {
		t.Errorf("faults without the token: %v, want HTTP 401", err)
	}
	if _, err := bare.WithToken("wrong").Inboxes(t.Context()); !errors.As(err, &ce) || ce.Status != http.StatusUnauthorized {
		t.Errorf("inbox with a wrong token: %v, want HTTP 401", err)
	}
	if _, err := bare.WithToken(testToken).Faults(t.Context()); err != nil {
		t.Errorf("faults with the token: %v", err)
	}
}

// TestVerifySignaturesAWSCLI drives a verifying cloud with the AWS CLI:
// with the right secret `aws s3 cp` of 20 MB (a multipart upload) and back,
// and a Lambda call; with a wrong one, the errors AWS answers.
func TestVerifySignaturesAWSCLI(t *testing.T) {
	for _, cli := range testenv.AWSCLIs(t) {
		t.Run(cli.Version, func(t *testing.T) { testVerifySignaturesAWSCLI(t, cli.Path) })
	}
}

func testVerifySignaturesAWSCLI(t *testing.T, cli string) {
	c := startVerifying(t)
	dir := t.TempDir()
	run := func(secret string, args ...string) (string, error) {
		cmd := exec.Command(cli, append([]string{"--endpoint-url", c.Endpoint(), "--region", "us-east-1"}, args...)...)
		cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID="+testKeyID, "AWS_SECRET_ACCESS_KEY="+secret, "AWS_CONFIG_FILE=/dev/null",
			"AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_PAGER=", "AWS_MAX_ATTEMPTS=1")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	must := func(args ...string) {
		t.Helper()
		if out, err := run(testSecret, args...); err != nil {
			t.Fatalf("aws %v: %v\n%s", args, err, out)
		}
	}
	data := bytes.Repeat([]byte("0123456789abcdef"), 20<<20/16)
	src, back := filepath.Join(dir, "20mb.zip"), filepath.Join(dir, "back.zip")
	if err := os.WriteFile(src, data, 0o644); err != nil {
		t.Fatal(err)
	}
	must("s3", "mb", "s3://artifacts")
	must("s3", "cp", src, "s3://artifacts/20mb.zip")
	must("s3", "cp", "s3://artifacts/20mb.zip", back)
	if got, _ := os.ReadFile(back); !bytes.Equal(got, data) {
		t.Errorf("downloaded %d bytes that differ from the %d uploaded", len(got), len(data))
	}
	must("lambda", "list-functions")
	must("sns", "list-topics")

	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"s3", "cp", src, "s3://artifacts/wrong.zip"}, "SignatureDoesNotMatch"},
		{[]string{"s3api", "list-buckets"}, "SignatureDoesNotMatch"},
		{[]string{"lambda", "list-functions"}, "InvalidSignatureException"},
		{[]string{"sns", "list-topics"}, "SignatureDoesNotMatch"},
	} {
		out, err := run("wrong", tt.args...)
		if err == nil || !strings.Contains(out, tt.want) {
			t.Errorf("aws %v with a wrong secret: %v, want %s in\n%s", tt.args, err, tt.want, out)
		}
	}
}
