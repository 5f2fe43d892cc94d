package demo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
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
	"github.com/greenlight/greenlight/internal/notice"
)

// upload puts the release manifest and then the artifact under
// releases/<function>/<build>; the artifact's arrival starts the release.
// It returns the artifact's object version, which names the release's
// execution.
func (r *Runner) upload(ctx context.Context, story Story, zip []byte) (follow.Object, error) {
	sum := sha256.Sum256(zip)
	build := fmt.Sprintf("%s-%s-%s", story.Version, time.Now().UTC().Format("20060102T150405.000"), hex.EncodeToString(sum[:3]))
	build = strings.ReplaceAll(build, ".", "")
	prefix := "releases/" + r.Function + "/" + build
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

// follow samples the execution, the live alias, the release's alarms and the
// traffic until the execution ends. It prints a timeline line whenever the
// state, the split or an alarm changes, and a progress line every second
// while nothing does.
// It returns the time of the first sample that saw a watched alarm in ALARM
// or, when none did (the release ended before the next sample), of the last
// sample that saw none: either way the alarm went off no earlier.
func (r *Runner) follow(ctx context.Context, arn string, start time.Time, t *Tally, res *Result) (*sfn.DescribeExecutionOutput, time.Time, error) {
	var last string
	var printed, alarmAt time.Time
	var alarmSeen bool
	d, err := follow.Execution(ctx, r.SFN, arn, follow.Options{Poll: r.Poll}, func(ctx context.Context, d *sfn.DescribeExecutionOutput) error {
		step, err := r.currentState(ctx, arn)
		if err != nil {
			return err
		}
		s, err := r.split(ctx)
		if err != nil {
			return err
		}
		if s.weight > res.MaxWeight {
			res.MaxWeight = s.weight
		}
		alarms, err := r.alarmStates(ctx)
		if err != nil {
			return err
		}
		if !alarmSeen {
			alarmAt, alarmSeen = time.Now(), strings.Contains(alarms, "ALARM")
		}
		if res.Story.WantBakeFeatures != nil && res.BakeFeatures == nil && step == bakeState && d.Status == sfntypes.ExecutionStatusRunning {
			if res.BakeFeatures, err = r.bakeFeatures(ctx, res.BlueVersion); err != nil {
				return err
			}
		}
		if res.Story.During != nil && d.Status == sfntypes.ExecutionStatusRunning {
			if err := res.Story.During(ctx, Progress{State: step, Green: s.extra, Weight: s.weight}); err != nil {
				return err
			}
		}
		line := fmt.Sprintf("%-24s %-22s alarm: %-6s", step, s, alarms)
		if line != last || time.Since(printed) >= time.Second {
			fmt.Fprintf(r.Out, "  %6.1fs  %s calls: %s\n", time.Since(start).Seconds(), line, trafficText(t.Snapshot()))
			last, printed = line, time.Now()
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

func (s split) String() string {
	switch {
	case s.primary == "":
		return "live: none"
	case s.extra == "":
		return fmt.Sprintf("live: v%s 100%%", s.primary)
	}
	return fmt.Sprintf("live: v%s %.0f%% + v%s %.0f%%", s.primary, 100*(1-s.weight), s.extra, 100*s.weight)
}

// routing is the additional weights as text, "" when routing is clear.
func (s split) routing() string {
	if s.extra == "" {
		return ""
	}
	return fmt.Sprintf("%s=%g", s.extra, s.weight)
}

// alias returns the live alias's primary version and its routing as text;
// both empty when the alias does not exist yet.
func (r *Runner) alias(ctx context.Context) (version, routing string, err error) {
	s, err := r.split(ctx)
	return s.primary, s.routing(), err
}

func (r *Runner) split(ctx context.Context) (split, error) {
	out, err := r.Lambda.GetAlias(ctx, &awslambda.GetAliasInput{FunctionName: &r.Function, Name: &r.LiveAlias})
	if err != nil {
		if failure.IsNotFound(err) {
			return split{}, nil
		}
		return split{}, fmt.Errorf("get alias %s: %w", r.LiveAlias, err)
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

func (r *Runner) alarmStates(ctx context.Context) (string, error) {
	out, err := r.CloudWatch.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{
		AlarmNamePrefix: aws.String("greenlight-" + r.Function),
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

// terminalMessage is the last promoted/rolled back/failed notification about
// the demo function.
func (r *Runner) terminalMessage(ctx context.Context) (*Message, error) {
	ms, err := r.Messages(ctx)
	if err != nil {
		return nil, fmt.Errorf("read notifications: %w", err)
	}
	for i := len(ms) - 1; i >= 0; i-- {
		m := ms[i]
		if m.Attributes[notice.AttrFunction] != r.Function {
			continue
		}
		if notice.Event(m.Attributes[notice.AttrEvent]) != notice.Started {
			return &m, nil
		}
	}
	return nil, nil
}

func trafficText(s Snapshot) string {
	if s.Total() == 0 && s.Failed == 0 {
		return "-"
	}
	versions := make([]string, 0, len(s.Requests))
	for v := range s.Requests {
		versions = append(versions, v)
	}
	sort.Strings(versions)
	var parts []string
	for _, v := range versions {
		part := fmt.Sprintf("v%s=%d", v, s.Requests[v])
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

// bakeState is the state a canary bakes in.
const bakeState = "Bake"

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
