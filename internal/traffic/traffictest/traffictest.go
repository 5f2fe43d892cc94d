// Package traffictest provides an in-memory stand-in for the Lambda alias
// calls of package traffic, answering like Lambda does (including
// ResourceNotFoundException for a missing alias), for tests of the functions
// that move traffic.
package traffictest

import (
	"context"
	"maps"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/greenlight/greenlight/internal/traffic"
)

// Aliases holds the aliases of one function by name. Errs maps an operation
// name ("GetAlias", "UpdateAlias", "CreateAlias") to the error it returns.
type Aliases struct {
	mu      sync.Mutex
	aliases map[string]traffic.Alias
	Errs    map[string]error
	Calls   []string // operations in call order
}

var _ traffic.Aliases = (*Aliases)(nil)

// New returns a function whose aliases are as given.
func New(aliases map[string]traffic.Alias) *Aliases {
	a := &Aliases{aliases: map[string]traffic.Alias{}, Errs: map[string]error{}}
	for k, v := range aliases {
		a.aliases[k] = v
	}
	return a
}

// Alias returns the named alias and whether it exists.
func (a *Aliases) Alias(name string) (traffic.Alias, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	v, ok := a.aliases[name]
	return v, ok
}

func (a *Aliases) call(op string) error {
	a.Calls = append(a.Calls, op)
	return a.Errs[op]
}

// GetAlias implements traffic.Aliases.
func (a *Aliases) GetAlias(_ context.Context, in *awslambda.GetAliasInput, _ ...func(*awslambda.Options)) (*awslambda.GetAliasOutput, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.call("GetAlias"); err != nil {
		return nil, err
	}
	v, ok := a.aliases[aws.ToString(in.Name)]
	if !ok {
		return nil, &lambdatypes.ResourceNotFoundException{Message: aws.String("Alias not found")}
	}
	return &awslambda.GetAliasOutput{
		Name:            in.Name,
		FunctionVersion: aws.String(v.Version),
		RoutingConfig:   &lambdatypes.AliasRoutingConfiguration{AdditionalVersionWeights: maps.Clone(v.Weights)},
	}, nil
}

// UpdateAlias implements traffic.Aliases.
func (a *Aliases) UpdateAlias(_ context.Context, in *awslambda.UpdateAliasInput, _ ...func(*awslambda.Options)) (*awslambda.UpdateAliasOutput, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.call("UpdateAlias"); err != nil {
		return nil, err
	}
	name := aws.ToString(in.Name)
	v, ok := a.aliases[name]
	if !ok {
		return nil, &lambdatypes.ResourceNotFoundException{Message: aws.String("Alias not found")}
	}
	if in.FunctionVersion != nil {
		v.Version = *in.FunctionVersion
	}
	if in.RoutingConfig != nil {
		v.Weights = maps.Clone(in.RoutingConfig.AdditionalVersionWeights)
	}
	a.aliases[name] = v
	return &awslambda.UpdateAliasOutput{Name: in.Name, FunctionVersion: aws.String(v.Version)}, nil
}

// CreateAlias implements traffic.Aliases.
func (a *Aliases) CreateAlias(_ context.Context, in *awslambda.CreateAliasInput, _ ...func(*awslambda.Options)) (*awslambda.CreateAliasOutput, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.call("CreateAlias"); err != nil {
		return nil, err
	}
	name := aws.ToString(in.Name)
	if _, ok := a.aliases[name]; ok {
		return nil, &lambdatypes.ResourceConflictException{Message: aws.String("Alias already exists")}
	}
	v := traffic.Alias{Version: aws.ToString(in.FunctionVersion)}
	if in.RoutingConfig != nil {
		v.Weights = maps.Clone(in.RoutingConfig.AdditionalVersionWeights)
	}
	a.aliases[name] = v
	return &awslambda.CreateAliasOutput{Name: in.Name, FunctionVersion: in.FunctionVersion}, nil
}
