package lambda

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/greenlight/greenlight/localcloud/bus"
)

// publishLabelled publishes one version per label, each with LABEL set, and
// returns the version numbers.
func publishLabelled(t *testing.T, h *harness, fn string, labels ...string) []string {
	t.Helper()
	ctx := context.Background()
	var versions []string
	for _, label := range labels {
		_, err := h.client.UpdateFunctionConfiguration(ctx, &awslambda.UpdateFunctionConfigurationInput{
			FunctionName: aws.String(fn),
			Environment:  &types.Environment{Variables: map[string]string{"LABEL": label}},
		})
		if err != nil {
			t.Fatal(err)
		}
		h.waitUpdated(t, fn)
		v, err := h.client.PublishVersion(ctx, &awslambda.PublishVersionInput{FunctionName: aws.String(fn)})
		if err != nil {
			t.Fatal(err)
		}
		versions = append(versions, aws.ToString(v.Version))
	}
	return versions
}

func TestAliasValidation(t *testing.T) {
	h := newHarness(t, Options{SettleTime: -1})
	ctx := context.Background()
	h.create(t, "al", nil)
	publishLabelled(t, h, "al", "one", "two", "three")

	tests := []struct {
		name    string
		version string
		weights map[string]float64
		code    string
	}{
		{"plain", "1", nil, ""},
		{"canary", "1", map[string]float64{"2": 0.1}, ""},
		{"zero weight", "1", map[string]float64{"2": 0}, ""},
		{"two additional versions", "1", map[string]float64{"2": 0.1, "3": 0.1}, codeInvalidParameter},
		{"weight of one", "1", map[string]float64{"2": 1}, codeValidation},
		{"negative weight", "1", map[string]float64{"2": -0.1}, codeValidation},
		{"additional equals primary", "1", map[string]float64{"1": 0.5}, codeInvalidParameter},
		{"primary is $LATEST", latest, map[string]float64{"2": 0.5}, codeInvalidParameter},
		{"additional is $LATEST", "1", map[string]float64{latest: 0.5}, codeValidation},
		{"additional missing", "1", map[string]float64{"9": 0.5}, codeNotFound},
		{"primary missing", "9", nil, codeNotFound},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := &awslambda.CreateAliasInput{
				FunctionName:    aws.String("al"),
				Name:            aws.String(fmt.Sprintf("a%d", i)),
				FunctionVersion: aws.String(tt.version),
			}
			if tt.weights != nil {
				in.RoutingConfig = &types.AliasRoutingConfiguration{AdditionalVersionWeights: tt.weights}
			}
			_, err := h.client.CreateAlias(ctx, in)
			if got := errorCode(err); got != tt.code {
				t.Fatalf("CreateAlias: %q (%v), want %q", got, err, tt.code)
			}
			// UpdateAlias applies the same rules.
			_, err = h.client.UpdateAlias(ctx, &awslambda.UpdateAliasInput{
				FunctionName: aws.String("al"), Name: aws.String("a0"),
				FunctionVersion: in.FunctionVersion, RoutingConfig: in.RoutingConfig,
			})
			if got := errorCode(err); got != tt.code && i > 0 {
				t.Fatalf("UpdateAlias: %q (%v), want %q", got, err, tt.code)
			}
		})
	}

	for _, name := range []string{"123", "$LATEST", "bad name"} {
		_, err := h.client.CreateAlias(ctx, &awslambda.CreateAliasInput{FunctionName: aws.String("al"), Name: aws.String(name), FunctionVersion: aws.String("1")})
		if errorCode(err) != codeValidation {
			t.Errorf("CreateAlias named %q: %v, want %s", name, err, codeValidation)
		}
	}
	_, err := h.client.CreateAlias(ctx, &awslambda.CreateAliasInput{FunctionName: aws.String("al"), Name: aws.String("a1"), FunctionVersion: aws.String("1")})
	if errorCode(err) != codeConflict {
		t.Errorf("CreateAlias of an existing alias: %v", err)
	}
}

