package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/greenlight/greenlight/cmd/internal/demo"
	"github.com/greenlight/greenlight/cmd/internal/follow"
)

// TestDeploysTheExactObjectVersion uploads two builds to the same key a
// moment apart. Each upload's release must deploy the bytes of its own object
// version — not whatever the key holds when the release gets to deploy.
func TestDeploysTheExactObjectVersion(t *testing.T) {
	h := newHarness(t)
	fn := functionPrefix + "exact"
	h.createFunction(t, fn) // serves v1
	manifest, err := json.Marshal(map[string]any{"strategy": "AllAtOnce", "tests": healthTest})
	if err != nil {
		t.Fatal(err)
	}
	h.put(t, "releases/"+fn+"/same.json", manifest)
	key := "releases/" + fn + "/same.zip"
	builds := map[string][]byte{} // object version → zip
	for _, v := range []string{"v2", "v1"} {
		zip := artifact(t, v)
		builds[h.put(t, key, zip)] = zip
	}

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	for objectVersion, zip := range builds {
		arn := h.executionFor(ctx, t, objectVersion)
		e := h.check(t, arn, demo.Expect{Function: fn, Blue: "1", Concurrent: true})
		for _, v := range e.Violations {
			t.Errorf("%s: invariant: %s", objectVersion, v)
		}
		if e.Status != "SUCCEEDED" {
			t.Fatalf("release of object version %s ended %s: %s %s (path %v)", objectVersion, e.Status, e.Error, e.Cause, e.Path)
		}
		out, err := h.sfn.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: &arn})
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Artifact struct {
				VersionID string `json:"versionId"`
			} `json:"artifact"`
			State struct {
				Green string `json:"green"`
			} `json:"state"`
		}
		if err := json.Unmarshal([]byte(aws.ToString(out.Output)), &doc); err != nil {
			t.Fatalf("execution output: %v", err)
		}
		if doc.Artifact.VersionID != objectVersion {
			t.Errorf("release pinned object version %s, its event named %s", doc.Artifact.VersionID, objectVersion)
		}
		conf, err := h.lambda.GetFunctionConfiguration(ctx, &awslambda.GetFunctionConfigurationInput{FunctionName: &fn, Qualifier: &doc.State.Green})
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(zip)
		if want := base64.StdEncoding.EncodeToString(sum[:]); aws.ToString(conf.CodeSha256) != want {
			t.Errorf("version %s runs code %s, the upload of object version %s was %s", doc.State.Green, aws.ToString(conf.CodeSha256), objectVersion, want)
		}
	}
}

// executionFor waits for the execution started by the upload of one object
// version.
func (h *harness) executionFor(ctx context.Context, t *testing.T, objectVersion string) string {
	t.Helper()
	for {
		p := sfn.NewListExecutionsPaginator(h.sfn, &sfn.ListExecutionsInput{StateMachineArn: &h.machine})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range page.Executions {
				d, err := h.sfn.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: e.ExecutionArn})
				if err != nil {
					t.Fatal(err)
				}
				if follow.SubjectOf(aws.ToString(d.Input)).Object.VersionID == objectVersion {
					return aws.ToString(e.ExecutionArn)
				}
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no execution started for object version %s", objectVersion)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
