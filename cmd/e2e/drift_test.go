package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/greenlight/greenlight/cmd/internal/demo"
	"github.com/greenlight/greenlight/internal/notice"
)

// TestDriftWarning releases a function, changes it outside greenlight as a
// later IaC deploy and an operator would — an environment variable on
// $LATEST, the live alias pointed back by hand — and checks that the next
// release says so when it starts and still promotes, and that the release
// after it, with nothing changed in between, warns of nothing.
func TestDriftWarning(t *testing.T) {
	b := newHarness(t)
	ctx := context.Background()
	fn := functionPrefix + "drift"
	blue := b.createFunction(t, fn)
	manifest := map[string]any{"strategy": "AllAtOnce", "tests": healthTest}

	first := b.execution(t, b.release(t, fn, "a", artifact(t, "v2"), manifest))
	e := b.check(t, first, demo.Expect{Function: fn, Blue: blue})
	wantEnding(t, e, "SUCCEEDED", e.Live, "promoted to version")
	if d := b.startedDrift(t, fn, first); len(d) != 0 {
		t.Errorf("first release with greenlight warns of drift: %q", d)
	}
	promoted := e.Live

	// Outside greenlight: an IaC deploy sets a variable on $LATEST, and
	// an operator points live back at the version before by hand.
	if _, err := b.lambda.UpdateFunctionConfiguration(ctx, &awslambda.UpdateFunctionConfigurationInput{
		FunctionName: &fn, Environment: &lambdatypes.Environment{Variables: map[string]string{"FEATURE": "outside"}},
	}); err != nil {
		t.Fatalf("update configuration: %v", err)
	}
	if err := awslambda.NewFunctionUpdatedV2Waiter(b.lambda).Wait(ctx, &awslambda.GetFunctionInput{FunctionName: &fn}, time.Minute); err != nil {
		t.Fatalf("wait for the update: %v", err)
	}
	if _, err := b.lambda.UpdateAlias(ctx, &awslambda.UpdateAliasInput{FunctionName: &fn, Name: aws.String("live"), FunctionVersion: &blue}); err != nil {
		t.Fatalf("point live by hand: %v", err)
	}

	second := b.execution(t, b.release(t, fn, "b", artifact(t, "v2"), manifest))
	e = b.check(t, second, demo.Expect{Function: fn, Blue: blue})
	wantEnding(t, e, "SUCCEEDED", e.Live, "promoted to version")
	got := b.startedDrift(t, fn, second)
	for _, want := range []string{
		"live alias live of " + fn + " serves version " + blue + ", the last release (",
		"left it on " + promoted,
		"$LATEST configuration changed outside greenlight: environment.FEATURE: (unset) → outside",
	} {
		if !strings.Contains(strings.Join(got, "\n"), want) {
			t.Errorf("started notification of the second release: drift %q does not say %q", got, want)
		}
	}

	third := b.execution(t, b.release(t, fn, "c", artifact(t, "v1"), manifest))
	e = b.check(t, third, demo.Expect{Function: fn, Blue: e.Live})
	wantEnding(t, e, "SUCCEEDED", e.Live, "promoted to version")
	if d := b.startedDrift(t, fn, third); len(d) != 0 {
		t.Errorf("release right after a release warns of drift: %q", d)
	}
}

// startedDrift is the drift the started notification of the execution
// carries; the subject must name the first finding.
func (b *harness) startedDrift(t *testing.T, fn, arn string) []string {
	t.Helper()
	var found *demo.Message
	eventually(t, "the started notification of "+arn, 30*time.Second, func() bool {
		ms, err := b.local.Messages(context.Background())
		if err != nil {
			return false
		}
		for i, m := range ms {
			if m.Attributes[notice.AttrFunction] == fn && notice.Event(m.Attributes[notice.AttrEvent]) == notice.Started &&
				strings.Contains(m.Body, arn) {
				found = &ms[i]
				return true
			}
		}
		return false
	})
	var body notice.Body
	if err := json.Unmarshal([]byte(found.Body), &body); err != nil {
		t.Fatalf("started notification body: %v", err)
	}
	if drifted := strings.Contains(found.Subject, "; drift: "); drifted != (len(body.Drift) > 0) {
		t.Errorf("subject %q and body drift %q disagree", found.Subject, body.Drift)
	}
	return body.Drift
}
