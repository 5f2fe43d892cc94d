package cfn

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/smithy-go"
)

const fixture = "testdata/assembly/stack.template.json"

// equal reports got != want (compared deeply) without stopping the test.
func equal[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s = %#v, want %#v", what, got, want)
	}
}

// matches reports a string that does not match a regular expression.
func matches(t *testing.T, what, s, pattern string) {
	t.Helper()
	if !regexp.MustCompile(pattern).MatchString(s) {
		t.Errorf("%s = %q, want a match of %s", what, s, pattern)
	}
}

// jsonEqual reports JSON texts that do not hold the same value.
func jsonEqual(t *testing.T, what, got, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Errorf("%s: %v in %s", what, err, got)
		return
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want %s: %v", want, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("%s = %s, want %s", what, got, want)
	}
}

func applyFixture(t *testing.T, f *fakeCloud, prev *Stack, params map[string]string) *Stack {
	t.Helper()
	tmpl, err := ReadTemplate(fixture)
	if err != nil {
		t.Fatal(err)
	}
	a := f.applier()
	tick := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if prev != nil {
		tick = prev.UpdatedAt
	}
	a.Now = func() time.Time { tick = tick.Add(time.Second); return tick }
	st, err := a.Apply(context.Background(), tmpl, Options{StackName: "fixture", AssetDir: "testdata/assembly", Previous: prev, Parameters: params})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestApplyCreatesEveryResource(t *testing.T) {
	f := newFakeCloud()
	st := applyFixture(t, f, nil, nil)

	equal(t, "status", st.Status, StatusCreateComplete)
	matches(t, "stack id", st.ID, `^arn:aws:cloudformation:us-east-1:000000000000:stack/fixture/[0-9a-f-]{36}$`)
	if _, ok := st.Resources["ProdOnly"]; ok {
		t.Error("a resource whose condition is false is not created, yet ProdOnly was")
	}
	for _, id := range []string{"Artifacts", "ArtifactsPolicy", "ArtifactsNotifications", "HandlerRole", "HandlerPolicy", "DeployPolicy",
		"Handler", "Inline", "HandlerLogs", "InvokePermission", "MachineRole", "Machine", "StartRule", "GuardRule", "Topic",
		"TopicPolicy", "TopicInbox", "ErrorAlarm", "RateAlarm", "Dashboard", "CDKMetadata"} {
		if _, ok := st.Resources[id]; !ok {
			t.Errorf("resource %s was not created", id)
		}
	}

	bucket := st.Resources["Artifacts"].PhysicalID
	matches(t, "bucket name (generated names are lower case for buckets)", bucket, `^fixture-artifacts-[a-z2-7]{12}$`)
	if !f.buckets[bucket] {
		t.Errorf("bucket %s was not created", bucket)
	}
	if !f.notifications[bucket] {
		t.Errorf("bucket %s has no EventBridge notifications", bucket)
	}

	handler := st.Resources["Handler"].PhysicalID
	matches(t, "function name", handler, `^fixture-Handler-[A-Z2-7]{12}$`)
	fn := f.functions[handler]
	if fn == nil {
		t.Fatalf("function %s was not created", handler)
	}
	equal(t, "role", *fn.Role, "arn:aws:iam::000000000000:role/"+st.Resources["HandlerRole"].PhysicalID)
	if *fn.MemorySize != 256 {
		t.Errorf("memory size (Fn::FindInMap) = %d, want 256", *fn.MemorySize)
	}
	if *fn.Timeout != 30 {
		t.Errorf("timeout (a number given as a string) = %d, want 30", *fn.Timeout)
	}
	topicARN := st.Resources["Topic"].PhysicalID
	equal(t, "environment", fn.Environment.Variables, map[string]string{
		"BUCKET":        bucket,
		"TOPIC":         topicARN,
		"SECOND_SUBNET": "b",
		"HOST":          "example.com",
		"ENCODED":       "aGk=",
		"LITERAL":       "${NotAVariable}",
		"URL":           "https://s3.us-east-1.amazonaws.com/fixture",
	})
	assertZip(t, f.code[handler], "bootstrap", 0o755, "#!/bin/sh\necho bootstrap\n")
	assertZip(t, f.code["fixture-inline"], "index.py", 0o755, "def handler(event, context):\n    return event\n")

	machine := st.Resources["Machine"].PhysicalID
	var def map[string]any
	if err := json.Unmarshal([]byte(f.machines[machine]), &def); err != nil {
		t.Fatalf("definition %s: %v", f.machines[machine], err)
	}
	states := def["States"].(map[string]any)
	equal(t, "Call resource", states["Call"].(map[string]any)["Resource"], any("arn:aws:lambda:us-east-1:000000000000:function:"+handler))
	tell := states["Tell"].(map[string]any)
	equal(t, "Tell resource (DefinitionSubstitutions)", tell["Resource"], any("arn:aws:states:::sns:publish"))
	equal(t, "Tell topic", tell["Parameters"].(map[string]any)["TopicArn"], any(topicARN))

	start := f.rules[st.Resources["StartRule"].PhysicalID]
	if start == nil {
		t.Fatal("the start rule was not created")
	}
	jsonEqual(t, "start rule pattern", *start.EventPattern, `{"source":["aws.s3"],"detail-type":["Object Created"],"detail":{"bucket":{"name":["`+bucket+`"]},"object":{"key":[{"prefix":"releases/"}]}}}`)
	equal(t, "start rule targets", f.targets[*start.Name], map[string]string{"Target0": machine})
	equal(t, "guard rule targets", f.targets["fixture-guard"], map[string]string{"Guard": "arn:aws:lambda:us-east-1:000000000000:function:" + handler})
	equal(t, "permission source", *f.permissions[st.Resources["InvokePermission"].PhysicalID].SourceArn, "arn:aws:events:us-east-1:000000000000:rule/fixture-guard")

	equal(t, "topic attributes", f.topics[topicARN], map[string]string{"DisplayName": "greenlight releases"})
	sub := f.subscriptions[st.Resources["TopicInbox"].PhysicalID]
	if sub == nil {
		t.Fatal("the subscription was not created")
	}
	equal(t, "subscription attributes", sub.Attributes, map[string]string{"FilterPolicy": `{"event":["promoted","rolledBack"]}`, "RawMessageDelivery": "true"})

	alarm := f.alarms["fixture-errors"]
	if alarm == nil {
		t.Fatal("the error alarm was not created")
	}
	equal(t, "alarm dimension", *alarm.Dimensions[0].Value, handler)
	equal(t, "alarm threshold", *alarm.Threshold, 1.0)
	equal(t, "alarm actions", alarm.AlarmActions, []string{topicARN})
	rate := f.alarms[st.Resources["RateAlarm"].PhysicalID]
	if rate == nil {
		t.Fatal("the rate alarm was not created")
	}
	if len(rate.Metrics) != 3 {
		t.Fatalf("rate alarm metrics = %d, want 3", len(rate.Metrics))
	}
	equal(t, "rate expression", *rate.Metrics[2].Expression, "errors / invocations")
	equal(t, "rate threshold", *rate.Threshold, 0.1)
	if d := f.dashboards[st.Resources["Dashboard"].PhysicalID]; !strings.Contains(d, "arn:aws:cloudwatch:us-east-1:000000000000:alarm:fixture-errors") {
		t.Errorf("dashboard %s does not show the error alarm", d)
	}

	equal(t, "log group", st.Resources["HandlerLogs"].PhysicalID, "/aws/lambda/"+handler)
	equal(t, "outputs", st.Outputs, map[string]Output{
		"BucketName":      {Value: bucket, Description: "artifact bucket"},
		"StateMachineArn": {Value: machine, ExportName: "fixture-machine"},
		"TopicArn":        {Value: topicARN},
		"Subnets":         {Value: "a,b,c"},
	})
}

func assertZip(t *testing.T, b []byte, name string, perm uint32, content string) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	if len(zr.File) != 1 {
		t.Fatalf("zip holds %d files, want 1", len(zr.File))
	}
	equal(t, "file name", zr.File[0].Name, name)
	if got := uint32(zr.File[0].Mode().Perm()); got != perm {
		t.Errorf("%s mode = %o, want %o", name, got, perm)
	}
	rc, err := zr.File[0].Open()
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, name+" content", string(got), content)
}

