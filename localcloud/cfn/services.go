package cfn

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
)

type stateMachineProps struct {
	StateMachineName        string
	StateMachineType        string
	RoleArn                 string
	DefinitionString        *document
	Definition              *document
	DefinitionSubstitutions map[string]text
	DefinitionS3Location    map[string]any
}

// definition returns the state machine's definition with the
// DefinitionSubstitutions applied.
func (p *stateMachineProps) definition() (string, error) {
	var def string
	switch {
	case p.DefinitionS3Location != nil:
		return "", &UnsupportedError{Kind: "property", Name: "DefinitionS3Location"}
	case p.DefinitionString != nil:
		def = string(*p.DefinitionString)
	case p.Definition != nil:
		def = string(*p.Definition)
	default:
		return "", fmt.Errorf("DefinitionString or Definition is required")
	}
	for k, v := range p.DefinitionSubstitutions {
		def = strings.ReplaceAll(def, "${"+k+"}", string(v))
	}
	return def, nil
}

func applyStateMachine(ctx context.Context, a *Applier, r *request) (string, map[string]string, error) {
	var p stateMachineProps
	if err := decode(r.props, &p); err != nil {
		return "", nil, err
	}
	def, err := p.definition()
	if err != nil {
		return "", nil, err
	}
	if p.RoleArn == "" {
		return "", nil, fmt.Errorf("RoleArn is required")
	}
	name := r.name(p.StateMachineName, "Name", 80, false)
	var arn string
	if r.prev == nil || r.prev.Attributes["Name"] != name {
		out, err := a.SFN.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{
			Name:       &name,
			Definition: &def,
			RoleArn:    &p.RoleArn,
			Type:       sfntypes.StateMachineType(p.StateMachineType),
		})
		if err != nil {
			return "", nil, fmt.Errorf("create state machine %s: %w", name, err)
		}
		arn = *out.StateMachineArn
	} else {
		arn = r.prev.PhysicalID
		if _, err := a.SFN.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: &arn, Definition: &def, RoleArn: &p.RoleArn}); err != nil {
			return "", nil, fmt.Errorf("update state machine %s: %w", name, err)
		}
	}
	return arn, map[string]string{"Arn": arn, "Name": name}, nil
}

func removeStateMachine(ctx context.Context, a *Applier, r *Resource) error {
	_, err := a.SFN.DeleteStateMachine(ctx, &sfn.DeleteStateMachineInput{StateMachineArn: &r.PhysicalID})
	return ignoreNotFound(err)
}

type ruleProps struct {
	Name               string
	Description        string
	EventBusName       string
	EventPattern       *document
	ScheduleExpression string
	State              string
	RoleArn            string
	Targets            []targetProps
}

type targetProps struct {
	Id               string
	Arn              string
	RoleArn          string
	Input            string
	InputPath        string
	InputTransformer *struct {
		InputPathsMap map[string]string
		InputTemplate string
	}
	RetryPolicy *struct {
		MaximumRetryAttempts     *number
		MaximumEventAgeInSeconds *number
	}
	DeadLetterConfig *struct{ Arn string }
}

func (t *targetProps) target() ebtypes.Target {
	out := ebtypes.Target{
		Id:        &t.Id,
		Arn:       &t.Arn,
		RoleArn:   strp(t.RoleArn),
		Input:     strp(t.Input),
		InputPath: strp(t.InputPath),
	}
	if it := t.InputTransformer; it != nil {
		out.InputTransformer = &ebtypes.InputTransformer{InputPathsMap: it.InputPathsMap, InputTemplate: &it.InputTemplate}
	}
	if rp := t.RetryPolicy; rp != nil {
		out.RetryPolicy = &ebtypes.RetryPolicy{MaximumRetryAttempts: int32p(rp.MaximumRetryAttempts), MaximumEventAgeInSeconds: int32p(rp.MaximumEventAgeInSeconds)}
	}
	if dl := t.DeadLetterConfig; dl != nil {
		out.DeadLetterConfig = &ebtypes.DeadLetterConfig{Arn: &dl.Arn}
	}
	return out
}

