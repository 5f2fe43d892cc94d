package demo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/greenlight/greenlight/cmd/internal/follow"
	"github.com/greenlight/greenlight/internal/failure"
)

// upload puts the release manifest and then the artifact under
// releases/<function or group>/<build>; the artifact's arrival starts the
// release. It returns the artifact's object version, which names the
// release's execution.
func (r *Runner) upload(ctx context.Context, story Story, zip []byte) (follow.Object, error) {
	sum := sha256.Sum256(zip)
	build := fmt.Sprintf("%s-%s-%s", story.build(), time.Now().UTC().Format("20060102T150405.000"), hex.EncodeToString(sum[:3]))
	build = strings.ReplaceAll(build, ".", "")
	prefix := "releases/" + r.target(story) + "/" + build
	manifest, err := json.Marshal(map[string]string{"strategy": story.Strategy})
	if err != nil {
		return follow.Object{}, err
	}
	if _, err := r.S3.PutObject(ctx, &s3.PutObjectInput{
		Bucket: &r.Bucket, Key: aws.String(prefix + ".json"), Body: strings.NewReader(string(manifest)),
		ContentType: aws.String("application/json"),
	}); err != nil {
		return follow.Object{}, fmt.Errorf("upload manifest: %w", err)
	}
	key := prefix + ".zip"
	put, err := r.S3.PutObject(ctx, &s3.PutObjectInput{
		Bucket: &r.Bucket, Key: &key, Body: strings.NewReader(string(zip)),
		ContentType: aws.String("application/zip"),
	})
	if err != nil {
		return follow.Object{}, fmt.Errorf("upload artifact: %w", err)
	}
	return follow.Object{Bucket: r.Bucket, Key: key, VersionID: aws.ToString(put.VersionId)}, nil
}

// follow samples the execution, the live aliases of fns, the release's
// alarms and the traffic until the execution ends. It prints a timeline
// line whenever the state, the split or an alarm changes, and a progress
// line every second while nothing does; and, when the story wants
// isolation, a line for each new answer of the probes.
// It returns the time of the first sample that saw a watched alarm in ALARM
// or, when none did (the release ended before the next sample), of the last
// sample that saw none: either way the alarm went off no earlier.
func (r *Runner) follow(ctx context.Context, arn string, fns []string, start time.Time, t *Tally, res *Result) (*sfn.DescribeExecutionOutput, time.Time, error) {
	var last string
	var printed, alarmAt time.Time
	var alarmSeen bool
	story := res.Story
	// sample looks at everything but the execution, the release being in
	// state step, and prints the timeline line.
	sample := func(ctx context.Context, step string, running bool) error {
		ss, err := r.splits(ctx, fns)
		if err != nil {
			return err
		}
		for _, s := range ss {
			res.MaxWeight = max(res.MaxWeight, s.weight)
		}
		alarms, err := r.alarmStates(ctx, r.target(story))
		if err != nil {
			return err
		}
		if !alarmSeen {
			alarmAt, alarmSeen = time.Now(), strings.Contains(alarms, "ALARM")
		}
		if story.WantBakeFeatures != nil && res.BakeFeatures == nil && step == bakeState && running {
			if res.BakeFeatures, err = r.bakeFeatures(ctx, res.BlueVersion); err != nil {
				return err
			}
		}
		if story.During != nil && running {
			if err := story.During(ctx, Progress{State: step, Green: ss[0].extra, Weight: ss[0].weight}); err != nil {
				return err
			}
		}
		line := fmt.Sprintf("%-24s %-22s alarm: %-6s", step, splitsText(story.Group, fns, ss), alarms)
		if line != last || time.Since(printed) >= time.Second {
			fmt.Fprintf(r.Out, "  %6.1fs  %s calls: %s\n", time.Since(start).Seconds(), line, trafficText(t.Snapshot()))
			last, printed = line, time.Now()
		}
		return nil
	}
	d, err := follow.Execution(ctx, r.SFN, arn, follow.Options{Poll: r.Poll}, func(ctx context.Context, d *sfn.DescribeExecutionOutput) error {
		step, err := r.currentState(ctx, arn)
		if err != nil {
			return err
		}
		running := d.Status == sfntypes.ExecutionStatusRunning
		if err := sample(ctx, step, running); err != nil {
			return err
		}
		if story.WantIsolation && running {
			if res.Isolation == nil {
				res.Isolation = &Isolation{}
			}
			return r.watchIsolation(ctx, arn, story, step, start, res.Isolation, func(step string) error { return sample(ctx, step, true) })
		}
		return nil
	})
	return d, alarmAt, err
}

