package greenlight_test

import (
	"encoding/json"
	"fmt"
	"github.com/greenlight/greenlight/internal/notice"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"

	"github.com/greenlight/greenlight/infra/greenlight"
	"github.com/greenlight/greenlight/internal/lambdaenv"
	"github.com/greenlight/greenlight/workflow"
)

var (
	match  = assertions.Match_ObjectLike
	arrayW = assertions.Match_ArrayWith
)

func TestArtifactBucket(t *testing.T) {
	tpl := synth(t, greenlight.Props{Config: demoConfig()})
	tpl.ResourceCountIs(jsii.String("AWS::S3::Bucket"), jsii.Number(1))
	tpl.HasResourceProperties(jsii.String("AWS::S3::Bucket"), &map[string]any{
		"VersioningConfiguration": map[string]any{"Status": "Enabled"},
		"PublicAccessBlockConfiguration": map[string]any{
			"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true,
		},
		"BucketEncryption": map[string]any{"ServerSideEncryptionConfiguration": []any{
			map[string]any{"ServerSideEncryptionByDefault": map[string]any{"SSEAlgorithm": "AES256"}},
		}},
		"NotificationConfiguration": map[string]any{"EventBridgeConfiguration": map[string]any{"EventBridgeEnabled": true}},
		// Old versions of the lock records expire; artifacts are kept.
		"LifecycleConfiguration": map[string]any{"Rules": []any{map[string]any{
			"Id": "expire-old-lock-versions", "Prefix": "locks/", "Status": "Enabled",
			"NoncurrentVersionExpiration": map[string]any{"NoncurrentDays": 1},
			"ExpiredObjectDeleteMarker":   true,
		}}},
	})
	// TLS only: the bucket policy denies every request not made over TLS.
	tpl.HasResourceProperties(jsii.String("AWS::S3::BucketPolicy"), &map[string]any{
		"PolicyDocument": match(&map[string]any{"Statement": arrayW(&[]any{match(&map[string]any{
			"Effect":    "Deny",
			"Action":    "s3:*",
			"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
		})})}),
	})
	// No custom resource: the local cloud applies the template as it is.
	tpl.ResourceCountIs(jsii.String("Custom::S3BucketNotifications"), jsii.Number(0))
}

func TestTopic(t *testing.T) {
	tpl := synth(t, greenlight.Props{Config: demoConfig(), Emails: []string{"ops@example.com", "dev@example.com"}})
	tpl.ResourceCountIs(jsii.String("AWS::SNS::Topic"), jsii.Number(1))
	tpl.HasResourceProperties(jsii.String("AWS::SNS::Topic"), &map[string]any{
		"KmsMasterKeyId": assertions.Match_AnyValue(),
	})
	tpl.HasResourceProperties(jsii.String("AWS::SNS::TopicPolicy"), &map[string]any{
		"PolicyDocument": match(&map[string]any{"Statement": arrayW(&[]any{match(&map[string]any{
			"Effect":    "Deny",
			"Action":    "sns:Publish",
			"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
		})})}),
	})
	tpl.ResourceCountIs(jsii.String("AWS::SNS::Subscription"), jsii.Number(2))
	tpl.HasResourceProperties(jsii.String("AWS::SNS::Subscription"), &map[string]any{
		"Protocol": "email", "Endpoint": "ops@example.com",
	})
}

