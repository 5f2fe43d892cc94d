package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/localcloud"
	"github.com/greenlight/greenlight/localcloud/cfn"
)

// appTemplate is a small stack (bucket, function, alarm, topic, rule, ...)
// with its code asset beside it.
var appTemplate = filepath.Join("..", "..", "localcloud", "testdata", "assembly", "app.template.json")

// syncBuffer is a bytes.Buffer that a running command writes while the test
// reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func runCLI(ctx context.Context, args ...string) (stdout, stderr string, err error) {
	var out, errOut syncBuffer
	root := newRootCmd()
	root.SetArgs(args)
	root.SetOut(&out)
	root.SetErr(&errOut)
	err = execute(ctx, root)
	return out.String(), errOut.String(), err
}

func TestLocalUpServesUntilStopped(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var out, errOut syncBuffer
	done := make(chan error, 1)
	go func() {
		root := newRootCmd()
		root.SetArgs([]string{"local", "up", "--port", "0", "--dir", dir, "--time-scale", "30", "--template", appTemplate})
		root.SetOut(&out)
		root.SetErr(&errOut)
		done <- execute(ctx, root)
	}()

	endpointRE := regexp.MustCompile(`export AWS_ENDPOINT_URL=(http://127\.0\.0\.1:\d+)\n`)
	require.Eventually(t, func() bool { return endpointRE.MatchString(out.String()) }, 30*time.Second, 20*time.Millisecond, "stderr: %s", &errOut)
	endpoint := endpointRE.FindStringSubmatch(out.String())[1]
	assert.Contains(t, out.String(), "export AWS_REGION=us-east-1\nexport AWS_DEFAULT_REGION=us-east-1\n")
	assert.Contains(t, out.String(), "export AWS_ACCESS_KEY_ID=test\nexport AWS_SECRET_ACCESS_KEY=test\n")
	assert.Contains(t, errOut.String(), "stack app CREATE_COMPLETE")

	c, err := localcloud.NewClient(endpoint, nil)
	require.NoError(t, err)
	clock, err := c.Clock(t.Context())
	require.NoError(t, err)
	assert.Equal(t, 30.0, clock.Scale)
	stacks, err := c.Stacks(t.Context())
	require.NoError(t, err)
	require.Len(t, stacks, 1)

	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(20 * time.Second):
		t.Fatal("local up did not stop")
	}
	assert.Contains(t, errOut.String(), "local cloud stopped")
	_, err = c.Health(t.Context())
	assert.Error(t, err, "the cloud is down")
	assert.FileExists(t, filepath.Join(dir, "cloudformation", "app.json"), "state is kept under --dir")
}

func TestLocalCommandsAgainstARunningCloud(t *testing.T) {
	cloud, err := localcloud.New(localcloud.Options{Addr: "127.0.0.1:0"})
	require.NoError(t, err)
	require.NoError(t, cloud.Start(t.Context()))
	t.Cleanup(func() { assert.NoError(t, cloud.Close()) })
	t.Setenv("AWS_ENDPOINT_URL", cloud.Endpoint())
	ctx := t.Context()

	out, _, err := runCLI(ctx, "local", "deploy", "--template", appTemplate)
	require.NoError(t, err)
	assert.Contains(t, out, "stack app: CREATE_COMPLETE")
	assert.Regexp(t, `Fn\s+AWS::Lambda::Function\s+app-Fn-`, out)
	assert.Contains(t, out, "outputs:\n  BucketName = app-artifacts-")

	out, _, err = runCLI(ctx, "local", "deploy", "--template", appTemplate, "--stack", "app", "-o", "json")
	require.NoError(t, err)
	var st cfn.Stack
	require.NoError(t, json.Unmarshal([]byte(out), &st))
	assert.Equal(t, cfn.StatusUpdateComplete, st.Status)

	_, err = sns.NewFromConfig(cloud.AWSConfig()).Publish(ctx, &sns.PublishInput{
		TopicArn: aws.String(st.Outputs["TopicArn"].Value), Subject: aws.String("greenlight: orders promoted"), Message: aws.String("line one\nline two"),
	})
	require.NoError(t, err)
	out, _, err = runCLI(ctx, "local", "inbox")
	require.NoError(t, err)
	assert.Contains(t, out, st.Outputs["TopicArn"].Value+" (1 messages)")
	assert.Contains(t, out, "greenlight: orders promoted\n    line one\n    line two\n")
	out, _, err = runCLI(ctx, "local", "inbox", "--topic", st.Outputs["TopicArn"].Value, "-o", "json")
	require.NoError(t, err)
	var inbox map[string][]struct{ Subject string }
	require.NoError(t, json.Unmarshal([]byte(out), &inbox))
	assert.Equal(t, "greenlight: orders promoted", inbox[st.Outputs["TopicArn"].Value][0].Subject)

	out, _, err = runCLI(ctx, "local", "fault", "add", "--service", "lambda", "--operation", "UpdateAlias", "--code", "TooManyRequestsException", "--status", "429", "--count", "2", "--skip", "1")
	require.NoError(t, err)
	assert.Equal(t, "added: lambda UpdateAlias (after 1 calls) fails with TooManyRequestsException, 2 times\n", out)
	out, _, err = runCLI(ctx, "local", "fault", "add", "--service", "s3", "--operation", "PutObject", "--match", "releases/", "--latency", "2s", "--count", "-1")
	require.NoError(t, err)
	assert.Equal(t, "added: s3 PutObject matching releases/ (+2s latency)\n", out)
	out, _, err = runCLI(ctx, "local", "fault", "add", "--service", "lambda", "--operation", "Invoke", "--function-error", "Runtime.ExitError", "--after-run", "--count", "-1")
	require.NoError(t, err)
	assert.Equal(t, "added: lambda Invoke ends in Runtime.ExitError after it runs, every time\n", out)
	out, _, err = runCLI(ctx, "local", "fault", "list")
	require.NoError(t, err)
	assert.Equal(t, "lambda UpdateAlias (after 1 calls) fails with TooManyRequestsException, 2 times\ns3 PutObject matching releases/ (+2s latency)\nlambda Invoke ends in Runtime.ExitError after it runs, every time\n", out)
	assert.Len(t, cloud.Faults().Rules(), 3)
	_, _, err = runCLI(ctx, "local", "fault", "reset")
	require.NoError(t, err)
	out, _, err = runCLI(ctx, "local", "fault", "list", "-o", "json")
	require.NoError(t, err)
	assert.JSONEq(t, "[]", out)
}

