// Package traffic moves a function's callers between versions by setting its
// aliases: pointing an alias at one version, or splitting it between blue and
// green with weighted routing. Every operation is safe to repeat.
package traffic

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/greenlight/greenlight/internal/failure"
	"github.com/greenlight/greenlight/internal/release"
)

// Aliases is the part of the Lambda API that reads and writes aliases.
type Aliases interface {
	GetAlias(context.Context, *awslambda.GetAliasInput, ...func(*awslambda.Options)) (*awslambda.GetAliasOutput, error)
	UpdateAlias(context.Context, *awslambda.UpdateAliasInput, ...func(*awslambda.Options)) (*awslambda.UpdateAliasOutput, error)
	CreateAlias(context.Context, *awslambda.CreateAliasInput, ...func(*awslambda.Options)) (*awslambda.CreateAliasOutput, error)
}

var _ Aliases = (*awslambda.Client)(nil)

// Alias is where an alias sends its callers.
type Alias struct {
	Version string             // primary version
	Weights map[string]float64 // additional versions and their weights
}

// Get returns the alias, or nil when it does not exist.
func Get(ctx context.Context, c Aliases, fn, alias string) (*Alias, error) {
	out, err := c.GetAlias(ctx, &awslambda.GetAliasInput{FunctionName: &fn, Name: &alias})
	if err != nil {
		if failure.IsNotFound(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("get alias %s:%s: %w", fn, alias, err)
	}
	a := &Alias{Version: aws.ToString(out.FunctionVersion)}
	if out.RoutingConfig != nil {
		a.Weights = out.RoutingConfig.AdditionalVersionWeights
	}
	return a, nil
}

// Point sends all of the alias's traffic to version, clearing any weighted
// routing, and creates the alias when it does not exist.
func Point(ctx context.Context, c Aliases, fn, alias, version string) error {
	_, err := c.UpdateAlias(ctx, &awslambda.UpdateAliasInput{
		FunctionName:    &fn,
		Name:            &alias,
		FunctionVersion: &version,
		// An empty map, not nil, is what clears the routing.
		RoutingConfig: &lambdatypes.AliasRoutingConfiguration{AdditionalVersionWeights: map[string]float64{}},
	})
	if err == nil {
		return nil
	}
	updateErr := fmt.Errorf("point alias %s:%s at version %s: %w", fn, alias, version, err)
	if !failure.IsNotFound(err) {
		return updateErr
	}
	_, err = c.CreateAlias(ctx, &awslambda.CreateAliasInput{
		FunctionName:    &fn,
		Name:            &alias,
		FunctionVersion: &version,
		Description:     aws.String(release.ManagedAliasDescription),
	})
	var exists *lambdatypes.ResourceConflictException
	if errors.As(err, &exists) {
		// The alias exists, so what was not found is the version.
		return updateErr
	}
	if err != nil {
		return fmt.Errorf("create alias %s:%s at version %s: %w", fn, alias, version, err)
	}
	return nil
}

// Split keeps blue as the alias's primary version and sends weight (0..1) of
// the traffic to green.
func Split(ctx context.Context, c Aliases, fn, alias, blue, green string, weight float64) error {
	if weight <= 0 || weight >= 1 {
		return fmt.Errorf("split alias %s:%s: weight %v is not in (0, 1)", fn, alias, weight)
	}
	_, err := c.UpdateAlias(ctx, &awslambda.UpdateAliasInput{
		FunctionName:    &fn,
		Name:            &alias,
		FunctionVersion: &blue,
		RoutingConfig:   &lambdatypes.AliasRoutingConfiguration{AdditionalVersionWeights: map[string]float64{green: weight}},
	})
	if err != nil {
		return fmt.Errorf("send %v of %s:%s to version %s: %w", weight, fn, alias, green, err)
	}
	return nil
}
