package e2e

import (
	"encoding/json"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/localcloud"
	"github.com/greenlight/greenlight/localcloud/cfn"
)

// TestApplySynthesizedStack applies the real stack and checks that every
// resource of the template exists in the service that owns it.
func TestApplySynthesizedStack(t *testing.T) {
	path := assemblyPath(t)
	found, err := cfn.FindStack(path, "greenlight")
	if errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("no synthesized stack (%v): run `make synth-local` first", err)
	}
	require.NoError(t, err)
	c, err := localcloud.New(localcloud.Options{Addr: "127.0.0.1:0", Logger: slog.New(slog.NewTextHandler(t.Output(), nil))})
	require.NoError(t, err)
	require.NoError(t, c.Start(t.Context()))
	t.Cleanup(func() { assert.NoError(t, c.Close()) })
	ctx := t.Context()
	st, err := c.Deploy(ctx, path, "greenlight", nil)
	require.NoError(t, err)
	assert.Equal(t, "greenlight", st.Name)

	raw, err := os.ReadFile(found.Template)
	require.NoError(t, err)
	var tmpl struct {
		Resources map[string]struct{ Type string }
		Outputs   map[string]json.RawMessage
	}
	require.NoError(t, json.Unmarshal(raw, &tmpl))
	require.Len(t, st.Resources, len(tmpl.Resources), "every resource is applied")
	require.Len(t, st.Outputs, len(tmpl.Outputs), "every output is resolved")

	cfg := c.AWSConfig()
	fn := lambda.NewFromConfig(cfg)
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	machines := sfn.NewFromConfig(cfg)
	eb := eventbridge.NewFromConfig(cfg)
	topics := sns.NewFromConfig(cfg)
	cw := cloudwatch.NewFromConfig(cfg)
	for id, r := range st.Resources {
		require.Equal(t, tmpl.Resources[id].Type, r.Type, id)
		var err error
		switch r.Type {
		case "AWS::Lambda::Function":
			var out *lambda.GetFunctionOutput
			out, err = fn.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(r.PhysicalID)})
			if err == nil {
				assert.Equal(t, "provided.al2023", string(out.Configuration.Runtime), id)
			}
		case "AWS::S3::Bucket":
			var out *s3.GetBucketVersioningOutput
			out, err = s3c.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String(r.PhysicalID)})
			if err == nil {
				assert.Equal(t, "Enabled", string(out.Status), "the artifact bucket is versioned")
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
			if err == nil {
				assert.Len(t, out.MetricAlarms, 1, id)
			}
		}
		assert.NoError(t, err, "%s (%s) %s", id, r.Type, r.PhysicalID)
	}

	again, err := c.Deploy(ctx, path, "greenlight", nil)
	require.NoError(t, err)
	assert.Equal(t, cfn.StatusUpdateComplete, again.Status)
	assert.Equal(t, st.Outputs, again.Outputs, "applying again changes nothing")
}
