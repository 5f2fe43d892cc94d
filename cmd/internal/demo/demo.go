// Package demo tells greenlight's release story against a deployed stack.
// First one function: a first release, a canary that is promoted while
// traffic flows, a feature flag turned on by a configuration-only canary, a
// memory cut that its alarm rolls back, a canary that its alarm rolls back,
// a release whose pre-traffic tests fail, and a canary whose alarm ends its
// 30-minute bake at once. Then a group of two functions released as one: a
// first release, a canary whose tests and bake reach the whole new stack
// through the candidate aliases while live callers reach only live
// versions, and a release whose worker fails under traffic, which rolls
// both members back. The `greenlight demo` command prints the story; the
// end-to-end tests run the same stories and assert the checks each one
// reports.
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

// Story is one release of the demo function, or of a group.
type Story struct {
	Name string
	// Version is the examples/app build, v1 … v4; "" releases blue's code
	// with Configuration (a configuration-only release).
	Version string
	// Group, when set, is the group the story releases instead of the demo
	// function (ShopGroup), and Builds is the build of each member the
	// bundle holds, by function: {"greenlight-shop-api": "a2", …}.
	Group  string            `json:"group,omitempty"`
	Builds map[string]string `json:"builds,omitempty"`
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
	// WantIsolation (a group story): while the release tests and bakes,
	// every call through the entry member's candidate alias must be
	// answered by the builds in Builds, each through the candidate alias,
	// and every call through its live alias through the live alias.
	WantIsolation bool `json:"wantIsolation,omitempty"`
	// WantDecidedBy (a group story) is the member the notification must
	// name as the one whose alarm or test decided the release.
	WantDecidedBy string `json:"wantDecidedBy,omitempty"`
}

// Features are the FEATURE values green and blue answer with.
type Features struct {
	Green string `json:"green"`
	Blue  string `json:"blue"`
}

// What says what a story releases: a build, a configuration, or both; each
// member's build in a group.
func (s Story) What() string {
	var parts []string
	for _, fn := range slices.Sorted(maps.Keys(s.Builds)) {
		parts = append(parts, member(s.Group, fn)+" "+s.Builds[fn])
	}
	if s.Version != "" {
		parts = append(parts, s.Version)
	}
	if s.Configuration != nil {
		parts = append(parts, "configuration "+describe(s.Configuration))
	}
	return strings.Join(parts, " + ")
}

// build names the build a story uploads: its version, or each member's
// build in a group, "a2-w2".
func (s Story) build() string {
	parts := []string{s.Version}
	if s.Group != "" {
		parts = nil
		for _, fn := range slices.Sorted(maps.Keys(s.Builds)) {
			parts = append(parts, s.Builds[fn])
		}
	}
	return strings.Join(parts, "-")
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
	// MemberArtifact returns the zip of program ("api" or "worker") of
	// examples/shop built as version, for the group stories.
	MemberArtifact func(ctx context.Context, program, version string) ([]byte, error)
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
	BlueVersion  string        `json:"blueVersion"`       // what live served before
	LiveVersion  string        `json:"liveVersion"`       // what live serves after
	LiveRouting  string        `json:"liveRouting"`       // additional weights after, "" when none
	Members      []End         `json:"members,omitempty"` // the same per member in a group story, the three above empty
	MaxWeight    float64       `json:"maxWeight"`         // the largest green weight seen mid-release
	Traffic      Snapshot      `json:"traffic"`           // what the traffic generator saw
	Notification *Message      `json:"notification"`      // the terminal notification, when readable
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
	// Isolation is what the group's candidate and live aliases answered
	// during the tests and the bake; nil when not probed.
	Isolation *Isolation `json:"isolation,omitempty"`
}

// End is what one function's live alias served before a release and
// serves after it.
type End struct {
	Function string `json:"function"`
	Blue     string `json:"blue"`    // the version live served before, "" when there was no alias
	Live     string `json:"live"`    // the version live serves after
	Routing  string `json:"routing"` // additional weights after, "" when none
}

