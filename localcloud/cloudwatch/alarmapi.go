package cloudwatch

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"time"
)

const (
	maxAlarms          = 10000
	maxDescribeRecords = 100
	maxAlarmRange      = 7 * 24 * time.Hour // EvaluationPeriods × Period
)

func itoa(i int) string { return strconv.Itoa(i) }

// paginate returns the page of items that starts at the offset the token
// encodes, and the token of the next page.
func paginate[T any](items []T, token *string, size int) ([]T, *string, error) {
	start := 0
	if token != nil && *token != "" {
		raw, err := base64.RawURLEncoding.DecodeString(*token)
		n, cerr := strconv.Atoi(string(raw))
		if err != nil || cerr != nil || n < 0 || n > len(items) {
			return nil, nil, apiErr(codeInvalidNextToken, "The service returned an invalid NextToken.")
		}
		start = n
	}
	end := min(start+size, len(items))
	var next *string
	if end < len(items) {
		t := base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(end)))
		next = &t
	}
	return items[start:end], next, nil
}

func (in *PutMetricAlarmInput) resource() string { return in.AlarmName }

func (s *Service) putMetricAlarm(_ context.Context, in *PutMetricAlarmInput) (*empty, error) {
	if err := checkAlarm(in); err != nil {
		return nil, err
	}
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.alarms[in.AlarmName]
	if a == nil {
		if len(s.alarms) >= maxAlarms {
			return nil, apiErr(codeLimitExceeded, "The maximum number of alarms (10000) has been reached.")
		}
		a = &alarm{State: StateInsufficientData, Reason: "Unchecked: Initial alarm creation", StateUpdated: now, StateTransitioned: now}
		s.alarms[in.AlarmName] = a
	}
	a.Config = *in
	a.Config.Tags = nil
	a.ActionsEnabled = in.ActionsEnabled == nil || *in.ActionsEnabled
	a.ConfigUpdated = now
	a.nextEval = time.Time{}
	if err := s.saveAlarms(); err != nil {
		return nil, err
	}
	s.poke()
	return &empty{}, nil
}

