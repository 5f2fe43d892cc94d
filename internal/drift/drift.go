// Package drift tells whether a function is as the last release left it.
//
// Greenlight owns what a release changes: the version the live alias
// serves, and the code and configuration of $LATEST that the next version
// is published from. Between releases other tools and people can change
// them too — a later cdk deploy or terraform apply, an alias pointed by
// hand. When a release ends, Leave records the function's State as it was
// left (the ledger keeps it); when the next release has taken its lock,
// Check compares that record with what it finds and says, one sentence
// each, what changed. The release runs either way: drift is a warning, sent
// in the started notification.
package drift

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/greenlight/greenlight/internal/failure"
	"github.com/greenlight/greenlight/internal/release"
)

// Reader is the part of the Lambda API that reads the live alias and $LATEST.
type Reader interface {
	GetAlias(context.Context, *awslambda.GetAliasInput, ...func(*awslambda.Options)) (*awslambda.GetAliasOutput, error)
	GetFunctionConfiguration(context.Context, *awslambda.GetFunctionConfigurationInput, ...func(*awslambda.Options)) (*awslambda.GetFunctionConfigurationOutput, error)
}

var _ Reader = (*awslambda.Client)(nil)

// History reads what the last release of a function left; ok is false when
// no release recorded it (the function's first release with greenlight).
type History interface {
	LeftOf(ctx context.Context, fn string) (left Left, ok bool, err error)
}

// Recorder keeps what each release left.
type Recorder interface {
	RecordLeft(ctx context.Context, left Left) error
	ForgetLeft(ctx context.Context, fn string) error
}

// State is what a function's callers and its next release start from.
type State struct {
	LiveAlias string `json:"liveAlias"`
	// Version is the version the live alias serves, "" when the function
	// has no live alias.
	Version string `json:"version,omitempty"`
	// Weights are the versions the live alias sends part of its traffic
	// to besides Version, and their weights (0..1).
	Weights map[string]float64 `json:"weights,omitempty"`
	// CodeSHA256 and Configuration are $LATEST's, as Lambda reports them.
	CodeSHA256    string                 `json:"codeSha256"`
	Configuration release.FunctionConfig `json:"configuration"`
}

// Left is the State a release left a function in, and which release.
type Left struct {
	Function     string    `json:"function"`
	ReleaseID    string    `json:"releaseId"`
	ExecutionARN string    `json:"executionArn"`
	At           time.Time `json:"at"`
	State
}

// Snapshot reads fn's State: where liveAlias sends its traffic, and
// $LATEST's code and configuration. Errors are classified (package failure).
func Snapshot(ctx context.Context, api Reader, fn, liveAlias string) (State, error) {
	s := State{LiveAlias: liveAlias}
	alias, err := api.GetAlias(ctx, &awslambda.GetAliasInput{FunctionName: &fn, Name: &liveAlias})
	switch {
	case failure.IsNotFound(err):
		// No live alias: nothing serves callers yet.
	case err != nil:
		return State{}, failure.Classify("read alias "+liveAlias+" of "+fn, err)
	default:
		s.Version = aws.ToString(alias.FunctionVersion)
		if r := alias.RoutingConfig; r != nil && len(r.AdditionalVersionWeights) > 0 {
			s.Weights = maps.Clone(r.AdditionalVersionWeights)
		}
	}
	latest, err := api.GetFunctionConfiguration(ctx, &awslambda.GetFunctionConfigurationInput{FunctionName: &fn})
	if err != nil {
		return State{}, failure.Classify("read $LATEST of "+fn, err)
	}
	s.CodeSHA256 = aws.ToString(latest.CodeSha256)
	s.Configuration = release.FunctionConfigOf(latest)
	return s, nil
}

// Leave records the State fn is in as what the release of left.ReleaseID
// (left.Function, left.ExecutionARN, left.LiveAlias) leaves. When that
// State cannot be read for a reason repeating does not mend, it forgets the
// record of an earlier release instead: the next release then finds no
// record and warns of nothing, rather than of the changes this one made.
// A *failure.ThrottledError is returned for the caller to retry.
func Leave(ctx context.Context, api Reader, rec Recorder, left Left) error {
	s, err := Snapshot(ctx, api, left.Function, left.LiveAlias)
	if retryable(err) {
		return err
	}
	if err != nil {
		return rec.ForgetLeft(ctx, left.Function)
	}
	left.State = s
	return rec.RecordLeft(ctx, left)
}

