package cfn

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const fixture = "testdata/assembly/stack.template.json"

func applyFixture(t *testing.T, f *fakeCloud, prev *Stack, params map[string]string) *Stack {
	t.Helper()
	tmpl, err := ReadTemplate(fixture)
	require.NoError(t, err)
	a := f.applier()
	tick := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if prev != nil {
		tick = prev.UpdatedAt
	}
	a.Now = func() time.Time { tick = tick.Add(time.Second); return tick }
	st, err := a.Apply(context.Background(), tmpl, Options{StackName: "fixture", AssetDir: "testdata/assembly", Previous: prev, Parameters: params})
	require.NoError(t, err)
	return st
}

func TestApplyCreatesEveryResource(t *testing.T) {
	f := newFakeCloud()
	st := applyFixture(t, f, nil, nil)

	assert.Equal(t, StatusCreateComplete, st.Status)
	assert.Regexp(t, `^arn:aws:cloudformation:us-east-1:000000000000:stack/fixture/[0-9a-f-]{36}$`, st.ID)
	assert.NotContains(t, st.Resources, "ProdOnly", "a resource whose condition is false is not created")
	for _, id := range []string{"Artifacts", "ArtifactsPolicy", "ArtifactsNotifications", "HandlerRole", "HandlerPolicy", "DeployPolicy",
		"Handler", "Inline", "HandlerLogs", "InvokePermission", "MachineRole", "Machine", "StartRule", "GuardRule", "Topic",
		"TopicPolicy", "TopicInbox", "ErrorAlarm", "RateAlarm", "Dashboard", "CDKMetadata"} {
		assert.Contains(t, st.Resources, id)
	}

	bucket := st.Resources["Artifacts"].PhysicalID
	assert.Regexp(t, `^fixture-artifacts-[a-z2-7]{12}$`, bucket, "generated names are lower case for buckets")
	assert.True(t, f.buckets[bucket])
	assert.True(t, f.notifications[bucket])

	handler := st.Resources["Handler"].PhysicalID
	assert.Regexp(t, `^fixture-Handler-[A-Z2-7]{12}$`, handler)
	fn := f.functions[handler]
	require.NotNil(t, fn)
	assert.Equal(t, "arn:aws:iam::000000000000:role/"+st.Resources["HandlerRole"].PhysicalID, *fn.Role)
	assert.EqualValues(t, 256, *fn.MemorySize, "Fn::FindInMap")
	assert.EqualValues(t, 30, *fn.Timeout, "a number given as a string")
	topicARN := st.Resources["Topic"].PhysicalID
	assert.Equal(t, map[string]string{
		"BUCKET":        bucket,
		"TOPIC":         topicARN,
		"SECOND_SUBNET": "b",
		"HOST":          "example.com",
		"ENCODED":       "aGk=",
		"LITERAL":       "${NotAVariable}",
		"URL":           "https://s3.us-east-1.amazonaws.com/fixture",
	}, fn.Environment.Variables)
	assertZip(t, f.code[handler], "bootstrap", 0o755, "#!/bin/sh\necho bootstrap\n")
	assertZip(t, f.code["fixture-inline"], "index.py", 0o755, "def handler(event, context):\n    return event\n")

	machine := st.Resources["Machine"].PhysicalID
	var def map[string]any
	require.NoError(t, json.Unmarshal([]byte(f.machines[machine]), &def), f.machines[machine])
	states := def["States"].(map[string]any)
	assert.Equal(t, "arn:aws:lambda:us-east-1:000000000000:function:"+handler, states["Call"].(map[string]any)["Resource"])
	tell := states["Tell"].(map[string]any)
	assert.Equal(t, "arn:aws:states:::sns:publish", tell["Resource"], "DefinitionSubstitutions")
	assert.Equal(t, topicARN, tell["Parameters"].(map[string]any)["TopicArn"])

	start := f.rules[st.Resources["StartRule"].PhysicalID]
	require.NotNil(t, start)
	assert.JSONEq(t, `{"source":["aws.s3"],"detail-type":["Object Created"],"detail":{"bucket":{"name":["`+bucket+`"]},"object":{"key":[{"prefix":"releases/"}]}}}`, *start.EventPattern)
	assert.Equal(t, map[string]string{"Target0": machine}, f.targets[*start.Name])
	assert.Equal(t, map[string]string{"Guard": "arn:aws:lambda:us-east-1:000000000000:function:" + handler}, f.targets["fixture-guard"])
	assert.Equal(t, "arn:aws:events:us-east-1:000000000000:rule/fixture-guard", *f.permissions[st.Resources["InvokePermission"].PhysicalID].SourceArn)

	assert.Equal(t, map[string]string{"DisplayName": "greenlight releases"}, f.topics[topicARN])
	sub := f.subscriptions[st.Resources["TopicInbox"].PhysicalID]
	require.NotNil(t, sub)
	assert.Equal(t, map[string]string{"FilterPolicy": `{"event":["promoted","rolledBack"]}`, "RawMessageDelivery": "true"}, sub.Attributes)

	alarm := f.alarms["fixture-errors"]
	require.NotNil(t, alarm)
	assert.Equal(t, handler, *alarm.Dimensions[0].Value)
	assert.Equal(t, 1.0, *alarm.Threshold)
	assert.Equal(t, []string{topicARN}, alarm.AlarmActions)
	rate := f.alarms[st.Resources["RateAlarm"].PhysicalID]
	require.NotNil(t, rate)
	require.Len(t, rate.Metrics, 3)
	assert.Equal(t, "errors / invocations", *rate.Metrics[2].Expression)
	assert.Equal(t, 0.1, *rate.Threshold)
	assert.Contains(t, f.dashboards[st.Resources["Dashboard"].PhysicalID], "arn:aws:cloudwatch:us-east-1:000000000000:alarm:fixture-errors")

	assert.Equal(t, "/aws/lambda/"+handler, st.Resources["HandlerLogs"].PhysicalID)
	assert.Equal(t, map[string]Output{
		"BucketName":      {Value: bucket, Description: "artifact bucket"},
		"StateMachineArn": {Value: machine, ExportName: "fixture-machine"},
		"TopicArn":        {Value: topicARN},
		"Subnets":         {Value: "a,b,c"},
	}, st.Outputs)
}