func applyRule(ctx context.Context, a *Applier, r *request) (string, map[string]string, error) {
	var p ruleProps
	if err := decode(r.props, &p); err != nil {
		return "", nil, err
	}
	if p.EventPattern == nil && p.ScheduleExpression == "" {
		return "", nil, fmt.Errorf("EventPattern or ScheduleExpression is required")
	}
	name := r.name(p.Name, "Name", 64, false)
	in := &eventbridge.PutRuleInput{
		Name:               &name,
		Description:        strp(p.Description),
		EventBusName:       strp(p.EventBusName),
		ScheduleExpression: strp(p.ScheduleExpression),
		RoleArn:            strp(p.RoleArn),
		State:              ebtypes.RuleState(p.State),
	}
	if p.EventPattern != nil {
		in.EventPattern = (*string)(p.EventPattern)
	}
	out, err := a.Events.PutRule(ctx, in)
	if err != nil {
		return "", nil, fmt.Errorf("put rule %s: %w", name, err)
	}
	keep := map[string]bool{}
	if len(p.Targets) > 0 {
		targets := make([]ebtypes.Target, len(p.Targets))
		for i := range p.Targets {
			if p.Targets[i].Id == "" || p.Targets[i].Arn == "" {
				return "", nil, fmt.Errorf("target %d: Id and Arn are required", i)
			}
			targets[i] = p.Targets[i].target()
			keep[p.Targets[i].Id] = true
		}
		res, err := a.Events.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: &name, EventBusName: strp(p.EventBusName), Targets: targets})
		if err != nil {
			return "", nil, fmt.Errorf("put targets of rule %s: %w", name, err)
		}
		if res.FailedEntryCount > 0 {
			e := res.FailedEntries[0]
			return "", nil, fmt.Errorf("put targets of rule %s: target %s: %s: %s", name, deref(e.TargetId), deref(e.ErrorCode), deref(e.ErrorMessage))
		}
	}
	if r.prev != nil && r.prev.PhysicalID == name {
		var old ruleProps
		if err := decode(r.prev.Properties, &old); err != nil {
			return "", nil, err
		}
		var stale []string
		for _, t := range old.Targets {
			if !keep[t.Id] {
				stale = append(stale, t.Id)
			}
		}
		if len(stale) > 0 {
			if _, err := a.Events.RemoveTargets(ctx, &eventbridge.RemoveTargetsInput{Rule: &name, EventBusName: strp(p.EventBusName), Ids: stale}); err != nil {
				return "", nil, fmt.Errorf("remove old targets of rule %s: %w", name, err)
			}
		}
	}
	arn := a.arn("events", "rule/"+name)
	if out.RuleArn != nil {
		arn = *out.RuleArn
	}
	return name, map[string]string{"Arn": arn, "Name": name}, nil
}

func removeRule(ctx context.Context, a *Applier, r *Resource) error {
	var p ruleProps
	if err := decode(r.Properties, &p); err != nil {
		return err
	}
	if len(p.Targets) > 0 {
		ids := make([]string, len(p.Targets))
		for i, t := range p.Targets {
			ids[i] = t.Id
		}
		if _, err := a.Events.RemoveTargets(ctx, &eventbridge.RemoveTargetsInput{Rule: &r.PhysicalID, EventBusName: strp(p.EventBusName), Ids: ids}); ignoreNotFound(err) != nil {
			return err
		}
	}
	_, err := a.Events.DeleteRule(ctx, &eventbridge.DeleteRuleInput{Name: &r.PhysicalID, EventBusName: strp(p.EventBusName)})
	return ignoreNotFound(err)
}

type topicProps struct {
	TopicName      string
	DisplayName    string
	FifoTopic      *boolean
	KmsMasterKeyId string
}