// ends are the functions the result is about: the group's members, or the
// demo function.
func (r Result) ends() []End {
	if r.Members != nil {
		return r.Members
	}
	return []End{{Blue: r.BlueVersion, Live: r.LiveVersion, Routing: r.LiveRouting}}
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

// Run releases story.Version of the demo function, or the story's builds
// of a group's members, and reports what happened.
// An error means the story could not be carried out (upload refused, no
// execution started); a release that ends the wrong way is reported in the
// Result's checks instead.
func (r *Runner) Run(ctx context.Context, story Story) (Result, error) {
	r.defaults()
	res := Result{Story: story}
	zip, err := r.artifact(ctx, story)
	if err != nil {
		return res, err
	}
	fns := r.released(story)
	before, err := r.splits(ctx, fns)
	if err != nil {
		return res, err
	}
	ends := make([]End, len(fns))
	for i, fn := range fns {
		ends[i] = End{Function: fn, Blue: before[i].primary}
	}
	if story.Group == "" {
		res.BlueVersion = ends[0].Blue
	}

	var tally Tally
	stopTraffic := func() {}
	if story.Traffic {
		payload, read := []byte(`{"path":"/"}`), answered(byVersion)
		if story.Group != "" {
			payload, read = shopPayload, byBuilds
		}
		tctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			defer close(done)
			generate(tctx, r.Lambda, fns[0], r.LiveAlias, payload, read, r.TrafficInterval, 8, &tally)
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
	desc, alarmAt, err := r.follow(sctx, arn, fns, start, &tally, &res)
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
	after, err := r.splits(ctx, fns)
	if err != nil {
		return res, err
	}
	for i := range ends {
		ends[i].Live, ends[i].Routing = after[i].primary, after[i].routing()
	}
	if story.Group != "" {
		res.Members = ends
	} else {
		res.LiveVersion, res.LiveRouting = ends[0].Live, ends[0].Routing
	}
	res.Outcome = outcome(res.Status, ends)
	if res.Notification, err = terminalNotice(ctx, r.Messages, arn); err != nil {
		return res, err
	}
	if story.WantFeature != "" {
		if res.Feature, err = r.feature(ctx, r.LiveAlias); err != nil {
			return res, err
		}
	}
	res.Checks = check(story, res, r.Messages != nil)
	return res, nil
}

// artifact builds what the story uploads, and creates the functions it
// releases when they do not exist yet: the demo function's build, or the
// group's bundle; nil for a configuration-only release.
func (r *Runner) artifact(ctx context.Context, story Story) ([]byte, error) {
	if story.Group != "" {
		return r.bundle(ctx, story)
	}
	if story.Version == "" {
		return nil, nil
	}
	zip, err := r.Artifact(ctx, story.Version)
	if err != nil {
		return nil, fmt.Errorf("build %s: %w", story.Version, err)
	}
	demo := function{name: r.Function, memoryMB: demoMemoryMB, env: map[string]string{
		"FEATURE": FeatureBefore, "MIN_MEMORY_MB": strconv.Itoa(demoMinMemoryMB),
	}}
	return zip, r.ensureFunction(ctx, demo, zip)
}

// released are the functions the story releases, the one its callers
// invoke first: the group's members, or the demo function.
func (r *Runner) released(story Story) []string {
	if story.Group != "" {
		return ShopMembers
	}
	return []string{r.Function}
}

// target is what the story's release is named after in the bucket and in
// its alarms: the group, or the demo function.
func (r *Runner) target(story Story) string {
	if story.Group != "" {
		return story.Group
	}
	return r.Function
}

// start starts the story's release: it uploads the build or the bundle, or,
// for a configuration-only release, starts the execution with a console
// input. It returns the execution's ARN.
func (r *Runner) start(ctx context.Context, story Story, zip []byte, since time.Time) (string, error) {
	if zip != nil {
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

// outcome is how a release of the functions ended: the outcome of each,
// when they agree, as they must in a group.
func outcome(status string, ends []End) Outcome {
	first := classify(status, ends[0].Blue, ends[0].Live, ends[0].Routing)
	mixed, each := false, make([]string, len(ends))
	for i, e := range ends {
		o := classify(status, e.Blue, e.Live, e.Routing)
		mixed = mixed || o != first
		each[i] = e.Function + " " + string(o)
	}
	if mixed {
		return Outcome("mixed: " + strings.Join(each, ", "))
	}
	return first
}

func check(s Story, r Result, messages bool) []Check {
	var cs []Check
	add := func(name string, ok bool, detail string) { cs = append(cs, Check{name, ok, detail}) }
	// named is a check's name for one function, or for every member of a
	// group.
	named := func(one, members string) string {
		if s.Group != "" {
			return members
		}
		return one
	}
	// every checks each function's end and says what each one serves.
	every := func(ok func(End) bool, detail func(End) string) (bool, string) {
		all, parts := true, []string{}
		for _, e := range r.ends() {
			all = all && ok(e)
			d := detail(e)
			if s.Group != "" {
				d = member(s.Group, e.Function) + ": " + d
			}
			parts = append(parts, d)
		}
		return all, strings.Join(parts, "; ")
	}
	add("outcome", r.Outcome == s.Want, fmt.Sprintf("want %s, got %s (execution %s)", s.Want, r.Outcome, r.Status))
	ok, detail := every(func(e End) bool { return e.Routing == "" && e.Live != "" },
		func(e End) string { return fmt.Sprintf("live=%s routing=%q", e.Live, e.Routing) })
	add(named("live alias serves one version at 100 %", "every member's live alias serves one version at 100 %"), ok, detail)
	switch s.Want {
	case Promoted:
		ok, detail := every(func(e End) bool { return e.Live != e.Blue },
			func(e End) string { return fmt.Sprintf("blue %s → live %s", orNone(e.Blue), e.Live) })
		add(named("live moved to the new version", "every member's live alias moved to its new version"), ok, detail)
	case RolledBack:
		ok, detail := every(func(e End) bool { return e.Live == e.Blue },
			func(e End) string { return fmt.Sprintf("blue %s, live %s", e.Blue, e.Live) })
		add(named("live still serves blue", "every member's live alias still serves its previous version"), ok, detail)
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
			if v != "v"+r.BlueVersion {
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
	if s.WantIsolation {
		cs = append(cs, isolationChecks(s, r.Isolation)...)
	}
	if messages {
		want := map[Outcome]notice.Event{Promoted: notice.Promoted, RolledBack: notice.RolledBack}[s.Want]
		var got notice.Event
		if r.Notification != nil {
			got = notice.Event(r.Notification.Attributes[notice.AttrEvent])
		}
		add("notification "+string(want), got == want, "last event: "+orNone(string(got)))
		if s.Group != "" {
			cs = append(cs, groupChecks(s, r.Notification)...)
		}
	}
	return cs
}

// function is a function the demo creates when it does not exist yet.
type function struct {
	name     string
	memoryMB int32 // 0: Lambda's default
	env      map[string]string
}

func (r *Runner) ensureFunction(ctx context.Context, f function, zip []byte) error {
	_, err := r.Lambda.GetFunction(ctx, &awslambda.GetFunctionInput{FunctionName: &f.name})
	if err == nil {
		return nil
	}
	if !failure.IsNotFound(err) {
		return fmt.Errorf("look up %s: %w", f.name, err)
	}
	if r.RoleARN == "" {
		return fmt.Errorf("function %s does not exist and no role was given to create it", f.name)
	}
	in := &awslambda.CreateFunctionInput{
		FunctionName:  &f.name,
		Role:          &r.RoleARN,
		Runtime:       "provided.al2023",
		Handler:       aws.String("bootstrap"),
		Code:          &types.FunctionCode{ZipFile: zip},
		Timeout:       aws.Int32(10),
		Environment:   &types.Environment{Variables: f.env},
		Architectures: []types.Architecture{r.Architecture},
	}
	if f.memoryMB != 0 {
		in.MemorySize = aws.Int32(f.memoryMB)
	}
	if _, err := r.Lambda.CreateFunction(ctx, in); err != nil {
		return fmt.Errorf("create %s: %w", f.name, err)
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