func assertZip(t *testing.T, b []byte, name string, perm uint32, content string) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	require.NoError(t, err)
	require.Len(t, zr.File, 1)
	assert.Equal(t, name, zr.File[0].Name)
	assert.EqualValues(t, perm, zr.File[0].Mode().Perm())
	rc, err := zr.File[0].Open()
	require.NoError(t, err)
	got, err := io.ReadAll(rc)
	require.NoError(t, err)
	assert.Equal(t, content, string(got))
}

func TestApplyAgainChangesNothing(t *testing.T) {
	f := newFakeCloud()
	first := applyFixture(t, f, nil, nil)
	f.takeCalls()
	second := applyFixture(t, f, first, nil)
	assert.Empty(t, f.takeCalls())
	assert.Equal(t, StatusUpdateComplete, second.Status)
	assert.Equal(t, first.ID, second.ID)
	assert.Equal(t, first.Outputs, second.Outputs)
	for id, r := range first.Resources {
		assert.Equal(t, r.PhysicalID, second.Resources[id].PhysicalID, id)
	}
}

func TestApplyUpdatesInPlace(t *testing.T) {
	f := newFakeCloud()
	first := applyFixture(t, f, nil, nil)
	f.takeCalls()

	// Turning the stage to prod creates ProdOnly, changes the handler's
	// environment and the bucket's tags, and removes the function that only
	// exists in dev.
	second := applyFixture(t, f, first, map[string]string{"Stage": "prod", "Subnets": "x,y"})
	handler := first.Resources["Handler"].PhysicalID
	bucket := first.Resources["Artifacts"].PhysicalID
	assert.Equal(t, []string{
		"CreateTopic prod-only",
		"DeleteFunction fixture-inline",
		"PutBucketNotificationConfiguration " + bucket + " eventbridge=true", // its tags changed
		"PutBucketVersioning " + bucket + " Enabled",
		"UpdateFunctionCode " + handler,
		"UpdateFunctionConfiguration " + handler,
	}, f.takeCalls())
	assert.Equal(t, "production", f.functions[handler].Environment.Variables["STAGE_NOTE"])
	assert.Equal(t, "y", f.functions[handler].Environment.Variables["SECOND_SUBNET"])
	assert.NotContains(t, second.Resources, "Inline")
	assert.Equal(t, StatusUpdateComplete, second.Resources["Handler"].Status())
	assert.Equal(t, StatusCreateComplete, second.Resources["Topic"].Status(), "unchanged")
	assert.Equal(t, StatusCreateComplete, second.Resources["ProdOnly"].Status(), "new")
	assert.Equal(t, first.Resources["Handler"].CreatedAt, second.Resources["Handler"].CreatedAt)
	assert.Equal(t, "arn:aws:sns:us-east-1:000000000000:prod-only", second.Outputs["ProdTopic"].Value)
}

