package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	lambdasdk "github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/greenlight/greenlight/internal/ledger"
	"github.com/greenlight/greenlight/internal/release"
	"github.com/greenlight/greenlight/localcloud"
)

// startCloud runs a local cloud for the test and points the standard AWS
// configuration at it.
func startCloud(t *testing.T) *localcloud.Cloud {
	t.Helper()
	if testing.Short() {
		t.Skip("starts the local cloud")
	}
	c, err := localcloud.New(localcloud.Options{Addr: "127.0.0.1:0", Logger: slog.New(slog.NewTextHandler(t.Output(), nil))})
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
	for _, kv := range c.FunctionEnv() {
		k, v, _ := bytes.Cut([]byte(kv), []byte("="))
		t.Setenv(string(k), string(v))
	}
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	return c
}

// cli runs a command line with the real AWS configuration.
func cli(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	root := newBareRoot()
	a := newReleaseApp(connectAWS)
	a.poll, a.findTimeout = 20*time.Millisecond, 20*time.Second
	addReleaseCommands(root, a)
	var out, errOut bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetArgs(args)
	err := execute(t.Context(), root)
	return out.String(), errOut.String(), exitCode(err)
}

func s3Client(c *localcloud.Cloud) *s3.Client {
	return s3.NewFromConfig(c.AWSConfig(), func(o *s3.Options) { o.UsePathStyle = true })
}

