package cfn

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// request carries one resource through its kind's prepare and apply.
type request struct {
	stack     string
	logicalID string
	props     json.RawMessage // resolved properties
	metadata  map[string]any
	assetDir  string
	prev      *Resource // nil on creation

	// Set by prepare: content that is not in the properties but decides
	// whether the resource changed (the function code), and the code itself.
	extraDigest []byte
	code        []byte
}

// kind creates, updates and deletes the resources of one type.
type kind struct {
	// prepare, when set, runs before the change check.
	prepare func(r *request) error
	// apply creates the resource (r.prev == nil) or updates it, and returns
	// its physical id (what Ref returns) and its Fn::GetAtt attributes.
	apply func(ctx context.Context, a *Applier, r *request) (string, map[string]string, error)
	// remove deletes it; nil for resources that are only recorded.
	remove func(ctx context.Context, a *Applier, r *Resource) error
}

// kinds are the supported resource types.
var kinds = map[string]kind{
	"AWS::S3::Bucket":                  {apply: applyBucket, remove: removeBucket},
	"Custom::S3BucketNotifications":    {apply: applyBucketNotifications, remove: removeBucketNotifications},
	"AWS::S3::BucketPolicy":            {apply: recordOnly},
	"AWS::Lambda::Function":            {prepare: prepareFunction, apply: applyFunction, remove: removeFunction},
	"AWS::Lambda::Permission":          {apply: applyPermission, remove: removePermission},
	"AWS::IAM::Role":                   {apply: applyRole},
	"AWS::IAM::Policy":                 {apply: recordOnly},
	"AWS::IAM::ManagedPolicy":          {apply: applyManagedPolicy},
	"AWS::StepFunctions::StateMachine": {apply: applyStateMachine, remove: removeStateMachine},
	"AWS::Events::Rule":                {apply: applyRule, remove: removeRule},
	"AWS::SNS::Topic":                  {apply: applyTopic, remove: removeTopic},
	"AWS::SNS::TopicPolicy":            {apply: recordOnly},
	"AWS::SNS::Subscription":           {apply: applySubscription, remove: removeSubscription},
	"AWS::CloudWatch::Alarm":           {apply: applyAlarm, remove: removeAlarm},
	"AWS::CloudWatch::Dashboard":       {apply: applyDashboard, remove: removeDashboard},
	"AWS::Logs::LogGroup":              {apply: applyLogGroup},
	"AWS::CDK::Metadata":               {apply: recordOnly},
}

// name picks a resource's name: the one the template gives, else the one it
// was created with, else a generated one.
func (r *request) name(explicit, attr string, max int, lower bool) string {
	if explicit != "" {
		return explicit
	}
	if r.prev != nil && r.prev.Attributes[attr] != "" {
		return r.prev.Attributes[attr]
	}
	return physicalName(r.stack, r.logicalID, max, lower)
}

// recordOnly accepts a resource the local cloud does not enforce (IAM
// policies, bucket and topic policies) and gives it a physical id.
func recordOnly(_ context.Context, _ *Applier, r *request) (string, map[string]string, error) {
	if r.prev != nil {
		return r.prev.PhysicalID, r.prev.Attributes, nil
	}
	return physicalName(r.stack, r.logicalID, 128, false), nil, nil
}

func applyRole(_ context.Context, a *Applier, r *request) (string, map[string]string, error) {
	var p struct {
		RoleName string
		Path     string
	}
	if err := decode(r.props, &p); err != nil {
		return "", nil, err
	}
	name := r.name(p.RoleName, "Name", 64, false)
	path := p.Path
	if path == "" {
		path = "/"
	}
	id := "AROA" + rand.Text()[:17]
	if r.prev != nil && r.prev.Attributes["RoleId"] != "" {
		id = r.prev.Attributes["RoleId"]
	}
	return name, map[string]string{
		"Arn":    fmt.Sprintf("arn:%s:iam::%s:role%s%s", a.partition(), a.Account, path, name),
		"RoleId": id,
		"Name":   name,
	}, nil
}

func applyManagedPolicy(_ context.Context, a *Applier, r *request) (string, map[string]string, error) {
	var p struct {
		ManagedPolicyName string
		Path              string
	}
	if err := decode(r.props, &p); err != nil {
		return "", nil, err
	}
	name := r.name(p.ManagedPolicyName, "Name", 128, false)
	path := p.Path
	if path == "" {
		path = "/"
	}
	arn := fmt.Sprintf("arn:%s:iam::%s:policy%s%s", a.partition(), a.Account, path, name)
	return arn, map[string]string{"PolicyArn": arn, "Name": name}, nil
}

func applyLogGroup(_ context.Context, a *Applier, r *request) (string, map[string]string, error) {
	var p struct{ LogGroupName string }
	if err := decode(r.props, &p); err != nil {
		return "", nil, err
	}
	name := r.name(p.LogGroupName, "Name", 512, false)
	return name, map[string]string{"Arn": a.arn("logs", "log-group:"+name+":*"), "Name": name}, nil
}

type bucketProps struct {
	BucketName              string
	VersioningConfiguration *struct{ Status string }
	// BucketEncryption, PublicAccessBlockConfiguration, OwnershipControls
	// and Tags are accepted; the local cloud does not enforce them.
	NotificationConfiguration *notificationConfiguration
}

type notificationConfiguration struct {
	EventBridgeConfiguration *struct {
		EventBridgeEnabled *boolean
	}
	LambdaConfigurations []json.RawMessage
	QueueConfigurations  []json.RawMessage
	TopicConfigurations  []json.RawMessage
}