func TestApplyDeletesRemovedResourcesDependentsFirst(t *testing.T) {
	f := newFakeCloud()
	first := applyFixture(t, f, nil, nil)
	f.takeCalls()
	tmpl, err := ReadTemplate(fixture)
	require.NoError(t, err)
	keep := map[string]bool{"HandlerRole": true, "Topic": true}
	for id := range tmpl.Resources {
		if !keep[id] {
			delete(tmpl.Resources, id)
		}
	}
	tmpl.Outputs = map[string]TemplateOutput{"TopicArn": tmpl.Outputs["TopicArn"]}
	_, err = f.applier().Apply(context.Background(), tmpl, Options{StackName: "fixture", Previous: first})
	require.NoError(t, err)
	order := f.calls
	handler := first.Resources["Handler"].PhysicalID
	assert.NotContains(t, strings.Join(order, "\n"), "DeleteBucket", "the bucket is retained")
	assert.Empty(t, f.functions)
	assert.Empty(t, f.machines)
	assert.Empty(t, f.rules)
	assert.Empty(t, f.alarms)
	assert.Empty(t, f.subscriptions)
	assert.Empty(t, f.permissions)
	assert.Len(t, f.topics, 1)
	assert.Less(t, indexOf(order, "RemovePermission arn:aws:lambda:us-east-1:000000000000:function:"+handler), indexOf(order, "DeleteFunction "+handler), "the permission goes before its function: %v", order)
	assert.Less(t, indexOf(order, "DeleteDashboards "+first.Resources["Dashboard"].PhysicalID), indexOf(order, "DeleteAlarms fixture-errors"), "the dashboard goes before the alarm it shows: %v", order)
}

func indexOf(list []string, s string) int {
	for i, e := range list {
		if e == s {
			return i
		}
	}
	return -1
}

func TestApplyFailureKeepsWhatWasCreated(t *testing.T) {
	f := newFakeCloud()
	f.fail["CreateStateMachine"] = &smithy.GenericAPIError{Code: "ServiceUnavailable", Message: "try later"}
	tmpl, err := ReadTemplate(fixture)
	require.NoError(t, err)
	a := f.applier()
	st, err := a.Apply(context.Background(), tmpl, Options{StackName: "fixture", AssetDir: "testdata/assembly"})
	var ae *ApplyError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, "Machine", ae.LogicalID)
	assert.Equal(t, StatusCreateFailed, st.Status)
	assert.Contains(t, st.StatusReason, "ServiceUnavailable")
	handler := st.Resources["Handler"].PhysicalID

	delete(f.fail, "CreateStateMachine")
	f.takeCalls()
	again, err := a.Apply(context.Background(), tmpl, Options{StackName: "fixture", AssetDir: "testdata/assembly", Previous: st})
	require.NoError(t, err)
	assert.Equal(t, handler, again.Resources["Handler"].PhysicalID)
	assert.NotContains(t, f.takeCalls(), "CreateFunction "+handler, "the function created by the failed apply is reused")
	assert.Len(t, f.machines, 1)
}

