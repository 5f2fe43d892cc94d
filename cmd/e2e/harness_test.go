package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/greenlight/greenlight/cmd/internal/demo"
	"github.com/greenlight/greenlight/cmd/internal/follow"
	"github.com/greenlight/greenlight/examples"
	"github.com/greenlight/greenlight/internal/failure"
	"github.com/greenlight/greenlight/localcloud"
)

// The reliability tests release functions whose names start with this
// prefix: cdk.json's greenlight:config targets them.
const functionPrefix = "greenlight-e2e-"

// healthTest is the pre-traffic test every release of the harness runs: v1
// and v2 of examples/app pass it, v4 fails it.
var healthTest = []map[string]any{{
	"name":    "health",
	"payload": map[string]any{"path": "/health"},
	"expect":  map[string]any{"statusCode": 200, "body": "ok"},
}}

// oneStep is a short canary: half the traffic for half a minute of the
// local cloud's clock, then all of it.
var oneStep = map[string]any{"steps": []map[string]any{{"percent": 50, "bakeSeconds": 30}}}

// harness is a local cloud with the stack applied, for tests that release
// functions of their own rather than the demo's.
type harness struct {
	local   *demo.Local // nil for a cloud in a process of its own
	control *localcloud.Client
	inspect *demo.Inspector
	lambda  *awslambda.Client
	s3      *s3.Client
	sfn     *sfn.Client
	bucket  string
	machine string
}

// newHarness starts a local cloud. It skips the test when the tests run
// against AWS; without a synthesized template it skips it too, or fails it
// in CI.
func newHarness(t *testing.T) *harness {
	t.Helper()
	if os.Getenv("GREENLIGHT_E2E_AWS") == "1" {
		t.Skip("fault injection and direct state machine input need the local cloud")
	}
	tmpl := assemblyPath(t)
	l, err := demo.StartLocal(context.Background(), demo.LocalOptions{Template: tmpl, TimeScale: timeScale, Logger: logger(t)})
	if err != nil {
		t.Fatalf("start the local cloud: %v", err)
	}
	t.Cleanup(func() {
		if err := l.Close(); err != nil {
			t.Errorf("close the local cloud: %v", err)
		}
	})
	cfg := l.Config()
	return &harness{
		local:   l,
		control: l.Control,
		inspect: l.Inspector(),
		lambda:  awslambda.NewFromConfig(cfg),
		s3:      s3.NewFromConfig(cfg),
		sfn:     sfn.NewFromConfig(cfg),
		bucket:  l.Stack.Bucket,
		machine: l.Stack.StateMachineARN,
	}
}

var artifacts sync.Map // version → []byte, built once per test binary

// artifact is examples/app built as version for this machine.
func artifact(t *testing.T, version string) []byte {
	t.Helper()
	if zip, ok := artifacts.Load(version); ok {
		return zip.([]byte)
	}
	goos, goarch := demo.HostTarget()
	zip, err := examples.Artifact(context.Background(), version, goos, goarch)
	if err != nil {
		t.Fatalf("build %s: %v", version, err)
	}
	artifacts.Store(version, zip)
	return zip
}

// createFunction creates name running v1 with version 1 published and both
// aliases on it, as a previous release would have left it; it returns "1".
func (b *harness) createFunction(t *testing.T, name string) string {
	t.Helper()
	return b.createFunctionWith(t, name, artifact(t, "v1"), nil)
}

// createFunctionWith creates name running zip with env, version 1 published
// and both aliases on it; it returns "1".
func (b *harness) createFunctionWith(t *testing.T, name string, zip []byte, env map[string]string) string {
	t.Helper()
	ctx := context.Background()
	arch := lambdatypes.ArchitectureX8664
	if _, goarch := demo.HostTarget(); goarch == "arm64" {
		arch = lambdatypes.ArchitectureArm64
	}
	if _, err := b.lambda.CreateFunction(ctx, &awslambda.CreateFunctionInput{
		FunctionName:  &name,
		Role:          aws.String("arn:aws:iam::000000000000:role/greenlight-e2e"),
		Runtime:       lambdatypes.RuntimeProvidedal2023,
		Handler:       aws.String("bootstrap"),
		Code:          &lambdatypes.FunctionCode{ZipFile: zip},
		Environment:   &lambdatypes.Environment{Variables: env},
		Timeout:       aws.Int32(10),
		Architectures: []lambdatypes.Architecture{arch},
	}); err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	w := awslambda.NewFunctionActiveV2Waiter(b.lambda)
	if err := w.Wait(ctx, &awslambda.GetFunctionInput{FunctionName: &name}, time.Minute); err != nil {
		t.Fatalf("wait for %s: %v", name, err)
	}
	pub, err := b.lambda.PublishVersion(ctx, &awslambda.PublishVersionInput{FunctionName: &name})
	if err != nil {
		t.Fatalf("publish %s: %v", name, err)
	}
	for _, alias := range []string{"live", "green"} {
		if _, err := b.lambda.CreateAlias(ctx, &awslambda.CreateAliasInput{FunctionName: &name, Name: aws.String(alias), FunctionVersion: pub.Version}); err != nil {
			t.Fatalf("create alias %s of %s: %v", alias, name, err)
		}
	}
	return aws.ToString(pub.Version)
}