func TestFunctions(t *testing.T) {
	cfg := demoConfig()
	tests := []struct {
		name string
		arch awslambda.Architecture
		want string
	}{
		{"default", nil, "arm64"},
		{"host build", awslambda.Architecture_X86_64(), "x86_64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tpl := synth(t, greenlight.Props{Config: cfg, Architecture: tt.arch})
			tpl.ResourceCountIs(jsii.String("AWS::Lambda::Function"), jsii.Number(len(greenlight.FunctionNames())))
			for _, name := range greenlight.FunctionNames() {
				// Exactly the variables the function reads: Lambda caps a
				// function's environment at 4 KB.
				env := map[string]any{
					lambdaenv.BucketVar: map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("ArtifactBucket"))},
				}
				switch name {
				case "prepare":
					env[lambdaenv.ConfigVar] = assertions.Match_SerializedJson(jsonValue(t, cfg))
				case "notify", "watchdog":
					env[lambdaenv.TopicARNVar] = map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("Topic"))}
				}
				tpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), &map[string]any{
					"FunctionName":  "greenlight-" + name,
					"Runtime":       "provided.al2023",
					"Architectures": []any{tt.want},
					"Handler":       "bootstrap",
					"Environment":   map[string]any{"Variables": assertions.Match_Exact(env)},
				})
			}
		})
	}
}

func jsonValue(t *testing.T, v any) any {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestRules(t *testing.T) {
	tpl := synth(t, greenlight.Props{Config: demoConfig()})
	tpl.ResourceCountIs(jsii.String("AWS::Events::Rule"), jsii.Number(3))
	tpl.HasResourceProperties(jsii.String("AWS::Events::Rule"), &map[string]any{
		"EventPattern": map[string]any{
			"source":      []any{"aws.s3"},
			"detail-type": []any{"Object Created"},
			"detail": map[string]any{
				"bucket": map[string]any{"name": []any{map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("ArtifactBucket"))}}},
				"object": map[string]any{"key": []any{map[string]any{"wildcard": "releases/*.zip"}}},
			},
		},
		"Targets": []any{match(&map[string]any{
			"Arn": map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("StateMachine"))},
		})},
	})
	tpl.HasResourceProperties(jsii.String("AWS::Events::Rule"), &map[string]any{
		"EventPattern": map[string]any{
			"source":      []any{"aws.cloudwatch"},
			"detail-type": []any{"CloudWatch Alarm State Change"},
			"detail":      map[string]any{"state": map[string]any{"value": []any{"ALARM"}}},
		},
		"Targets": []any{match(&map[string]any{
			"Arn": map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("GuardFunction")), "Arn"}},
		})},
	})
	tpl.HasResourceProperties(jsii.String("AWS::Events::Rule"), &map[string]any{
		"EventPattern": map[string]any{
			"source":      []any{"aws.states"},
			"detail-type": []any{"Step Functions Execution Status Change"},
			"detail": map[string]any{
				"status":          []any{"ABORTED", "TIMED_OUT", "FAILED"},
				"stateMachineArn": []any{map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("StateMachine"))}},
			},
		},
		"Targets": []any{match(&map[string]any{
			"Arn": map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("WatchdogFunction")), "Arn"}},
		})},
	})
}

func TestStateMachine(t *testing.T) {
	tpl := synth(t, greenlight.Props{Config: demoConfig()})
	tpl.ResourceCountIs(jsii.String("AWS::StepFunctions::StateMachine"), jsii.Number(1))
	tpl.HasResourceProperties(jsii.String("AWS::StepFunctions::StateMachine"), &map[string]any{
		"StateMachineName":     "greenlight-releases",
		"StateMachineType":     "STANDARD",
		"TracingConfiguration": map[string]any{"Enabled": true},
		"LoggingConfiguration": match(&map[string]any{"Level": "ALL", "IncludeExecutionData": true}),
	})
	def := definition(t, tpl)
	for _, state := range []string{workflow.StatePrepare, workflow.StateDeploy, workflow.StateTest, workflow.StateShift, workflow.StateVerify, workflow.StateRollback} {
		if !strings.Contains(def, `"`+state+`":{`) {
			t.Errorf("the definition has no state %q", state)
		}
	}
	for _, want := range []string{`"Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken"`, `"TimeoutSecondsPath":"$.state.bakeSeconds"`, `"TimeoutSecondsPath":"$.state.approvalSeconds"`, `"TimeoutSeconds":93600`} {
		if !strings.Contains(def, want) {
			t.Errorf("the definition has no %s", want)
		}
	}
	for _, name := range greenlight.FunctionNames() {
		fn := strings.ToUpper(name[:1]) + name[1:] + "Function"
		if got := strings.Contains(def, fn); got == (name == "guard" || name == "watchdog") {
			t.Errorf("the definition invokes %s: %v", fn, got)
		}
	}
}