// input turns the configuration into the S3 API's, refusing the kinds of
// notification the local cloud does not deliver.
func (n *notificationConfiguration) input() (*s3types.NotificationConfiguration, error) {
	out := &s3types.NotificationConfiguration{}
	if n == nil {
		return out, nil
	}
	switch {
	case len(n.LambdaConfigurations) > 0:
		return nil, &UnsupportedError{Kind: "property", Name: "NotificationConfiguration.LambdaConfigurations"}
	case len(n.QueueConfigurations) > 0:
		return nil, &UnsupportedError{Kind: "property", Name: "NotificationConfiguration.QueueConfigurations"}
	case len(n.TopicConfigurations) > 0:
		return nil, &UnsupportedError{Kind: "property", Name: "NotificationConfiguration.TopicConfigurations"}
	}
	if eb := n.EventBridgeConfiguration; eb != nil && (eb.EventBridgeEnabled == nil || bool(*eb.EventBridgeEnabled)) {
		out.EventBridgeConfiguration = &s3types.EventBridgeConfiguration{}
	}
	return out, nil
}

func bucketAttributes(a *Applier, name string) map[string]string {
	return map[string]string{
		"Arn":                 fmt.Sprintf("arn:%s:s3:::%s", a.partition(), name),
		"DomainName":          name + ".s3." + a.urlSuffix(),
		"RegionalDomainName":  name + ".s3." + a.Region + "." + a.urlSuffix(),
		"DualStackDomainName": name + ".s3.dualstack." + a.Region + "." + a.urlSuffix(),
		"WebsiteURL":          "http://" + name + ".s3-website-" + a.Region + "." + a.urlSuffix(),
		"Name":                name,
	}
}

func applyBucket(ctx context.Context, a *Applier, r *request) (string, map[string]string, error) {
	var p bucketProps
	if err := decode(r.props, &p); err != nil {
		return "", nil, err
	}
	name := r.name(p.BucketName, "Name", 63, true)
	notifications, err := p.NotificationConfiguration.input()
	if err != nil {
		return "", nil, err
	}
	if r.prev == nil || r.prev.PhysicalID != name {
		_, err := a.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &name})
		var owned *s3types.BucketAlreadyOwnedByYou
		if err != nil && !errors.As(err, &owned) {
			return "", nil, fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	if v := p.VersioningConfiguration; v != nil {
		_, err := a.S3.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{
			Bucket:                  &name,
			VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatus(v.Status)},
		})
		if err != nil {
			return "", nil, fmt.Errorf("put versioning of bucket %s: %w", name, err)
		}
	}
	// An update that drops the notifications must clear them.
	if p.NotificationConfiguration != nil || r.prev != nil {
		_, err := a.S3.PutBucketNotificationConfiguration(ctx, &s3.PutBucketNotificationConfigurationInput{Bucket: &name, NotificationConfiguration: notifications})
		if err != nil {
			return "", nil, fmt.Errorf("put notifications of bucket %s: %w", name, err)
		}
	}
	return name, bucketAttributes(a, name), nil
}

func removeBucket(ctx context.Context, a *Applier, r *Resource) error {
	_, err := a.S3.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: &r.PhysicalID})
	var missing *s3types.NoSuchBucket
	if errors.As(err, &missing) {
		return nil
	}
	return err
}

// Custom::S3BucketNotifications is how CDK turns on a bucket's EventBridge
// notifications (Bucket{EventBridgeEnabled: true}); CloudFormation runs a
// handler function for it, the local cloud applies it directly.
type bucketNotificationsProps struct {
	BucketName                string
	NotificationConfiguration *notificationConfiguration
}

func applyBucketNotifications(ctx context.Context, a *Applier, r *request) (string, map[string]string, error) {
	var p bucketNotificationsProps
	if err := decode(r.props, &p); err != nil {
		return "", nil, err
	}
	if p.BucketName == "" {
		return "", nil, fmt.Errorf("BucketName is required")
	}
	notifications, err := p.NotificationConfiguration.input()
	if err != nil {
		return "", nil, err
	}
	_, err = a.S3.PutBucketNotificationConfiguration(ctx, &s3.PutBucketNotificationConfigurationInput{Bucket: &p.BucketName, NotificationConfiguration: notifications})
	if err != nil {
		return "", nil, fmt.Errorf("put notifications of bucket %s: %w", p.BucketName, err)
	}
	id := physicalName(r.stack, r.logicalID, 128, false)
	if r.prev != nil {
		id = r.prev.PhysicalID
	}
	return id, nil, nil
}

func removeBucketNotifications(ctx context.Context, a *Applier, r *Resource) error {
	var p bucketNotificationsProps
	if err := decode(r.Properties, &p); err != nil {
		return err
	}
	_, err := a.S3.PutBucketNotificationConfiguration(ctx, &s3.PutBucketNotificationConfigurationInput{Bucket: &p.BucketName, NotificationConfiguration: &s3types.NotificationConfiguration{}})
	var missing *s3types.NoSuchBucket
	if errors.As(err, &missing) {
		return nil
	}
	return err
}

// isNotFound reports whether err is an AWS "resource not found" error, which
// makes a deletion a success.
func isNotFound(err error) bool {
	var api smithy.APIError
	if !errors.As(err, &api) {
		return false
	}
	code := api.ErrorCode()
	return strings.Contains(code, "NotFound") || code == "StateMachineDoesNotExist"
}

// ignoreNotFound drops "resource not found" errors.
func ignoreNotFound(err error) error {
	if isNotFound(err) {
		return nil
	}
	return err
}