// alias is an alias's version and revision, "" when it does not exist.
func (b *harness) alias(t *testing.T, fn, name string) (version, revision string) {
	t.Helper()
	out, err := b.lambda.GetAlias(context.Background(), &awslambda.GetAliasInput{FunctionName: &fn, Name: &name})
	if err != nil {
		if failure.IsNotFound(err) {
			return "", ""
		}
		t.Fatalf("get alias %s of %s: %v", name, fn, err)
	}
	return aws.ToString(out.FunctionVersion), aws.ToString(out.RevisionId)
}

// put uploads body under key and returns the object's version.
func (b *harness) put(t *testing.T, key string, body []byte) string {
	t.Helper()
	out, err := b.s3.PutObject(context.Background(), &s3.PutObjectInput{Bucket: &b.bucket, Key: &key, Body: bytes.NewReader(body)})
	if err != nil {
		t.Fatalf("put s3://%s/%s: %v", b.bucket, key, err)
	}
	return aws.ToString(out.VersionId)
}

// release uploads the manifest (when not nil) and then zip under
// releases/<fn>/<build>, and returns the artifact's key.
func (b *harness) release(t *testing.T, fn, build string, zip []byte, manifest map[string]any) string {
	t.Helper()
	prefix := "releases/" + fn + "/" + build
	if manifest != nil {
		m, err := json.Marshal(manifest)
		if err != nil {
			t.Fatal(err)
		}
		b.put(t, prefix+".json", m)
	}
	key := prefix + ".zip"
	b.put(t, key, zip)
	return key
}

// start starts an execution with input directly, as the console or a
// replayed event would.
func (b *harness) start(t *testing.T, input string) string {
	t.Helper()
	out, err := b.sfn.StartExecution(context.Background(), &sfn.StartExecutionInput{StateMachineArn: &b.machine, Input: &input})
	if err != nil {
		t.Fatalf("start execution: %v", err)
	}
	return aws.ToString(out.ExecutionArn)
}

// executions waits until an execution was started for each key (an upload)
// and returns their ARNs by key.
func (b *harness) executions(ctx context.Context, keys ...string) (map[string]string, error) {
	found := map[string]string{}
	described := map[string]bool{}
	for {
		p := sfn.NewListExecutionsPaginator(b.sfn, &sfn.ListExecutionsInput{StateMachineArn: &b.machine})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, fmt.Errorf("list executions: %w", err)
			}
			for _, e := range page.Executions {
				arn := aws.ToString(e.ExecutionArn)
				if described[arn] {
					continue
				}
				d, err := b.sfn.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: &arn})
				if err != nil {
					return nil, fmt.Errorf("describe %s: %w", arn, err)
				}
				described[arn] = true
				started := follow.SubjectOf(aws.ToString(d.Input)).Object
				for _, k := range keys {
					if started.Matches(follow.Object{Bucket: b.bucket, Key: k}) {
						found[k] = arn
					}
				}
			}
		}
		if len(found) == len(keys) {
			return found, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%d of %d uploads started no execution: %w", len(keys)-len(found), len(keys), ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// execution is the execution the upload of key started.
func (b *harness) execution(t *testing.T, key string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	arns, err := b.executions(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	return arns[key]
}

// check waits for the execution to end and checks the invariant.
func (b *harness) check(t *testing.T, arn string, want demo.Expect) demo.Ending {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	e, err := b.inspect.CheckInvariant(ctx, arn, want)
	if err != nil {
		t.Fatalf("check %s: %v", arn, err)
	}
	return e
}
