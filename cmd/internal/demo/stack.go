package demo

import (
	"context"
	"runtime"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/greenlight/greenlight/examples"
	"github.com/greenlight/greenlight/internal/stackref"
)

// DemoFunction is the function the demo releases; the default configuration
// in cdk.json targets it.
const DemoFunction = "greenlight-demo"

// NewRunner returns a Runner for the demo function and the shop group on
// the stack st, with
// clients built from cfg. goos/goarch say what the artifacts are built for:
// the host for the local cloud, linux/arm64 for AWS.
func NewRunner(cfg aws.Config, st stackref.Stack, goos, goarch string) *Runner {
	arch := types.ArchitectureArm64
	if goarch == "amd64" {
		arch = types.ArchitectureX8664
	}
	return &Runner{
		Lambda:          awslambda.NewFromConfig(cfg),
		S3:              s3.NewFromConfig(cfg),
		SFN:             sfn.NewFromConfig(cfg),
		CloudWatch:      cloudwatch.NewFromConfig(cfg),
		Bucket:          st.Bucket,
		StateMachineARN: st.StateMachineARN,
		Function:        DemoFunction,
		Architecture:    arch,
		Artifact: func(ctx context.Context, version string) ([]byte, error) {
			return examples.Artifact(ctx, version, goos, goarch)
		},
		MemberArtifact: func(ctx context.Context, program, version string) ([]byte, error) {
			return examples.ShopArtifact(ctx, program, version, goos, goarch)
		},
	}
}

// HostTarget is the GOOS/GOARCH the local cloud runs functions for.
func HostTarget() (goos, goarch string) { return runtime.GOOS, runtime.GOARCH }
