package cfn

import (
	"context"
	"fmt"
	"sort"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/smithy-go"
)

// fakeCloud keeps the state the applier creates and logs each call as
// "Operation target".
type fakeCloud struct {
	mu            sync.Mutex
	calls         []string
	buckets       map[string]bool
	functions     map[string]*lambda.CreateFunctionInput
	code          map[string][]byte
	permissions   map[string]*lambda.AddPermissionInput
	machines      map[string]string // arn -> definition
	rules         map[string]*eventbridge.PutRuleInput
	targets       map[string]map[string]string // rule -> id -> arn
	topics        map[string]map[string]string // arn -> attributes
	subscriptions map[string]*sns.SubscribeInput
	alarms        map[string]*cloudwatch.PutMetricAlarmInput
	dashboards    map[string]string
	notifications map[string]bool  // bucket -> EventBridge on
	fail          map[string]error // operation -> error to return
}

func newFakeCloud() *fakeCloud {
	return &fakeCloud{
		buckets: map[string]bool{}, functions: map[string]*lambda.CreateFunctionInput{}, code: map[string][]byte{},
		permissions: map[string]*lambda.AddPermissionInput{}, machines: map[string]string{},
		rules: map[string]*eventbridge.PutRuleInput{}, targets: map[string]map[string]string{},
		topics: map[string]map[string]string{}, subscriptions: map[string]*sns.SubscribeInput{},
		alarms: map[string]*cloudwatch.PutMetricAlarmInput{}, dashboards: map[string]string{},
		notifications: map[string]bool{}, fail: map[string]error{},
	}
}

func (f *fakeCloud) applier() *Applier {
	return &Applier{S3: f, Lambda: f, SFN: f, Events: f, SNS: f, CloudWatch: f, Account: "000000000000", Region: "us-east-1", WaitPoll: 1}
}

func (f *fakeCloud) call(op, target string) error {
	f.calls = append(f.calls, op+" "+target)
	return f.fail[op]
}

func (f *fakeCloud) takeCalls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.calls
	f.calls = nil
	sort.Strings(c)
	return c
}

func notFound(what string) error {
	return &smithy.GenericAPIError{Code: "ResourceNotFoundException", Message: what + " not found"}
}

func (f *fakeCloud) CreateBucket(_ context.Context, in *s3.CreateBucketInput, _ ...func(*s3.Options)) (*s3.CreateBucketOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("CreateBucket", *in.Bucket); err != nil {
		return nil, err
	}
	f.buckets[*in.Bucket] = true
	return &s3.CreateBucketOutput{}, nil
}

func (f *fakeCloud) PutBucketVersioning(_ context.Context, in *s3.PutBucketVersioningInput, _ ...func(*s3.Options)) (*s3.PutBucketVersioningOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return &s3.PutBucketVersioningOutput{}, f.call("PutBucketVersioning", *in.Bucket+" "+string(in.VersioningConfiguration.Status))
}

func (f *fakeCloud) PutBucketNotificationConfiguration(_ context.Context, in *s3.PutBucketNotificationConfigurationInput, _ ...func(*s3.Options)) (*s3.PutBucketNotificationConfigurationOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	on := in.NotificationConfiguration.EventBridgeConfiguration != nil
	f.notifications[*in.Bucket] = on
	return &s3.PutBucketNotificationConfigurationOutput{}, f.call("PutBucketNotificationConfiguration", fmt.Sprintf("%s eventbridge=%v", *in.Bucket, on))
}

func (f *fakeCloud) DeleteBucket(_ context.Context, in *s3.DeleteBucketInput, _ ...func(*s3.Options)) (*s3.DeleteBucketOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.buckets, *in.Bucket)
	return &s3.DeleteBucketOutput{}, f.call("DeleteBucket", *in.Bucket)
}

func (f *fakeCloud) GetFunction(_ context.Context, in *lambda.GetFunctionInput, _ ...func(*lambda.Options)) (*lambda.GetFunctionOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.functions[*in.FunctionName]; !ok {
		return nil, notFound(*in.FunctionName)
	}
	return &lambda.GetFunctionOutput{Configuration: &lambdatypes.FunctionConfiguration{
		FunctionName: in.FunctionName, State: lambdatypes.StateActive, LastUpdateStatus: lambdatypes.LastUpdateStatusSuccessful,
	}}, nil
}

