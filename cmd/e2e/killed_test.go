package e2e

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/greenlight/greenlight/cmd/internal/demo"
	"github.com/greenlight/greenlight/internal/stackref"
	"github.com/greenlight/greenlight/localcloud"
)

// upCloud is `greenlight local up` run as a process of its own, with its
// state in a folder and on a fixed port, so that it can be killed with
// SIGKILL (everything not on disk is lost, its function processes die with
// it) and started again where it was, at the same endpoint.
type upCloud struct {
	bin, dir, template string
	port               int
	cmd                *exec.Cmd
	out                *lockedBuffer
}

// lockedBuffer collects a process's output while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *lockedBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *lockedBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// startUpCloud runs `greenlight local up` with the stack applied on a free
// port and a fresh folder.
func startUpCloud(t *testing.T) *upCloud {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	template, err := filepath.Abs(assemblyPath(t))
	if err != nil {
		t.Fatal(err)
	}
	u := &upCloud{bin: greenlightBin(t), dir: t.TempDir(), template: template, port: port}
	t.Cleanup(func() {
		if u.cmd != nil {
			_ = u.cmd.Process.Kill()
			_ = u.cmd.Wait()
		}
	})
	u.start(t, u.template)
	return u
}

func (u *upCloud) endpoint() string { return "http://127.0.0.1:" + strconv.Itoa(u.port) }

