// Command cdk is an example CDK app that creates a Lambda function,
// shop-orders, and hands it to greenlight, which it deploys in the same
// stack. Run it from this folder (cdk.json) after `make build`:
//
//	../../../.cdk/node_modules/.bin/cdk synth
//
// After the hand-off, greenlight owns the function's code, the
// configuration it publishes, its versions and its aliases (live and green).
// The app keeps everything else, and never changes those: its code asset is
// a placeholder that never changes, it creates no Version or Alias, and
// greenlight.HandOver makes synth fail when one is added.
package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"

	"github.com/greenlight/greenlight/infra/greenlight"
)

// ordersName is the function's name: a release uploads
// releases/shop-orders/<build>.zip.
const ordersName = "shop-orders"

// targets select the functions greenlight may release: those tagged
// greenlight=managed. HandOver puts the tag on the function.
var targets = greenlight.Targets{Tag: &greenlight.Tag{Key: "greenlight", Value: "managed"}}

func main() {
	app := awscdk.NewApp(nil)
	newStack(app)
	app.Synth(nil)
}

// newStack adds the shop stack to app: the orders function and greenlight.
// The context key greenlight:assets names the folder of greenlight's built
// functions (default greenlight.DefaultAssets).
func newStack(app awscdk.App) awscdk.Stack {
	assets := greenlight.DefaultAssets
	if v, ok := app.Node().TryGetContext(jsii.String("greenlight:assets")).(string); ok && v != "" {
		assets = v
	}
	stack := awscdk.NewStack(app, jsii.String("Shop"), &awscdk.StackProps{StackName: jsii.String("shop")})

	orders := awslambda.NewFunction(stack, jsii.String("Orders"), &awslambda.FunctionProps{
		FunctionName: jsii.String(ordersName),
		Runtime:      awslambda.Runtime_PROVIDED_AL2023(),
		Architecture: awslambda.Architecture_ARM_64(),
		Handler:      jsii.String("bootstrap"),
		// The code the function starts with. The folder never changes, so
		// its asset hash never does, and no `cdk deploy` updates the code:
		// releases do. Never point this at your build output.
		Code: awslambda.Code_FromAsset(jsii.String("../placeholder"), nil),
		// The starting configuration. Once greenlight has released the
		// function, change memory, timeout, environment, layers, handler,
		// runtime or logging with a release's configuration, not here.
		MemorySize: jsii.Number(256),
		Timeout:    awscdk.Duration_Seconds(jsii.Number(10)),
		Environment: &map[string]*string{
			"ORDERS_TABLE": jsii.String("orders"),
		},
		// No CurrentVersionOptions, and nothing that reads
		// orders.CurrentVersion(): no Version, no Alias, no CodeDeploy
		// deployment group. greenlight publishes the versions and creates
		// the live and green aliases.
	})
	greenlight.HandOver(orders, targets)

	greenlight.New(stack, "Greenlight", &greenlight.Props{
		Name:   "shop-greenlight",
		Config: greenlight.Config{Targets: targets},
		Assets: assets,
	})

	// Callers invoke the live alias, never the function itself: $LATEST
	// holds whatever was last uploaded, tested or not. The alias exists
	// once the first release has passed its tests, so wire callers to it
	// (API integrations, event sources, permissions) after that release,
	// by this ARN.
	awscdk.NewCfnOutput(stack, jsii.String("OrdersLiveAliasArn"), &awscdk.CfnOutputProps{
		Value:       awscdk.Fn_Join(jsii.String(""), &[]*string{orders.FunctionArn(), jsii.String(":live")}),
		Description: jsii.String("the alias callers invoke; greenlight's first release creates it"),
	})
	return stack
}