func applyTopic(ctx context.Context, a *Applier, r *request) (string, map[string]string, error) {
	var p topicProps
	if err := decode(r.props, &p); err != nil {
		return "", nil, err
	}
	fifo := p.FifoTopic != nil && bool(*p.FifoTopic)
	name := p.TopicName
	if name == "" {
		max := 256
		if fifo {
			max -= len(".fifo")
		}
		name = r.name("", "TopicName", max, false)
		if fifo && !strings.HasSuffix(name, ".fifo") {
			name += ".fifo"
		}
	}
	attrs := map[string]string{}
	if p.DisplayName != "" {
		attrs["DisplayName"] = p.DisplayName
	}
	if fifo {
		attrs["FifoTopic"] = "true"
	}
	if p.KmsMasterKeyId != "" {
		attrs["KmsMasterKeyId"] = p.KmsMasterKeyId
	}
	var arn string
	if r.prev == nil || r.prev.Attributes["TopicName"] != name {
		out, err := a.SNS.CreateTopic(ctx, &sns.CreateTopicInput{Name: &name, Attributes: attrs})
		if err != nil {
			return "", nil, fmt.Errorf("create topic %s: %w", name, err)
		}
		arn = *out.TopicArn
	} else {
		arn = r.prev.PhysicalID
		var old topicProps
		if err := decode(r.prev.Properties, &old); err != nil {
			return "", nil, err
		}
		if old.DisplayName != p.DisplayName {
			if _, err := a.SNS.SetTopicAttributes(ctx, &sns.SetTopicAttributesInput{TopicArn: &arn, AttributeName: strp("DisplayName"), AttributeValue: &p.DisplayName}); err != nil {
				return "", nil, fmt.Errorf("set display name of topic %s: %w", name, err)
			}
		}
	}
	return arn, map[string]string{"TopicArn": arn, "TopicName": name}, nil
}

func removeTopic(ctx context.Context, a *Applier, r *Resource) error {
	_, err := a.SNS.DeleteTopic(ctx, &sns.DeleteTopicInput{TopicArn: &r.PhysicalID})
	return ignoreNotFound(err)
}

type subscriptionProps struct {
	TopicArn           string
	Protocol           string
	Endpoint           string
	FilterPolicy       *document
	FilterPolicyScope  string
	RawMessageDelivery *boolean
}

func applySubscription(ctx context.Context, a *Applier, r *request) (string, map[string]string, error) {
	var p subscriptionProps
	if err := decode(r.props, &p); err != nil {
		return "", nil, err
	}
	if p.TopicArn == "" || p.Protocol == "" {
		return "", nil, fmt.Errorf("TopicArn and Protocol are required")
	}
	if r.prev != nil {
		if err := removeSubscription(ctx, a, r.prev); err != nil {
			return "", nil, fmt.Errorf("unsubscribe the old subscription: %w", err)
		}
	}
	attrs := map[string]string{}
	if p.FilterPolicy != nil {
		attrs["FilterPolicy"] = string(*p.FilterPolicy)
	}
	if p.FilterPolicyScope != "" {
		attrs["FilterPolicyScope"] = p.FilterPolicyScope
	}
	if p.RawMessageDelivery != nil {
		attrs["RawMessageDelivery"] = fmt.Sprint(bool(*p.RawMessageDelivery))
	}
	out, err := a.SNS.Subscribe(ctx, &sns.SubscribeInput{
		TopicArn:              &p.TopicArn,
		Protocol:              &p.Protocol,
		Endpoint:              strp(p.Endpoint),
		Attributes:            attrs,
		ReturnSubscriptionArn: true,
	})
	if err != nil {
		return "", nil, fmt.Errorf("subscribe to %s: %w", p.TopicArn, err)
	}
	return deref(out.SubscriptionArn), nil, nil
}

func removeSubscription(ctx context.Context, a *Applier, r *Resource) error {
	_, err := a.SNS.Unsubscribe(ctx, &sns.UnsubscribeInput{SubscriptionArn: &r.PhysicalID})
	return ignoreNotFound(err)
}

type alarmProps struct {
	AlarmName               string
	AlarmDescription        string
	ActionsEnabled          *boolean
	AlarmActions            []string
	OKActions               []string
	InsufficientDataActions []string
	MetricName              string
	Namespace               string
	Statistic               string
	ExtendedStatistic       string
	Dimensions              []dimensionProps
	Period                  *number
	Unit                    string
	EvaluationPeriods       *number
	DatapointsToAlarm       *number
	Threshold               *number
	ThresholdMetricId       string
	ComparisonOperator      string
	TreatMissingData        string
	Metrics                 []struct {
		Id         string
		Expression string
		Label      string
		ReturnData *boolean
		Period     *number
		MetricStat *struct {
			Metric struct {
				MetricName string
				Namespace  string
				Dimensions []dimensionProps
			}
			Period *number
			Stat   string
			Unit   string
		}
	}
}

type dimensionProps struct {
	Name  string
	Value text
}

func dimensions(in []dimensionProps) []cwtypes.Dimension {
	out := make([]cwtypes.Dimension, len(in))
	for i, d := range in {
		out[i] = cwtypes.Dimension{Name: &d.Name, Value: strp(string(d.Value))}
	}
	return out
}