// start runs the process on u's folder and port, applying template unless
// it is "", and waits until the cloud is ready.
func (u *upCloud) start(t *testing.T, template string) {
	t.Helper()
	u.out = &lockedBuffer{}
	u.cmd = exec.Command(u.bin, "local", "up", "--dir", u.dir, "--port", strconv.Itoa(u.port),
		"--time-scale", strconv.Itoa(timeScale), "--template", template)
	u.cmd.Env = os.Environ()
	u.cmd.Stdout, u.cmd.Stderr = u.out, u.out
	if err := u.cmd.Start(); err != nil {
		t.Fatalf("start greenlight local up: %v", err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for !bytes.Contains([]byte(u.out.String()), []byte("local cloud ready")) {
		if time.Now().After(deadline) {
			t.Fatalf("greenlight local up did not get ready:\n%s", u.out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// killAndRestart ends the process with SIGKILL, as a machine that dies would, and
// starts it again on the same folder and port.
func (u *upCloud) killAndRestart(t *testing.T) {
	t.Helper()
	if err := u.cmd.Process.Kill(); err != nil {
		t.Fatalf("kill greenlight local up: %v", err)
	}
	_ = u.cmd.Wait()
	u.start(t, "")
}

// exports reads what the process printed for the user's shell to
// export (export NAME=value lines): the credentials it accepts and, when
// it verifies signatures, its control token.
func (u *upCloud) exports(t *testing.T) map[string]string {
	t.Helper()
	vars := map[string]string{}
	for _, line := range strings.Split(u.out.String(), "\n") {
		if kv, ok := strings.CutPrefix(line, "export "); ok {
			k, v, _ := strings.Cut(kv, "=")
			vars[k] = v
		}
	}
	if vars["AWS_ACCESS_KEY_ID"] == "" || vars["AWS_SECRET_ACCESS_KEY"] == "" {
		t.Fatalf("greenlight local up printed no credentials:\n%s", u.out)
	}
	return vars
}

// harness is a harness on u: its clients reach u's endpoint, so they go on
// working across a restart.
func (u *upCloud) harness(t *testing.T) *harness {
	t.Helper()
	ctx := context.Background()
	exported := u.exports(t)
	cfg := aws.Config{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(u.endpoint()),
		Credentials:  credentials.NewStaticCredentialsProvider(exported["AWS_ACCESS_KEY_ID"], exported["AWS_SECRET_ACCESS_KEY"], ""),
	}
	st, err := stackref.Find(ctx, cloudformation.NewFromConfig(cfg), stackref.DefaultName)
	if err != nil {
		t.Fatalf("the stack of greenlight local up: %v", err)
	}
	control, err := localcloud.NewClient(u.endpoint(), nil)
	if err != nil {
		t.Fatal(err)
	}
	control = control.WithToken(exported[demo.TokenVar])
	return &harness{
		control: control,
		inspect: demo.NewInspector(cfg, st, demo.Inbox(control, st.TopicARN)),
		lambda:  awslambda.NewFromConfig(cfg),
		s3:      s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }),
		sfn:     sfn.NewFromConfig(cfg),
		bucket:  st.Bucket,
		machine: st.StateMachineARN,
	}
}

// killedIn releases a function of its own on u with the fault matrix's
// target tg, kills the local cloud while the execution is in tg's state,
// starts it again, and returns how the release ended.
func killedIn(t *testing.T, u *upCloud, b *harness, tg faultTarget) (demo.Ending, bool) {
	t.Helper()
	ctx := context.Background()
	fn := functionPrefix + "killed-" + strings.ToLower(tg.state)
	blue := b.createFunction(t, fn)
	version := "v2"
	if tg.failing {
		version = "v4"
	}
	// The state's Lambda is held back long enough to kill the cloud in it.
	if err := b.control.AddFault(ctx, holdBack(tg, fn)); err != nil {
		t.Fatal(err)
	}
	arn := b.execution(t, b.release(t, fn, "k-"+version, artifact(t, version), map[string]any{"strategy": oneStep, "tests": healthTest}))
	in := b.killWhileIn(t, u, arn, tg)
	return b.check(t, arn, demo.Expect{Function: fn, Blue: blue}), in
}

// killWhileIn kills the cloud once the execution is in the state tg names
// (whose Lambda the caller holds back) and starts it again on the same
// folder. It reports whether the kill landed in the state and the restarted
// cloud carried the state on.
func (b *harness) killWhileIn(t *testing.T, u *upCloud, arn string, tg faultTarget) bool {
	t.Helper()
	var restarted time.Time
	in := b.whenIn(t, arn, tg, func() {
		u.killAndRestart(t)
		clock, err := b.control.Clock(context.Background())
		if err != nil {
			t.Fatalf("the restarted cloud's clock: %v", err)
		}
		restarted = clock.Now
	})
	if !in {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if _, err := b.inspect.Wait(ctx, arn); err != nil {
		t.Fatalf("wait for %s: %v", arn, err)
	}
	if !b.finishedSince(t, arn, tg, restarted) {
		t.Errorf("%s finished before the cloud was killed, or never: the kill did not land in %s", tg.function, tg.state)
	}
	return true
}

// finishedSince reports whether the first invocation the execution made of
// the state's Lambda ended at since or later, by the cloud's clock: the
// state was carried on by the restarted cloud, not finished before the kill.
func (b *harness) finishedSince(t *testing.T, arn string, tg faultTarget, since time.Time) bool {
	t.Helper()
	h, err := b.sfn.GetExecutionHistory(context.Background(), &sfn.GetExecutionHistoryInput{ExecutionArn: &arn, MaxResults: 1000})
	if err != nil {
		t.Fatalf("history of %s: %v", arn, err)
	}
	scheduled := false
	for _, e := range h.Events {
		if invokes(e, tg.function) {
			scheduled = true
			continue
		}
		if scheduled && taskEnded[e.Type] {
			return !e.Timestamp.Before(since)
		}
	}
	return false
}

// taskEnded are the history events that end a Lambda invocation of a Task.
var taskEnded = map[sfntypes.HistoryEventType]bool{
	sfntypes.HistoryEventTypeLambdaFunctionSucceeded: true,
	sfntypes.HistoryEventTypeLambdaFunctionFailed:    true,
	sfntypes.HistoryEventTypeLambdaFunctionTimedOut:  true,
	sfntypes.HistoryEventTypeTaskSucceeded:           true,
	sfntypes.HistoryEventTypeTaskFailed:              true,
	sfntypes.HistoryEventTypeTaskTimedOut:            true,
}