// checkAlarm validates a PutMetricAlarm request and fills in defaults.
func checkAlarm(in *PutMetricAlarmInput) error {
	switch {
	case in.AlarmName == "":
		return missingParam("The parameter AlarmName is required.")
	case len(in.AlarmName) > 255:
		return invalidParam("The parameter AlarmName must be at most 255 characters long.")
	case in.EvaluationPeriods == nil:
		return missingParam("The parameter EvaluationPeriods is required.")
	case *in.EvaluationPeriods < 1:
		return invalidParam("The parameter EvaluationPeriods must be at least 1.")
	case in.ComparisonOperator == "":
		return missingParam("The parameter ComparisonOperator is required.")
	}
	if _, ok := comparisons[in.ComparisonOperator]; !ok {
		return invalidParam("The value " + in.ComparisonOperator + " for parameter ComparisonOperator is not supported; use GreaterThanOrEqualToThreshold, GreaterThanThreshold, LessThanThreshold or LessThanOrEqualToThreshold.")
	}
	if in.Threshold == nil {
		return missingParam("The parameter Threshold is required.")
	}
	if in.ThresholdMetricId != nil {
		return invalidParam("ThresholdMetricId (anomaly detection bands) is not supported.")
	}
	if d := in.DatapointsToAlarm; d != nil && (*d < 1 || *d > *in.EvaluationPeriods) {
		return invalidParam("The parameter DatapointsToAlarm must be between 1 and EvaluationPeriods.")
	}
	if t := in.TreatMissingData; t != nil {
		switch *t {
		case MissingMissing, MissingNotBreaching, MissingBreaching, MissingIgnore:
		default:
			return invalidParam("The value " + *t + " for parameter TreatMissingData is invalid; use missing, notBreaching, breaching or ignore.")
		}
	}
	if len(in.Metrics) > 0 {
		if in.MetricName != nil || in.Namespace != nil || in.Statistic != "" || in.ExtendedStatistic != nil || len(in.Dimensions) > 0 || in.Period != nil {
			return apiErr(codeInvalidCombination, "Metrics cannot be combined with MetricName, Namespace, Dimensions, Statistic, ExtendedStatistic or Period.")
		}
		if err := checkQueries(in.Metrics); err != nil {
			return err
		}
		returning := 0
		for _, q := range in.Metrics {
			if q.ReturnData == nil || *q.ReturnData {
				returning++
			}
		}
		if returning != 1 {
			return invalidParam("Exactly one element of Metrics must have ReturnData set to true.")
		}
		if ruleOf(*in).Period <= 0 {
			return missingParam("The Metrics of an alarm need a Period: give it in a MetricStat or on the expression.")
		}
		return checkAlarmRange(*in)
	}
	switch {
	case in.MetricName == nil || *in.MetricName == "":
		return missingParam("The parameter MetricName is required.")
	case in.Namespace == nil || *in.Namespace == "":
		return missingParam("The parameter Namespace is required.")
	case in.Period == nil:
		return missingParam("The parameter Period is required.")
	case (in.Statistic == "") == (in.ExtendedStatistic == nil):
		return invalidParam("Exactly one of Statistic and ExtendedStatistic must be set.")
	}
	if err := checkPeriod(*in.Period); err != nil {
		return err
	}
	if in.Statistic != "" {
		if _, isP := percentile(in.Statistic); isP || checkStat(in.Statistic) != nil {
			return invalidParam("The value " + in.Statistic + " for parameter Statistic is invalid.")
		}
	} else if _, isP := percentile(*in.ExtendedStatistic); !isP {
		return invalidParam("The value " + *in.ExtendedStatistic + " for parameter ExtendedStatistic is invalid; use a percentile such as p99.")
	}
	if err := checkDimensions(in.Dimensions); err != nil {
		return err
	}
	return checkAlarmRange(*in)
}

// checkAlarmRange bounds the time an alarm looks back, as CloudWatch does.
func checkAlarmRange(in PutMetricAlarmInput) error {
	r := ruleOf(in)
	if time.Duration(r.EvaluationPeriods)*r.Period > maxAlarmRange {
		return invalidParam("The evaluation range of an alarm (EvaluationPeriods × Period) must not exceed 7 days.")
	}
	return nil
}

