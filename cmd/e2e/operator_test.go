package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/greenlight/greenlight/cmd/internal/demo"
)

// greenlightBin is the CLI under test: $GREENLIGHT_BIN (make e2e builds it),
// else built once into a temporary folder.
func greenlightBin(t *testing.T) string {
	t.Helper()
	if bin := os.Getenv("GREENLIGHT_BIN"); bin != "" {
		return bin
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "greenlight-e2e")
		if err != nil {
			buildErr = err
			return
		}
		builtBin = filepath.Join(dir, "greenlight")
		if out, err := exec.Command("go", "build", "-o", builtBin, "../greenlight").CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("%v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatalf("build greenlight: %v", buildErr)
	}
	return builtBin
}

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// cli runs the greenlight CLI against the local cloud l.
func cli(ctx context.Context, t *testing.T, l *demo.Local, args ...string) ([]byte, error) {
	env, err := l.Env(ctx)
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, greenlightBin(t), args...)
	cmd.Env = append(os.Environ(), env...)
	return cmd.CombinedOutput()
}

// TestOperatorActions drives `greenlight rollback` and `greenlight promote`
// in the middle of a 30-minute canary, then reads the releases back with
// `greenlight history`.
func TestOperatorActions(t *testing.T) {
	tg := newTargetAt(t, 240) // a 30-minute bake in 7.5 seconds
	if tg.local == nil {
		t.Skip("operator actions are driven against the local cloud")
	}
	l, r := tg.local, tg.runner
	ctx := context.Background()
	r.Out = testWriter{t}

	liveNow := func(t *testing.T) (string, map[string]float64) {
		out, err := r.Lambda.GetAlias(ctx, &awslambda.GetAliasInput{FunctionName: aws.String(r.Function), Name: aws.String("live")})
		if err != nil {
			t.Fatalf("get live alias: %v", err)
		}
		var weights map[string]float64
		if out.RoutingConfig != nil {
			weights = out.RoutingConfig.AdditionalVersionWeights
		}
		return aws.ToString(out.FunctionVersion), weights
	}
	// act runs the CLI once, as soon as the canary's traffic is live, and
	// checks the live alias right after the command returns.
	act := func(t *testing.T, command string, want func(p demo.Progress) string) func(context.Context, demo.Progress) error {
		done := false
		return func(ctx context.Context, p demo.Progress) error {
			if done || p.Weight == 0 {
				return nil
			}
			done = true
			begin := time.Now()
			out, err := cli(ctx, t, l, command, "--function", r.Function)
			if err != nil {
				return fmt.Errorf("greenlight %s: %v\n%s", command, err, out)
			}
			t.Logf("greenlight %s took %s:\n%s", command, time.Since(begin).Round(time.Millisecond), out)
			version, weights := liveNow(t)
			if wantVersion := want(p); version != wantVersion || len(weights) != 0 {
				t.Errorf("right after greenlight %s, live = %s %v, want %s at 100 %%", command, version, weights, wantVersion)
			}
			return nil
		}
	}

	stories := []demo.Story{
		demo.Stories()[0],
		{Name: "operator rollback", Version: "v2", Strategy: "Canary10Percent30Minutes", Traffic: true,
			Want: demo.RolledBack, WantReason: "halted by operator"},
		{Name: "operator promote", Version: "v2", Strategy: "Canary10Percent30Minutes", Traffic: true,
			Want: demo.Promoted},
	}
	var blue string
	stories[1].During = act(t, "rollback", func(demo.Progress) string { return blue })
	stories[2].During = act(t, "promote", func(p demo.Progress) string { return p.Green })
	for _, story := range stories {
		ok := t.Run(story.Name, func(t *testing.T) {
			blue, _ = liveNowOrNone(ctx, r)
			res, err := r.Run(ctx, story)
			if err != nil {
				t.Fatal(err)
			}
			demo.WriteResult(testWriter{t}, res)
			for _, c := range res.Checks {
				if !c.OK {
					t.Errorf("%s: %s", c.Name, c.Detail)
				}
			}
		})
		if !ok {
			return
		}
	}

	out, err := cli(ctx, t, l, "history", "--function", r.Function, "-o", "json")
	if err != nil {
		t.Fatalf("greenlight history: %v\n%s", err, out)
	}
	var history []struct {
		Outcome string `json:"outcome"`
	}
	if err := json.Unmarshal(out, &history); err != nil {
		t.Fatalf("greenlight history -o json: %v\n%s", err, out)
	}
	var outcomes []string
	for _, h := range history {
		outcomes = append(outcomes, h.Outcome)
	}
	if fmt.Sprint(outcomes) != "[promoted rolledBack promoted]" {
		t.Errorf("history outcomes, newest first = %v, want [promoted rolledBack promoted]\n%s", outcomes, out)
	}
}

// liveNowOrNone is the version the live alias serves, "" before the first release.
func liveNowOrNone(ctx context.Context, r *demo.Runner) (string, error) {
	out, err := r.Lambda.GetAlias(ctx, &awslambda.GetAliasInput{FunctionName: aws.String(r.Function), Name: aws.String("live")})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.FunctionVersion), nil
}
