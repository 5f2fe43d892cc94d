package greenlight

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// StackProps configure a stack that holds Greenlight alone.
type StackProps struct {
	awscdk.StackProps
	Greenlight Props
}

// NewStack creates a stack that holds Greenlight alone. Unless props say
// otherwise, its template is plain enough for the local cloud to apply as it
// is: no CDK metadata resource and no bootstrap version rule or parameter.
func NewStack(scope constructs.Construct, id string, props *StackProps) (awscdk.Stack, *Greenlight) {
	if props == nil {
		props = &StackProps{}
	}
	sp := props.StackProps
	if sp.AnalyticsReporting == nil {
		sp.AnalyticsReporting = jsii.Bool(false)
	}
	if sp.Synthesizer == nil {
		sp.Synthesizer = awscdk.NewDefaultStackSynthesizer(&awscdk.DefaultStackSynthesizerProps{
			GenerateBootstrapVersionRule: jsii.Bool(false),
		})
	}
	if sp.Description == nil {
		sp.Description = jsii.String("greenlight: blue/green and canary releases of Lambda functions")
	}
	stack := awscdk.NewStack(scope, jsii.String(id), &sp)
	return stack, New(stack, "Greenlight", &props.Greenlight)
}
