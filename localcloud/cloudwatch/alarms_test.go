package cloudwatch_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cw "github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/greenlight/greenlight/localcloud/bus"
	"github.com/greenlight/greenlight/localcloud/clock"
)

// alarmDetail is the documented shape of a "CloudWatch Alarm State Change" detail.
type alarmDetail struct {
	AlarmName string `json:"alarmName"`
	State     struct {
		Value, Reason, ReasonData, Timestamp string
	} `json:"state"`
	PreviousState struct {
		Value, Reason, Timestamp string
	} `json:"previousState"`
	Configuration struct {
		Description string `json:"description"`
		Metrics     []struct {
			ID         string `json:"id"`
			ReturnData bool   `json:"returnData"`
			MetricStat struct {
				Metric struct {
					Name       string            `json:"name"`
					Namespace  string            `json:"namespace"`
					Dimensions map[string]string `json:"dimensions"`
				} `json:"metric"`
				Period int    `json:"period"`
				Stat   string `json:"stat"`
			} `json:"metricStat"`
		} `json:"metrics"`
	} `json:"configuration"`
}

func decodeDetail(t *testing.T, e bus.Event) alarmDetail {
	t.Helper()
	var d alarmDetail
	if err := json.Unmarshal(e.Detail, &d); err != nil {
		t.Fatalf("detail %s: %v", e.Detail, err)
	}
	return d
}

var errorsAlarm = cw.PutMetricAlarmInput{
	AlarmName: aws.String("orders-release-errors"), AlarmDescription: aws.String("errors of the green version"),
	Namespace: aws.String("AWS/Lambda"), MetricName: aws.String("Errors"),
	Dimensions: []types.Dimension{{Name: aws.String("FunctionName"), Value: aws.String("orders")}, {Name: aws.String("Resource"), Value: aws.String("orders:live")}},
	Statistic:  types.StatisticSum, Period: aws.Int32(60), EvaluationPeriods: aws.Int32(1),
	Threshold: aws.Float64(1), ComparisonOperator: types.ComparisonOperatorGreaterThanOrEqualToThreshold,
	TreatMissingData: aws.String("notBreaching"),
}

// A breach recorded through bus.Metrics moves the alarm to ALARM and the
// event follows at once; once the breached period is behind, the alarm
// goes back to OK at a period boundary of the accelerated clock.
func TestBreachEmitsEvent(t *testing.T) {
	ctx := context.Background()
	events := newRecorder()
	clk := clock.NewScaled(600) // a 60 s period lasts 100 ms
	svc := newService(t, clk, events, "")
	client, _ := newClient(t, svc)
	if _, err := client.PutMetricAlarm(ctx, &errorsAlarm); err != nil {
		t.Fatal(err)
	}
	err := svc.PutMetric(ctx, bus.Datum{Namespace: "AWS/Lambda", MetricName: "Errors", Value: 1, Unit: "Count",
		Dimensions: []bus.Dimension{{Name: "Resource", Value: "orders:live"}, {Name: "FunctionName", Value: "orders"}}})
	if err != nil {
		t.Fatal(err)
	}
	put := time.Now()
	e, at := events.waitFor(t, 5*time.Second, func(e bus.Event) bool { return decodeDetail(t, e).State.Value == "ALARM" })
	if latency := at.Sub(put); latency > 100*time.Millisecond {
		t.Errorf("event came %v after the breach, want under 100ms", latency)
	}
	if e.Source != "aws.cloudwatch" || e.DetailType != "CloudWatch Alarm State Change" ||
		len(e.Resources) != 1 || e.Resources[0] != "arn:aws:cloudwatch:us-east-1:000000000000:alarm:orders-release-errors" {
		t.Errorf("event = %+v", e)
	}
	d := decodeDetail(t, e)
	m := d.Configuration.Metrics
	if d.AlarmName != "orders-release-errors" || d.State.Value != "ALARM" || d.PreviousState.Value == "" ||
		d.State.ReasonData == "" || d.State.Timestamp == "" || d.Configuration.Description != "errors of the green version" ||
		len(m) != 1 || m[0].MetricStat.Metric.Name != "Errors" || m[0].MetricStat.Metric.Dimensions["Resource"] != "orders:live" ||
		m[0].MetricStat.Period != 60 || m[0].MetricStat.Stat != "Sum" || !m[0].ReturnData {
		t.Errorf("detail = %s", e.Detail)
	}
	if a := describeOne(t, client, "orders-release-errors"); a.StateValue != types.StateValueAlarm || *a.StateReasonData == "" {
		t.Errorf("alarm after the breach = %s", a.StateValue)
	}

	events.waitFor(t, 5*time.Second, func(e bus.Event) bool {
		d := decodeDetail(t, e)
		return d.State.Value == "OK" && d.PreviousState.Value == "ALARM"
	})
}

