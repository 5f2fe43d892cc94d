// Package demo tells greenlight's release story against a deployed stack: a
// first release, a canary that is promoted while traffic flows, a feature
// flag turned on by a configuration-only canary, a memory cut that its alarm
// rolls back, a canary that its alarm rolls back, a release whose
// pre-traffic tests fail, and a canary whose alarm ends its 30-minute bake
// at once. The
// `greenlight demo` command prints the story; the end-to-end tests run the
// same stories and assert the checks each one reports.
package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/greenlight/greenlight/cmd/internal/follow"
	"github.com/greenlight/greenlight/internal/failure"
	"github.com/greenlight/greenlight/internal/notice"
	"github.com/greenlight/greenlight/internal/release"
	"github.com/greenlight/greenlight/internal/strategy"
)

// Outcome is how a release ended, as a user sees it.
type Outcome string

const (
	// Promoted: green serves 100 % of the live alias.
	Promoted Outcome = "promoted"
	// RolledBack: the release failed and blue serves 100 % of the live alias.
	RolledBack Outcome = "rolledBack"
	// Unfinished: the release did not end within the story's time limit.
	Unfinished Outcome = "unfinished"
)

// Story is one release of the demo function.
type Story struct {
	Name string
	// Version is the examples/app build, v1 … v4; "" releases blue's code
	// with Configuration (a configuration-only release).
	Version string
	// Configuration changes the function's configuration with the release.
	Configuration *release.Configuration `json:"configuration,omitempty"`
	Strategy      string
	Traffic       bool    // run the traffic generator against the live alias meanwhile
	Want          Outcome // how the release must end
	// WantReason must occur in the failed execution's error or cause, or in
	// the notification.
	WantReason string
	// WantErrorRate: the notification must give green's error rate.
	WantErrorRate bool
	// WantGreenTraffic says whether callers of the live alias must (true) or
	// must not (false) have reached the green version; nil: not checked.
	WantGreenTraffic *bool
	// WantEndWithin, when set, is how soon (real time) after a watched
	// alarm is first seen in ALARM the execution must have ended: a decided
	// rollback does not wait out the bake.
	WantEndWithin time.Duration
	// During, when set, is called with every sample of the running release,
	// so a story can act mid-release the way an operator would; an error
	// ends the story.
	During func(ctx context.Context, p Progress) error `json:"-"`
	// WantFeature, when set, is the FEATURE value the live alias must
	// answer with once the release has ended.
	WantFeature string `json:"wantFeature,omitempty"`
	// WantBakeFeatures, when set, are the FEATURE values the candidate
	// alias and blue's version must answer with while the canary bakes.
	WantBakeFeatures *Features `json:"wantBakeFeatures,omitempty"`
}

// Features are the FEATURE values green and blue answer with.
type Features struct {
	Green string `json:"green"`
	Blue  string `json:"blue"`
}

// What says what a story releases: a build, a configuration, or both.
func (s Story) What() string {
	var parts []string
	if s.Version != "" {
		parts = append(parts, s.Version)
	}
	if s.Configuration != nil {
		parts = append(parts, "configuration "+describe(s.Configuration))
	}
	return strings.Join(parts, " + ")
}

// describe is a short account of a configuration change.
func describe(c *release.Configuration) string {
	var parts []string
	if c.Environment != nil {
		for _, k := range slices.Sorted(maps.Keys(c.Environment.Set)) {
			parts = append(parts, k+"="+c.Environment.Set[k])
		}
	}
	if c.MemorySize != nil {
		parts = append(parts, fmt.Sprintf("memory %d MB", *c.MemorySize))
	}
	if len(parts) == 0 {
		return "change"
	}
	return strings.Join(parts, ", ")
}

// Demo function configuration: what the function is created with, so that
// the configuration stories have something to change.
const (
	// FeatureBefore is the FEATURE value the demo function starts with.
	FeatureBefore = "a"
	demoMemoryMB  = 512
	// demoMinMemoryMB is the memory the demo app needs (MIN_MEMORY_MB):
	// less makes every request but the health check fail.
	demoMinMemoryMB = 256
)

// Progress is one sample of a running release.
type Progress struct {
	State  string  // the state the execution is in, e.g. "Bake"
	Green  string  // the version the live alias routes the extra weight to
	Weight float64 // that version's share of the live alias's traffic
}

