// Package greenlight holds the Greenlight CDK construct: everything greenlight
// runs on in one AWS account, ready to import into any CDK Go app. It creates
// the artifact bucket whose uploads start releases, the release state machine
// (package workflow) and the functions it runs, the guard function that rolls
// back on an alarm at once, the watchdog function that restores a function
// whose release execution ended unfinished, the notification topic, a dashboard, and IAM
// policies that let the deployer touch only the functions it is configured for.
package greenlight

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	sfn "github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/greenlight/greenlight/internal/lambdaenv"
	"github.com/greenlight/greenlight/internal/notice"
	"github.com/greenlight/greenlight/internal/stackref"
	"github.com/greenlight/greenlight/workflow"
)

// Output keys of the stack. The CLI looks the deployed stack's resources up by
// these keys.
const (
	OutputBucket       = stackref.OutputBucket
	OutputTopic        = stackref.OutputTopic
	OutputStateMachine = stackref.OutputStateMachine
)

// maxEnvironmentSize is Lambda's limit on the total size of a function's
// environment variables (names and values). The configuration travels in one
// of them, so a configuration that does not fit is refused at synth rather
// than by CloudFormation halfway through a deployment.
const maxEnvironmentSize = 4096

// ReleasesPattern is the EventBridge wildcard an artifact's key must match to
// start a release.
const ReleasesPattern = "releases/*.zip"

// DefaultAssets is where `make build` puts the functions: <dir>/<name>/bootstrap.
const DefaultAssets = "build/lambda"

// functionNames are greenlight's functions; each is built from functions/<name>.
var functionNames = []string{"prepare", "lock", "unlock", "deploy", "test", "shift", "verify", "promote", "rollback", "notify", "guard", "watchdog"}

// FunctionNames returns the names of greenlight's functions, which are also
// the folder names of their code under the asset directory.
func FunctionNames() []string { return append([]string(nil), functionNames...) }

// Props configure Greenlight.
type Props struct {
	// Name prefixes the physical names of the state machine, the functions and
	// the dashboard. Default: the stack's name.
	Name string
	// Config selects the target functions and the release defaults.
	Config Config
	// Emails are subscribed to the notification topic.
	Emails []string
	// Assets is the folder holding <name>/bootstrap for every function.
	// Default: DefaultAssets.
	Assets string
	// Architecture of the functions' bootstrap binaries. Default: ARM_64.
	Architecture awslambda.Architecture
	// Queue tunes how long a release waits for the previous release of the
	// same function; see workflow.Props.
	Queue workflow.Backoff
}

// Greenlight is the deployer and everything it needs.
type Greenlight struct {
	constructs.Construct
	Bucket       awss3.Bucket
	Topic        awssns.Topic
	StateMachine sfn.StateMachine
	// Functions are greenlight's functions by name (see FunctionNames).
	Functions map[string]awslambda.Function
}

