package greenlight_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/greenlight/greenlight/infra/greenlight"
)

// TestAwsSolutions runs cdk-nag's AwsSolutions pack: every finding is either
// fixed or suppressed with its reason beside the suppression.
func TestAwsSolutions(t *testing.T) {
	tests := []struct {
		name    string
		targets greenlight.Targets
	}{
		{"names", greenlight.Targets{Names: []string{"greenlight-demo", "orders"}}},
		{"prefix", greenlight.Targets{Prefix: "shop-"}},
		{"tag", greenlight.Targets{Tag: &greenlight.Tag{Key: "greenlight", Value: "managed"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := demoConfig()
			cfg.Targets = tt.targets
			cfg.Defaults.Hook = "integration-hook"
			app, stack := newStack(t, greenlight.Props{Config: cfg, Emails: []string{"ops@example.com"}})
			awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
			annotations := assertions.Annotations_FromStack(stack)
			for _, level := range []string{"error", "warning"} {
				//lint:ignore SA1019 the assertions API still answers with this type
				var found *[]*cxapi.SynthesisMessage
				if level == "error" {
					found = annotations.FindError(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*")))
				} else {
					found = annotations.FindWarning(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*")))
				}
				for _, m := range *found {
					//lint:ignore SA1019 the assertions API still answers with this type
					msg, _ := m.Entry.Data.(string)
					if i := strings.Index(msg, ": "); i > 0 {
						msg = msg[:i] // the rule and the finding; the rest explains the rule
					}
					//lint:ignore SA1019 the assertions API still answers with this type
					t.Errorf("%s at %s: %s", level, *m.Id, msg)
				}
			}
		})
	}
}
