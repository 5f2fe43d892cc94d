package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/greenlight/greenlight/cmd/internal/demo"
	"github.com/greenlight/greenlight/cmd/internal/follow"
	"github.com/greenlight/greenlight/cmd/internal/testenv"
	"github.com/greenlight/greenlight/examples"
	"github.com/greenlight/greenlight/internal/ledger"
	"github.com/greenlight/greenlight/internal/notice"
)

var (
	templateFlag = flag.String("template", "", "synthesized cloud assembly to apply (default: cdk.out at the module root)")
	timeScale    = flag.Float64("timescale", 60, "how much faster than real time the local cloud's clock runs")
)

// env is one local cloud with the greenlight stack applied and the demo
// function released once, shared by the benchmarks of this package.
type env struct {
	local      *demo.Local
	lambda     *awslambda.Client
	s3         *s3.Client
	sfn        *sfn.Client
	cloudwatch *cloudwatch.Client
	book       *ledger.Ledger    // the lock records
	zips       map[string][]byte // demo artifacts by version
	scale      float64
	blue       string // the version live serves between releases
	build      string // the demo build blue runs: v1 or v2
}

// candidate is the demo build that differs from blue.
func (e *env) candidate() string {
	if e.build == "v1" {
		return "v2"
	}
	return "v1"
}

var (
	shared    *env
	sharedErr error
	once      sync.Once
)

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if shared != nil {
		_ = shared.local.Close()
	}
	os.Exit(code)
}

// cloud returns the shared local cloud, starting it on first use. Without a
// synthesized stack the benchmark is skipped, or fails in CI.
func cloud(b *testing.B) *env {
	b.Helper()
	tmpl := *templateFlag
	if tmpl == "" {
		tmpl = filepath.Join("..", "..", "cdk.out")
	}
	tmpl = testenv.Assembly(b, tmpl)
	once.Do(func() { shared, sharedErr = start(tmpl, *timeScale) })
	if sharedErr != nil {
		b.Fatal(sharedErr)
	}
	return shared
}

func start(tmpl string, scale float64) (*env, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	l, err := demo.StartLocal(ctx, demo.LocalOptions{Template: tmpl, TimeScale: scale})
	if err != nil {
		return nil, err
	}
	cfg := l.Config()
	e := &env{
		local:      l,
		lambda:     awslambda.NewFromConfig(cfg),
		s3:         s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }),
		sfn:        sfn.NewFromConfig(cfg),
		cloudwatch: cloudwatch.NewFromConfig(cfg),
		zips:       map[string][]byte{},
		scale:      scale,
	}
	e.book = &ledger.Ledger{S3: e.s3, Bucket: l.Stack.Bucket}
	goos, goarch := demo.HostTarget()
	for _, v := range []string{"v1", "v2"} {
		if e.zips[v], err = examples.Artifact(ctx, v, goos, goarch); err != nil {
			_ = l.Close()
			return nil, err
		}
	}
	// The first release creates the live alias, so that every measured
	// release has a blue version to shift from and return to.
	res, err := l.Runner().Run(ctx, demo.Story{Name: "first release", Version: "v1", Strategy: "AllAtOnce", Want: demo.Promoted})
	if err != nil {
		_ = l.Close()
		return nil, err
	}
	if res.Outcome != demo.Promoted {
		_ = l.Close()
		return nil, fmt.Errorf("first release ended %s (%s %s)", res.Outcome, res.Error, res.Cause)
	}
	e.blue, e.build = res.LiveVersion, "v1"
	return e, nil
}

// release uploads version of the demo function with the given strategy (a
// preset name or a JSON object) and returns the started execution's ARN and
// the cloud's time just before the artifact upload.
func (e *env) release(ctx context.Context, version string, strategy any) (string, time.Time, error) {
	var suffix [4]byte
	_, _ = rand.Read(suffix[:])
	prefix := "releases/" + demo.DemoFunction + "/" + version + "-" + hex.EncodeToString(suffix[:])
	manifest, err := json.Marshal(map[string]any{"strategy": strategy})
	if err != nil {
		return "", time.Time{}, err
	}
	bucket := e.local.Stack.Bucket
	if _, err := e.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: aws.String(prefix + ".json"), Body: strings.NewReader(string(manifest))}); err != nil {
		return "", time.Time{}, fmt.Errorf("upload manifest: %w", err)
	}
	key := prefix + ".zip"
	uploaded := e.local.Cloud.Clock().Now()
	put, err := e.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: &key, Body: strings.NewReader(string(e.zips[version]))})
	if err != nil {
		return "", time.Time{}, fmt.Errorf("upload artifact: %w", err)
	}
	// The executions are stamped by the cloud's clock, as uploaded is.
	obj := follow.Object{Bucket: bucket, Key: key, VersionID: aws.ToString(put.VersionId)}
	arn, err := follow.Find(ctx, e.sfn, e.local.Stack.StateMachineARN, obj, uploaded, 5*time.Millisecond)
	return arn, uploaded, err
}