// New creates Greenlight in scope. It panics, as CDK constructs do, when the
// props are not valid or a function's bootstrap is missing.
func New(scope constructs.Construct, id string, props *Props) *Greenlight {
	if props == nil {
		panic("greenlight: props are required")
	}
	p := *props
	if p.Name == "" {
		p.Name = *awscdk.Stack_Of(scope).StackName()
	}
	if p.Assets == "" {
		p.Assets = DefaultAssets
	}
	if p.Architecture == nil {
		p.Architecture = awslambda.Architecture_ARM_64()
	}
	if err := p.validate(); err != nil {
		panic(err.Error())
	}
	config, err := json.Marshal(p.Config)
	if err != nil {
		panic(fmt.Sprintf("greenlight: encode config: %v", err))
	}
	// The bucket name (at most 63 bytes) shares the prepare function's
	// environment with the configuration.
	if size := len(lambdaenv.ConfigVar) + len(config) + len(lambdaenv.BucketVar) + 63; size > maxEnvironmentSize {
		panic(fmt.Sprintf("greenlight: the configuration is %d bytes as JSON; with the bucket name it exceeds Lambda's %d-byte limit on a function's environment: target functions by prefix or tag, and move per-function settings into release manifests",
			len(config), maxEnvironmentSize))
	}

	c := constructs.NewConstruct(scope, jsii.String(id))
	g := &Greenlight{Construct: c, Functions: map[string]awslambda.Function{}}
	stack := awscdk.Stack_Of(c)

	g.Bucket = awss3.NewBucket(c, jsii.String("ArtifactBucket"), &awss3.BucketProps{
		Versioned:         jsii.Bool(true),
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		EnforceSSL:        jsii.Bool(true),
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		ObjectOwnership:   awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
		// Every lock update leaves a noncurrent version of locks/<fn>.json
		// behind in the versioned bucket; nothing reads them.
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Id:                          jsii.String("expire-old-lock-versions"),
			Prefix:                      jsii.String("locks/"),
			NoncurrentVersionExpiration: awscdk.Duration_Days(jsii.Number(1)),
			ExpiredObjectDeleteMarker:   jsii.Bool(true),
		}},
	})
	// EventBridge notifications set on the bucket resource itself rather than
	// through the EventBridgeEnabled prop, which adds a custom resource backed
	// by an inline Python function: the template stays plain CloudFormation.
	g.Bucket.Node().DefaultChild().(awss3.CfnBucket).SetNotificationConfiguration(&awss3.CfnBucket_NotificationConfigurationProperty{
		EventBridgeConfiguration: &awss3.CfnBucket_EventBridgeConfigurationProperty{EventBridgeEnabled: jsii.Bool(true)},
	})
	g.Topic = awssns.NewTopic(c, jsii.String("Topic"), &awssns.TopicProps{
		DisplayName: jsii.String("greenlight releases"),
		EnforceSSL:  jsii.Bool(true),
		MasterKey:   awskms.Alias_FromAliasName(c, jsii.String("TopicKey"), jsii.String("alias/aws/sns")),
	})
	for _, email := range p.Emails {
		g.Topic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(email), nil))
	}

	env := map[string]*string{lambdaenv.BucketVar: g.Bucket.BucketName()}
	for _, name := range functionNames {
		g.Functions[name] = newFunction(c, p, name, env)
	}
	g.Functions["prepare"].AddEnvironment(jsii.String(lambdaenv.ConfigVar), jsii.String(string(config)), nil)
	g.Functions["notify"].AddEnvironment(jsii.String(lambdaenv.TopicARNVar), g.Topic.TopicArn(), nil)
	g.Functions["watchdog"].AddEnvironment(jsii.String(lambdaenv.TopicARNVar), g.Topic.TopicArn(), nil)
	if len(p.Config.Groups) > 0 {
		groups := strings.Join(slices.Sorted(maps.Keys(p.Config.Groups)), ",")
		g.Functions["watchdog"].AddEnvironment(jsii.String(lambdaenv.GroupsVar), jsii.String(groups), nil)
	}

	smName := p.Name + "-releases"
	logs := awslogs.NewLogGroup(c, jsii.String("ExecutionLogs"), &awslogs.LogGroupProps{
		Retention:     awslogs.RetentionDays_ONE_MONTH,
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	wf := workflow.New(c, "Workflow", &workflow.Props{
		Functions: workflow.Functions{
			Prepare: g.Functions["prepare"], Lock: g.Functions["lock"], Unlock: g.Functions["unlock"],
			Deploy: g.Functions["deploy"], Test: g.Functions["test"], Shift: g.Functions["shift"],
			Verify: g.Functions["verify"], Promote: g.Functions["promote"], Rollback: g.Functions["rollback"],
			Notify: g.Functions["notify"],
		},
		StateMachineName: jsii.String(smName),
		Queue:            p.Queue,
		// The longest a release may wait (maxReleaseSeconds, which prepare
		// enforces) and the execution's overhead: a release that runs longer
		// is stuck, and the watchdog restores it once it times out.
		Timeout: awscdk.Duration_Seconds(jsii.Number(p.Config.ExecutionTimeoutSeconds())),
		Logs: &sfn.LogOptions{
			Destination:          logs,
			Level:                sfn.LogLevel_ALL,
			IncludeExecutionData: jsii.Bool(true),
		},
	})
	g.StateMachine = wf.StateMachine

	grant(stack, g, p, smName)

	awsevents.NewRule(c, jsii.String("ReleaseUploaded"), &awsevents.RuleProps{
		Description: jsii.String("Start a release when an artifact is uploaded under releases/"),
		EventPattern: &awsevents.EventPattern{
			Source:     jsii.Strings("aws.s3"),
			DetailType: jsii.Strings("Object Created"),
			Detail: &map[string]any{
				"bucket": map[string]any{"name": []any{g.Bucket.BucketName()}},
				"object": map[string]any{"key": []any{map[string]any{"wildcard": ReleasesPattern}}},
			},
		},
		Targets: &[]awsevents.IRuleTarget{awseventstargets.NewSfnStateMachine(g.StateMachine, &awseventstargets.SfnStateMachineProps{
			RetryAttempts: jsii.Number(8),
			MaxEventAge:   awscdk.Duration_Hours(jsii.Number(1)),
		})},
	})
	awsevents.NewRule(c, jsii.String("AlarmRaised"), &awsevents.RuleProps{
		Description: jsii.String("Restore blue at once when an alarm watching a release goes to ALARM"),
		EventPattern: &awsevents.EventPattern{
			Source:     jsii.Strings("aws.cloudwatch"),
			DetailType: jsii.Strings("CloudWatch Alarm State Change"),
			Detail:     &map[string]any{"state": map[string]any{"value": []any{"ALARM"}}},
		},
		Targets: &[]awsevents.IRuleTarget{awseventstargets.NewLambdaFunction(g.Functions["guard"], &awseventstargets.LambdaFunctionProps{
			RetryAttempts: jsii.Number(2),
			MaxEventAge:   awscdk.Duration_Minutes(jsii.Number(5)),
		})},
	})

	awsevents.NewRule(c, jsii.String("ReleaseEndedUnfinished"), &awsevents.RuleProps{
		Description: jsii.String("Restore the function and release the lock when a release execution is stopped, times out or fails outside its own paths"),
		EventPattern: &awsevents.EventPattern{
			Source:     jsii.Strings("aws.states"),
			DetailType: jsii.Strings("Step Functions Execution Status Change"),
			Detail: &map[string]any{
				"status":          []any{"ABORTED", "TIMED_OUT", "FAILED"},
				"stateMachineArn": []any{g.StateMachine.StateMachineArn()},
			},
		},
		Targets: &[]awsevents.IRuleTarget{awseventstargets.NewLambdaFunction(g.Functions["watchdog"], &awseventstargets.LambdaFunctionProps{
			RetryAttempts: jsii.Number(8),
			MaxEventAge:   awscdk.Duration_Hours(jsii.Number(1)),
		})},
	})

	g.dashboard(p.Name)
	output(c, OutputBucket, g.Bucket.BucketName(), "artifact bucket: upload releases/<function>/<build>.zip")
	output(c, OutputTopic, g.Topic.TopicArn(), "release notifications")
	output(c, OutputStateMachine, g.StateMachine.StateMachineArn(), "release state machine")
	suppress(stack, g, p)
	return g
}

func (p Props) validate() error {
	if err := p.Config.Validate(); err != nil {
		return err
	}
	var problems []string
	for _, name := range functionNames {
		own := p.Name + "-" + name
		if p.Config.Targets.ByName(own) {
			problems = append(problems, fmt.Sprintf("targets select greenlight's own function %s", own))
		}
		bootstrap := filepath.Join(p.Assets, name, "bootstrap")
		if _, err := os.Stat(bootstrap); err != nil {
			problems = append(problems, fmt.Sprintf("%s is missing: build the functions first (make build)", bootstrap))
		}
	}
	for i, email := range p.Emails {
		if !strings.Contains(email, "@") {
			problems = append(problems, fmt.Sprintf("emails[%d]: %q is not an email address", i, email))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("greenlight: %s", strings.Join(problems, "; "))
	}
	return nil
}

// timeouts of the functions that wait on something: deploy waits for the
// code update, test for the functions under test.
var timeouts = map[string]float64{"deploy": 300, "test": 300}

func newFunction(scope constructs.Construct, p Props, name string, env map[string]*string) awslambda.Function {
	timeout, ok := timeouts[name]
	if !ok {
		timeout = 30
	}
	return awslambda.NewFunction(scope, jsii.String(strings.ToUpper(name[:1])+name[1:]+"Function"), &awslambda.FunctionProps{
		FunctionName:  jsii.String(p.Name + "-" + name),
		Description:   jsii.String("greenlight " + name),
		Runtime:       awslambda.Runtime_PROVIDED_AL2023(),
		Architecture:  p.Architecture,
		Handler:       jsii.String("bootstrap"),
		Code:          awslambda.Code_FromAsset(jsii.String(filepath.Join(p.Assets, name)), nil),
		MemorySize:    jsii.Number(256),
		Timeout:       awscdk.Duration_Seconds(jsii.Number(timeout)),
		Environment:   &env,
		LoggingFormat: awslambda.LoggingFormat_JSON,
	})
}

func output(scope constructs.Construct, key string, value *string, description string) {
	out := awscdk.NewCfnOutput(scope, jsii.String(key), &awscdk.CfnOutputProps{
		Value:       value,
		Description: jsii.String(description),
	})
	// The CLI reads outputs by these exact keys.
	out.OverrideLogicalId(jsii.String(key))
}

func (g *Greenlight) dashboard(name string) {
	sm := g.StateMachine
	executions := awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{
		Title: jsii.String("Releases"),
		Width: jsii.Number(12),
		Left: &[]awscloudwatch.IMetric{
			sm.MetricStarted(&awscloudwatch.MetricOptions{Label: jsii.String("started"), Statistic: jsii.String("Sum")}),
			sm.MetricSucceeded(&awscloudwatch.MetricOptions{Label: jsii.String("promoted or no change"), Statistic: jsii.String("Sum")}),
			sm.MetricFailed(&awscloudwatch.MetricOptions{Label: jsii.String("rolled back, rejected or failed"), Statistic: jsii.String("Sum")}),
			sm.MetricTimedOut(&awscloudwatch.MetricOptions{Label: jsii.String("timed out"), Statistic: jsii.String("Sum")}),
		},
	})
	var errors []awscloudwatch.IMetric
	for _, fn := range functionNames {
		errors = append(errors, g.Functions[fn].MetricErrors(&awscloudwatch.MetricOptions{Label: jsii.String(fn), Statistic: jsii.String("Sum")}))
	}
	functionErrors := awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{
		Title: jsii.String("Deployer function errors"),
		Width: jsii.Number(12),
		Left:  &errors,
	})
	// The notify function counts every notification as an EMF log line
	// (notice.MetricLine); this widget graphs those of group releases.
	var groups []awscloudwatch.IMetric
	for _, e := range []notice.Event{notice.Started, notice.Promoted, notice.RolledBack, notice.Failed} {
		groups = append(groups, awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace:  jsii.String(notice.MetricNamespace),
			MetricName: jsii.String(notice.MetricReleases),
			DimensionsMap: &map[string]*string{
				notice.DimensionKind:  jsii.String(notice.KindGroup),
				notice.DimensionEvent: jsii.String(string(e)),
			},
			Label:     jsii.String(string(e)),
			Statistic: jsii.String("Sum"),
		}))
	}
	groupReleases := awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{
		Title: jsii.String("Group releases"),
		Width: jsii.Number(12),
		Left:  &groups,
	})
	awscloudwatch.NewDashboard(g.Construct, jsii.String("Dashboard"), &awscloudwatch.DashboardProps{
		DashboardName: jsii.String(name + "-releases"),
		Widgets:       &[]*[]awscloudwatch.IWidget{{executions, functionErrors}, {groupReleases}},
	})
}