// definition flattens the state machine's DefinitionString, an Fn::Join of
// literals and function ARNs, into one string.
func definition(t *testing.T, tpl assertions.Template) string {
	t.Helper()
	for _, r := range *tpl.FindResources(jsii.String("AWS::StepFunctions::StateMachine"), nil) {
		raw, err := json.Marshal((*r)["Properties"].(map[string]any)["DefinitionString"])
		if err != nil {
			t.Fatal(err)
		}
		var join struct {
			Join []json.RawMessage `json:"Fn::Join"`
		}
		if err := json.Unmarshal(raw, &join); err != nil || len(join.Join) != 2 {
			t.Fatalf("DefinitionString is not an Fn::Join: %s", raw)
		}
		var parts []any
		if err := json.Unmarshal(join.Join[1], &parts); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for _, p := range parts {
			if s, ok := p.(string); ok {
				b.WriteString(s)
				continue
			}
			ref, _ := json.Marshal(p)
			b.Write(ref)
		}
		return b.String()
	}
	t.Fatal("no state machine")
	return ""
}

func TestDashboardAndOutputs(t *testing.T) {
	tpl := synth(t, greenlight.Props{Config: demoConfig()})
	tpl.ResourceCountIs(jsii.String("AWS::CloudWatch::Dashboard"), jsii.Number(1))
	tpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Dashboard"), &map[string]any{
		"DashboardName": "greenlight-releases",
	})
	// The dashboard counts group releases from the notify function's EMF lines.
	body, _ := json.Marshal(tpl.FindResources(jsii.String("AWS::CloudWatch::Dashboard"), nil))
	for _, want := range []string{"Group releases", notice.MetricNamespace, notice.MetricReleases, notice.KindGroup} {
		if !strings.Contains(string(body), want) {
			t.Errorf("the dashboard does not show %q", want)
		}
	}
	for key, ref := range map[string]string{
		greenlight.OutputBucket:       "ArtifactBucket",
		greenlight.OutputTopic:        "Topic",
		greenlight.OutputStateMachine: "StateMachine",
	} {
		tpl.HasOutput(jsii.String(key), &map[string]any{
			"Value": map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String(ref))},
		})
	}
}

// TestPlainTemplate checks that nothing in the template needs the CDK
// toolkit to be applied: no metadata resource, no bootstrap version check.
func TestPlainTemplate(t *testing.T) {
	tpl := *synth(t, greenlight.Props{Config: demoConfig()}).ToJSON()
	for _, key := range []string{"Parameters", "Rules", "Conditions"} {
		if v, ok := tpl[key]; ok {
			t.Errorf("template has %s: %v", key, v)
		}
	}
	resources, _ := tpl["Resources"].(map[string]any)
	for id, r := range resources {
		typ, _ := r.(map[string]any)["Type"].(string)
		if typ == "AWS::CDK::Metadata" || strings.HasPrefix(typ, "Custom::") {
			t.Errorf("template has %s (%s)", id, typ)
		}
	}
}

// statement is an IAM policy statement as synthesized; Action and Resource
// may be one value or a list.
type statement struct {
	Effect    string
	Action    any
	Resource  any
	Condition map[string]any
}

func list(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	return []any{v}
}

// statements returns every statement of every IAM policy in the template,
// by the logical ID of its policy.
func statements(t *testing.T, tpl assertions.Template) map[string][]statement {
	t.Helper()
	out := map[string][]statement{}
	for id, r := range *tpl.FindResources(jsii.String("AWS::IAM::Policy"), nil) {
		raw, _ := json.Marshal((*r)["Properties"].(map[string]any)["PolicyDocument"])
		var doc struct{ Statement []statement }
		if err := json.Unmarshal(raw, &doc); err != nil {
			t.Fatal(err)
		}
		out[id] = doc.Statement
	}
	return out
}