func (r *Runner) currentState(ctx context.Context, arn string) (string, error) {
	out, err := r.SFN.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{
		ExecutionArn: &arn, ReverseOrder: true, MaxResults: 20,
	})
	if err != nil {
		return "", fmt.Errorf("execution history: %w", err)
	}
	for _, e := range out.Events {
		if e.StateEnteredEventDetails != nil {
			return aws.ToString(e.StateEnteredEventDetails.Name), nil
		}
	}
	return "starting", nil
}

// split is how the live alias divides the traffic.
type split struct {
	primary string  // the version that gets the rest; "" when there is no alias
	extra   string  // the additional version, "" when routing is clear
	weight  float64 // the additional version's share
}

func (s split) String() string { return "live: " + s.versions() }

// versions is the split without the alias's name: "v3 90% + v4 10%".
func (s split) versions() string {
	switch {
	case s.primary == "":
		return "none"
	case s.extra == "":
		return fmt.Sprintf("v%s 100%%", s.primary)
	}
	return fmt.Sprintf("v%s %.0f%% + v%s %.0f%%", s.primary, 100*(1-s.weight), s.extra, 100*s.weight)
}

// splitsText is the split of one function's live alias, or of every
// member's in a group: "live: api v3 90% + v4 10%, worker v5 100%".
func splitsText(group string, fns []string, ss []split) string {
	if group == "" {
		return ss[0].String()
	}
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = member(group, fns[i]) + " " + s.versions()
	}
	return "live: " + strings.Join(parts, ", ")
}

// routing is the additional weights as text, "" when routing is clear.
func (s split) routing() string {
	if s.extra == "" {
		return ""
	}
	return fmt.Sprintf("%s=%g", s.extra, s.weight)
}

// splits are how the live aliases of fns divide the traffic, in order.
func (r *Runner) splits(ctx context.Context, fns []string) ([]split, error) {
	ss := make([]split, len(fns))
	for i, fn := range fns {
		var err error
		if ss[i], err = r.split(ctx, fn); err != nil {
			return nil, err
		}
	}
	return ss, nil
}

// split is how fn's live alias divides the traffic; zero when there is no
// live alias yet.
func (r *Runner) split(ctx context.Context, fn string) (split, error) {
	out, err := r.Lambda.GetAlias(ctx, &awslambda.GetAliasInput{FunctionName: &fn, Name: &r.LiveAlias})
	if err != nil {
		if failure.IsNotFound(err) {
			return split{}, nil
		}
		return split{}, fmt.Errorf("get alias %s of %s: %w", r.LiveAlias, fn, err)
	}
	s := split{primary: aws.ToString(out.FunctionVersion)}
	if out.RoutingConfig != nil {
		// Lambda allows one additional version.
		for v, w := range out.RoutingConfig.AdditionalVersionWeights {
			s.extra, s.weight = v, w
		}
	}
	return s, nil
}

// alarmStates are the states of the alarms greenlight made for releases
// of target, a function or a group.
func (r *Runner) alarmStates(ctx context.Context, target string) (string, error) {
	out, err := r.CloudWatch.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{
		AlarmNamePrefix: aws.String("greenlight-" + target),
	})
	if err != nil {
		return "", fmt.Errorf("describe alarms: %w", err)
	}
	if len(out.MetricAlarms) == 0 {
		return "none", nil
	}
	var parts []string
	for _, a := range out.MetricAlarms {
		parts = append(parts, string(a.StateValue))
	}
	return strings.Join(parts, ","), nil
}

func trafficText(s Snapshot) string {
	if s.Total() == 0 && s.Failed == 0 {
		return "-"
	}
	var parts []string
	for _, v := range slices.Sorted(maps.Keys(s.Requests)) {
		part := fmt.Sprintf("%s=%d", v, s.Requests[v])
		if e := s.Errors[v]; e > 0 {
			part += fmt.Sprintf(" (%d errors)", e)
		}
		parts = append(parts, part)
	}
	if s.Failed > 0 {
		parts = append(parts, fmt.Sprintf("unserved=%d", s.Failed))
	}
	return strings.Join(parts, " ")
}

func deref(s *string) string { return aws.ToString(s) }

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// The states the demo looks for: workflow.StateDeploy, StateNoop,
// StateTest and StateBake.
const (
	deployState = "Deploy green"
	noopState   = "Is it a no-op?"
	// testState is the state the release runs its tests in.
	testState = "Run tests"
	// bakeState is the state a canary bakes in.
	bakeState = "Bake"
)

// bakeFeatures asks the candidate alias and blue's version which FEATURE
// they answer with.
func (r *Runner) bakeFeatures(ctx context.Context, blue string) (*Features, error) {
	green, err := r.feature(ctx, r.CandidateAlias)
	if err != nil {
		return nil, err
	}
	old, err := r.feature(ctx, blue)
	if err != nil {
		return nil, err
	}
	return &Features{Green: green, Blue: old}, nil
}
