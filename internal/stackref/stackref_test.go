package stackref

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/smithy-go"
)

type describeFunc func(context.Context, *cloudformation.DescribeStacksInput, ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error)

func (f describeFunc) DescribeStacks(ctx context.Context, in *cloudformation.DescribeStacksInput, opts ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error) {
	return f(ctx, in, opts...)
}

func withOutputs(kv ...string) describeFunc {
	return func(context.Context, *cloudformation.DescribeStacksInput, ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error) {
		var outs []types.Output
		for i := 0; i < len(kv); i += 2 {
			outs = append(outs, types.Output{OutputKey: aws.String(kv[i]), OutputValue: aws.String(kv[i+1])})
		}
		return &cloudformation.DescribeStacksOutput{Stacks: []types.Stack{{Outputs: outs}}}, nil
	}
}

func failing(err error) describeFunc {
	return func(context.Context, *cloudformation.DescribeStacksInput, ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error) {
		return nil, err
	}
}

func TestFind(t *testing.T) {
	network := errors.New("dial tcp: connection refused")
	tests := []struct {
		name        string
		api         describeFunc
		want        Stack
		notDeployed bool
		wrapped     error
	}{
		{
			name: "all outputs",
			api:  withOutputs(OutputBucket, "b", OutputStateMachine, "arn:sm", OutputTopic, "arn:topic", "Other", "x"),
			want: Stack{Name: "greenlight", Bucket: "b", StateMachineARN: "arn:sm", TopicARN: "arn:topic"},
		},
		{name: "not a greenlight stack", api: withOutputs(OutputTopic, "arn:topic"), notDeployed: true},
		{
			name:        "does not exist",
			api:         failing(&smithy.GenericAPIError{Code: "ValidationError", Message: "Stack with id greenlight does not exist"}),
			notDeployed: true,
		},
		{name: "network", api: failing(network), wrapped: network},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Find(context.Background(), tt.api, "greenlight")
			var nd *NotDeployedError
			switch {
			case tt.notDeployed:
				if !errors.As(err, &nd) {
					t.Fatalf("err = %v, want *NotDeployedError", err)
				}
			case tt.wrapped != nil:
				if !errors.Is(err, tt.wrapped) || errors.As(err, &nd) {
					t.Fatalf("err = %v, want it to wrap %v", err, tt.wrapped)
				}
			default:
				if err != nil || got != tt.want {
					t.Fatalf("Find = %+v, %v; want %+v", got, err, tt.want)
				}
			}
		})
	}
}

func TestNameFromEnv(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"unset", nil, DefaultName},
		{"empty", map[string]string{NameVar: ""}, DefaultName},
		{"set", map[string]string{NameVar: "greenlight-staging"}, "greenlight-staging"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NameFromEnv(func(k string) string { return tt.env[k] }); got != tt.want {
				t.Errorf("NameFromEnv = %q, want %q", got, tt.want)
			}
		})
	}
}