// Check compares what the last release left fn in with what fn is now, and
// says what changed outside greenlight; nothing when there is no record.
// Only a *failure.ThrottledError is returned, for the caller to retry: a
// check that fails otherwise must not stop the release, so it says that
// drift could not be checked, and why.
func Check(ctx context.Context, api Reader, h History, fn, liveAlias string) ([]string, error) {
	left, ok, err := h.LeftOf(ctx, fn)
	if err == nil && !ok {
		return nil, nil
	}
	var now State
	if err == nil {
		now, err = Snapshot(ctx, api, fn, liveAlias)
	}
	if retryable(err) {
		return nil, err
	}
	if err != nil {
		return []string{Unchecked + ": " + err.Error()}, nil
	}
	return Compare(left, now), nil
}

// Unchecked starts the sentence Check gives when it could not compare.
const Unchecked = "could not check whether live and $LATEST are as the last release left them"

func retryable(err error) bool {
	var throttled *failure.ThrottledError
	return errors.As(err, &throttled)
}

// Compare says, one sentence each, how now differs from what the last
// release left: where the live alias sends traffic, $LATEST's code, and
// each configuration value (secret-looking values masked). The live alias
// is compared only when the release names the same alias as the last one.
func Compare(left Left, now State) []string {
	var out []string
	if left.LiveAlias == now.LiveAlias {
		out = append(out, compareAlias(left, now)...)
	}
	if left.CodeSHA256 != now.CodeSHA256 {
		out = append(out, fmt.Sprintf("$LATEST code changed outside greenlight (sha256 %s → %s)", short(left.CodeSHA256), short(now.CodeSHA256)))
	}
	if changes := release.Changes(left.Configuration, now.Configuration); len(changes) > 0 {
		s := make([]string, len(changes))
		for i, c := range changes {
			s[i] = c.String()
		}
		out = append(out, "$LATEST configuration changed outside greenlight: "+strings.Join(s, ", "))
	}
	return out
}

func compareAlias(left Left, now State) []string {
	alias, fn, by := now.LiveAlias, left.Function, left.ReleaseID
	var out []string
	switch {
	case left.Version == now.Version:
	case now.Version == "":
		return []string{fmt.Sprintf("live alias %s of %s is gone, the last release (%s) left it on version %s", alias, fn, by, left.Version)}
	case left.Version == "":
		out = append(out, fmt.Sprintf("live alias %s of %s was created outside greenlight on version %s, the last release (%s) left none", alias, fn, now.Version, by))
	default:
		out = append(out, fmt.Sprintf("live alias %s of %s serves version %s, the last release (%s) left it on %s", alias, fn, now.Version, by, left.Version))
	}
	for _, v := range slices.Sorted(maps.Keys(now.Weights)) {
		if w, ok := left.Weights[v]; !ok || w != now.Weights[v] {
			out = append(out, fmt.Sprintf("live alias %s routes %s %% to version %s besides %s", alias, percent(now.Weights[v]), v, now.Version))
		}
	}
	for _, v := range slices.Sorted(maps.Keys(left.Weights)) {
		if _, ok := now.Weights[v]; !ok {
			out = append(out, fmt.Sprintf("live alias %s no longer routes %s %% to version %s, as the last release (%s) left it", alias, percent(left.Weights[v]), v, by))
		}
	}
	return out
}

// percent prints a weight (0..1) as a percentage with at most one decimal.
func percent(w float64) string {
	return strconv.FormatFloat(math.Round(w*1000)/10, 'f', -1, 64)
}

// short abbreviates a CodeSha256 to what a reader compares by eye.
func short(sha string) string {
	const n = 10
	switch {
	case sha == "":
		return "(none)"
	case len(sha) <= n:
		return sha
	}
	return sha[:n] + "…"
}