func (f *fakeCloud) CreateFunction(_ context.Context, in *lambda.CreateFunctionInput, _ ...func(*lambda.Options)) (*lambda.CreateFunctionOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("CreateFunction", *in.FunctionName); err != nil {
		return nil, err
	}
	f.functions[*in.FunctionName] = in
	f.code[*in.FunctionName] = in.Code.ZipFile
	arn := "arn:aws:lambda:us-east-1:000000000000:function:" + *in.FunctionName
	return &lambda.CreateFunctionOutput{FunctionArn: &arn}, nil
}

func (f *fakeCloud) UpdateFunctionCode(_ context.Context, in *lambda.UpdateFunctionCodeInput, _ ...func(*lambda.Options)) (*lambda.UpdateFunctionCodeOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("UpdateFunctionCode", *in.FunctionName); err != nil {
		return nil, err
	}
	f.code[*in.FunctionName] = in.ZipFile
	return &lambda.UpdateFunctionCodeOutput{}, nil
}

func (f *fakeCloud) UpdateFunctionConfiguration(_ context.Context, in *lambda.UpdateFunctionConfigurationInput, _ ...func(*lambda.Options)) (*lambda.UpdateFunctionConfigurationOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("UpdateFunctionConfiguration", *in.FunctionName); err != nil {
		return nil, err
	}
	fn := f.functions[*in.FunctionName]
	fn.Environment = in.Environment
	arn := "arn:aws:lambda:us-east-1:000000000000:function:" + *in.FunctionName
	return &lambda.UpdateFunctionConfigurationOutput{FunctionArn: &arn}, nil
}

func (f *fakeCloud) DeleteFunction(_ context.Context, in *lambda.DeleteFunctionInput, _ ...func(*lambda.Options)) (*lambda.DeleteFunctionOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.functions, *in.FunctionName)
	return &lambda.DeleteFunctionOutput{}, f.call("DeleteFunction", *in.FunctionName)
}

func (f *fakeCloud) AddPermission(_ context.Context, in *lambda.AddPermissionInput, _ ...func(*lambda.Options)) (*lambda.AddPermissionOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.permissions[*in.StatementId] = in
	return &lambda.AddPermissionOutput{}, f.call("AddPermission", *in.FunctionName)
}

func (f *fakeCloud) RemovePermission(_ context.Context, in *lambda.RemovePermissionInput, _ ...func(*lambda.Options)) (*lambda.RemovePermissionOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.permissions[*in.StatementId]; !ok {
		return nil, notFound(*in.StatementId)
	}
	delete(f.permissions, *in.StatementId)
	return &lambda.RemovePermissionOutput{}, f.call("RemovePermission", *in.FunctionName)
}

func (f *fakeCloud) CreateStateMachine(_ context.Context, in *sfn.CreateStateMachineInput, _ ...func(*sfn.Options)) (*sfn.CreateStateMachineOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("CreateStateMachine", *in.Name); err != nil {
		return nil, err
	}
	arn := "arn:aws:states:us-east-1:000000000000:stateMachine:" + *in.Name
	f.machines[arn] = *in.Definition
	return &sfn.CreateStateMachineOutput{StateMachineArn: &arn}, nil
}

func (f *fakeCloud) UpdateStateMachine(_ context.Context, in *sfn.UpdateStateMachineInput, _ ...func(*sfn.Options)) (*sfn.UpdateStateMachineOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.machines[*in.StateMachineArn] = *in.Definition
	return &sfn.UpdateStateMachineOutput{}, f.call("UpdateStateMachine", *in.StateMachineArn)
}

func (f *fakeCloud) DeleteStateMachine(_ context.Context, in *sfn.DeleteStateMachineInput, _ ...func(*sfn.Options)) (*sfn.DeleteStateMachineOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.machines, *in.StateMachineArn)
	return &sfn.DeleteStateMachineOutput{}, f.call("DeleteStateMachine", *in.StateMachineArn)
}

func (f *fakeCloud) PutRule(_ context.Context, in *eventbridge.PutRuleInput, _ ...func(*eventbridge.Options)) (*eventbridge.PutRuleOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("PutRule", *in.Name); err != nil {
		return nil, err
	}
	f.rules[*in.Name] = in
	arn := "arn:aws:events:us-east-1:000000000000:rule/" + *in.Name
	return &eventbridge.PutRuleOutput{RuleArn: &arn}, nil
}

