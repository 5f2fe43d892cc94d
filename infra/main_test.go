package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/greenlight/greenlight/infra/greenlight"
)

// TestApp synthesizes the app as `cdk synth` does, from context.
func TestApp(t *testing.T) {
	assets := t.TempDir()
	for _, name := range greenlight.FunctionNames() {
		if err := os.MkdirAll(filepath.Join(assets, name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(assets, name, "bootstrap"), nil, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	app := awscdk.NewApp(&awscdk.AppProps{Context: &map[string]any{
		ctxAssets:       assets,
		ctxArchitecture: "x86_64",
		ctxConfig:       `{"targets":{"names":["orders"]}}`,
	}})
	if err := newStack(app); err != nil {
		t.Fatal(err)
	}
	stack, ok := app.Node().TryFindChild(jsii.String("Greenlight")).(awscdk.Stack)
	if !ok {
		t.Fatal("no Greenlight stack")
	}
	if got := *stack.StackName(); got != "greenlight" {
		t.Errorf("stack name = %s, want greenlight", got)
	}
	tpl := assertions.Template_FromStack(stack, nil)
	tpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), &map[string]any{
		"FunctionName":  "greenlight-deploy",
		"Architectures": []any{"x86_64"},
	})
	tpl.ResourceCountIs(jsii.String("AWS::CDK::Metadata"), jsii.Number(0))
}

func TestAppRejectsBadContext(t *testing.T) {
	app := awscdk.NewApp(&awscdk.AppProps{Context: &map[string]any{ctxArchitecture: "ppc"}})
	err := newStack(app)
	if err == nil || !strings.Contains(err.Error(), "greenlight:architecture") {
		t.Fatalf("newStack: %v, want an error naming greenlight:architecture", err)
	}
}