// SetAlarmState holds the state until the next evaluation at a period
// boundary, which then decides from the data, as in AWS.
func TestSetAlarmStateUntilNextEvaluation(t *testing.T) {
	ctx := context.Background()
	events := newRecorder()
	clk := clock.NewScaled(60) // a 60 s period lasts 1 s
	svc := newService(t, clk, events, "")
	client, _ := newClient(t, svc)
	if _, err := client.PutMetricAlarm(ctx, &errorsAlarm); err != nil {
		t.Fatal(err)
	}
	// The first evaluation at a boundary finds no data: OK (notBreaching).
	if d := decodeDetail(t, events.wait(t, 1, 2*time.Second)[0]); d.State.Value != "OK" {
		t.Fatalf("first evaluation gave %s, want OK", d.State.Value)
	}
	// Start early in a period so the hold outlasts the checks below.
	for clk.Now().Second() > 20 {
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := client.SetAlarmState(ctx, &cw.SetAlarmStateInput{AlarmName: errorsAlarm.AlarmName, StateValue: types.StateValueAlarm,
		StateReason: aws.String("operator says so"), StateReasonData: aws.String(`{"by":"test"}`)}); err != nil {
		t.Fatal(err)
	}
	got := events.wait(t, 2, time.Second)
	if d := decodeDetail(t, got[1]); d.State.Value != "ALARM" || d.State.Reason != "operator says so" || d.State.ReasonData != `{"by":"test"}` {
		t.Errorf("event = %s", got[1].Detail)
	}
	// New data does not override the operator before the boundary ...
	if err := svc.PutMetric(ctx, bus.Datum{Namespace: "AWS/Lambda", MetricName: "Errors", Value: 0,
		Dimensions: []bus.Dimension{{Name: "FunctionName", Value: "orders"}, {Name: "Resource", Value: "orders:live"}}}); err != nil {
		t.Fatal(err)
	}
	if a := describeOne(t, client, "orders-release-errors"); a.StateValue != types.StateValueAlarm {
		t.Errorf("state right after SetAlarmState and new data = %s, want ALARM", a.StateValue)
	}
	// ... the evaluation at the boundary does.
	got = events.wait(t, 3, 3*time.Second)
	if d := decodeDetail(t, got[2]); d.State.Value != "OK" || d.PreviousState.Reason != "operator says so" {
		t.Errorf("event = %s", got[2].Detail)
	}
}

// A metric-math alarm evaluates its returned expression.
func TestMetricMathAlarm(t *testing.T) {
	ctx := context.Background()
	events := newRecorder()
	svc := newService(t, clock.NewScaled(10), events, "")
	client, _ := newClient(t, svc)
	stat := func(id, name string) types.MetricDataQuery {
		return types.MetricDataQuery{Id: aws.String(id), ReturnData: aws.Bool(false), MetricStat: &types.MetricStat{
			Metric: &types.Metric{Namespace: aws.String("AWS/Lambda"), MetricName: aws.String(name),
				Dimensions: []types.Dimension{{Name: aws.String("FunctionName"), Value: aws.String("orders")}}},
			Period: aws.Int32(60), Stat: aws.String("Sum")}}
	}
	_, err := client.PutMetricAlarm(ctx, &cw.PutMetricAlarmInput{
		AlarmName: aws.String("error-rate"), EvaluationPeriods: aws.Int32(1), Threshold: aws.Float64(10),
		ComparisonOperator: types.ComparisonOperatorGreaterThanThreshold,
		Metrics: []types.MetricDataQuery{stat("errors", "Errors"), stat("invocations", "Invocations"),
			{Id: aws.String("rate"), Expression: aws.String("IF(invocations > 0, 100 * errors / invocations, 0)"), Label: aws.String("error rate")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	dims := []bus.Dimension{{Name: "FunctionName", Value: "orders"}}
	if err := svc.PutMetric(ctx,
		bus.Datum{Namespace: "AWS/Lambda", MetricName: "Invocations", Value: 4, Dimensions: dims},
		bus.Datum{Namespace: "AWS/Lambda", MetricName: "Errors", Value: 1, Dimensions: dims}); err != nil {
		t.Fatal(err)
	}
	got := events.wait(t, 1, 2*time.Second)
	if d := decodeDetail(t, got[0]); d.State.Value != "ALARM" || len(d.Configuration.Metrics) != 3 {
		t.Errorf("event = %s", got[0].Detail)
	}
	a := describeOne(t, client, "error-rate")
	if len(a.Metrics) != 3 || *a.Metrics[2].Expression == "" || a.MetricName != nil {
		t.Errorf("described alarm = %+v", a)
	}
}

// Alarms, dashboards and metric data survive a restart on the same directory.
func TestPersistence(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	now := time.Now().Truncate(time.Minute)
	func() {
		svc := newService(t, clock.Real{}, nil, dir)
		client, _ := newClient(t, svc)
		if _, err := client.PutMetricAlarm(ctx, &errorsAlarm); err != nil {
			t.Fatal(err)
		}
		if _, err := client.SetAlarmState(ctx, &cw.SetAlarmStateInput{AlarmName: errorsAlarm.AlarmName, StateValue: types.StateValueAlarm, StateReason: aws.String("kept")}); err != nil {
			t.Fatal(err)
		}
		if _, err := client.PutDashboard(ctx, &cw.PutDashboardInput{DashboardName: aws.String("d"), DashboardBody: aws.String(`{"widgets":[]}`)}); err != nil {
			t.Fatal(err)
		}
		if _, err := client.PutMetricData(ctx, &cw.PutMetricDataInput{Namespace: aws.String("Shop"), MetricData: []types.MetricDatum{
			{MetricName: aws.String("Orders"), Value: aws.Float64(3), Timestamp: aws.Time(now)}}}); err != nil {
			t.Fatal(err)
		}
		if err := svc.Close(); err != nil {
			t.Fatal(err)
		}
	}()

	client, _ := newClient(t, newService(t, clock.Real{}, nil, dir))
	if a := describeOne(t, client, "orders-release-errors"); a.StateValue != types.StateValueAlarm || *a.StateReason != "kept" {
		t.Errorf("alarm after restart: %s %q", a.StateValue, *a.StateReason)
	}
	if _, err := client.GetDashboard(ctx, &cw.GetDashboardInput{DashboardName: aws.String("d")}); err != nil {
		t.Errorf("dashboard after restart: %v", err)
	}
	stats, err := client.GetMetricStatistics(ctx, &cw.GetMetricStatisticsInput{Namespace: aws.String("Shop"), MetricName: aws.String("Orders"),
		StartTime: aws.Time(now.Add(-time.Minute)), EndTime: aws.Time(now.Add(time.Minute)), Period: aws.Int32(60), Statistics: []types.Statistic{types.StatisticSum}})
	if err != nil {
		t.Fatal(err)
	}
	if len(stats.Datapoints) != 1 || *stats.Datapoints[0].Sum != 3 {
		t.Errorf("metric data after restart = %+v", stats.Datapoints)
	}
}
