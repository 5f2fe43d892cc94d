package e2e

import (
	"encoding/json"
	"log/slog"
	"os"
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/greenlight/greenlight/localcloud"
	"github.com/greenlight/greenlight/localcloud/cfn"
)

// TestApplySynthesizedStack applies the real stack and checks that every
// resource of the template exists in the service that owns it.
func TestApplySynthesizedStack(t *testing.T) {
	path := assemblyPath(t)
	found, err := cfn.FindStack(path, "greenlight")
	if err != nil {
		t.Fatalf("find the greenlight stack in %s: %v", path, err)
	}
	c, err := localcloud.New(localcloud.Options{Addr: "127.0.0.1:0", Logger: slog.New(slog.NewTextHandler(t.Output(), nil))})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("close the local cloud: %v", err)
		}
	})
	ctx := t.Context()
	st, err := c.Deploy(ctx, path, "greenlight", nil)
	if err != nil {
		t.Fatalf("deploy: %v", err)
	}
	if st.Name != "greenlight" {
		t.Errorf("stack name %q, want greenlight", st.Name)
	}

	raw, err := os.ReadFile(found.Template)
	if err != nil {
		t.Fatal(err)
	}
	var tmpl struct {
		Resources map[string]struct{ Type string }
		Outputs   map[string]json.RawMessage
	}
	if err := json.Unmarshal(raw, &tmpl); err != nil {
		t.Fatal(err)
	}
	if len(tmpl.Resources) == 0 {
		t.Fatalf("%s has no resources", found.Template)
	}
	if len(st.Resources) != len(tmpl.Resources) {
		t.Fatalf("%d resources applied, want every one of the template's %d", len(st.Resources), len(tmpl.Resources))
	}
	if len(st.Outputs) != len(tmpl.Outputs) {
		t.Fatalf("%d outputs resolved, want every one of the template's %d", len(st.Outputs), len(tmpl.Outputs))
	}

	cfg := c.AWSConfig()
	fn := lambda.NewFromConfig(cfg)
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	machines := sfn.NewFromConfig(cfg)
	eb := eventbridge.NewFromConfig(cfg)
	topics := sns.NewFromConfig(cfg)
	cw := cloudwatch.NewFromConfig(cfg)
	for id, r := range st.Resources {
		if want := tmpl.Resources[id].Type; r.Type != want {
			t.Fatalf("%s: type %s, want %s", id, r.Type, want)
		}
		var err error
		switch r.Type {
		case "AWS::Lambda::Function":
			var out *lambda.GetFunctionOutput
			out, err = fn.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(r.PhysicalID)})
			if err == nil && out.Configuration.Runtime != "provided.al2023" {
				t.Errorf("%s: runtime %s, want provided.al2023", id, out.Configuration.Runtime)
			}
		case "AWS::S3::Bucket":
			var out *s3.GetBucketVersioningOutput
			out, err = s3c.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String(r.PhysicalID)})
			if err == nil && out.Status != "Enabled" {
				t.Errorf("%s: versioning %q, want Enabled: the artifact bucket is versioned", id, out.Status)
			}
		case "AWS::StepFunctions::StateMachine":
			_, err = machines.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(r.PhysicalID)})
		case "AWS::Events::Rule":
			_, err = eb.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: aws.String(r.PhysicalID)})
		case "AWS::SNS::Topic":
			_, err = topics.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String(r.PhysicalID)})
		case "AWS::CloudWatch::Dashboard":
			_, err = cw.GetDashboard(ctx, &cloudwatch.GetDashboardInput{DashboardName: aws.String(r.PhysicalID)})
		case "AWS::CloudWatch::Alarm":
			var out *cloudwatch.DescribeAlarmsOutput
			out, err = cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{r.PhysicalID}})
			if err == nil && len(out.MetricAlarms) != 1 {
				t.Errorf("%s: DescribeAlarms found %d alarms, want 1", id, len(out.MetricAlarms))
			}
		}
		if err != nil {
			t.Errorf("%s (%s) %s: %v", id, r.Type, r.PhysicalID, err)
		}
	}

	again, err := c.Deploy(ctx, path, "greenlight", nil)
	if err != nil {
		t.Fatalf("deploy again: %v", err)
	}
	if again.Status != cfn.StatusUpdateComplete {
		t.Errorf("status after deploying again %s, want %s", again.Status, cfn.StatusUpdateComplete)
	}
	if !reflect.DeepEqual(again.Outputs, st.Outputs) {
		t.Errorf("applying again changed the outputs: %+v, was %+v", again.Outputs, st.Outputs)
	}
}
