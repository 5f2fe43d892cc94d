package greenlight

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"

	"github.com/greenlight/greenlight/internal/bundle"
	"github.com/greenlight/greenlight/internal/ledger"
)

// Lambda actions on the target functions, by need. No other Lambda action is
// granted, and none on a resource outside the targets.
var (
	lambdaRead = []string{"lambda:GetFunction", "lambda:GetFunctionConfiguration", "lambda:GetAlias", "lambda:ListVersionsByFunction"}
	// lambdaAliases move traffic: the functions that shift, promote and
	// restore blue never change code.
	lambdaAliases = append([]string{"lambda:CreateAlias", "lambda:UpdateAlias"}, lambdaRead...)
	// lambdaDeploy changes code and configuration (never the role: no
	// iam:PassRole is granted anywhere).
	lambdaDeploy = append([]string{"lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration", "lambda:PublishVersion"}, lambdaAliases...)
	lambdaInvoke = append([]string{"lambda:InvokeFunction"}, lambdaRead...)
)

// ReleaseAlarmPrefix starts the name of every alarm greenlight creates; the
// functions may create and delete only alarms named so.
const ReleaseAlarmPrefix = "greenlight-"

// access is what one function may do.
type access struct {
	readReleases bool     // read artifacts and manifests under releases/
	locks        bool     // read and write lock records under locks/
	endings      bool     // create the once-markers of ended executions under ended/
	readLeft     bool     // read what the last release left each function in, under left/ (the drift check)
	writeLeft    bool     // record and forget what a release left its function in, under left/
	code         bool     // read and write which artifact each published version runs, under code/; use layers
	bundles      bool     // write and read the members' code extracted from a group's bundle, under bundles/
	executions   bool     // describe executions of the release state machine (stale locks)
	tasks        bool     // answer the task tokens of the release state machine (end a bake or approval)
	alarms       bool     // read any alarm; create and delete greenlight's own
	publish      bool     // publish to the topic
	metrics      bool     // read metric data (green's error rate); GetMetricData has no resource-level permissions
	targets      []string // Lambda actions on the target functions
}

// accessOf holds each function's grants. Every function that reads the
// bucket may list it, so that a missing object is a 404, not a 403.
var accessOf = map[string]access{
	"prepare":  {readReleases: true, targets: lambdaRead},
	"lock":     {locks: true, executions: true, readLeft: true, targets: lambdaRead},
	"unlock":   {locks: true, alarms: true, writeLeft: true, targets: lambdaRead},
	"deploy":   {readReleases: true, locks: true, code: true, bundles: true, alarms: true, targets: lambdaDeploy},
	"test":     {locks: true, targets: lambdaInvoke},
	"shift":    {locks: true, alarms: true, tasks: true, targets: lambdaAliases},
	"verify":   {locks: true, alarms: true},
	"promote":  {locks: true, alarms: true, targets: lambdaAliases},
	"rollback": {locks: true, alarms: true, targets: lambdaAliases},
	"notify":   {publish: true, metrics: true},
	"guard":    {locks: true, alarms: true, tasks: true, targets: lambdaAliases},
	"watchdog": {locks: true, endings: true, writeLeft: true, publish: true, targets: lambdaAliases},
}

func statement(actions []string, resources ...*string) awsiam.PolicyStatement {
	return awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings(actions...),
		Resources: &resources,
	})
}

func arn(stack awscdk.Stack, service, resource, name string) *string {
	return stack.FormatArn(&awscdk.ArnComponents{
		Service:      jsii.String(service),
		Resource:     jsii.String(resource),
		ResourceName: jsii.String(name),
		ArnFormat:    awscdk.ArnFormat_COLON_RESOURCE_NAME,
	})
}

// targetStatements grant actions on the target functions: a named function
// and its versions and aliases, every function whose name has the prefix, and
// every function that carries the tag.
func targetStatements(stack awscdk.Stack, t Targets, actions []string) []awsiam.PolicyStatement {
	if len(actions) == 0 {
		return nil
	}
	var resources []*string
	for _, name := range t.Names {
		resources = append(resources, arn(stack, "lambda", "function", name), arn(stack, "lambda", "function", name+":*"))
	}
	if t.Prefix != "" {
		resources = append(resources, arn(stack, "lambda", "function", t.Prefix+"*"))
	}
	var out []awsiam.PolicyStatement
	if len(resources) > 0 {
		out = append(out, statement(actions, resources...))
	}
	if t.Tag != nil {
		out = append(out, awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:   jsii.Strings(actions...),
			Resources: &[]*string{arn(stack, "lambda", "function", "*")},
			Conditions: &map[string]any{
				"StringEquals": map[string]any{"aws:ResourceTag/" + t.Tag.Key: t.Tag.Value},
			},
		}))
	}
	return out
}

