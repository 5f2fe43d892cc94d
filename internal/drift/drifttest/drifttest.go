// Package drifttest provides in-memory functions for tests of what reads
// and moves their live aliases and reads their $LATEST: the aliases of
// traffictest, and a $LATEST configuration; a Fleet holds several, as the
// members of a group release.
package drifttest

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/greenlight/greenlight/internal/drift"
	"github.com/greenlight/greenlight/internal/release"
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

// Fleet is several functions by name, for tests of what acts on every
// member of a group release: each call goes to the function it names, and
// a function the fleet does not hold does not exist.
type Fleet map[string]*Function

var (
	_ drift.Reader    = Fleet(nil)
	_ traffic.Aliases = Fleet(nil)
)

// FleetOf returns a fleet with a function per member of group release d,
// each where d left it, its $LATEST running code "sha-<function>": the
// candidate alias on the member's green, and the live alias on its blue
// with d's weight on green — on green alone at weight 1, on blue alone for
// a member not released, none before the first step of a first release.
func FleetOf(d *release.Document) Fleet {
	f := Fleet{}
	for _, m := range d.Members {
		s, w := m.State, d.State.Weight
		aliases := map[string]traffic.Alias{}
		switch {
		case m.Released() && w >= 1:
			aliases[m.LiveAlias] = traffic.Alias{Version: s.Green}
		case s.Blue == "":
		case !m.Released() || w == 0:
			aliases[m.LiveAlias] = traffic.Alias{Version: s.Blue}
		default:
			aliases[m.LiveAlias] = traffic.Alias{Version: s.Blue, Weights: map[string]float64{s.Green: w}}
		}
		if s.Green != "" {
			aliases[m.CandidateAlias] = traffic.Alias{Version: s.Green}
		}
		f[m.Function] = New(aliases, "sha-"+m.Function, nil)
	}
	return f
}

// Serving says where the alias of each function sends its callers, as
// traffic.Alias.String says it: "version 3 with 0.1 on version 4", or "no
// alias".
func (f Fleet) Serving(alias string) map[string]string {
	out := make(map[string]string, len(f))
	for name, fn := range f {
		var a *traffic.Alias
		if v, ok := fn.Alias(alias); ok {
			a = &v
		}
		out[name] = a.String()
	}
	return out
}

// of returns the function name names, or one that does not exist: it
// answers every call with ResourceNotFoundException.
func (f Fleet) of(name *string) *Function {
	if fn, ok := f[aws.ToString(name)]; ok {
		return fn
	}
	missing := New(nil, "", nil)
	missing.LatestErr = &lambdatypes.ResourceNotFoundException{Message: aws.String("Function not found: " + aws.ToString(name))}
	for _, op := range []string{"GetAlias", "UpdateAlias", "CreateAlias"} {
		missing.Errs[op] = missing.LatestErr
	}
	return missing
}

// GetAlias implements traffic.Aliases.
func (f Fleet) GetAlias(ctx context.Context, in *awslambda.GetAliasInput, o ...func(*awslambda.Options)) (*awslambda.GetAliasOutput, error) {
	return f.of(in.FunctionName).GetAlias(ctx, in, o...)
}

// UpdateAlias implements traffic.Aliases.
func (f Fleet) UpdateAlias(ctx context.Context, in *awslambda.UpdateAliasInput, o ...func(*awslambda.Options)) (*awslambda.UpdateAliasOutput, error) {
	return f.of(in.FunctionName).UpdateAlias(ctx, in, o...)
}

// CreateAlias implements traffic.Aliases.
func (f Fleet) CreateAlias(ctx context.Context, in *awslambda.CreateAliasInput, o ...func(*awslambda.Options)) (*awslambda.CreateAliasOutput, error) {
	return f.of(in.FunctionName).CreateAlias(ctx, in, o...)
}

// GetFunctionConfiguration implements drift.Reader.
func (f Fleet) GetFunctionConfiguration(ctx context.Context, in *awslambda.GetFunctionConfigurationInput, o ...func(*awslambda.Options)) (*awslambda.GetFunctionConfigurationOutput, error) {
	return f.of(in.FunctionName).GetFunctionConfiguration(ctx, in, o...)
}
