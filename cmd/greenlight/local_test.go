package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"

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

// waitFor polls cond until it holds, and fails the test when it does not
// within timeout.
func waitFor(t *testing.T, timeout time.Duration, cond func() bool, format string, args ...any) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %s: "+format, append([]any{timeout}, args...)...)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// startTestCloud runs a local cloud for the test; unlike startCloud, it
// leaves the environment alone.
func startTestCloud(t *testing.T) *localcloud.Cloud {
	t.Helper()
	cloud, err := localcloud.New(localcloud.Options{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	if err := cloud.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := cloud.Close(); err != nil {
			t.Errorf("close the local cloud: %v", err)
		}
	})
	return cloud
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
	waitFor(t, 30*time.Second, func() bool { return endpointRE.MatchString(out.String()) }, "local up printed no endpoint; stderr: %s", &errOut)
	endpoint := endpointRE.FindStringSubmatch(out.String())[1]
	mustContain(t, out.String(),
		"export AWS_REGION=us-east-1\nexport AWS_DEFAULT_REGION=us-east-1\n",
		"export AWS_ACCESS_KEY_ID=test\nexport AWS_SECRET_ACCESS_KEY=test\n")
	mustContain(t, errOut.String(), "stack app CREATE_COMPLETE")

	c, err := localcloud.NewClient(endpoint, nil)
	if err != nil {
		t.Fatal(err)
	}
	clock, err := c.Clock(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if clock.Scale != 30 {
		t.Errorf("clock scale %v, want 30", clock.Scale)
	}
	stacks, err := c.Stacks(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(stacks) != 1 {
		t.Fatalf("%d stacks, want 1: %+v", len(stacks), stacks)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("local up: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("local up did not stop")
	}
	mustContain(t, errOut.String(), "local cloud stopped")
	if _, err := c.Health(t.Context()); err == nil {
		t.Error("the cloud still answers after local up stopped")
	}
	if _, err := os.Stat(filepath.Join(dir, "cloudformation", "app.json")); err != nil {
		t.Errorf("state is not kept under --dir: %v", err)
	}
}

func TestLocalCommandsAgainstARunningCloud(t *testing.T) {
	cloud := startTestCloud(t)
	t.Setenv("AWS_ENDPOINT_URL", cloud.Endpoint())
	ctx := t.Context()
	run := func(args ...string) string {
		t.Helper()
		out, _, err := runCLI(ctx, args...)
		if err != nil {
			t.Fatalf("greenlight %s: %v", strings.Join(args, " "), err)
		}
		return out
	}

	out := run("local", "deploy", "--template", appTemplate)
	mustContain(t, out, "stack app: CREATE_COMPLETE", "outputs:\n  BucketName = app-artifacts-")
	if !regexp.MustCompile(`Fn\s+AWS::Lambda::Function\s+app-Fn-`).MatchString(out) {
		t.Errorf("local deploy does not list the function:\n%s", out)
	}

	out = run("local", "deploy", "--template", appTemplate, "--stack", "app", "-o", "json")
	var st cfn.Stack
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("local deploy -o json: %v\n%s", err, out)
	}
	if st.Status != cfn.StatusUpdateComplete {
		t.Errorf("status %s after deploying again, want %s", st.Status, cfn.StatusUpdateComplete)
	}

	topic := st.Outputs["TopicArn"].Value
	if _, err := sns.NewFromConfig(cloud.AWSConfig()).Publish(ctx, &sns.PublishInput{
		TopicArn: aws.String(topic), Subject: aws.String("greenlight: orders promoted"), Message: aws.String("line one\nline two"),
	}); err != nil {
		t.Fatal(err)
	}
	out = run("local", "inbox")
	mustContain(t, out, topic+" (1 messages)", "greenlight: orders promoted\n    line one\n    line two\n")
	out = run("local", "inbox", "--topic", topic, "-o", "json")
	var inbox map[string][]struct{ Subject string }
	if err := json.Unmarshal([]byte(out), &inbox); err != nil {
		t.Fatalf("local inbox -o json: %v\n%s", err, out)
	}
	if msgs := inbox[topic]; len(msgs) != 1 || msgs[0].Subject != "greenlight: orders promoted" {
		t.Errorf("inbox of %s: %+v, want the one message", topic, msgs)
	}

	faults := []struct {
		args []string
		want string
	}{
		{[]string{"--service", "lambda", "--operation", "UpdateAlias", "--code", "TooManyRequestsException", "--status", "429", "--count", "2", "--skip", "1"},
			"lambda UpdateAlias (after 1 calls) fails with TooManyRequestsException, 2 times"},
		{[]string{"--service", "s3", "--operation", "PutObject", "--match", "releases/", "--latency", "2s", "--count", "-1"},
			"s3 PutObject matching releases/ (+2s latency)"},
		{[]string{"--service", "lambda", "--operation", "Invoke", "--function-error", "Runtime.ExitError", "--after-run", "--count", "-1"},
			"lambda Invoke ends in Runtime.ExitError after it runs, every time"},
	}
	var list strings.Builder
	for _, f := range faults {
		if got, want := run(append([]string{"local", "fault", "add"}, f.args...)...), "added: "+f.want+"\n"; got != want {
			t.Errorf("fault add %v: %q, want %q", f.args, got, want)
		}
		list.WriteString(f.want + "\n")
	}
	if got := run("local", "fault", "list"); got != list.String() {
		t.Errorf("fault list:\n%s\nwant:\n%s", got, list.String())
	}
	if n := len(cloud.Faults().Rules()); n != len(faults) {
		t.Errorf("the cloud holds %d fault rules, want %d", n, len(faults))
	}
	run("local", "fault", "reset")
	out = run("local", "fault", "list", "-o", "json")
	var rules []json.RawMessage
	if err := json.Unmarshal([]byte(out), &rules); err != nil || rules == nil || len(rules) != 0 {
		t.Errorf("fault list -o json after reset: %q (%v), want []", out, err)
	}
}

func TestLocalCommandErrors(t *testing.T) {
	cloud := startTestCloud(t)
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
			if err == nil {
				t.Fatal("no error")
			}
			if code := exitCode(err); code != tt.code {
				t.Errorf("exit %d, want %d: %v", code, tt.code, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

func TestLocalHelpHasExamples(t *testing.T) {
	out, _, err := runCLI(t.Context(), "local", "up", "--help")
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, out, "Examples:", "--time-scale")
}
