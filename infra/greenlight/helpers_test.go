package greenlight_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/greenlight/greenlight/infra/greenlight"
)

// assets creates the layout `make build` leaves, with stand-in binaries.
func assets(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range greenlight.FunctionNames() {
		if err := os.MkdirAll(filepath.Join(dir, name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name, "bootstrap"), []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// demoConfig targets the demo function by name.
func demoConfig() greenlight.Config {
	return greenlight.Config{
		Targets:  greenlight.Targets{Names: []string{"greenlight-demo"}},
		Defaults: greenlight.Settings{Strategy: &greenlight.Strategy{Name: "Canary10Percent5Minutes"}, Alarms: []string{}},
	}
}

// newStack builds a Greenlight stack named "greenlight" in a new app.
func newStack(t *testing.T, props greenlight.Props) (awscdk.App, awscdk.Stack) {
	t.Helper()
	if props.Assets == "" {
		props.Assets = assets(t)
	}
	app := awscdk.NewApp(nil)
	stack, _ := greenlight.NewStack(app, "Greenlight", &greenlight.StackProps{
		StackProps: awscdk.StackProps{StackName: jsii.String("greenlight")},
		Greenlight: props,
	})
	return app, stack
}

func synth(t *testing.T, props greenlight.Props) assertions.Template {
	t.Helper()
	_, stack := newStack(t, props)
	return assertions.Template_FromStack(stack, nil)
}