// Stories is the demo: every outcome a user should see once.
func Stories() []Story {
	yes, no := true, false
	return []Story{
		{Name: "first release", Version: "v1", Strategy: "AllAtOnce", Want: Promoted},
		{Name: "canary, promoted", Version: "v2", Strategy: "Canary10Percent5Minutes", Traffic: true, Want: Promoted, WantGreenTraffic: &yes, WantFeature: FeatureBefore},
		{Name: "feature flag, configuration only", Configuration: &release.Configuration{Environment: &release.EnvironmentChange{Set: map[string]string{"FEATURE": "b"}}},
			Strategy: "Canary10Percent5Minutes", Traffic: true, Want: Promoted, WantGreenTraffic: &yes, WantFeature: "b",
			WantBakeFeatures: &Features{Green: "b", Blue: FeatureBefore}},
		{Name: "memory cut, alarm rolls it back", Configuration: &release.Configuration{MemorySize: aws.Int32(128)},
			Strategy: "Canary10Percent5Minutes", Traffic: true, Want: RolledBack, WantReason: "ALARM", WantGreenTraffic: &yes, WantFeature: "b"},
		{Name: "canary, alarm rolls it back", Version: "v3", Strategy: "Canary10Percent5Minutes", Traffic: true, Want: RolledBack, WantReason: "ALARM", WantErrorRate: true, WantGreenTraffic: &yes},
		{Name: "pre-traffic tests fail", Version: "v4", Strategy: "Canary10Percent5Minutes", Traffic: true, Want: RolledBack, WantReason: failure.NameTestFailed, WantGreenTraffic: &no, WantFeature: "b"},
		{Name: "alarm ends a 30-minute bake at once", Version: "v3", Strategy: "Canary10Percent30Minutes", Traffic: true, Want: RolledBack, WantReason: "ALARM", WantEndWithin: time.Second},
	}
}

// LambdaAPI is what the demo asks of Lambda.
type LambdaAPI interface {
	invoker
	GetAlias(ctx context.Context, in *awslambda.GetAliasInput, optFns ...func(*awslambda.Options)) (*awslambda.GetAliasOutput, error)
	GetFunction(ctx context.Context, in *awslambda.GetFunctionInput, optFns ...func(*awslambda.Options)) (*awslambda.GetFunctionOutput, error)
	CreateFunction(ctx context.Context, in *awslambda.CreateFunctionInput, optFns ...func(*awslambda.Options)) (*awslambda.CreateFunctionOutput, error)
}

// S3API uploads artifacts.
type S3API interface {
	PutObject(ctx context.Context, in *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error)
}

// SFNAPI follows executions.
type SFNAPI interface {
	sfn.ListExecutionsAPIClient
	DescribeExecution(ctx context.Context, in *sfn.DescribeExecutionInput, optFns ...func(*sfn.Options)) (*sfn.DescribeExecutionOutput, error)
	GetExecutionHistory(ctx context.Context, in *sfn.GetExecutionHistoryInput, optFns ...func(*sfn.Options)) (*sfn.GetExecutionHistoryOutput, error)
	StartExecution(ctx context.Context, in *sfn.StartExecutionInput, optFns ...func(*sfn.Options)) (*sfn.StartExecutionOutput, error)
}

// AlarmAPI reads alarm states.
type AlarmAPI interface {
	DescribeAlarms(ctx context.Context, in *cloudwatch.DescribeAlarmsInput, optFns ...func(*cloudwatch.Options)) (*cloudwatch.DescribeAlarmsOutput, error)
}

var (
	_ LambdaAPI = (*awslambda.Client)(nil)
	_ S3API     = (*s3.Client)(nil)
	_ SFNAPI    = (*sfn.Client)(nil)
	_ AlarmAPI  = (*cloudwatch.Client)(nil)
)

// Message is a notification greenlight published.
type Message struct {
	Subject    string
	Body       string
	Attributes map[string]string
}

// Runner runs stories against one deployed stack.
type Runner struct {
	Lambda     LambdaAPI
	S3         S3API
	SFN        SFNAPI
	CloudWatch AlarmAPI

	Bucket          string // the stack's artifact bucket
	StateMachineARN string
	Function        string // the demo function, e.g. greenlight-demo
	LiveAlias       string // default "live"
	CandidateAlias  string // default "green"
	// RoleARN is the execution role used when the demo function has to be
	// created first.
	RoleARN string
	// Architecture of the artifacts Artifact builds (x86_64 or arm64).
	Architecture types.Architecture

	// Artifact returns the zip of examples/app built as version.
	Artifact func(ctx context.Context, version string) ([]byte, error)
	// Messages returns the notifications published so far; nil when they
	// cannot be read (real AWS without a subscriber the demo can read).
	Messages func(ctx context.Context) ([]Message, error)

	Out     io.Writer     // the timeline goes here; nil: io.Discard
	Poll    time.Duration // how often the timeline samples; default 100ms
	Timeout time.Duration // per story; default 5 minutes
	// TrafficInterval is the pause between two calls of the traffic
	// generator; default 10ms.
	TrafficInterval time.Duration
}