func TestUpdateAliasRevisionAndRouting(t *testing.T) {
	h := newHarness(t, Options{SettleTime: -1})
	ctx := context.Background()
	h.create(t, "ua", nil)
	publishLabelled(t, h, "ua", "one", "two")
	created, err := h.client.CreateAlias(ctx, &awslambda.CreateAliasInput{
		FunctionName: aws.String("ua"), Name: aws.String("live"), FunctionVersion: aws.String("1"),
		RoutingConfig: &types.AliasRoutingConfiguration{AdditionalVersionWeights: map[string]float64{"2": 0.25}},
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = h.client.UpdateAlias(ctx, &awslambda.UpdateAliasInput{FunctionName: aws.String("ua"), Name: aws.String("live"), RevisionId: aws.String("stale")})
	if errorCode(err) != codePrecondition {
		t.Fatalf("UpdateAlias with a stale RevisionId: %v", err)
	}
	// No RoutingConfig keeps the weights.
	kept, err := h.client.UpdateAlias(ctx, &awslambda.UpdateAliasInput{FunctionName: aws.String("ua"), Name: aws.String("live"), RevisionId: created.RevisionId, Description: aws.String("d")})
	if err != nil {
		t.Fatal(err)
	}
	if kept.RoutingConfig == nil || kept.RoutingConfig.AdditionalVersionWeights["2"] != 0.25 || aws.ToString(kept.RevisionId) == aws.ToString(created.RevisionId) {
		t.Fatalf("UpdateAlias without RoutingConfig answered %+v", kept)
	}
	// An empty RoutingConfig clears them.
	cleared, err := h.client.UpdateAlias(ctx, &awslambda.UpdateAliasInput{
		FunctionName: aws.String("ua"), Name: aws.String("live"), FunctionVersion: aws.String("2"),
		RoutingConfig: &types.AliasRoutingConfiguration{AdditionalVersionWeights: map[string]float64{}},
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := h.client.GetAlias(ctx, &awslambda.GetAliasInput{FunctionName: aws.String("ua"), Name: aws.String("live")})
	if err != nil {
		t.Fatal(err)
	}
	if cleared.RoutingConfig != nil || got.RoutingConfig != nil || aws.ToString(got.FunctionVersion) != "2" {
		t.Fatalf("after clearing: update %+v, get %+v", cleared.RoutingConfig, got.RoutingConfig)
	}
	list, err := h.client.ListAliases(ctx, &awslambda.ListAliasesInput{FunctionName: aws.String("ua")})
	if err != nil || len(list.Aliases) != 1 {
		t.Fatalf("ListAliases: %v %+v", err, list)
	}
	_, err = h.client.DeleteFunction(ctx, &awslambda.DeleteFunctionInput{FunctionName: aws.String("ua"), Qualifier: aws.String("2")})
	if errorCode(err) != codeConflict {
		t.Fatalf("deleting a version an alias uses: %v", err)
	}
	if _, err := h.client.DeleteAlias(ctx, &awslambda.DeleteAliasInput{FunctionName: aws.String("ua"), Name: aws.String("live")}); err != nil {
		t.Fatal(err)
	}
	_, err = h.client.GetAlias(ctx, &awslambda.GetAliasInput{FunctionName: aws.String("ua"), Name: aws.String("live")})
	if errorCode(err) != codeNotFound {
		t.Fatalf("GetAlias after delete: %v", err)
	}
}

func TestWeightedRouting(t *testing.T) {
	metrics := &metricsSink{}
	h := newHarness(t, Options{SettleTime: -1, Metrics: metrics, Logger: slog.New(slog.DiscardHandler)})
	ctx := context.Background()
	h.create(t, "wr", nil)
	versions := publishLabelled(t, h, "wr", "blue", "green")
	const weight, n = 0.3, 400
	_, err := h.client.CreateAlias(ctx, &awslambda.CreateAliasInput{
		FunctionName: aws.String("wr"), Name: aws.String("live"), FunctionVersion: aws.String(versions[0]),
		RoutingConfig: &types.AliasRoutingConfiguration{AdditionalVersionWeights: map[string]float64{versions[1]: weight}},
	})
	if err != nil {
		t.Fatal(err)
	}
	green := 0
	for range n {
		out, r := h.invoke(t, "wr", "live", `{}`)
		executed := aws.ToString(out.ExecutedVersion)
		if want := map[string]string{"blue": versions[0], "green": versions[1]}[r.Label]; executed != want || r.Version != executed {
			t.Fatalf("label %q ran as version %q (function saw %q)", r.Label, executed, r.Version)
		}
		if r.ARN != qualifiedARN("wr", "live") {
			t.Fatalf("invoked ARN %q, want the alias ARN", r.ARN)
		}
		if executed == versions[1] {
			green++
		}
	}
	// Binomial(400, 0.3): the standard deviation is about 9.2; allow 5 of them.
	if sd := math.Sqrt(n * weight * (1 - weight)); math.Abs(float64(green)-n*weight) > 5*sd {
		t.Fatalf("green served %d of %d invocations, want about %.0f", green, n, n*weight)
	}
	fn := bus.Dimension{Name: "FunctionName", Value: "wr"}
	res := bus.Dimension{Name: "Resource", Value: "wr:live"}
	for _, tc := range []struct {
		dims []bus.Dimension
		want float64
	}{
		{nil, n},
		{[]bus.Dimension{fn}, n},
		{[]bus.Dimension{fn, res}, n},
		{[]bus.Dimension{fn, res, {Name: "ExecutedVersion", Value: versions[1]}}, float64(green)},
		{[]bus.Dimension{fn, res, {Name: "ExecutedVersion", Value: versions[0]}}, float64(n - green)},
	} {
		if got, _ := metrics.sum("Invocations", tc.dims...); got != tc.want {
			t.Errorf("Invocations %v = %v, want %v", tc.dims, got, tc.want)
		}
	}
}
