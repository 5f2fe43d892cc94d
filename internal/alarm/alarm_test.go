package alarm

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/greenlight/greenlight/internal/release"
)

type fakeDescribe struct {
	calls int
	err   error
}

func (f *fakeDescribe) DescribeAlarms(_ context.Context, in *cloudwatch.DescribeAlarmsInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.DescribeAlarmsOutput, error) {
	f.calls++
	if f.err != nil {
		return nil, f.err
	}
	if len(in.AlarmTypes) != 2 {
		return nil, fmt.Errorf("alarm types %v: composite alarms would be missed", in.AlarmTypes)
	}
	out := &cloudwatch.DescribeAlarmsOutput{}
	for _, n := range in.AlarmNames {
		if n == "composite" {
			out.CompositeAlarms = append(out.CompositeAlarms, cwtypes.CompositeAlarm{AlarmName: aws.String(n), StateValue: cwtypes.StateValueAlarm})
		} else if n != "missing" {
			out.MetricAlarms = append(out.MetricAlarms, cwtypes.MetricAlarm{AlarmName: aws.String(n), StateValue: cwtypes.StateValueOk})
		}
	}
	return out, nil
}

func TestFetch(t *testing.T) {
	names := []string{"composite", "missing"}
	for i := range 150 {
		names = append(names, fmt.Sprintf("a%d", i))
	}
	f := &fakeDescribe{}
	got, err := Fetch(context.Background(), f, names)
	if err != nil {
		t.Fatal(err)
	}
	states := map[string]string{}
	for _, a := range got {
		states[a.Name] = a.State
	}
	if len(got) != 151 || states["composite"] != "ALARM" || states["a149"] != "OK" {
		t.Errorf("Fetch returned %d alarms: %v", len(got), states)
	}
	if _, ok := states["missing"]; ok {
		t.Error("a missing alarm was reported")
	}
	if f.calls != 2 {
		t.Errorf("DescribeAlarms called %d times, want 2 batches", f.calls)
	}
	if alarms, err := Fetch(context.Background(), f, nil); err != nil || alarms != nil {
		t.Errorf("Fetch(nil) = %v, %v", alarms, err)
	}
	boom := errors.New("boom")
	if _, err := Fetch(context.Background(), &fakeDescribe{err: boom}, []string{"a"}); !errors.Is(err, boom) {
		t.Errorf("Fetch error = %v", err)
	}
}

func TestReleaseAlarmInput(t *testing.T) {
	d := &release.Document{Function: "orders", ReleaseID: "r", LiveAlias: "live",
		ErrorAlarm: release.ErrorAlarm{Threshold: 2, PeriodSeconds: 60, EvaluationPeriods: 3},
		State:      release.State{Green: "4", ReleaseAlarm: "greenlight-r-errors"}}
	in := ReleaseAlarmInput(d)
	dims := map[string]string{}
	for _, dim := range in.Dimensions {
		dims[*dim.Name] = *dim.Value
	}
	if *in.AlarmName != "greenlight-r-errors" || *in.Namespace != "AWS/Lambda" || *in.MetricName != "Errors" ||
		*in.Threshold != 2 || *in.EvaluationPeriods != 3 || *in.TreatMissingData != "notBreaching" ||
		in.ComparisonOperator != cwtypes.ComparisonOperatorGreaterThanOrEqualToThreshold {
		t.Errorf("alarm input = %+v", in)
	}
	if dims["FunctionName"] != "orders" || dims["Resource"] != "orders:live" || dims["ExecutedVersion"] != "4" {
		t.Errorf("dimensions = %v", dims)
	}
}