func TestLocalCommandErrors(t *testing.T) {
	cloud, err := localcloud.New(localcloud.Options{Addr: "127.0.0.1:0"})
	require.NoError(t, err)
	require.NoError(t, cloud.Start(t.Context()))
	t.Cleanup(func() { assert.NoError(t, cloud.Close()) })
	missing := filepath.Join(t.TempDir(), "missing.template.json")

	tests := []struct {
		name     string
		endpoint string
		args     []string
		code     int
		want     string
	}{
		{"no endpoint", "", []string{"local", "inbox"}, exitEnvironment, "no local cloud: set AWS_ENDPOINT_URL"},
		{"unreachable", "http://127.0.0.1:1", []string{"local", "fault", "list"}, exitEnvironment, "is `greenlight local up` running?"},
		{"bad endpoint", "localhost:4566", []string{"local", "fault", "reset"}, exitUsage, "want http://host:port"},
		{"bad port", "", []string{"local", "up", "--port", "70000"}, exitUsage, "--port 70000"},
		{"slow clock", "", []string{"local", "up", "--time-scale", "0.5"}, exitUsage, "--time-scale 0.5"},
		{"missing template for up", "", []string{"local", "up", "--ephemeral", "--template", missing}, exitNotFound, "make synth-local"},
		{"missing template for deploy", cloud.Endpoint(), []string{"local", "deploy", "--template", missing}, exitNotFound, "no such file"},
		{"bad stack name", cloud.Endpoint(), []string{"local", "deploy", "--template", appTemplate, "--stack", "9lives"}, exitUsage, `--stack "9lives"`},
		{"unknown topic", cloud.Endpoint(), []string{"local", "inbox", "--topic", "nope"}, exitNotFound, "topic"},
		{"fault without operation", cloud.Endpoint(), []string{"local", "fault", "add", "--service", "lambda", "--code", "X"}, exitUsage, "--service and --operation are required"},
		{"fault without effect", cloud.Endpoint(), []string{"local", "fault", "add", "--service", "lambda", "--operation", "Invoke"}, exitUsage, "give --code, --function-error or --latency"},
		{"fault refused", cloud.Endpoint(), []string{"local", "fault", "add", "--service", "sqs", "--operation", "SendMessage", "--code", "X"}, exitFailed, `service "sqs"`},
		{"bad output", cloud.Endpoint(), []string{"local", "fault", "list", "-o", "yaml"}, exitUsage, `--output "yaml"`},
		{"stray argument", "", []string{"local", "up", "now"}, exitUsage, `unknown command or argument "now"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("AWS_ENDPOINT_URL", tt.endpoint)
			_, _, err := runCLI(t.Context(), tt.args...)
			require.Error(t, err)
			assert.Equal(t, tt.code, exitCode(err), "%v", err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestLocalHelpHasExamples(t *testing.T) {
	out, _, err := runCLI(t.Context(), "local", "up", "--help")
	require.NoError(t, err)
	assert.True(t, strings.Contains(out, "Examples:") && strings.Contains(out, "--time-scale"), out)
}
