// Package drifttest provides an in-memory function for tests of what reads
// and moves its live alias and reads its $LATEST: the aliases of
// traffictest, and a $LATEST configuration.
package drifttest

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/greenlight/greenlight/internal/drift"
	"github.com/greenlight/greenlight/internal/traffic"
	"github.com/greenlight/greenlight/internal/traffic/traffictest"
)

// Function is one function: its aliases, and $LATEST's CodeSha256 and
// environment. LatestErr, when set, is what GetFunctionConfiguration
// returns.
type Function struct {
	*traffictest.Aliases
	CodeSHA256  string
	Environment map[string]string
	MemorySize  int32
	LatestErr   error
}

var (
	_ drift.Reader    = (*Function)(nil)
	_ traffic.Aliases = (*Function)(nil)
)

// New returns a function with the given aliases whose $LATEST runs code
// sha with 128 MB and env.
func New(aliases map[string]traffic.Alias, sha string, env map[string]string) *Function {
	return &Function{Aliases: traffictest.New(aliases), CodeSHA256: sha, Environment: env, MemorySize: 128}
}

// GetFunctionConfiguration implements drift.Reader for $LATEST.
func (f *Function) GetFunctionConfiguration(_ context.Context, in *awslambda.GetFunctionConfigurationInput, _ ...func(*awslambda.Options)) (*awslambda.GetFunctionConfigurationOutput, error) {
	if f.LatestErr != nil {
		return nil, f.LatestErr
	}
	return &awslambda.GetFunctionConfigurationOutput{
		FunctionName: in.FunctionName,
		Version:      aws.String("$LATEST"),
		CodeSha256:   aws.String(f.CodeSHA256),
		MemorySize:   aws.Int32(f.MemorySize),
		Environment:  &lambdatypes.EnvironmentResponse{Variables: f.Environment},
		RevisionId:   aws.String("r1"),
	}, nil
}