func TestApplyErrors(t *testing.T) {
	tests := []struct {
		name     string
		template string
		opts     Options
		want     string
		target   any
	}{
		{"unsupported resource type", `{"Resources":{"Q":{"Type":"AWS::SQS::Queue"}}}`, Options{}, "resource Q (AWS::SQS::Queue): unsupported resource type AWS::SQS::Queue", new(*UnsupportedError)},
		{"unsupported intrinsic", `{"Resources":{"T":{"Type":"AWS::SNS::Topic","Properties":{"TopicName":{"Fn::ImportValue":"x"}}}}}`, Options{}, "unsupported intrinsic function Fn::ImportValue", new(*UnsupportedError)},
		{"unsupported attribute", `{"Resources":{"T":{"Type":"AWS::SNS::Topic"},"U":{"Type":"AWS::SNS::Topic","Properties":{"TopicName":{"Fn::GetAtt":["T","Nope"]}}}}}`, Options{}, "unsupported attribute AWS::SNS::Topic.Nope (of T)", new(*UnsupportedError)},
		{"unsupported pseudo parameter", `{"Resources":{"T":{"Type":"AWS::SNS::Topic","Properties":{"TopicName":{"Ref":"AWS::Nope"}}}}}`, Options{}, "unsupported pseudo parameter AWS::Nope", new(*UnsupportedError)},
		{"ssm parameter in use", `{"Parameters":{"V":{"Type":"AWS::SSM::Parameter::Value<String>","Default":"/x"}},"Resources":{"T":{"Type":"AWS::SNS::Topic","Properties":{"TopicName":{"Ref":"V"}}}}}`, Options{}, "unsupported parameter type AWS::SSM::Parameter::Value<String> (parameter V)", new(*UnsupportedError)},
		{"cycle", `{"Resources":{"A":{"Type":"AWS::SNS::Topic","Properties":{"TopicName":{"Ref":"B"}}},"B":{"Type":"AWS::SNS::Topic","Properties":{"TopicName":{"Ref":"A"}}}}}`, Options{}, "circular dependency: A -> B -> A", nil},
		{"unknown ref", `{"Resources":{"T":{"Type":"AWS::SNS::Topic","Properties":{"TopicName":{"Ref":"Missing"}}}}}`, Options{}, "reference to Missing: no such parameter or resource", nil},
		{"parameter without value", `{"Parameters":{"P":{"Type":"String"}},"Resources":{"T":{"Type":"AWS::SNS::Topic","Properties":{"TopicName":{"Ref":"P"}}}}}`, Options{}, "parameter P has no value", nil},
		{"undeclared parameter", `{"Resources":{"T":{"Type":"AWS::SNS::Topic"}}}`, Options{Parameters: map[string]string{"X": "1"}}, "parameter X is not declared by the template", nil},
		{"bad select index", `{"Resources":{"T":{"Type":"AWS::SNS::Topic","Properties":{"TopicName":{"Fn::Select":[3,["a"]]}}}}}`, Options{}, "Fn::Select: index 3 out of range [0,1)", nil},
		{"join of a scalar", `{"Resources":{"T":{"Type":"AWS::SNS::Topic","Properties":{"TopicName":{"Fn::Join":["-","a"]}}}}}`, Options{}, "Fn::Join: values must be a list", nil},
		{"unterminated sub", `{"Resources":{"T":{"Type":"AWS::SNS::Topic","Properties":{"TopicName":{"Fn::Sub":"a-${AWS::Region"}}}}}`, Options{}, "Fn::Sub: unterminated ${", nil},
		{"condition cycle", `{"Conditions":{"A":{"Fn::Not":[{"Condition":"A"}]}},"Resources":{"T":{"Type":"AWS::SNS::Topic","Condition":"A"}}}`, Options{}, "condition A refers to itself", nil},
		{"missing required property", `{"Resources":{"R":{"Type":"AWS::Events::Rule","Properties":{"Name":"r"}}}}`, Options{}, "EventPattern or ScheduleExpression is required", nil},
		{"image function", `{"Resources":{"F":{"Type":"AWS::Lambda::Function","Properties":{"Role":"r","Code":{"ImageUri":"x"}}}}}`, Options{}, "unsupported property Code.ImageUri", new(*UnsupportedError)},
		{"asset without assembly", `{"Resources":{"F":{"Type":"AWS::Lambda::Function","Metadata":{"aws:asset:path":"asset.1"},"Properties":{"Role":"r","Code":{"S3Bucket":"b","S3Key":"k"}}}}}`, Options{}, "code asset asset.1: no cloud assembly directory", nil},
		{"asset outside the assembly", `{"Resources":{"F":{"Type":"AWS::Lambda::Function","Metadata":{"aws:asset:path":"/"},"Properties":{"Role":"r","Code":{"S3Bucket":"b","S3Key":"k"}}}}}`, Options{AssetDir: "testdata/assembly"}, `code asset "/": want a path inside the cloud assembly`, nil},
		{"asset escaping the assembly", `{"Resources":{"F":{"Type":"AWS::Lambda::Function","Metadata":{"aws:asset:path":"../x"},"Properties":{"Role":"r","Code":{"S3Bucket":"b","S3Key":"k"}}}}}`, Options{AssetDir: "testdata/assembly"}, `want a path inside the cloud assembly`, nil},
		{"bad number", `{"Resources":{"F":{"Type":"AWS::CloudWatch::Alarm","Properties":{"EvaluationPeriods":"many","ComparisonOperator":"x"}}}}`, Options{}, `"many" is not a number`, nil},
		{"invalid stack name", `{"Resources":{"T":{"Type":"AWS::SNS::Topic"}}}`, Options{StackName: "1bad"}, `invalid stack name "1bad"`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmpl, err := ParseTemplate([]byte(tt.template))
			require.NoError(t, err)
			if tt.opts.StackName == "" {
				tt.opts.StackName = "s"
			}
			_, err = newFakeCloud().applier().Apply(context.Background(), tmpl, tt.opts)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			if tt.target != nil {
				assert.True(t, errors.As(err, tt.target), "want %T in %v", tt.target, err)
			}
		})
	}
}