// arnOf renders a synthesized resource (a string or an Fn::Join) as text.
func arnOf(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	raw, _ := json.Marshal(v)
	var join struct {
		Join []json.RawMessage `json:"Fn::Join"`
	}
	if json.Unmarshal(raw, &join) != nil || len(join.Join) != 2 {
		return string(raw)
	}
	var parts []any
	_ = json.Unmarshal(join.Join[1], &parts)
	var b strings.Builder
	for _, p := range parts {
		if s, ok := p.(string); ok {
			b.WriteString(s)
			continue
		}
		ref, _ := json.Marshal(p)
		b.Write(ref)
	}
	return b.String()
}

var lambdaWrites = regexp.MustCompile(`^lambda:(Update|Publish|Create|Delete|Put|Add|Remove|Tag|Untag|Invoke)`)

// TestLambdaAccessIsScopedToTargets checks every IAM statement of the stack:
// no Lambda action on *, no lambda:*, and every Lambda write on a configured
// target only, with the tag condition where a tag selects the targets.
func TestLambdaAccessIsScopedToTargets(t *testing.T) {
	tests := []struct {
		name    string
		targets greenlight.Targets
		allowed *regexp.Regexp // the function part of every resource a write may name
		tagged  bool
	}{
		{"names", greenlight.Targets{Names: []string{"greenlight-demo", "orders"}}, regexp.MustCompile(`:function:(greenlight-demo|orders|smoke)(:\*)?$`), false},
		{"prefix", greenlight.Targets{Prefix: "shop-"}, regexp.MustCompile(`:function:(shop-\*|smoke|smoke:\*)$`), false},
		{"tag", greenlight.Targets{Tag: &greenlight.Tag{Key: "greenlight", Value: "managed"}}, regexp.MustCompile(`:function:(\*|smoke|smoke:\*)$`), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := demoConfig()
			cfg.Targets = tt.targets
			cfg.Defaults.Hook = "smoke"
			tpl := synth(t, greenlight.Props{Config: cfg})
			writes := 0
			for policy, stmts := range statements(t, tpl) {
				stateMachine := strings.Contains(policy, "StateMachine")
				for _, s := range stmts {
					var lambdaActions, writeActions []string
					for _, a := range list(s.Action) {
						a, _ := a.(string)
						if a == "lambda:*" || a == "*" {
							t.Errorf("%s grants %s", policy, a)
						}
						if strings.HasPrefix(a, "lambda:") {
							lambdaActions = append(lambdaActions, a)
							if lambdaWrites.MatchString(a) {
								writeActions = append(writeActions, a)
							}
						}
					}
					if len(lambdaActions) == 0 {
						continue
					}
					for _, r := range list(s.Resource) {
						if r == "*" {
							t.Errorf("%s grants %v on *", policy, lambdaActions)
						}
					}
					if len(writeActions) == 0 || stateMachine {
						continue // the state machine invokes greenlight's own functions
					}
					writes++
					for _, r := range list(s.Resource) {
						if arn := arnOf(r); !tt.allowed.MatchString(arn) {
							t.Errorf("%s grants %v on %s, which is not a target", policy, writeActions, arn)
						}
						if strings.HasSuffix(arnOf(r), ":function:*") {
							want := map[string]any{"StringEquals": map[string]any{"aws:ResourceTag/greenlight": "managed"}}
							if got, _ := json.Marshal(s.Condition); string(got) != mustJSON(want) {
								t.Errorf("%s grants %v on every function with condition %s, want %s", policy, writeActions, got, mustJSON(want))
							}
						}
					}
				}
			}
			if writes == 0 {
				t.Fatal("no statement lets the deployer change a target")
			}
			if tt.tagged {
				tpl.HasResourceProperties(jsii.String("AWS::IAM::Policy"), &map[string]any{
					"PolicyDocument": match(&map[string]any{"Statement": arrayW(&[]any{match(&map[string]any{
						"Action":    arrayW(&[]any{"lambda:UpdateFunctionCode", "lambda:UpdateAlias"}),
						"Condition": map[string]any{"StringEquals": map[string]any{"aws:ResourceTag/greenlight": "managed"}},
					})})}),
				})
			}
		})
	}
}