// Check is one thing a story promises, and whether it held.
type Check struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
}

// Result is what happened in one story.
type Result struct {
	Story        Story         `json:"story"`
	ExecutionARN string        `json:"executionArn"`
	Status       string        `json:"status"`
	Error        string        `json:"error,omitempty"`
	Cause        string        `json:"cause,omitempty"`
	Outcome      Outcome       `json:"outcome"`
	BlueVersion  string        `json:"blueVersion"`  // what live served before
	LiveVersion  string        `json:"liveVersion"`  // what live serves after
	LiveRouting  string        `json:"liveRouting"`  // additional weights after, "" when none
	MaxWeight    float64       `json:"maxWeight"`    // the largest green weight seen mid-release
	Traffic      Snapshot      `json:"traffic"`      // what the traffic generator saw
	Notification *Message      `json:"notification"` // the terminal notification, when readable
	Elapsed      time.Duration `json:"elapsed"`
	// AlarmToEnd bounds the time from a watched alarm going to ALARM to the
	// end of the execution: from the first sample that saw it, or from the
	// last sample before the end when the release ended before the next.
	AlarmToEnd time.Duration `json:"alarmToEnd,omitempty"`
	Checks     []Check       `json:"checks"`
	// Feature is the FEATURE value live answered with after the release.
	Feature string `json:"feature,omitempty"`
	// BakeFeatures are what the candidate alias and blue's version
	// answered with during the bake; nil when not sampled.
	BakeFeatures *Features `json:"bakeFeatures,omitempty"`
}

// OK reports whether every check held.
func (r Result) OK() bool {
	for _, c := range r.Checks {
		if !c.OK {
			return false
		}
	}
	return len(r.Checks) > 0
}

func (r *Runner) defaults() {
	if r.LiveAlias == "" {
		r.LiveAlias = "live"
	}
	if r.CandidateAlias == "" {
		r.CandidateAlias = "green"
	}
	if r.Out == nil {
		r.Out = io.Discard
	}
	if r.Poll == 0 {
		r.Poll = 100 * time.Millisecond
	}
	if r.Timeout == 0 {
		r.Timeout = 5 * time.Minute
	}
	if r.TrafficInterval == 0 {
		r.TrafficInterval = 10 * time.Millisecond
	}
}

// Run releases story.Version of the demo function and reports what happened.
// An error means the story could not be carried out (upload refused, no
// execution started); a release that ends the wrong way is reported in the
// Result's checks instead.
func (r *Runner) Run(ctx context.Context, story Story) (Result, error) {
	r.defaults()
	res := Result{Story: story}
	var zip []byte
	if story.Version != "" {
		var err error
		if zip, err = r.Artifact(ctx, story.Version); err != nil {
			return res, fmt.Errorf("build %s: %w", story.Version, err)
		}
		if err := r.ensureFunction(ctx, zip); err != nil {
			return res, err
		}
	}
	var err error
	res.BlueVersion, _, err = r.alias(ctx)
	if err != nil {
		return res, err
	}

	var tally Tally
	stopTraffic := func() {}
	if story.Traffic {
		tctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			defer close(done)
			generate(tctx, r.Lambda, r.Function, r.LiveAlias, []byte(`{"path":"/"}`), r.TrafficInterval, 8, &tally)
		}()
		stopTraffic = func() { cancel(); <-done }
	}
	defer stopTraffic()

	start := time.Now()
	sctx, cancel := context.WithTimeout(ctx, r.Timeout)
	defer cancel()
	arn, err := r.start(sctx, story, zip, start)
	if err != nil {
		return res, err
	}
	res.ExecutionARN = arn
	desc, alarmAt, err := r.follow(sctx, arn, start, &tally, &res)
	ended := time.Now()
	stopTraffic()
	res.Elapsed = ended.Sub(start)
	if !alarmAt.IsZero() {
		res.AlarmToEnd = ended.Sub(alarmAt)
	}
	res.Traffic = tally.Snapshot()
	if err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return res, err
	}
	res.Status = "RUNNING"
	if desc != nil {
		res.Status = string(desc.Status)
		res.Error, res.Cause = deref(desc.Error), deref(desc.Cause)
	}
	res.LiveVersion, res.LiveRouting, err = r.alias(ctx)
	if err != nil {
		return res, err
	}
	res.Outcome = classify(res.Status, res.BlueVersion, res.LiveVersion, res.LiveRouting)
	if r.Messages != nil {
		res.Notification, err = r.terminalMessage(ctx)
		if err != nil {
			return res, err
		}
	}
	if story.WantFeature != "" {
		if res.Feature, err = r.feature(ctx, r.LiveAlias); err != nil {
			return res, err
		}
	}
	res.Checks = check(story, res, r.Messages != nil)
	return res, nil
}