// hookResources are the configured test hooks, by ARN or by name.
func hookResources(stack awscdk.Stack, hooks []string) []*string {
	var out []*string
	for _, h := range hooks {
		if strings.HasPrefix(h, "arn:") {
			out = append(out, jsii.String(h), jsii.String(h+":*"))
			continue
		}
		out = append(out, arn(stack, "lambda", "function", h), arn(stack, "lambda", "function", h+":*"))
	}
	return out
}

func grant(stack awscdk.Stack, g *Greenlight, p Props, stateMachineName string) {
	bucket := g.Bucket
	for _, name := range functionNames {
		a, fn := accessOf[name], g.Functions[name]
		if a.readReleases || a.locks || a.code {
			fn.AddToRolePolicy(statement([]string{"s3:ListBucket"}, bucket.BucketArn()))
		}
		if a.readReleases {
			fn.AddToRolePolicy(statement([]string{"s3:GetObject", "s3:GetObjectVersion"}, bucket.ArnForObjects(jsii.String("releases/*"))))
		}
		if a.locks {
			fn.AddToRolePolicy(statement([]string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject"}, bucket.ArnForObjects(jsii.String("locks/*"))))
		}
		if a.code {
			fn.AddToRolePolicy(statement([]string{"s3:GetObject", "s3:PutObject"}, bucket.ArnForObjects(jsii.String(ledger.CodePrefix+"*"))))
			// A release's configuration may name layers; Lambda checks that
			// the caller may read each layer version it attaches.
			fn.AddToRolePolicy(statement([]string{"lambda:GetLayerVersion"}, arn(stack, "lambda", "layer", "*")))
		}
		if a.bundles {
			fn.AddToRolePolicy(statement([]string{"s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"}, bucket.ArnForObjects(jsii.String(bundle.Prefix+"*"))))
		}
		if a.endings {
			fn.AddToRolePolicy(statement([]string{"s3:PutObject"}, bucket.ArnForObjects(jsii.String(ledger.EndedPrefix+"*"))))
		}
		if a.readLeft {
			fn.AddToRolePolicy(statement([]string{"s3:GetObject"}, bucket.ArnForObjects(jsii.String(ledger.LeftPrefix+"*"))))
		}
		if a.writeLeft {
			fn.AddToRolePolicy(statement([]string{"s3:PutObject", "s3:DeleteObject"}, bucket.ArnForObjects(jsii.String(ledger.LeftPrefix+"*"))))
		}
		if a.executions {
			// By name: the state machine invokes this function, so its ARN
			// cannot be referenced here.
			fn.AddToRolePolicy(statement([]string{"states:DescribeExecution"}, arn(stack, "states", "execution", stateMachineName+":*")))
		}
		if a.tasks {
			// As StateMachine.grantTaskResponse does, by name for the same
			// reason as above.
			fn.AddToRolePolicy(statement([]string{"states:SendTaskSuccess"}, arn(stack, "states", "stateMachine", stateMachineName)))
		}
		if a.alarms {
			fn.AddToRolePolicy(statement([]string{"cloudwatch:DescribeAlarms"}, arn(stack, "cloudwatch", "alarm", "*")))
			fn.AddToRolePolicy(statement([]string{"cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms"}, arn(stack, "cloudwatch", "alarm", ReleaseAlarmPrefix+"*")))
		}
		if a.publish {
			g.Topic.GrantPublish(fn)
		}
		if a.metrics {
			fn.AddToRolePolicy(statement([]string{"cloudwatch:GetMetricData"}, jsii.String("*")))
		}
		for _, s := range targetStatements(stack, p.Config.Targets, a.targets) {
			fn.AddToRolePolicy(s)
		}
	}
	if hooks := hookResources(stack, p.Config.Hooks()); len(hooks) > 0 {
		g.Functions["test"].AddToRolePolicy(statement([]string{"lambda:InvokeFunction"}, hooks...))
	}
}
