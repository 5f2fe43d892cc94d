package bench

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/greenlight/greenlight/cmd/internal/demo"
	"github.com/greenlight/greenlight/internal/notice"
	"github.com/greenlight/greenlight/internal/stackref"
)

// BenchmarkPromoteEndLatency releases the demo function as a 10 % canary
// that bakes for 30 minutes, runs `greenlight promote` mid-bake, and
// measures the time from starting the command until the promoted
// notification is in the topic's inbox. The command is the CLI of
// cmd/greenlight run as a process, as an operator runs it: its start, its
// lookup of the stack and the promote itself (the request in the lock
// record, the live alias on green, the answer to the bake's task token) are
// part of the latency.
func BenchmarkPromoteEndLatency(b *testing.B) {
	e := cloud(b)
	cli := buildCLI(b, e)
	measureLatency(b, func(ctx context.Context) (time.Duration, error) {
		arn, rec, err := e.baking(ctx)
		if err != nil {
			return 0, err
		}
		begin := time.Now()
		var notified time.Time
		if err := cli.during(ctx, func(ctx context.Context) (err error) {
			notified, err = e.notified(ctx, arn, notice.Promoted)
			return err
		}, "promote", "--function", demo.DemoFunction); err != nil {
			return 0, err
		}
		d, _, err := e.wait(ctx, arn)
		if err != nil {
			return 0, err
		}
		if d.Status != sfntypes.ExecutionStatusSucceeded {
			return 0, fmt.Errorf("release ended %s: %s %s", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
		}
		e.promoted(rec.Green)
		return notified.Sub(begin), nil
	})
}

// greenlightCLI runs the greenlight CLI against the local cloud.
type greenlightCLI struct {
	bin string
	env []string // the process environment, pointing the CLI at the cloud
}

// buildCLI builds cmd/greenlight into the benchmark's temporary folder, to
// run against e's local cloud and stack.
func buildCLI(b *testing.B, e *env) *greenlightCLI {
	b.Helper()
	bin := filepath.Join(b.TempDir(), "greenlight")
	if out, err := exec.Command("go", "build", "-o", bin, "../greenlight").CombinedOutput(); err != nil {
		b.Fatalf("build greenlight: %v\n%s", err, out)
	}
	cfg := e.local.Config()
	creds, err := cfg.Credentials.Retrieve(context.Background())
	if err != nil {
		b.Fatalf("local cloud credentials: %v", err)
	}
	return &greenlightCLI{bin: bin, env: append(os.Environ(),
		"AWS_ENDPOINT_URL="+aws.ToString(cfg.BaseEndpoint),
		"AWS_REGION="+cfg.Region,
		"AWS_ACCESS_KEY_ID="+creds.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY="+creds.SecretAccessKey,
		"AWS_SESSION_TOKEN="+creds.SessionToken,
		stackref.NameVar+"="+e.local.Stack.Name,
	)}
}

// during runs `greenlight args…` and, while it runs, wait, whose context
// ends early when the command fails. It returns the command's error, with
// its output, or else wait's.
func (c *greenlightCLI) during(ctx context.Context, wait func(context.Context) error, args ...string) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, c.bin, args...)
	cmd.Env, cmd.Stdout, cmd.Stderr = c.env, &out, &out
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start greenlight: %w", err)
	}
	exited := make(chan error, 1)
	go func() {
		err := cmd.Wait()
		if err != nil {
			err = fmt.Errorf("greenlight %s: %w\n%s", strings.Join(args, " "), err, out.Bytes())
			cancel(err)
		}
		exited <- err
	}()
	waitErr := wait(ctx)
	return cmp.Or(<-exited, waitErr)
}
