// Package e2e holds greenlight's end-to-end tests. They release the demo
// function through a deployed greenlight stack the way a user does (upload an
// artifact, watch the execution, call the live alias) and check what a user
// checks. By default they run against an in-process local cloud with the
// synthesized template applied (make e2e builds and synthesizes it first);
// with GREENLIGHT_E2E_AWS=1 the same tests run against the stack deployed in
// the AWS account of the current credentials.
package e2e

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"

	"github.com/greenlight/greenlight/cmd/internal/demo"
	"github.com/greenlight/greenlight/cmd/internal/testenv"
	"github.com/greenlight/greenlight/internal/stackref"
)

// timeScale runs the local cloud's clock fast enough that a five-minute
// canary bake takes five seconds.
const timeScale = 60

// target is where the stories run.
type target struct {
	runner *demo.Runner
	local  *demo.Local // nil on AWS
}

// assemblyPath is the cloud assembly `make synth-local` writes, or
// $GREENLIGHT_TEMPLATE. Without one the test is skipped, or fails in CI.
func assemblyPath(t *testing.T) string {
	t.Helper()
	p := os.Getenv("GREENLIGHT_TEMPLATE")
	if p == "" {
		p = filepath.Join("..", "..", "cdk.out")
	}
	return testenv.Assembly(t, p)
}

// newTarget starts a local cloud with the stack applied, or connects to AWS
// when GREENLIGHT_E2E_AWS=1.
func newTarget(t *testing.T) *target { return newTargetAt(t, timeScale) }

// newTargetAt is newTarget with the local cloud's clock running scale times
// faster than real time.
func newTargetAt(t *testing.T, scale float64) *target {
	t.Helper()
	ctx := context.Background()
	if os.Getenv("GREENLIGHT_E2E_AWS") == "1" {
		cfg, err := config.LoadDefaultConfig(ctx)
		if err != nil {
			t.Fatalf("GREENLIGHT_E2E_AWS=1 but no AWS configuration: %v", err)
		}
		if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
			t.Fatalf("GREENLIGHT_E2E_AWS=1 but no AWS credentials: %v", err)
		}
		st, err := stackref.Find(ctx, cloudformation.NewFromConfig(cfg), stackref.NameFromEnv(os.Getenv))
		if err != nil {
			t.Fatalf("find the deployed stack: %v (run make deploy first)", err)
		}
		r := demo.NewRunner(cfg, st, "linux", "arm64")
		r.RoleARN = os.Getenv("GREENLIGHT_DEMO_ROLE_ARN")
		r.Timeout = 45 * time.Minute // real bakes take real minutes
		return &target{runner: r}
	}
	tmpl := assemblyPath(t)
	l, err := demo.StartLocal(ctx, demo.LocalOptions{Template: tmpl, TimeScale: scale, Logger: logger(t)})
	if err != nil {
		t.Fatalf("start the local cloud: %v", err)
	}
	t.Cleanup(func() {
		if err := l.Close(); err != nil {
			t.Errorf("close the local cloud: %v", err)
		}
	})
	r := l.Runner()
	r.Timeout = 2 * time.Minute
	return &target{runner: r, local: l}
}

// logger keeps the local cloud's logs in the test's output when
// GREENLIGHT_E2E_LOGS is set (-v shows them).
func logger(t *testing.T) *slog.Logger {
	if os.Getenv("GREENLIGHT_E2E_LOGS") == "" {
		return nil
	}
	return slog.New(slog.NewTextHandler(t.Output(), nil))
}

// TestReleaseStory runs the demo's stories of one function in order against
// one stack: each release starts from what the previous one left live.
func TestReleaseStory(t *testing.T) {
	runStories(t, newTarget(t), demo.Stories())
}

// TestGroupStory runs the demo's group stories in order against one stack:
// the shop's api and worker released as one, promoted through the whole new
// stack beside the old one, and rolled back as one by the worker's alarm.
func TestGroupStory(t *testing.T) {
	runStories(t, newTarget(t), demo.GroupStories())
}

// runStories runs stories in order on tg, each a subtest that fails on
// every check that did not hold; it stops at the first story that failed,
// since later ones build on it.
func runStories(t *testing.T, tg *target, stories []demo.Story) {
	t.Helper()
	for _, story := range stories {
		ok := t.Run(story.Name, func(t *testing.T) {
			tg.runner.Out = testWriter{t}
			res, err := tg.runner.Run(context.Background(), story)
			if err != nil {
				t.Fatalf("run %s: %v", story.Name, err)
			}
			demo.WriteResult(testWriter{t}, res)
			for _, c := range res.Checks {
				if !c.OK {
					t.Errorf("%s: %s", c.Name, c.Detail)
				}
			}
		})
		if !ok {
			break // later stories build on this one
		}
	}
}

// testWriter sends the timeline to the test log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}
