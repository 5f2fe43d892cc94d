// Command infra is greenlight's CDK app. The CDK CLI runs it (cdk.json:
// "app": "go run ./infra") to synthesize the greenlight stack; `make synth`
// and `make deploy` are the usual way in.
//
// Context (cdk.json or -c):
//
//	greenlight:config        the configuration, a JSON object or a JSON string (see greenlight.Config)
//	greenlight:assets        folder of the built functions (default build/lambda)
//	greenlight:architecture  arm64 (default) or x86_64
//	greenlight:emails        addresses subscribed to notifications, a list or a comma-separated string
//	greenlight:stackName     the stack's name (default greenlight)
package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/greenlight/greenlight/infra/greenlight"
)

func main() {
	app := awscdk.NewApp(nil)
	if err := newStack(app); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	app.Synth(nil)
}

// newStack adds the greenlight stack to app, configured from app's context.
func newStack(app awscdk.App) error {
	s, err := settingsFrom(func(key string) any { return app.Node().TryGetContext(jsii.String(key)) })
	if err != nil {
		return err
	}
	greenlight.NewStack(app, "Greenlight", &greenlight.StackProps{
		StackProps: awscdk.StackProps{StackName: jsii.String(s.stackName)},
		Greenlight: s.props,
	})
	return nil
}