func mustJSON(v any) string {
	raw, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(raw)
}

// TestFunctionGrants checks what each function may do beyond Lambda.
func TestFunctionGrants(t *testing.T) {
	tpl := synth(t, greenlight.Props{Config: demoConfig()})
	byFunction := map[string][]string{}
	for policy, stmts := range statements(t, tpl) {
		for _, name := range greenlight.FunctionNames() {
			if !strings.HasPrefix(policy, "Greenlight"+strings.ToUpper(name[:1])+name[1:]+"Function") {
				continue
			}
			for _, s := range stmts {
				for _, a := range list(s.Action) {
					for _, r := range list(s.Resource) {
						byFunction[name] = append(byFunction[name], fmt.Sprintf("%s %s", a, arnOf(r)))
					}
				}
			}
		}
	}
	tests := []struct {
		function string
		want     string // a regexp one grant must match
		absent   bool
	}{
		{"prepare", `^s3:GetObjectVersion .*ArtifactBucket.*/releases/\*$`, false},
		{"prepare", `^s3:PutObject `, true},
		{"lock", `^s3:PutObject .*ArtifactBucket.*/locks/\*$`, false},
		{"lock", `^states:DescribeExecution .*:execution:greenlight-releases:\*$`, false},
		{"lock", `^s3:GetObject .*ArtifactBucket.*/left/\*$`, false},
		{"lock", `^s3:(PutObject|DeleteObject) .*/left/\*$`, true},
		{"lock", `^lambda:GetAlias .*:function:greenlight-demo:\*$`, false},
		{"lock", `^lambda:GetFunctionConfiguration .*:function:greenlight-demo$`, false},
		{"lock", `^lambda:(UpdateAlias|CreateAlias|UpdateFunctionCode|UpdateFunctionConfiguration|PublishVersion|InvokeFunction) `, true},
		{"unlock", `^s3:DeleteObject .*/locks/\*$`, false},
		{"unlock", `^s3:PutObject .*ArtifactBucket.*/left/\*$`, false},
		{"unlock", `^s3:DeleteObject .*ArtifactBucket.*/left/\*$`, false},
		{"unlock", `^lambda:GetFunctionConfiguration .*:function:greenlight-demo$`, false},
		{"unlock", `^lambda:(UpdateAlias|CreateAlias|UpdateFunctionCode|UpdateFunctionConfiguration|PublishVersion|InvokeFunction) `, true},
		{"watchdog", `^s3:PutObject .*ArtifactBucket.*/left/\*$`, false},
		{"deploy", `^s3:\w+ .*/left/\*$`, true},
		{"notify", `^s3:\w+ .*/left/\*$`, true},
		{"unlock", `^cloudwatch:DeleteAlarms .*:alarm:greenlight-\*$`, false},
		{"deploy", `^lambda:UpdateFunctionCode .*:function:greenlight-demo$`, false},
		{"deploy", `^cloudwatch:PutMetricAlarm .*:alarm:greenlight-\*$`, false},
		{"deploy", `^cloudwatch:PutMetricAlarm .*:alarm:\*$`, true},
		{"test", `^lambda:InvokeFunction .*:function:greenlight-demo:\*$`, false},
		{"test", `^lambda:UpdateAlias `, true},
		{"verify", `^cloudwatch:DescribeAlarms `, false},
		{"verify", `^lambda:`, true},
		{"shift", `^lambda:UpdateAlias .*:function:greenlight-demo:\*$`, false},
		{"shift", `^lambda:(UpdateFunctionCode|PublishVersion) `, true},
		{"promote", `^lambda:(UpdateFunctionCode|PublishVersion) `, true},
		{"rollback", `^lambda:UpdateAlias .*:function:greenlight-demo:\*$`, false},
		{"rollback", `^lambda:(UpdateFunctionCode|PublishVersion) `, true},
		{"notify", `^sns:Publish {"Ref":"GreenlightTopic`, false},
		{"notify", `^cloudwatch:GetMetricData \*$`, false},
		{"notify", `^(s3|lambda):`, true},
		{"guard", `^lambda:UpdateAlias .*:function:greenlight-demo:\*$`, false},
		{"guard", `^lambda:(UpdateFunctionCode|PublishVersion) `, true},
		{"guard", `^s3:ListBucket `, false},
		{"guard", `^states:SendTaskSuccess .*:stateMachine:greenlight-releases$`, false},
		{"shift", `^states:SendTaskSuccess .*:stateMachine:greenlight-releases$`, false},
		{"watchdog", `^lambda:UpdateAlias .*:function:greenlight-demo:\*$`, false},
		{"watchdog", `^s3:DeleteObject .*/locks/\*$`, false},
		{"watchdog", `^sns:Publish {"Ref":"GreenlightTopic`, false},
		{"watchdog", `^lambda:(UpdateFunctionCode|PublishVersion) `, true},
		{"watchdog", `^states:`, true},
		{"verify", `^states:SendTaskSuccess `, true},
		{"notify", `^states:`, true},
	}
	for _, tt := range tests {
		t.Run(tt.function+" "+tt.want, func(t *testing.T) {
			if len(byFunction[tt.function]) == 0 {
				// Without this, a grant that must be absent is absent
				// because no policy of the function was found at all.
				t.Fatalf("no IAM grant of the %s function found", tt.function)
			}
			re := regexp.MustCompile(tt.want)
			found := slices.ContainsFunc(byFunction[tt.function], re.MatchString)
			if found == tt.absent {
				t.Errorf("grant matching %s present: %v, want %v; grants:\n%s", tt.want, found, !tt.absent, strings.Join(byFunction[tt.function], "\n"))
			}
		})
	}
}

