package greenlight

import (
	"encoding/json"
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// HandOver hands fn, a function of the same CDK app, to greenlight: from the
// first release on, greenlight owns its code, the configuration it
// publishes, its published versions and its live and candidate aliases.
//
// When targets select functions by tag, HandOver tags fn with that tag, so
// fn is a target whatever its name. Otherwise fn needs a FunctionName that
// the targets select (Names or Prefix); a generated name is not known at
// synth.
//
// HandOver also makes synth fail when fn's stack holds a Lambda version or
// alias of fn: Function.CurrentVersion, NewVersion, NewAlias, Function.AddAlias,
// or their CfnVersion and CfnAlias. CloudFormation would publish versions of
// code no release tested, and point an alias it manages back at its own
// version on the next deploy, undoing a release.
func HandOver(fn awslambda.Function, targets Targets) {
	if t := targets.Tag; t != nil && t.Key != "" && t.Value != "" {
		awscdk.Tags_Of(fn).Add(jsii.String(t.Key), jsii.String(t.Value), &awscdk.TagProps{
			IncludeResourceTypes: jsii.Strings("AWS::Lambda::Function"),
		})
	}
	fn.Node().AddValidation(&handOver{fn: fn, targets: targets})
}

// handOver is the synth-time check HandOver adds to the function.
type handOver struct {
	fn      awslambda.Function
	targets Targets
}

// Validate implements constructs.IValidation.
func (h *handOver) Validate() *[]*string {
	var problems []string
	add := func(format string, args ...any) {
		problems = append(problems, "greenlight: "+fmt.Sprintf(format, args...))
	}
	path := *h.fn.Node().Path()
	if err := (Config{Targets: h.targets}).Validate(); err != nil {
		add("%s: %v", path, err)
	}
	cfn, _ := h.fn.Node().DefaultChild().(awslambda.CfnFunction)
	var name *string
	if cfn != nil {
		name = cfn.FunctionName()
	}
	if h.targets.Tag == nil {
		switch {
		case name == nil || *awscdk.Token_IsUnresolved(name):
			add("%s has no FunctionName known at synth: give it one that the targets select, or select targets by tag", path)
		case !h.targets.ByName(*name):
			add("%s: the targets (names, prefix) do not select function %q", path, *name)
		}
	}

	stack := awscdk.Stack_Of(h.fn)
	refs := map[string]bool{}
	for _, s := range []*string{h.fn.FunctionName(), h.fn.FunctionArn(), name} {
		if key, ok := resolved(stack, s); ok {
			refs[key] = true
		}
	}
	for _, c := range *stack.Node().FindAll(constructs.ConstructOrder_PREORDER) {
		r, ok := c.(awscdk.CfnResource)
		if !ok {
			continue
		}
		var kind string
		var target *string
		switch *r.CfnResourceType() {
		case "AWS::Lambda::Version":
			if v, ok := c.(awslambda.CfnVersion); ok {
				kind, target = "a version", v.FunctionName()
			}
		case "AWS::Lambda::Alias":
			if a, ok := c.(awslambda.CfnAlias); ok {
				kind, target = fmt.Sprintf("alias %q", *a.Name()), a.FunctionName()
			}
		}
		if key, ok := resolved(stack, target); ok && refs[key] {
			add("%s manages %s of %s, which greenlight owns: remove it (no CurrentVersion, Version or Alias for a function greenlight releases)",
				*c.Node().Path(), kind, path)
		}
	}
	out := make([]*string, len(problems))
	for i, p := range problems {
		out[i] = jsii.String(p)
	}
	return &out
}

// resolved is s resolved in stack, as comparable JSON: a literal name, or
// the Ref or Fn::GetAtt that names the function.
func resolved(stack awscdk.Stack, s *string) (string, bool) {
	if s == nil {
		return "", false
	}
	b, err := json.Marshal(stack.Resolve(s))
	if err != nil {
		return "", false
	}
	return string(b), true
}