// aliasState is what the live alias serves.
type aliasState struct {
	version string
	weight  float64 // the largest additional version weight
}

func (e *env) live(ctx context.Context) (aliasState, error) {
	out, err := e.lambda.GetAlias(ctx, &awslambda.GetAliasInput{FunctionName: aws.String(demo.DemoFunction), Name: aws.String("live")})
	if err != nil {
		return aliasState{}, fmt.Errorf("get alias live: %w", err)
	}
	s := aliasState{version: aws.ToString(out.FunctionVersion)}
	if out.RoutingConfig != nil {
		for _, w := range out.RoutingConfig.AdditionalVersionWeights {
			s.weight = max(s.weight, w)
		}
	}
	return s, nil
}

// servesBlue reports whether the live alias serves blue alone: the version
// it served before the release, at 100 % with the routing cleared.
func (e *env) servesBlue(s aliasState) bool { return s.version == e.blue && s.weight == 0 }

// promoted records that the release of the candidate build put green live.
func (e *env) promoted(green string) { e.blue, e.build = green, e.candidate() }

// waitAlias polls the live alias every interval until ok holds and returns
// the wall time at which it was seen to hold.
func (e *env) waitAlias(ctx context.Context, interval time.Duration, ok func(aliasState) bool) (time.Time, error) {
	var last aliasState
	seen, err := poll(ctx, interval, func() (bool, error) {
		s, err := e.live(ctx)
		if err != nil {
			return false, err
		}
		last = s
		return ok(s), nil
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("live alias: last seen %+v: %w", last, err)
	}
	return seen, nil
}

// inboxPoll is how often notified reads the notification inbox.
const inboxPoll = 2 * time.Millisecond

// notified polls the local cloud's notification inbox until it holds the
// event for the demo function's release that the execution arn runs, and
// returns the wall time at which it was seen.
func (e *env) notified(ctx context.Context, arn string, event notice.Event) (time.Time, error) {
	seen, err := poll(ctx, inboxPoll, func() (bool, error) {
		ms, err := e.local.Messages(ctx)
		if err != nil {
			return false, fmt.Errorf("read the notification inbox: %w", err)
		}
		for _, m := range slices.Backward(ms) { // newest first
			if notice.Event(m.Attributes[notice.AttrEvent]) != event || m.Attributes[notice.AttrFunction] != demo.DemoFunction {
				continue
			}
			var body notice.Body
			if json.Unmarshal([]byte(m.Body), &body) == nil && body.ExecutionARN == arn {
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("no %s notification for %s: %w", event, arn, err)
	}
	return seen, nil
}

// wait waits for the execution to end and returns its history.
func (e *env) wait(ctx context.Context, arn string) (*sfn.DescribeExecutionOutput, []sfntypes.HistoryEvent, error) {
	var d *sfn.DescribeExecutionOutput
	if _, err := poll(ctx, 20*time.Millisecond, func() (bool, error) {
		var err error
		if d, err = e.sfn.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: &arn}); err != nil {
			return false, fmt.Errorf("describe execution: %w", err)
		}
		return d.Status != sfntypes.ExecutionStatusRunning, nil
	}); err != nil {
		return nil, nil, fmt.Errorf("execution %s: %w", arn, err)
	}
	h, err := e.history(ctx, arn)
	return d, h, err
}

func (e *env) history(ctx context.Context, arn string) ([]sfntypes.HistoryEvent, error) {
	var events []sfntypes.HistoryEvent
	p := sfn.NewGetExecutionHistoryPaginator(e.sfn, &sfn.GetExecutionHistoryInput{ExecutionArn: &arn})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("execution history: %w", err)
		}
		events = append(events, page.Events...)
	}
	if len(events) == 0 {
		return nil, errors.New("execution history is empty")
	}
	return events, nil
}

// poll calls done every interval until it reports true, and returns the
// wall time at which it did; it gives up on done's first error or when ctx
// ends.
func poll(ctx context.Context, interval time.Duration, done func() (bool, error)) (time.Time, error) {
	for {
		ok, err := done()
		if err != nil {
			return time.Time{}, err
		}
		if ok {
			return time.Now(), nil
		}
		if err := pause(ctx, interval); err != nil {
			return time.Time{}, err
		}
	}
}

func pause(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