// bigConfig targets n functions by name, each with its own alarm.
func bigConfig(n int) greenlight.Config {
	cfg := greenlight.Config{Functions: map[string]greenlight.Settings{}}
	for i := range n {
		name := fmt.Sprintf("orders-%03d", i)
		cfg.Targets.Names = append(cfg.Targets.Names, name)
		cfg.Functions[name] = greenlight.Settings{Alarms: []string{name + "-5xx"}}
	}
	return cfg
}

func TestBadProps(t *testing.T) {
	noBootstrap := t.TempDir()
	if err := os.MkdirAll(filepath.Join(noBootstrap, "prepare"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		props greenlight.Props
		want  string
	}{
		{"no targets", greenlight.Props{}, "targets: name at least one function"},
		{"own function by name", greenlight.Props{Config: greenlight.Config{Targets: greenlight.Targets{Names: []string{"greenlight-deploy"}}}}, "greenlight's own function greenlight-deploy"},
		{"own functions by prefix", greenlight.Props{Config: greenlight.Config{Targets: greenlight.Targets{Prefix: "greenlight-"}}}, "greenlight's own function greenlight-prepare"},
		{"not built", greenlight.Props{Config: demoConfig(), Assets: noBootstrap}, "prepare/bootstrap is missing: build the functions first (make build)"},
		{"bad email", greenlight.Props{Config: demoConfig(), Emails: []string{"ops"}}, `emails[0]: "ops" is not an email address`},
		{"config too big for the environment", greenlight.Props{Config: bigConfig(200)}, "exceeds Lambda's 4096-byte limit on a function's environment"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				r := recover()
				if msg, _ := r.(string); !strings.Contains(msg, tt.want) {
					t.Errorf("recovered %v, want a panic containing %q", r, tt.want)
				}
			}()
			newStack(t, tt.props)
		})
	}
}
