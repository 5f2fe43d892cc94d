// Package stackref finds a deployed greenlight stack: the artifact bucket,
// the release state machine and the notification topic, read from the
// stack's outputs. The CLI, the demo and the end-to-end tests look the stack
// up through it, on AWS and on the local cloud alike.
package stackref

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/smithy-go"
)

// DefaultName is the stack name `make deploy` and `greenlight local up` use.
const DefaultName = "greenlight"

// NameVar is the environment variable that names the stack to use when no
// name is given (the CLI's --stack).
const NameVar = "GREENLIGHT_STACK"

// NameFromEnv returns the stack name getenv (os.Getenv) reads from NameVar,
// or DefaultName when it is unset or empty.
func NameFromEnv(getenv func(string) string) string {
	if name := getenv(NameVar); name != "" {
		return name
	}
	return DefaultName
}

// Output keys of the stack.
const (
	OutputBucket       = "ArtifactBucketName"
	OutputTopic        = "TopicArn"
	OutputStateMachine = "StateMachineArn"
)

// Stack is what a deployed greenlight stack offers its users.
type Stack struct {
	Name            string
	Bucket          string // where releases/<function>/<build>.zip is uploaded
	StateMachineARN string // the release state machine
	TopicARN        string // release notifications
}

// NotDeployedError says the stack does not exist or is not a greenlight stack.
type NotDeployedError struct {
	Name   string
	Reason string
}

func (e *NotDeployedError) Error() string {
	return fmt.Sprintf("stack %q %s", e.Name, e.Reason)
}

// Describer is the CloudFormation call Find makes.
type Describer interface {
	DescribeStacks(ctx context.Context, in *cloudformation.DescribeStacksInput, optFns ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error)
}

var _ Describer = (*cloudformation.Client)(nil)

// Find reads the outputs of the stack called name. A stack that does not
// exist, or lacks greenlight's outputs, is a *NotDeployedError; other
// failures (credentials, network) are returned wrapped.
func Find(ctx context.Context, api Describer, name string) (Stack, error) {
	out, err := api.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: &name})
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && apiErr.ErrorCode() == "ValidationError" && strings.Contains(apiErr.ErrorMessage(), "does not exist") {
		return Stack{}, &NotDeployedError{Name: name, Reason: "is not deployed"}
	}
	if err != nil {
		return Stack{}, fmt.Errorf("describe stack %q: %w", name, err)
	}
	if len(out.Stacks) == 0 {
		return Stack{}, &NotDeployedError{Name: name, Reason: "is not deployed"}
	}
	s := Stack{Name: name}
	for _, o := range out.Stacks[0].Outputs {
		switch aws.ToString(o.OutputKey) {
		case OutputBucket:
			s.Bucket = aws.ToString(o.OutputValue)
		case OutputTopic:
			s.TopicARN = aws.ToString(o.OutputValue)
		case OutputStateMachine:
			s.StateMachineARN = aws.ToString(o.OutputValue)
		}
	}
	var missing []string
	if s.Bucket == "" {
		missing = append(missing, OutputBucket)
	}
	if s.StateMachineARN == "" {
		missing = append(missing, OutputStateMachine)
	}
	if len(missing) > 0 {
		return Stack{}, &NotDeployedError{Name: name, Reason: "has no output " + strings.Join(missing, ", ") + ": is it a greenlight stack?"}
	}
	return s, nil
}
