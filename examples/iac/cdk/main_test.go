package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/greenlight/greenlight/infra/greenlight"
)

// TestSynth synthesizes the example app, with stand-in binaries for
// greenlight's functions, and checks the hand-off: the function is a
// target, and the template manages none of what greenlight owns.
func TestSynth(t *testing.T) {
	assets := t.TempDir()
	for _, name := range greenlight.FunctionNames() {
		if err := os.MkdirAll(filepath.Join(assets, name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(assets, name, "bootstrap"), []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	app := awscdk.NewApp(&awscdk.AppProps{Context: &map[string]any{"greenlight:assets": assets}})
	tpl := assertions.Template_FromStack(newStack(app), nil)

	like, arrayWith := assertions.Match_ObjectLike, assertions.Match_ArrayWith
	tpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), &map[string]any{
		"FunctionName": ordersName,
		"Runtime":      "provided.al2023",
		"Tags":         arrayWith(&[]any{map[string]any{"Key": "greenlight", "Value": "managed"}}),
	})
	// greenlight publishes the versions and creates live and green.
	tpl.ResourceCountIs(jsii.String("AWS::Lambda::Version"), jsii.Number(0))
	tpl.ResourceCountIs(jsii.String("AWS::Lambda::Alias"), jsii.Number(0))
	tpl.ResourceCountIs(jsii.String("AWS::CodeDeploy::DeploymentGroup"), jsii.Number(0))
	// The tag is what lets greenlight's deploy function change the code.
	tpl.HasResourceProperties(jsii.String("AWS::IAM::Policy"), &map[string]any{
		"PolicyDocument": like(&map[string]any{"Statement": arrayWith(&[]any{like(&map[string]any{
			"Action":    arrayWith(&[]any{"lambda:UpdateFunctionCode", "lambda:PublishVersion"}),
			"Condition": map[string]any{"StringEquals": map[string]any{"aws:ResourceTag/greenlight": "managed"}},
		})})}),
	})
	tpl.HasOutput(jsii.String("OrdersLiveAliasArn"), &map[string]any{
		"Value": map[string]any{"Fn::Join": []any{"", arrayWith(&[]any{":live"})}},
	})
}

// TestPlaceholderIsStable pins the code asset to the placeholder folder:
// an asset that changed with every build would have each `cdk deploy`
// update the function's code behind greenlight's back.
func TestPlaceholderIsStable(t *testing.T) {
	entries, err := os.ReadDir("../placeholder")
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "bootstrap" {
		t.Errorf("../placeholder holds %v, want only the bootstrap placeholder", entries)
	}
}
