// Package traffic moves a function's callers between versions by setting its
// aliases: pointing an alias at one version, or splitting it between blue and
// green with weighted routing. Every operation is safe to repeat.
package traffic

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/greenlight/greenlight/internal/failure"
	"github.com/greenlight/greenlight/internal/ledger"
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

// Is reports whether a sends its traffic to version with exactly weights
// (none when weights is empty) on top.
func (a *Alias) Is(version string, weights map[string]float64) bool {
	if a == nil || a.Version != version || len(a.Weights) != len(weights) {
		return false
	}
	for v, w := range weights {
		if got, ok := a.Weights[v]; !ok || got != w {
			return false
		}
	}
	return true
}

// String describes where a sends traffic: "version 3", or "version 3 with
// 0.1 on version 4".
func (a *Alias) String() string {
	if a == nil {
		return "no alias"
	}
	s := "version " + a.Version
	for _, v := range slices.Sorted(maps.Keys(a.Weights)) {
		s += fmt.Sprintf(" with %v on version %s", a.Weights[v], v)
	}
	return s
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

// Unchanged checks that live is still where this release left it: one of
// expected, each a version and its weights. A release that finds it
// elsewhere was overtaken by an outside change, and must not move traffic
// again: it fails with a *failure.HaltedError by failure.ByOutsideChange.
func Unchanged(ctx context.Context, c Aliases, fn, alias string, expected ...Alias) error {
	live, err := Get(ctx, c, fn, alias)
	if err != nil {
		return failure.Classify("read "+alias, err)
	}
	for _, e := range expected {
		if live.Is(e.Version, e.Weights) {
			return nil
		}
	}
	want := make([]string, len(expected))
	for i := range expected {
		want[i] = expected[i].String()
	}
	return &failure.HaltedError{By: failure.ByOutsideChange, Reason: fmt.Sprintf(
		"the live alias %s:%s was changed outside greenlight: it serves %s, greenlight left it serving %s; traffic is left as it is",
		fn, alias, live, strings.Join(want, " or "))}
}

// Locker lets a task that lost its lock while it moved live take the lock
// back to undo its move.
type Locker interface {
	Reclaim(ctx context.Context, r ledger.Record) (ledger.Record, error)
	Release(ctx context.Context, fn, executionARN string) error
}

var _ Locker = (*ledger.Ledger)(nil)

// Retract undoes a move of live by a release whose lock went while the move
// was under way: the watchdog released it after the execution was stopped,
// or someone deleted it. When nobody holds the lock, Retract takes it, points
// live back at blue if live is still exactly where the move put it (moved),
// and lets the lock go again; a release that holds the lock by then is left
// alone. A first release has no blue to go back to.
func Retract(ctx context.Context, c Aliases, l Locker, d *release.Document, moved Alias) error {
	fn, blue := d.Function, d.State.Blue
	if blue == "" || d.State.FirstRelease {
		return nil
	}
	if _, err := l.Reclaim(ctx, ledger.RecordFor(d)); errors.Is(err, ledger.ErrNotHeld) {
		return nil
	} else if err != nil {
		return err
	}
	live, err := Get(ctx, c, fn, d.LiveAlias)
	if err == nil && live.Is(moved.Version, moved.Weights) {
		err = Point(ctx, c, fn, d.LiveAlias, blue)
	}
	if err != nil {
		// Keep the lock: the record says what to restore, and the
		// rollback that follows (or the watchdog) finds it.
		return failure.Classify("retract "+d.LiveAlias+" of "+fn, err)
	}
	return l.Release(ctx, fn, d.ExecutionARN)
}