func (f *fakeCloud) PutTargets(_ context.Context, in *eventbridge.PutTargetsInput, _ ...func(*eventbridge.Options)) (*eventbridge.PutTargetsOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.targets[*in.Rule] == nil {
		f.targets[*in.Rule] = map[string]string{}
	}
	for _, t := range in.Targets {
		f.targets[*in.Rule][*t.Id] = *t.Arn
	}
	return &eventbridge.PutTargetsOutput{}, f.call("PutTargets", *in.Rule)
}

func (f *fakeCloud) RemoveTargets(_ context.Context, in *eventbridge.RemoveTargetsInput, _ ...func(*eventbridge.Options)) (*eventbridge.RemoveTargetsOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, id := range in.Ids {
		delete(f.targets[*in.Rule], id)
	}
	return &eventbridge.RemoveTargetsOutput{}, f.call("RemoveTargets", *in.Rule)
}

func (f *fakeCloud) DeleteRule(_ context.Context, in *eventbridge.DeleteRuleInput, _ ...func(*eventbridge.Options)) (*eventbridge.DeleteRuleOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.rules, *in.Name)
	return &eventbridge.DeleteRuleOutput{}, f.call("DeleteRule", *in.Name)
}

func (f *fakeCloud) CreateTopic(_ context.Context, in *sns.CreateTopicInput, _ ...func(*sns.Options)) (*sns.CreateTopicOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("CreateTopic", *in.Name); err != nil {
		return nil, err
	}
	arn := "arn:aws:sns:us-east-1:000000000000:" + *in.Name
	f.topics[arn] = in.Attributes
	return &sns.CreateTopicOutput{TopicArn: &arn}, nil
}

func (f *fakeCloud) SetTopicAttributes(_ context.Context, in *sns.SetTopicAttributesInput, _ ...func(*sns.Options)) (*sns.SetTopicAttributesOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.topics[*in.TopicArn][*in.AttributeName] = *in.AttributeValue
	return &sns.SetTopicAttributesOutput{}, f.call("SetTopicAttributes", *in.TopicArn)
}

func (f *fakeCloud) DeleteTopic(_ context.Context, in *sns.DeleteTopicInput, _ ...func(*sns.Options)) (*sns.DeleteTopicOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.topics, *in.TopicArn)
	return &sns.DeleteTopicOutput{}, f.call("DeleteTopic", *in.TopicArn)
}

func (f *fakeCloud) Subscribe(_ context.Context, in *sns.SubscribeInput, _ ...func(*sns.Options)) (*sns.SubscribeOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("Subscribe", *in.TopicArn); err != nil {
		return nil, err
	}
	arn := fmt.Sprintf("%s:sub-%d", *in.TopicArn, len(f.calls))
	f.subscriptions[arn] = in
	return &sns.SubscribeOutput{SubscriptionArn: &arn}, nil
}

func (f *fakeCloud) Unsubscribe(_ context.Context, in *sns.UnsubscribeInput, _ ...func(*sns.Options)) (*sns.UnsubscribeOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.subscriptions, *in.SubscriptionArn)
	return &sns.UnsubscribeOutput{}, f.call("Unsubscribe", *in.SubscriptionArn)
}

func (f *fakeCloud) PutMetricAlarm(_ context.Context, in *cloudwatch.PutMetricAlarmInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.PutMetricAlarmOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("PutMetricAlarm", *in.AlarmName); err != nil {
		return nil, err
	}
	f.alarms[*in.AlarmName] = in
	return &cloudwatch.PutMetricAlarmOutput{}, nil
}

func (f *fakeCloud) DeleteAlarms(_ context.Context, in *cloudwatch.DeleteAlarmsInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.DeleteAlarmsOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, n := range in.AlarmNames {
		delete(f.alarms, n)
	}
	return &cloudwatch.DeleteAlarmsOutput{}, f.call("DeleteAlarms", in.AlarmNames[0])
}

func (f *fakeCloud) PutDashboard(_ context.Context, in *cloudwatch.PutDashboardInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.PutDashboardOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.dashboards[*in.DashboardName] = *in.DashboardBody
	return &cloudwatch.PutDashboardOutput{}, f.call("PutDashboard", *in.DashboardName)
}

func (f *fakeCloud) DeleteDashboards(_ context.Context, in *cloudwatch.DeleteDashboardsInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.DeleteDashboardsOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.dashboards, in.DashboardNames[0])
	return &cloudwatch.DeleteDashboardsOutput{}, f.call("DeleteDashboards", in.DashboardNames[0])
}
