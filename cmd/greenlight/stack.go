package main

import (
	"context"
	"errors"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/smithy-go"
)

// defaultStack is the stack name `make deploy` and `greenlight local up` use.
const defaultStack = "greenlight"

// stackOutputs are the stack outputs the release commands work with.
type stackOutputs struct {
	Bucket          string // ArtifactBucketName
	TopicARN        string // TopicArn
	StateMachineARN string // StateMachineArn
}

type stackDescriber interface {
	DescribeStacks(ctx context.Context, in *cloudformation.DescribeStacksInput, optFns ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error)
}

var _ stackDescriber = (*cloudformation.Client)(nil)

// discoverStack reads the outputs of the deployed greenlight stack.
func discoverStack(ctx context.Context, api stackDescriber, name string) (stackOutputs, error) {
	out, err := api.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: &name})
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && apiErr.ErrorCode() == "ValidationError" && strings.Contains(apiErr.ErrorMessage(), "does not exist") {
		return stackOutputs{}, environmentf("stack %q is not deployed: run `make deploy` (AWS) or `greenlight local up` (local cloud), or name another stack with --stack or GREENLIGHT_STACK", name)
	}
	if err != nil {
		return stackOutputs{}, environmentf("describe stack %q: %w", name, err)
	}
	if len(out.Stacks) == 0 {
		return stackOutputs{}, environmentf("stack %q is not deployed", name)
	}
	var s stackOutputs
	for _, o := range out.Stacks[0].Outputs {
		if o.OutputKey == nil || o.OutputValue == nil {
			continue
		}
		switch *o.OutputKey {
		case "ArtifactBucketName":
			s.Bucket = *o.OutputValue
		case "TopicArn":
			s.TopicARN = *o.OutputValue
		case "StateMachineArn":
			s.StateMachineARN = *o.OutputValue
		}
	}
	var missing []string
	if s.Bucket == "" {
		missing = append(missing, "ArtifactBucketName")
	}
	if s.StateMachineARN == "" {
		missing = append(missing, "StateMachineArn")
	}
	if len(missing) > 0 {
		return stackOutputs{}, environmentf("stack %q has no output %s: is it a greenlight stack?", name, strings.Join(missing, ", "))
	}
	return s, nil
}