// start starts the story's release: it uploads the build, or, for a
// configuration-only release, starts the execution with a console input.
// It returns the execution's ARN.
func (r *Runner) start(ctx context.Context, story Story, zip []byte, since time.Time) (string, error) {
	if story.Version != "" {
		obj, err := r.upload(ctx, story, zip)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(r.Out, "  uploaded s3://%s/%s (strategy %s)\n", obj.Bucket, obj.Key, story.Strategy)
		return follow.Find(ctx, r.SFN, r.StateMachineARN, obj, since, r.Poll)
	}
	input, err := json.Marshal(release.Input{
		Function: r.Function, Configuration: story.Configuration,
		Settings: release.Settings{Strategy: &strategy.Strategy{Name: story.Strategy}},
	})
	if err != nil {
		return "", err
	}
	out, err := r.SFN.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &r.StateMachineARN, Input: aws.String(string(input))})
	if err != nil {
		return "", fmt.Errorf("start the release: %w", err)
	}
	fmt.Fprintf(r.Out, "  started %s (configuration only, strategy %s)\n", aws.ToString(out.ExecutionArn), story.Strategy)
	return aws.ToString(out.ExecutionArn), nil
}

// feature is the FEATURE value the function answers with at qualifier (an
// alias or a version).
func (r *Runner) feature(ctx context.Context, qualifier string) (string, error) {
	out, err := r.Lambda.Invoke(ctx, &awslambda.InvokeInput{
		FunctionName: &r.Function, Qualifier: &qualifier, Payload: []byte(`{"path":"/feature"}`),
	})
	if err != nil {
		return "", fmt.Errorf("invoke %s:%s: %w", r.Function, qualifier, err)
	}
	if out.FunctionError != nil {
		return "", fmt.Errorf("invoke %s:%s: %s: %s", r.Function, qualifier, aws.ToString(out.FunctionError), out.Payload)
	}
	var resp struct {
		Body string `json:"body"`
	}
	var g struct {
		Feature string `json:"feature"`
	}
	if err := json.Unmarshal(out.Payload, &resp); err != nil {
		return "", fmt.Errorf("answer of %s:%s: %w", r.Function, qualifier, err)
	}
	if err := json.Unmarshal([]byte(resp.Body), &g); err != nil {
		return "", fmt.Errorf("body of %s:%s: %w", r.Function, qualifier, err)
	}
	return g.Feature, nil
}

// classify reads the outcome off what a user can see: the execution's status
// and the live alias.
func classify(status, blue, live, routing string) Outcome {
	switch {
	case status == "RUNNING" || status == "":
		return Unfinished
	case status == "SUCCEEDED" && live != "" && routing == "":
		return Promoted
	case status != "SUCCEEDED" && live == blue && routing == "":
		return RolledBack
	}
	return Outcome("unexpected: status " + status + ", live " + live + " " + routing)
}