func TestParseTemplateErrors(t *testing.T) {
	tests := []struct{ name, template, want string }{
		{"not json", `{`, "parse template"},
		{"no resources", `{"Resources":{}}`, "no Resources"},
		{"no type", `{"Resources":{"A":{}}}`, "resource A has no Type"},
		{"unknown dependency", `{"Resources":{"A":{"Type":"AWS::SNS::Topic","DependsOn":"B"}}}`, "depends on unknown resource B"},
		{"unknown condition", `{"Resources":{"A":{"Type":"AWS::SNS::Topic","Condition":"C"}}}`, "unknown condition C"},
		{"bad depends on", `{"Resources":{"A":{"Type":"AWS::SNS::Topic","DependsOn":1}}}`, "want a string or a list of strings"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseTemplate([]byte(tt.template))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestResolve(t *testing.T) {
	tmpl, err := ParseTemplate([]byte(`{
		"Parameters": {"Name": {"Type": "String", "Default": "orders"}, "Count": {"Type": "Number", "Default": 3}},
		"Conditions": {"Yes": {"Fn::Equals": ["a", "a"]}, "No": {"Fn::Not": [{"Condition": "Yes"}]},
			"Both": {"Fn::And": [{"Condition": "Yes"}, {"Condition": "No"}]}, "Either": {"Fn::Or": [{"Condition": "No"}, {"Fn::Equals": [{"Ref": "Count"}, "3"]}]}},
		"Resources": {"Fn": {"Type": "AWS::Lambda::Function"}}}`))
	require.NoError(t, err)
	applied := map[string]*Resource{"Fn": {PhysicalID: "orders-fn", Attributes: map[string]string{"Arn": "arn:fn"}}}
	pseudo := map[string]string{"AWS::Region": "us-east-1", "AWS::AccountId": "000000000000", "AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com", "AWS::StackName": "s", "AWS::StackId": "id"}
	r, err := newResolver(tmpl, pseudo, nil, applied)
	require.NoError(t, err)
	tests := []struct {
		name string
		in   string
		want any
	}{
		{"ref parameter", `{"Ref":"Name"}`, "orders"},
		{"number parameter is a string", `{"Ref":"Count"}`, "3"},
		{"ref resource", `{"Ref":"Fn"}`, "orders-fn"},
		{"getatt list", `{"Fn::GetAtt":["Fn","Arn"]}`, "arn:fn"},
		{"getatt dotted", `{"Fn::GetAtt":"Fn.Arn"}`, "arn:fn"},
		{"join", `{"Fn::Join":[":",["a",{"Ref":"AWS::Region"},1]]}`, "a:us-east-1:1"},
		{"sub string", `{"Fn::Sub":"arn:${AWS::Partition}:${AWS::AccountId}:${Fn.Arn}/${Fn}/${AWS::StackName}/${AWS::URLSuffix}"}`, "arn:aws:000000000000:arn:fn/orders-fn/s/amazonaws.com"},
		{"sub with variables", `{"Fn::Sub":["${A}-${Name}",{"A":{"Ref":"AWS::Region"}}]}`, "us-east-1-orders"},
		{"sub escape", `{"Fn::Sub":"${!Literal}"}`, "${Literal}"},
		{"select of split", `{"Fn::Select":[2,{"Fn::Split":[",","a,b,c"]}]}`, "c"},
		{"if true", `{"Fn::If":["Yes","y","n"]}`, "y"},
		{"if false", `{"Fn::If":["No","y","n"]}`, "n"},
		{"and", `{"Fn::If":["Both","y","n"]}`, "n"},
		{"or", `{"Fn::If":["Either","y","n"]}`, "y"},
		{"novalue dropped from map", `{"a":{"Ref":"AWS::NoValue"},"b":1}`, map[string]any{"b": 1.0}},
		{"novalue dropped from list", `["a",{"Fn::If":["No","x",{"Ref":"AWS::NoValue"}]}]`, []any{"a"}},
		{"notification arns", `{"Ref":"AWS::NotificationARNs"}`, []any{}},
		{"plain map with Condition key", `{"Condition":{"Bool":{"x":"y"}}}`, map[string]any{"Condition": map[string]any{"Bool": map[string]any{"x": "y"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var in any
			require.NoError(t, json.Unmarshal([]byte(tt.in), &in))
			got, err := r.resolve(in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestPhysicalName(t *testing.T) {
	tests := []struct {
		stack, id string
		max       int
		lower     bool
		want      string
	}{
		{"greenlight", "Artifacts", 63, true, `^greenlight-artifacts-[a-z2-7]{12}$`},
		{"greenlight", "PrepareFunction", 64, false, `^greenlight-PrepareFunction-[A-Z2-7]{12}$`},
		{strings.Repeat("s", 60), "Function", 64, false, `^s{51}-[A-Z2-7]{12}$`},
	}
	for _, tt := range tests {
		got := physicalName(tt.stack, tt.id, tt.max, tt.lower)
		assert.Regexp(t, regexp.MustCompile(tt.want), got)
		assert.LessOrEqual(t, len(got), tt.max)
	}
}

func TestStackNameFromPathName(t *testing.T) {
	assert.Equal(t, "greenlight", stackNameFromPath("cdk.out/greenlight.template.json"))
	assert.Equal(t, "app", stackNameFromPath("/x/app.json"))
}