func TestApplyAgainChangesNothing(t *testing.T) {
	f := newFakeCloud()
	first := applyFixture(t, f, nil, nil)
	f.takeCalls()
	second := applyFixture(t, f, first, nil)
	if calls := f.takeCalls(); len(calls) != 0 {
		t.Errorf("a second apply made calls: %v", calls)
	}
	equal(t, "status", second.Status, StatusUpdateComplete)
	equal(t, "stack id", second.ID, first.ID)
	equal(t, "outputs", second.Outputs, first.Outputs)
	for id, r := range first.Resources {
		equal(t, id, second.Resources[id].PhysicalID, r.PhysicalID)
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
	equal(t, "calls", f.takeCalls(), []string{
		"CreateTopic prod-only",
		"DeleteFunction fixture-inline",
		"PutBucketNotificationConfiguration " + bucket + " eventbridge=true", // its tags changed
		"PutBucketVersioning " + bucket + " Enabled",
		"UpdateFunctionCode " + handler,
		"UpdateFunctionConfiguration " + handler,
	})
	equal(t, "STAGE_NOTE", f.functions[handler].Environment.Variables["STAGE_NOTE"], "production")
	equal(t, "SECOND_SUBNET", f.functions[handler].Environment.Variables["SECOND_SUBNET"], "y")
	if _, ok := second.Resources["Inline"]; ok {
		t.Error("Inline was not removed")
	}
	equal(t, "Handler status", second.Resources["Handler"].Status(), StatusUpdateComplete)
	equal(t, "Topic status (unchanged)", second.Resources["Topic"].Status(), StatusCreateComplete)
	equal(t, "ProdOnly status (new)", second.Resources["ProdOnly"].Status(), StatusCreateComplete)
	equal(t, "Handler creation time", second.Resources["Handler"].CreatedAt, first.Resources["Handler"].CreatedAt)
	equal(t, "ProdTopic", second.Outputs["ProdTopic"].Value, "arn:aws:sns:us-east-1:000000000000:prod-only")
}

func TestApplyDeletesRemovedResourcesDependentsFirst(t *testing.T) {
	f := newFakeCloud()
	first := applyFixture(t, f, nil, nil)
	f.takeCalls()
	tmpl, err := ReadTemplate(fixture)
	if err != nil {
		t.Fatal(err)
	}
	keep := map[string]bool{"HandlerRole": true, "Topic": true}
	for id := range tmpl.Resources {
		if !keep[id] {
			delete(tmpl.Resources, id)
		}
	}
	tmpl.Outputs = map[string]TemplateOutput{"TopicArn": tmpl.Outputs["TopicArn"]}
	if _, err := f.applier().Apply(context.Background(), tmpl, Options{StackName: "fixture", Previous: first}); err != nil {
		t.Fatal(err)
	}
	order := f.calls
	handler := first.Resources["Handler"].PhysicalID
	if strings.Contains(strings.Join(order, "\n"), "DeleteBucket") {
		t.Errorf("the bucket is retained, yet: %v", order)
	}
	for what, n := range map[string]int{"functions": len(f.functions), "machines": len(f.machines), "rules": len(f.rules),
		"alarms": len(f.alarms), "subscriptions": len(f.subscriptions), "permissions": len(f.permissions)} {
		if n != 0 {
			t.Errorf("%d %s left, want none", n, what)
		}
	}
	if len(f.topics) != 1 {
		t.Errorf("%d topics left, want 1", len(f.topics))
	}
	if indexOf(order, "RemovePermission arn:aws:lambda:us-east-1:000000000000:function:"+handler) >= indexOf(order, "DeleteFunction "+handler) {
		t.Errorf("the permission goes before its function: %v", order)
	}
	if indexOf(order, "DeleteDashboards "+first.Resources["Dashboard"].PhysicalID) >= indexOf(order, "DeleteAlarms fixture-errors") {
		t.Errorf("the dashboard goes before the alarm it shows: %v", order)
	}
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
	if err != nil {
		t.Fatal(err)
	}
	a := f.applier()
	st, err := a.Apply(context.Background(), tmpl, Options{StackName: "fixture", AssetDir: "testdata/assembly"})
	var ae *ApplyError
	if !errors.As(err, &ae) {
		t.Fatalf("Apply error = %v, want an *ApplyError", err)
	}
	equal(t, "failed resource", ae.LogicalID, "Machine")
	equal(t, "status", st.Status, StatusCreateFailed)
	if !strings.Contains(st.StatusReason, "ServiceUnavailable") {
		t.Errorf("status reason %q does not name ServiceUnavailable", st.StatusReason)
	}
	handler := st.Resources["Handler"].PhysicalID

	delete(f.fail, "CreateStateMachine")
	f.takeCalls()
	again, err := a.Apply(context.Background(), tmpl, Options{StackName: "fixture", AssetDir: "testdata/assembly", Previous: st})
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "handler", again.Resources["Handler"].PhysicalID, handler)
	if calls := f.takeCalls(); slices.Contains(calls, "CreateFunction "+handler) {
		t.Errorf("the function created by the failed apply is reused, yet: %v", calls)
	}
	if len(f.machines) != 1 {
		t.Errorf("%d state machines, want 1", len(f.machines))
	}
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
			if err != nil {
				t.Fatal(err)
			}
			if tt.opts.StackName == "" {
				tt.opts.StackName = "s"
			}
			_, err = newFakeCloud().applier().Apply(context.Background(), tmpl, tt.opts)
			if err == nil {
				t.Fatalf("Apply succeeded, want an error containing %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Apply error = %v, want one containing %q", err, tt.want)
			}
			if tt.target != nil && !errors.As(err, tt.target) {
				t.Errorf("want %T in %v", tt.target, err)
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
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseTemplate error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestResolve(t *testing.T) {
	tmpl, err := ParseTemplate([]byte(`{
		"Parameters": {"Name": {"Type": "String", "Default": "orders"}, "Count": {"Type": "Number", "Default": 3}},
		"Conditions": {"Yes": {"Fn::Equals": ["a", "a"]}, "No": {"Fn::Not": [{"Condition": "Yes"}]},
			"Both": {"Fn::And": [{"Condition": "Yes"}, {"Condition": "No"}]}, "Either": {"Fn::Or": [{"Condition": "No"}, {"Fn::Equals": [{"Ref": "Count"}, "3"]}]}},
		"Resources": {"Fn": {"Type": "AWS::Lambda::Function"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	applied := map[string]*Resource{"Fn": {PhysicalID: "orders-fn", Attributes: map[string]string{"Arn": "arn:fn"}}}
	pseudo := map[string]string{"AWS::Region": "us-east-1", "AWS::AccountId": "000000000000", "AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com", "AWS::StackName": "s", "AWS::StackId": "id"}
	r, err := newResolver(tmpl, pseudo, nil, applied)
	if err != nil {
		t.Fatal(err)
	}
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
			if err := json.Unmarshal([]byte(tt.in), &in); err != nil {
				t.Fatal(err)
			}
			got, err := r.resolve(in)
			if err != nil {
				t.Fatalf("resolve %s: %v", tt.in, err)
			}
			equal(t, "resolve "+tt.in, got, tt.want)
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
		matches(t, "physical name", got, tt.want)
		if len(got) > tt.max {
			t.Errorf("physical name %q is longer than %d", got, tt.max)
		}
	}
}

func TestStackNameFromPathName(t *testing.T) {
	equal(t, "stack name", stackNameFromPath("cdk.out/greenlight.template.json"), "greenlight")
	equal(t, "stack name", stackNameFromPath("/x/app.json"), "app")
}