func check(s Story, r Result, messages bool) []Check {
	var cs []Check
	add := func(name string, ok bool, detail string) { cs = append(cs, Check{name, ok, detail}) }
	add("outcome", r.Outcome == s.Want, fmt.Sprintf("want %s, got %s (execution %s)", s.Want, r.Outcome, r.Status))
	add("live alias serves one version at 100 %", r.LiveRouting == "" && r.LiveVersion != "",
		fmt.Sprintf("live=%s routing=%q", r.LiveVersion, r.LiveRouting))
	switch s.Want {
	case Promoted:
		add("live moved to the new version", r.LiveVersion != r.BlueVersion, fmt.Sprintf("blue %s → live %s", orNone(r.BlueVersion), r.LiveVersion))
	case RolledBack:
		add("live still serves blue", r.LiveVersion == r.BlueVersion, fmt.Sprintf("blue %s, live %s", r.BlueVersion, r.LiveVersion))
	}
	note := ""
	if r.Notification != nil {
		note = r.Notification.Subject + "\n" + r.Notification.Body
	}
	if s.WantReason != "" {
		add("the reason names "+s.WantReason, strings.Contains(r.Error+" "+r.Cause+" "+note, s.WantReason), reason(r))
	}
	if s.WantEndWithin > 0 {
		add(fmt.Sprintf("the release ended within %s of the alarm", s.WantEndWithin), r.AlarmToEnd > 0 && r.AlarmToEnd <= s.WantEndWithin,
			fmt.Sprintf("alarm to end: %s", r.AlarmToEnd.Round(time.Millisecond)))
	}
	if s.WantErrorRate {
		add("notification gives green's error rate", strings.Contains(note, `"errorRate"`), errorRate(note))
	}
	if s.WantGreenTraffic != nil {
		green := 0
		for v, n := range r.Traffic.Requests {
			if v != r.BlueVersion {
				green += n
			}
		}
		want := *s.WantGreenTraffic
		add(map[bool]string{true: "canary traffic reached green", false: "green never received traffic"}[want],
			(green > 0) == want, fmt.Sprintf("%d of %d calls reached green", green, r.Traffic.Total()))
	}
	if w := s.WantBakeFeatures; w != nil {
		got := Features{Green: "not sampled", Blue: "not sampled"}
		if r.BakeFeatures != nil {
			got = *r.BakeFeatures
		}
		add(fmt.Sprintf("mid-canary, green answers FEATURE=%s and blue FEATURE=%s", w.Green, w.Blue), got == *w,
			fmt.Sprintf("green answered FEATURE=%s, blue FEATURE=%s", orNone(got.Green), orNone(got.Blue)))
	}
	if s.WantFeature != "" {
		add("live answers FEATURE="+s.WantFeature, r.Feature == s.WantFeature, "live answered FEATURE="+orNone(r.Feature))
	}
	if messages {
		want := map[Outcome]notice.Event{Promoted: notice.Promoted, RolledBack: notice.RolledBack}[s.Want]
		var got notice.Event
		if r.Notification != nil {
			got = notice.Event(r.Notification.Attributes[notice.AttrEvent])
		}
		add("notification "+string(want), got == want, "last event: "+orNone(string(got)))
	}
	return cs
}

func (r *Runner) ensureFunction(ctx context.Context, zip []byte) error {
	_, err := r.Lambda.GetFunction(ctx, &awslambda.GetFunctionInput{FunctionName: &r.Function})
	if err == nil {
		return nil
	}
	if !failure.IsNotFound(err) {
		return fmt.Errorf("look up %s: %w", r.Function, err)
	}
	if r.RoleARN == "" {
		return fmt.Errorf("function %s does not exist and no role was given to create it", r.Function)
	}
	_, err = r.Lambda.CreateFunction(ctx, &awslambda.CreateFunctionInput{
		FunctionName: &r.Function,
		Role:         &r.RoleARN,
		Runtime:      "provided.al2023",
		Handler:      aws.String("bootstrap"),
		Code:         &types.FunctionCode{ZipFile: zip},
		Timeout:      aws.Int32(10),
		MemorySize:   aws.Int32(demoMemoryMB),
		Environment: &types.Environment{Variables: map[string]string{
			"FEATURE": FeatureBefore, "MIN_MEMORY_MB": strconv.Itoa(demoMinMemoryMB),
		}},
		Architectures: []types.Architecture{r.Architecture},
	})
	if err != nil {
		return fmt.Errorf("create %s: %w", r.Function, err)
	}
	return nil
}

// reason is why the release failed: the notification's reason, else the
// execution's cause.
func reason(r Result) string {
	if r.Notification != nil {
		var body struct {
			Reason string `json:"reason"`
		}
		if json.Unmarshal([]byte(r.Notification.Body), &body) == nil && body.Reason != "" {
			return body.Reason
		}
	}
	line, _, _ := strings.Cut(r.Cause, "\n")
	return line
}

// errorRate finds the error rate in a notification body.
func errorRate(body string) string {
	_, rest, ok := strings.Cut(body, `"errorRate":`)
	if !ok {
		return "no errorRate in the notification"
	}
	rate, _, _ := strings.Cut(rest, ",")
	return "errorRate " + strings.TrimSpace(rate)
}
