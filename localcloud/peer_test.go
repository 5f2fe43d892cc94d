package localcloud

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// TestFunctionCallsPeerThroughItsAlias checks what a release group needs of
// the local cloud: a function process reaches the local Lambda API with the
// SDK configured from its environment alone, sees the ARN it was invoked
// through (alias or version included), and runs as the version the alias
// designates, so it can call a peer through the same alias.
func TestFunctionCallsPeerThroughItsAlias(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a test function")
	}
	c := start(t, "")
	ctx := t.Context()
	client := lambda.NewFromConfig(c.AWSConfig())
	code := testFunctionZip(t)
	// Each function: version 1 labelled blue behind live, version 2
	// labelled green behind green, and $LATEST labelled latest.
	for _, fn := range []string{"front", "back"} {
		createTestFunction(t, client, fn, code)
		for i, label := range []string{"blue", "green", "latest"} {
			if _, err := client.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{
				FunctionName: aws.String(fn), Environment: &lambdatypes.Environment{Variables: map[string]string{"LABEL": label}},
			}); err != nil {
				t.Fatal(err)
			}
			if err := lambda.NewFunctionUpdatedV2Waiter(client, func(o *lambda.FunctionUpdatedV2WaiterOptions) { o.MinDelay, o.MaxDelay = poll, poll }).Wait(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(fn)}, 30*time.Second); err != nil {
				t.Fatal(err)
			}
			if label == "latest" {
				break
			}
			v, err := client.PublishVersion(ctx, &lambda.PublishVersionInput{FunctionName: aws.String(fn)})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := client.CreateAlias(ctx, &lambda.CreateAliasInput{
				FunctionName: aws.String(fn), Name: aws.String([]string{"live", "green"}[i]), FunctionVersion: v.Version,
			}); err != nil {
				t.Fatal(err)
			}
		}
	}

	type seen struct {
		Label   string `json:"label"`
		Version string `json:"version"`
		ARN     string `json:"arn"`
	}
	tests := []struct {
		name, fn, qualifier string
		front, back         seen
	}{
		{"candidate alias", "front", "green", seen{"green", "2", "front:green"}, seen{"green", "2", "back:green"}},
		{"live alias", "front:live", "", seen{"blue", "1", "front:live"}, seen{"blue", "1", "back:live"}},
		{"version", "front", "1", seen{"blue", "1", "front:1"}, seen{"blue", "1", "back:1"}},
		{"unqualified", "front", "", seen{"latest", "$LATEST", "front"}, seen{"latest", "$LATEST", "back"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String(tt.fn), Qualifier: nonEmpty(tt.qualifier), Payload: []byte(`{"peer":"back"}`)})
			if err != nil {
				t.Fatal(err)
			}
			if out.FunctionError != nil {
				t.Fatalf("the front function failed: %s", out.Payload)
			}
			var r struct {
				seen
				Peer seen `json:"peer"`
			}
			if err := json.Unmarshal(out.Payload, &r); err != nil {
				t.Fatalf("decode %s: %v", out.Payload, err)
			}
			const arnPrefix = "arn:aws:lambda:us-east-1:000000000000:function:"
			tt.front.ARN, tt.back.ARN = arnPrefix+tt.front.ARN, arnPrefix+tt.back.ARN
			equal(t, "front", r.seen, tt.front)
			equal(t, "back, as front invoked it", r.Peer, tt.back)
		})
	}
}

// nonEmpty is s as an optional SDK string: nil when empty.
func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