func (p *alarmProps) input(name string) *cloudwatch.PutMetricAlarmInput {
	in := &cloudwatch.PutMetricAlarmInput{
		AlarmName:               &name,
		AlarmDescription:        strp(p.AlarmDescription),
		ActionsEnabled:          boolp(p.ActionsEnabled),
		AlarmActions:            p.AlarmActions,
		OKActions:               p.OKActions,
		InsufficientDataActions: p.InsufficientDataActions,
		MetricName:              strp(p.MetricName),
		Namespace:               strp(p.Namespace),
		Statistic:               cwtypes.Statistic(p.Statistic),
		ExtendedStatistic:       strp(p.ExtendedStatistic),
		Period:                  int32p(p.Period),
		Unit:                    cwtypes.StandardUnit(p.Unit),
		EvaluationPeriods:       int32p(p.EvaluationPeriods),
		DatapointsToAlarm:       int32p(p.DatapointsToAlarm),
		ThresholdMetricId:       strp(p.ThresholdMetricId),
		ComparisonOperator:      cwtypes.ComparisonOperator(p.ComparisonOperator),
		TreatMissingData:        strp(p.TreatMissingData),
	}
	if len(p.Dimensions) > 0 {
		in.Dimensions = dimensions(p.Dimensions)
	}
	if p.Threshold != nil {
		t := float64(*p.Threshold)
		in.Threshold = &t
	}
	for _, m := range p.Metrics {
		q := cwtypes.MetricDataQuery{
			Id:         strp(m.Id),
			Expression: strp(m.Expression),
			Label:      strp(m.Label),
			ReturnData: boolp(m.ReturnData),
			Period:     int32p(m.Period),
		}
		if ms := m.MetricStat; ms != nil {
			q.MetricStat = &cwtypes.MetricStat{
				Metric: &cwtypes.Metric{
					MetricName: strp(ms.Metric.MetricName),
					Namespace:  strp(ms.Metric.Namespace),
					Dimensions: dimensions(ms.Metric.Dimensions),
				},
				Period: int32p(ms.Period),
				Stat:   strp(ms.Stat),
				Unit:   cwtypes.StandardUnit(ms.Unit),
			}
		}
		in.Metrics = append(in.Metrics, q)
	}
	return in
}

func applyAlarm(ctx context.Context, a *Applier, r *request) (string, map[string]string, error) {
	var p alarmProps
	if err := decode(r.props, &p); err != nil {
		return "", nil, err
	}
	if p.EvaluationPeriods == nil || p.ComparisonOperator == "" {
		return "", nil, fmt.Errorf("EvaluationPeriods and ComparisonOperator are required")
	}
	name := r.name(p.AlarmName, "Name", 255, false)
	if _, err := a.CloudWatch.PutMetricAlarm(ctx, p.input(name)); err != nil {
		return "", nil, fmt.Errorf("put alarm %s: %w", name, err)
	}
	return name, map[string]string{"Arn": a.arn("cloudwatch", "alarm:"+name), "Name": name}, nil
}

func removeAlarm(ctx context.Context, a *Applier, r *Resource) error {
	_, err := a.CloudWatch.DeleteAlarms(ctx, &cloudwatch.DeleteAlarmsInput{AlarmNames: []string{r.PhysicalID}})
	return ignoreNotFound(err)
}

func applyDashboard(ctx context.Context, a *Applier, r *request) (string, map[string]string, error) {
	var p struct {
		DashboardName string
		DashboardBody *document
	}
	if err := decode(r.props, &p); err != nil {
		return "", nil, err
	}
	if p.DashboardBody == nil {
		return "", nil, fmt.Errorf("DashboardBody is required")
	}
	name := r.name(p.DashboardName, "Name", 255, false)
	if _, err := a.CloudWatch.PutDashboard(ctx, &cloudwatch.PutDashboardInput{DashboardName: &name, DashboardBody: (*string)(p.DashboardBody)}); err != nil {
		return "", nil, fmt.Errorf("put dashboard %s: %w", name, err)
	}
	return name, map[string]string{"Name": name}, nil
}

func removeDashboard(ctx context.Context, a *Applier, r *Resource) error {
	_, err := a.CloudWatch.DeleteDashboards(ctx, &cloudwatch.DeleteDashboardsInput{DashboardNames: []string{r.PhysicalID}})
	return ignoreNotFound(err)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