// createFunction creates a function with a published version 1 and a live
// alias on it.
func createFunction(t *testing.T, c *localcloud.Cloud, name string) *lambdasdk.Client {
	t.Helper()
	api := lambdasdk.NewFromConfig(c.AWSConfig())
	if _, err := api.CreateFunction(t.Context(), &lambdasdk.CreateFunctionInput{
		FunctionName: aws.String(name), Role: aws.String("arn:aws:iam::000000000000:role/app"), Runtime: "provided.al2023",
		Handler: aws.String("bootstrap"), Code: &lambdatypes.FunctionCode{ZipFile: bootstrapZip(t, "#!/bin/sh\n")}, Publish: true,
	}); err != nil {
		t.Fatal(err)
	}
	active := lambdasdk.NewFunctionActiveV2Waiter(api, func(o *lambdasdk.FunctionActiveV2WaiterOptions) {
		o.MinDelay, o.MaxDelay = 10*time.Millisecond, 100*time.Millisecond
	})
	if err := active.Wait(t.Context(), &lambdasdk.GetFunctionInput{FunctionName: aws.String(name)}, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if _, err := api.CreateAlias(t.Context(), &lambdasdk.CreateAliasInput{FunctionName: aws.String(name), Name: aws.String("live"), FunctionVersion: aws.String("1")}); err != nil {
		t.Fatal(err)
	}
	return api
}

// bootstrapZip returns a function package whose bootstrap holds script.
func bootstrapZip(t *testing.T, script string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	f, err := zw.Create("bootstrap")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte(script)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestWireWithoutWorkflow runs the commands through the real AWS SDK against
// the local cloud's CloudFormation, S3 and Lambda.
func TestWireWithoutWorkflow(t *testing.T) {
	c := startCloud(t)
	if _, errOut, code := cli(t, "status"); code != exitEnvironment {
		t.Fatalf("status before the stack exists: exit %d, want %d: %s", code, exitEnvironment, errOut)
	}
	st, err := c.Deploy(t.Context(), filepath.Join("testdata", "bucket.template.json"), "greenlight", nil)
	if err != nil {
		t.Fatal(err)
	}
	bucket := st.Outputs["ArtifactBucketName"].Value
	artifact := writeZip(t)
	if _, errOut, code := cli(t, "deploy", "-f", "orders", "-a", artifact); code != exitNotFound {
		t.Errorf("deploy of a missing function: exit %d, want %d: %s", code, exitNotFound, errOut)
	}
	api := createFunction(t, c, "orders")

	out, errOut, code := cli(t, "deploy", "-f", "orders", "-a", artifact, "--build", "7", "-s", "AllAtOnce", "-o", "json")
	if code != exitOK {
		t.Fatalf("deploy: exit %d: %s", code, errOut)
	}
	var res deployResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("deploy output is not JSON: %v\n%s", err, out)
	}
	if res.Bucket != bucket || res.Key != "releases/orders/7.zip" || res.VersionID == "" || res.ManifestKey != "releases/orders/7.json" {
		t.Errorf("deploy result %+v", res)
	}

	if _, errOut, code := cli(t, "rollback", "-f", "orders"); code != exitNotFound {
		t.Errorf("rollback without a release: exit %d, want %d: %s", code, exitNotFound, errOut)
	}
	// A canary in flight: version 2 takes 10 % of live.
	if _, err := api.UpdateFunctionCode(t.Context(), &lambdasdk.UpdateFunctionCodeInput{FunctionName: aws.String("orders"), ZipFile: bootstrapZip(t, "#!/bin/sh\n# v2\n")}); err != nil {
		t.Fatal(err)
	}
	updated := lambdasdk.NewFunctionUpdatedV2Waiter(api, func(o *lambdasdk.FunctionUpdatedV2WaiterOptions) {
		o.MinDelay, o.MaxDelay = 10*time.Millisecond, 100*time.Millisecond
	})
	if err := updated.Wait(t.Context(), &lambdasdk.GetFunctionInput{FunctionName: aws.String("orders")}, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if _, err := api.PublishVersion(t.Context(), &lambdasdk.PublishVersionInput{FunctionName: aws.String("orders")}); err != nil {
		t.Fatal(err)
	}
	if _, err := api.UpdateAlias(t.Context(), &lambdasdk.UpdateAliasInput{
		FunctionName: aws.String("orders"), Name: aws.String("live"), FunctionVersion: aws.String("1"),
		RoutingConfig: &lambdatypes.AliasRoutingConfiguration{AdditionalVersionWeights: map[string]float64{"2": 0.1}},
	}); err != nil {
		t.Fatal(err)
	}
	rec := lockRecord(release.PhaseShifting)
	rec.Blue, rec.Green = "1", "2"
	l := &ledger.Ledger{S3: s3Client(c), Bucket: bucket, Executions: sfn.NewFromConfig(c.AWSConfig())}
	if _, err := l.Acquire(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := cli(t, "rollback", "-f", "orders", "-r", "wire test"); code != exitOK {
		t.Fatalf("rollback: exit %d: %s", code, errOut)
	}
	alias, err := api.GetAlias(t.Context(), &lambdasdk.GetAliasInput{FunctionName: aws.String("orders"), Name: aws.String("live")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(alias.FunctionVersion) != "1" || alias.RoutingConfig != nil && len(alias.RoutingConfig.AdditionalVersionWeights) > 0 {
		t.Errorf("live alias after rollback: version %s, routing %+v", aws.ToString(alias.FunctionVersion), alias.RoutingConfig)
	}
	got, _, err := l.Get(context.Background(), "orders")
	if err != nil {
		t.Fatal(err)
	}
	if got.Halt == nil || got.Halt.Reason != "wire test" {
		t.Errorf("halt %+v", got.Halt)
	}
}

// TestWireWithWorkflow adds a state machine that stands in for the release
// workflow: it promotes every upload except those with "bad" in the key.
func TestWireWithWorkflow(t *testing.T) {
	c := startCloud(t)
	for _, service := range []string{"states", "events"} {
		if !serves(t, c, service) {
			t.Fatalf("the local cloud does not route %s requests", service)
		}
	}
	if _, err := c.Deploy(t.Context(), filepath.Join("testdata", "stack.template.json"), "greenlight", nil); err != nil {
		t.Fatal(err)
	}
	createFunction(t, c, "orders")
	artifact := writeZip(t)

	out, errOut, code := cli(t, "deploy", "-f", "orders", "-a", artifact, "--build", "1", "--wait", "-o", "json")
	if code != exitOK {
		t.Fatalf("deploy --wait: exit %d: %s%s", code, out, errOut)
	}
	var res deployResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("deploy output is not JSON: %v\n%s", err, out)
	}
	if res.Release == nil || res.Release.Outcome != outcomePromoted {
		t.Errorf("release %+v", res.Release)
	}
	if _, errOut, code := cli(t, "deploy", "-f", "orders", "-a", artifact, "--build", "2-bad", "--wait"); code != exitFailed {
		t.Errorf("deploy of a bad build: exit %d, want %d: %s", code, exitFailed, errOut)
	}
	out, errOut, code = cli(t, "history", "-f", "orders", "-o", "json")
	if code != exitOK {
		t.Fatalf("history: exit %d: %s", code, errOut)
	}
	var reports []releaseReport
	if err := json.Unmarshal([]byte(out), &reports); err != nil {
		t.Fatalf("history output is not JSON: %v\n%s", err, out)
	}
	if len(reports) != 2 || reports[0].Outcome != outcomeRolledBack || reports[1].Outcome != outcomePromoted {
		t.Errorf("history %+v", reports)
	}
	if _, errOut, code := cli(t, "status", "-f", "orders"); code != exitOK {
		t.Errorf("status: exit %d: %s", code, errOut)
	}
}

// serves reports whether the cloud routes requests for a service.
func serves(t *testing.T, c *localcloud.Cloud, service string) bool {
	t.Helper()
	resp, err := http.Get(c.Endpoint() + localcloud.ControlPrefix + "health")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var h localcloud.Health
	if err := json.NewDecoder(resp.Body).Decode(&h); err != nil {
		t.Fatal(err)
	}
	return slices.Contains(h.Services, service)
}