// describe renders an alarm as DescribeAlarms reports it.
func (a *alarm) describe() MetricAlarm {
	c := a.Config
	arn := alarmARN(c.AlarmName)
	name := c.AlarmName
	enabled := a.ActionsEnabled
	reason, updated, transitioned, configured := a.Reason, a.StateUpdated, a.StateTransitioned, a.ConfigUpdated
	m := MetricAlarm{
		AlarmName:                          &name,
		AlarmArn:                           &arn,
		AlarmDescription:                   c.AlarmDescription,
		AlarmConfigurationUpdatedTimestamp: &configured,
		ActionsEnabled:                     &enabled,
		OKActions:                          orEmpty(c.OKActions),
		AlarmActions:                       orEmpty(c.AlarmActions),
		InsufficientDataActions:            orEmpty(c.InsufficientDataActions),
		StateValue:                         a.State,
		StateReason:                        &reason,
		StateUpdatedTimestamp:              &updated,
		StateTransitionedTimestamp:         &transitioned,
		MetricName:                         c.MetricName,
		Namespace:                          c.Namespace,
		Statistic:                          c.Statistic,
		ExtendedStatistic:                  c.ExtendedStatistic,
		Dimensions:                         c.Dimensions,
		Period:                             c.Period,
		Unit:                               c.Unit,
		EvaluationPeriods:                  c.EvaluationPeriods,
		DatapointsToAlarm:                  c.DatapointsToAlarm,
		Threshold:                          c.Threshold,
		ComparisonOperator:                 c.ComparisonOperator,
		TreatMissingData:                   c.TreatMissingData,
		Metrics:                            c.Metrics,
	}
	if a.ReasonData != "" {
		data := a.ReasonData
		m.StateReasonData = &data
	}
	if len(c.Metrics) == 0 && m.Dimensions == nil {
		m.Dimensions = []Dimension{}
	}
	return m
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (in *DescribeAlarmsInput) resource() string {
	if len(in.AlarmNames) > 0 {
		return strings.Join(in.AlarmNames, ",")
	}
	return deref(in.AlarmNamePrefix)
}

func (s *Service) describeAlarms(_ context.Context, in *DescribeAlarmsInput) (*DescribeAlarmsOutput, error) {
	if in.AlarmNamePrefix != nil && len(in.AlarmNames) > 0 {
		return nil, apiErr(codeInvalidCombination, "AlarmNames and AlarmNamePrefix cannot be used together.")
	}
	if in.StateValue != "" && in.StateValue != StateOK && in.StateValue != StateAlarm && in.StateValue != StateInsufficientData {
		return nil, invalidParam("The value " + in.StateValue + " for parameter StateValue is invalid.")
	}
	size := maxDescribeRecords
	if in.MaxRecords != nil {
		if *in.MaxRecords < 1 || *in.MaxRecords > maxDescribeRecords {
			return nil, invalidParam("The parameter MaxRecords must be between 1 and 100.")
		}
		size = int(*in.MaxRecords)
	}
	wantMetric := len(in.AlarmTypes) == 0
	for _, t := range in.AlarmTypes {
		wantMetric = wantMetric || t == "MetricAlarm"
	}
	names := map[string]bool{}
	for _, n := range in.AlarmNames {
		names[n] = true
	}
	var found []MetricAlarm
	s.mu.Lock()
	for name, a := range s.alarms {
		switch {
		case !wantMetric,
			len(names) > 0 && !names[name],
			in.AlarmNamePrefix != nil && !strings.HasPrefix(name, *in.AlarmNamePrefix),
			in.StateValue != "" && a.State != in.StateValue,
			in.ActionPrefix != nil && !hasActionPrefix(a.Config, *in.ActionPrefix):
			continue
		}
		found = append(found, a.describe())
	}
	s.mu.Unlock()
	sort.Slice(found, func(i, j int) bool { return *found[i].AlarmName < *found[j].AlarmName })
	page, next, err := paginate(found, in.NextToken, size)
	if err != nil {
		return nil, err
	}
	if page == nil {
		page = []MetricAlarm{}
	}
	return &DescribeAlarmsOutput{MetricAlarms: page, NextToken: next}, nil
}

func hasActionPrefix(c PutMetricAlarmInput, prefix string) bool {
	for _, list := range [][]string{c.AlarmActions, c.OKActions, c.InsufficientDataActions} {
		for _, a := range list {
			if strings.HasPrefix(a, prefix) {
				return true
			}
		}
	}
	return false
}

func (in *DescribeAlarmsForMetricInput) resource() string {
	return in.Namespace + "/" + in.MetricName
}

func (s *Service) describeAlarmsForMetric(_ context.Context, in *DescribeAlarmsForMetricInput) (*DescribeAlarmsForMetricOutput, error) {
	switch {
	case in.Namespace == "":
		return nil, missingParam("The parameter Namespace is required.")
	case in.MetricName == "":
		return nil, missingParam("The parameter MetricName is required.")
	}
	key := metricKey(in.Namespace, in.MetricName, in.Dimensions)
	out := &DescribeAlarmsForMetricOutput{MetricAlarms: []MetricAlarm{}}
	s.mu.Lock()
	for _, a := range s.alarms {
		c := a.Config
		matched := false
		for _, m := range alarmMetrics(c) {
			if in.Dimensions == nil {
				matched = matched || (m.Namespace == in.Namespace && m.MetricName == in.MetricName)
			} else {
				matched = matched || metricKey(m.Namespace, m.MetricName, m.Dimensions) == key
			}
		}
		switch {
		case !matched,
			in.Statistic != "" && c.Statistic != in.Statistic,
			in.ExtendedStatistic != nil && deref(c.ExtendedStatistic) != *in.ExtendedStatistic,
			in.Period != nil && deref(c.Period) != *in.Period,
			in.Unit != "" && c.Unit != in.Unit:
			continue
		}
		out.MetricAlarms = append(out.MetricAlarms, a.describe())
	}
	s.mu.Unlock()
	sort.Slice(out.MetricAlarms, func(i, j int) bool { return *out.MetricAlarms[i].AlarmName < *out.MetricAlarms[j].AlarmName })
	return out, nil
}

func (in *SetAlarmStateInput) resource() string { return in.AlarmName }

// setAlarmState sets the state until the alarm's next period boundary, when
// the regular evaluation decides again, as CloudWatch does.
func (s *Service) setAlarmState(_ context.Context, in *SetAlarmStateInput) (*empty, error) {
	switch {
	case in.AlarmName == "":
		return nil, missingParam("The parameter AlarmName is required.")
	case in.StateValue == "":
		return nil, missingParam("The parameter StateValue is required.")
	case in.StateReason == "":
		return nil, missingParam("The parameter StateReason is required.")
	case in.StateValue != StateOK && in.StateValue != StateAlarm && in.StateValue != StateInsufficientData:
		return nil, invalidParam("The value " + in.StateValue + " for parameter StateValue is invalid; use OK, ALARM or INSUFFICIENT_DATA.")
	}
	data := deref(in.StateReasonData)
	if data != "" && !json.Valid([]byte(data)) {
		return nil, invalidParam("The parameter StateReasonData must be a JSON document.")
	}
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.alarms[in.AlarmName]
	if a == nil {
		return nil, apiErr(codeNotFound, "Alarm "+in.AlarmName+" not found")
	}
	period := ruleOf(a.Config).Period
	a.hold = now.Truncate(period).Add(period)
	a.nextEval = a.hold
	if a.State != in.StateValue {
		s.transition(a, in.StateValue, in.StateReason, data, now)
	} else {
		a.Reason, a.ReasonData, a.StateUpdated = in.StateReason, data, now
	}
	if err := s.saveAlarms(); err != nil {
		return nil, err
	}
	s.poke()
	return &empty{}, nil
}

func (in *AlarmNamesInput) resource() string { return strings.Join(in.AlarmNames, ",") }

func (s *Service) deleteAlarms(_ context.Context, in *AlarmNamesInput) (*empty, error) {
	if len(in.AlarmNames) == 0 {
		return nil, missingParam("The parameter AlarmNames is required.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range in.AlarmNames {
		if s.alarms[n] == nil {
			return nil, apiErr(codeNotFound, "Alarm "+n+" not found")
		}
	}
	for _, n := range in.AlarmNames {
		delete(s.alarms, n)
	}
	return &empty{}, s.saveAlarms()
}

func (s *Service) enableAlarmActions(_ context.Context, in *AlarmNamesInput) (*empty, error) {
	return s.setActionsEnabled(in, true)
}

func (s *Service) disableAlarmActions(_ context.Context, in *AlarmNamesInput) (*empty, error) {
	return s.setActionsEnabled(in, false)
}

// setActionsEnabled switches actions of the named alarms; unknown names are
// ignored, as CloudWatch does.
func (s *Service) setActionsEnabled(in *AlarmNamesInput, enabled bool) (*empty, error) {
	if len(in.AlarmNames) == 0 {
		return nil, missingParam("The parameter AlarmNames is required.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range in.AlarmNames {
		if a := s.alarms[n]; a != nil {
			a.ActionsEnabled = enabled
		}
	}
	return &empty{}, s.saveAlarms()
}
