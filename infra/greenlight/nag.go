package greenlight

import (
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/greenlight/greenlight/internal/bundle"
	"github.com/greenlight/greenlight/internal/ledger"
)

// suppress records, beside each cdk-nag AwsSolutions finding that greenlight
// accepts, why it is accepted. Each suppression names the exact resources it
// covers, so that a new wildcard is a new finding.
func suppress(stack awscdk.Stack, g *Greenlight, p Props) {
	cdknag.NagSuppressions_AddResourceSuppressions(g.Bucket, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-S1"),
		Reason: jsii.String("The bucket holds release artifacts and lock records written by greenlight and CI; " +
			"CloudTrail data events, not a second log bucket, are where an account audits object access."),
	}}, nil)

	for _, name := range functionNames {
		var wildcards []any
		a := accessOf[name]
		if a.readReleases {
			wildcards = append(wildcards, bucketObjects("releases"))
		}
		if a.locks {
			wildcards = append(wildcards, bucketObjects("locks"))
		}
		if a.bundles {
			wildcards = append(wildcards, bucketObjects(strings.TrimSuffix(bundle.Prefix, "/")))
		}
		if a.endings {
			wildcards = append(wildcards, bucketObjects(strings.TrimSuffix(ledger.EndedPrefix, "/")))
		}
		if a.readLeft || a.writeLeft {
			wildcards = append(wildcards, bucketObjects(strings.TrimSuffix(ledger.LeftPrefix, "/")))
		}
		if a.code {
			wildcards = append(wildcards, bucketObjects(strings.TrimSuffix(ledger.CodePrefix, "/")), arnPattern("lambda", "layer", "*"))
		}
		if a.executions {
			wildcards = append(wildcards, arnPattern("states", "execution", p.Name+"-releases:*"))
		}
		if a.alarms {
			wildcards = append(wildcards, arnPattern("cloudwatch", "alarm", "*"), arnPattern("cloudwatch", "alarm", ReleaseAlarmPrefix+"*"))
		}
		if len(a.targets) > 0 {
			wildcards = append(wildcards, targetPatterns(p.Config.Targets)...)
		}
		if a.metrics {
			wildcards = append(wildcards, "Resource::*")
		}
		if name == "test" {
			for _, h := range p.Config.Hooks() {
				wildcards = append(wildcards, hookPattern(h))
			}
		}
		suppressions := []*cdknag.NagPackSuppression{{
			Id:        jsii.String("AwsSolutions-IAM4"),
			AppliesTo: &[]any{"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"},
			Reason: jsii.String("AWSLambdaBasicExecutionRole grants only logs:CreateLogGroup, CreateLogStream and " +
				"PutLogEvents, which every function needs to write its own logs."),
		}}
		if len(wildcards) > 0 {
			suppressions = append(suppressions, &cdknag.NagPackSuppression{
				Id:        jsii.String("AwsSolutions-IAM5"),
				AppliesTo: &wildcards,
				Reason: jsii.String("Each wildcard is as narrow as the resource allows: objects under one key prefix of the " +
					"artifact bucket; the versions and aliases (name:*) of a configured target or hook, the functions " +
					"that start with the configured prefix, or, for a tag, any function whose tag matches (the statement " +
					"carries an aws:ResourceTag condition); the layer versions a release's configuration may attach, which only the release names; executions of this stack's state machine; alarms greenlight " +
					"creates (greenlight-*), and read-only DescribeAlarms on the user's alarms, whose names are configuration; " +
					"read-only GetMetricData on *, as CloudWatch has no resource-level permissions for it."),
			})
		}
		cdknag.NagSuppressions_AddResourceSuppressions(g.Functions[name], &suppressions, jsii.Bool(true))
	}

	cdknag.NagSuppressions_AddResourceSuppressions(g.StateMachine, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		AppliesTo: &[]any{
			&cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::<[A-Za-z0-9]+Function[A-Za-z0-9]*\.Arn>:\*$/`)},
			"Resource::*",
		},
		Reason: jsii.String("The state machine may invoke the versions and aliases (Arn:*) of greenlight's own functions. " +
			"X-Ray tracing and the CloudWatch Logs delivery API do not support resource-level permissions, so CDK grants " +
			"their actions on *."),
	}}, jsii.Bool(true))
}

func bucketObjects(prefix string) any {
	return &cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::<[A-Za-z0-9]*ArtifactBucket[A-Za-z0-9]*\.Arn>\/` + prefix + `\/\*$/`)}
}

// arnPattern matches how cdk-nag prints an ARN built by Stack.FormatArn, in
// an environment-agnostic stack (<AWS::Region>) or not (us-east-1).
func arnPattern(service, resource, name string) any {
	return &cdknag.RegexAppliesTo{Regex: jsii.String("/^Resource::arn:(<AWS::Partition>|aws[a-z-]*):" + service + ":(<AWS::Region>|[a-z0-9-]+):(<AWS::AccountId>|[0-9]+):" + resource + ":" +
		strings.ReplaceAll(regexp.QuoteMeta(name), "/", `\/`) + "$/")}
}

func targetPatterns(t Targets) []any {
	var out []any
	for _, name := range t.Names {
		out = append(out, arnPattern("lambda", "function", name+":*"))
	}
	if t.Prefix != "" {
		out = append(out, arnPattern("lambda", "function", t.Prefix+"*"))
	}
	if t.Tag != nil {
		out = append(out, arnPattern("lambda", "function", "*"))
	}
	return out
}

func hookPattern(hook string) any {
	if strings.HasPrefix(hook, "arn:") {
		return "Resource::" + hook + ":*"
	}
	return arnPattern("lambda", "function", hook+":*")
}
