package greenlight_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"

	"github.com/greenlight/greenlight/infra/greenlight"
)

// handOverStack is a stack with one function, orders, handed to greenlight
// with targets, changed by also before synth.
func handOverStack(name string, targets greenlight.Targets, also func(awscdk.Stack, awslambda.Function)) (awscdk.App, awscdk.Stack) {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Shop"), nil)
	props := &awslambda.FunctionProps{
		Runtime: awslambda.Runtime_PROVIDED_AL2023(),
		Handler: jsii.String("bootstrap"),
		Code:    placeholder(stack),
	}
	if name != "" {
		props.FunctionName = jsii.String(name)
	}
	fn := awslambda.NewFunction(stack, jsii.String("Orders"), props)
	greenlight.HandOver(fn, targets)
	if also != nil {
		also(stack, fn)
	}
	return app, stack
}

// placeholder is code in a bucket the stack does not own: nothing to build.
func placeholder(stack awscdk.Stack) awslambda.Code {
	bucket := awss3.Bucket_FromBucketName(stack, jsii.String("Code"+fmt.Sprint(len(*stack.Node().Children()))), jsii.String("shop-code"))
	return awslambda.Code_FromBucket(bucket, jsii.String("placeholder.zip"), nil)
}

// synthProblem synthesizes app and returns why synth failed, or "".
func synthProblem(app awscdk.App) (problem string) {
	defer func() {
		if r := recover(); r != nil {
			problem = fmt.Sprint(r)
		}
	}()
	app.Synth(nil)
	return ""
}

func TestHandOver(t *testing.T) {
	tag := greenlight.Targets{Tag: &greenlight.Tag{Key: "greenlight", Value: "managed"}}
	names := greenlight.Targets{Names: []string{"orders"}}
	prefix := greenlight.Targets{Prefix: "shop-"}
	tests := []struct {
		name    string
		fn      string
		targets greenlight.Targets
		also    func(awscdk.Stack, awslambda.Function)
		want    []string // parts of the synth error; none: synth succeeds
	}{
		{name: "tag, generated name", targets: tag},
		{name: "listed name", fn: "orders", targets: names},
		{name: "prefixed name", fn: "shop-orders", targets: prefix},
		{name: "name not selected", fn: "payments", targets: names,
			want: []string{`the targets (names, prefix) do not select function "payments"`}},
		{name: "generated name, no tag", targets: prefix,
			want: []string{"has no FunctionName known at synth"}},
		{name: "tag without value", targets: greenlight.Targets{Tag: &greenlight.Tag{Key: "greenlight"}},
			want: []string{"targets.tag.value is empty"}},
		{name: "current version", targets: tag,
			also: func(_ awscdk.Stack, fn awslambda.Function) { fn.CurrentVersion() },
			want: []string{"Shop/Orders/CurrentVersion/Resource manages a version of Shop/Orders"}},
		{name: "live alias", fn: "orders", targets: names,
			also: func(s awscdk.Stack, fn awslambda.Function) {
				awslambda.NewAlias(s, jsii.String("Live"), &awslambda.AliasProps{AliasName: jsii.String("live"), Version: fn.CurrentVersion()})
			},
			want: []string{`Shop/Live/Resource manages alias "live" of Shop/Orders`, "manages a version of Shop/Orders"}},
		{name: "alias by name in L1", fn: "orders", targets: names,
			also: func(s awscdk.Stack, _ awslambda.Function) {
				awslambda.NewCfnAlias(s, jsii.String("Green"), &awslambda.CfnAliasProps{
					FunctionName: jsii.String("orders"), FunctionVersion: jsii.String("1"), Name: jsii.String("green"),
				})
			},
			want: []string{`Shop/Green manages alias "green" of Shop/Orders`}},
		{name: "another function's version", targets: tag,
			also: func(s awscdk.Stack, _ awslambda.Function) {
				other := awslambda.NewFunction(s, jsii.String("Other"), &awslambda.FunctionProps{
					Runtime: awslambda.Runtime_PROVIDED_AL2023(),
					Handler: jsii.String("bootstrap"),
					Code:    placeholder(s),
				})
				other.CurrentVersion()
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app, _ := handOverStack(tt.fn, tt.targets, tt.also)
			problem := synthProblem(app)
			if len(tt.want) == 0 && problem != "" {
				t.Fatalf("synth failed: %s", problem)
			}
			if len(tt.want) > 0 && problem == "" {
				t.Fatalf("synth succeeded, want it to fail with %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(problem, w) {
					t.Errorf("synth error does not say %q:\n%s", w, problem)
				}
			}
		})
	}
}

func TestHandOverTagsOnlyTheFunction(t *testing.T) {
	_, stack := handOverStack("", greenlight.Targets{Tag: &greenlight.Tag{Key: "greenlight", Value: "managed"}}, nil)
	tpl := assertions.Template_FromStack(stack, nil)
	tag := assertions.Match_ArrayWith(&[]any{map[string]any{"Key": "greenlight", "Value": "managed"}})
	tpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), &map[string]any{"Tags": tag})
	// The execution role is not a target: the tag stays off it.
	roles := tpl.FindResources(jsii.String("AWS::IAM::Role"), &map[string]any{
		"Properties": map[string]any{"Tags": tag},
	})
	if len(*roles) != 0 {
		t.Errorf("the function's role carries the target tag: %v", *roles)
	}
	tpl.ResourceCountIs(jsii.String("AWS::Lambda::Version"), jsii.Number(0))
	tpl.ResourceCountIs(jsii.String("AWS::Lambda::Alias"), jsii.Number(0))
}
