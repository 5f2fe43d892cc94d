package cloudwatch_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cw "github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/smithy-go"

	"github.com/greenlight/greenlight/localcloud/clock"
)

func TestSDKMetrics(t *testing.T) {
	ctx := context.Background()
	client, _ := newClient(t, newService(t, clock.Real{}, nil, ""))
	now := time.Now().UTC().Truncate(time.Minute).Add(-5 * time.Minute)
	dims := []types.Dimension{{Name: aws.String("FunctionName"), Value: aws.String("orders")}}
	_, err := client.PutMetricData(ctx, &cw.PutMetricDataInput{
		Namespace: aws.String("Shop"),
		MetricData: []types.MetricDatum{
			{MetricName: aws.String("Latency"), Dimensions: dims, Timestamp: aws.Time(now.Add(time.Second)), Value: aws.Float64(10), Unit: types.StandardUnitMilliseconds},
			{MetricName: aws.String("Latency"), Dimensions: dims, Timestamp: aws.Time(now.Add(2 * time.Second)), Values: []float64{20, 40}, Counts: []float64{1, 2}, Unit: types.StandardUnitMilliseconds},
			{MetricName: aws.String("Latency"), Dimensions: dims, Timestamp: aws.Time(now.Add(time.Minute)), StatisticValues: &types.StatisticSet{SampleCount: aws.Float64(2), Sum: aws.Float64(6), Minimum: aws.Float64(1), Maximum: aws.Float64(5)}, Unit: types.StandardUnitMilliseconds},
			{MetricName: aws.String("Other"), Value: aws.Float64(1)},
		},
	})
	if err != nil {
		t.Fatal(err)
	}

	stats, err := client.GetMetricStatistics(ctx, &cw.GetMetricStatisticsInput{
		Namespace: aws.String("Shop"), MetricName: aws.String("Latency"), Dimensions: dims,
		StartTime: aws.Time(now.Add(-time.Minute)), EndTime: aws.Time(now.Add(3 * time.Minute)), Period: aws.Int32(60),
		Statistics:         []types.Statistic{types.StatisticSum, types.StatisticAverage, types.StatisticMinimum, types.StatisticMaximum, types.StatisticSampleCount},
		ExtendedStatistics: []string{"p50"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(stats.Datapoints) != 2 {
		t.Fatalf("got %d datapoints, want 2: %+v", len(stats.Datapoints), stats.Datapoints)
	}
	first := stats.Datapoints[0]
	if !first.Timestamp.Equal(now) || *first.Sum != 110 || *first.SampleCount != 4 || *first.Average != 27.5 ||
		*first.Minimum != 10 || *first.Maximum != 40 || first.ExtendedStatistics["p50"] != 20 || first.Unit != types.StandardUnitMilliseconds {
		t.Errorf("first datapoint = %+v %v", first, first.ExtendedStatistics)
	}
	if second := stats.Datapoints[1]; *second.Sum != 6 || *second.SampleCount != 2 {
		t.Errorf("second datapoint sum %v count %v, want 6 and 2", *second.Sum, *second.SampleCount)
	}

	data, err := client.GetMetricData(ctx, &cw.GetMetricDataInput{
		StartTime: aws.Time(now.Add(-time.Minute)), EndTime: aws.Time(now.Add(3 * time.Minute)),
		MetricDataQueries: []types.MetricDataQuery{
			{Id: aws.String("m1"), ReturnData: aws.Bool(false), MetricStat: &types.MetricStat{
				Metric: &types.Metric{Namespace: aws.String("Shop"), MetricName: aws.String("Latency"), Dimensions: dims},
				Period: aws.Int32(60), Stat: aws.String("Sum")}},
			{Id: aws.String("e1"), Expression: aws.String("m1 * 2 + 1"), Label: aws.String("doubled")},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(data.MetricDataResults) != 1 {
		t.Fatalf("got %d results, want only the expression", len(data.MetricDataResults))
	}
	r := data.MetricDataResults[0]
	if *r.Id != "e1" || *r.Label != "doubled" || r.StatusCode != types.StatusCodeComplete {
		t.Errorf("result = %+v", r)
	}
	if len(r.Values) != 2 || r.Values[0] != 13 || r.Values[1] != 221 || !r.Timestamps[0].Equal(now.Add(time.Minute)) {
		t.Errorf("values %v at %v, want [13 221] newest first", r.Values, r.Timestamps)
	}

	list, err := client.ListMetrics(ctx, &cw.ListMetricsInput{Namespace: aws.String("Shop"),
		Dimensions: []types.DimensionFilter{{Name: aws.String("FunctionName")}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Metrics) != 1 || *list.Metrics[0].MetricName != "Latency" {
		t.Errorf("ListMetrics = %+v, want the Latency metric only", list.Metrics)
	}
}

func TestSDKAlarms(t *testing.T) {
	ctx := context.Background()
	client, _ := newClient(t, newService(t, clock.Real{}, newRecorder(), ""))
	put := &cw.PutMetricAlarmInput{
		AlarmName: aws.String("orders-errors"), AlarmDescription: aws.String("errors of orders"),
		Namespace: aws.String("AWS/Lambda"), MetricName: aws.String("Errors"),
		Dimensions: []types.Dimension{{Name: aws.String("FunctionName"), Value: aws.String("orders")}},
		Statistic:  types.StatisticSum, Period: aws.Int32(60), EvaluationPeriods: aws.Int32(3), DatapointsToAlarm: aws.Int32(2),
		Threshold: aws.Float64(1), ComparisonOperator: types.ComparisonOperatorGreaterThanOrEqualToThreshold,
		TreatMissingData: aws.String("notBreaching"), AlarmActions: []string{"arn:aws:sns:us-east-1:000000000000:alerts"},
	}
	if _, err := client.PutMetricAlarm(ctx, put); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a-1", "a-2", "a-3", "a-4"} {
		p := *put
		p.AlarmName = aws.String(name)
		if _, err := client.PutMetricAlarm(ctx, &p); err != nil {
			t.Fatal(err)
		}
	}

	got, err := client.DescribeAlarms(ctx, &cw.DescribeAlarmsInput{AlarmNames: []string{"orders-errors"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.MetricAlarms) != 1 {
		t.Fatalf("got %d alarms, want 1", len(got.MetricAlarms))
	}
	a := got.MetricAlarms[0]
	if a.StateValue != types.StateValueInsufficientData || *a.AlarmArn != "arn:aws:cloudwatch:us-east-1:000000000000:alarm:orders-errors" ||
		*a.Threshold != 1 || *a.EvaluationPeriods != 3 || *a.DatapointsToAlarm != 2 || *a.TreatMissingData != "notBreaching" ||
		a.AlarmActions[0] != put.AlarmActions[0] || !*a.ActionsEnabled || *a.Dimensions[0].Value != "orders" || a.StateUpdatedTimestamp.IsZero() {
		t.Errorf("alarm = %+v", a)
	}

	var names []string
	pages := cw.NewDescribeAlarmsPaginator(client, &cw.DescribeAlarmsInput{AlarmNamePrefix: aws.String("a-"), MaxRecords: aws.Int32(3)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range page.MetricAlarms {
			names = append(names, *m.AlarmName)
		}
	}
	if len(names) != 4 || names[0] != "a-1" || names[3] != "a-4" {
		t.Errorf("paginated names = %v", names)
	}

	if _, err := client.SetAlarmState(ctx, &cw.SetAlarmStateInput{AlarmName: aws.String("orders-errors"), StateValue: types.StateValueAlarm, StateReason: aws.String("testing")}); err != nil {
		t.Fatal(err)
	}
	inAlarm, err := client.DescribeAlarms(ctx, &cw.DescribeAlarmsInput{StateValue: types.StateValueAlarm})
	if err != nil {
		t.Fatal(err)
	}
	if len(inAlarm.MetricAlarms) != 1 || *inAlarm.MetricAlarms[0].StateReason != "testing" {
		t.Errorf("alarms in ALARM = %+v", inAlarm.MetricAlarms)
	}

	forMetric, err := client.DescribeAlarmsForMetric(ctx, &cw.DescribeAlarmsForMetricInput{Namespace: aws.String("AWS/Lambda"), MetricName: aws.String("Errors"), Dimensions: put.Dimensions})
	if err != nil {
		t.Fatal(err)
	}
	if len(forMetric.MetricAlarms) != 5 {
		t.Errorf("DescribeAlarmsForMetric found %d alarms, want 5", len(forMetric.MetricAlarms))
	}

	if _, err := client.DisableAlarmActions(ctx, &cw.DisableAlarmActionsInput{AlarmNames: []string{"orders-errors"}}); err != nil {
		t.Fatal(err)
	}
	if got := describeOne(t, client, "orders-errors"); *got.ActionsEnabled {
		t.Error("actions still enabled after DisableAlarmActions")
	}
	if _, err := client.EnableAlarmActions(ctx, &cw.EnableAlarmActionsInput{AlarmNames: []string{"orders-errors"}}); err != nil {
		t.Fatal(err)
	}
	if got := describeOne(t, client, "orders-errors"); !*got.ActionsEnabled {
		t.Error("actions still disabled after EnableAlarmActions")
	}

	if _, err := client.DeleteAlarms(ctx, &cw.DeleteAlarmsInput{AlarmNames: []string{"orders-errors"}}); err != nil {
		t.Fatal(err)
	}
	_, err = client.DeleteAlarms(ctx, &cw.DeleteAlarmsInput{AlarmNames: []string{"orders-errors"}})
	var notFound *types.ResourceNotFound
	if !errors.As(err, &notFound) || notFound.ErrorCode() != "ResourceNotFound" {
		t.Errorf("second DeleteAlarms error = %v, want ResourceNotFound", err)
	}
}

func describeOne(t *testing.T, client *cw.Client, name string) types.MetricAlarm {
	t.Helper()
	out, err := client.DescribeAlarms(context.Background(), &cw.DescribeAlarmsInput{AlarmNames: []string{name}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.MetricAlarms) != 1 {
		t.Fatalf("alarm %s: got %d alarms", name, len(out.MetricAlarms))
	}
	return out.MetricAlarms[0]
}

func TestSDKDashboards(t *testing.T) {
	ctx := context.Background()
	client, _ := newClient(t, newService(t, clock.Real{}, nil, ""))
	body := `{"widgets":[{"type":"text","x":0,"y":0,"width":6,"height":3,"properties":{"markdown":"hi"}}]}`
	if _, err := client.PutDashboard(ctx, &cw.PutDashboardInput{DashboardName: aws.String("greenlight"), DashboardBody: aws.String(body)}); err != nil {
		t.Fatal(err)
	}
	got, err := client.GetDashboard(ctx, &cw.GetDashboardInput{DashboardName: aws.String("greenlight")})
	if err != nil {
		t.Fatal(err)
	}
	if *got.DashboardBody != body || *got.DashboardArn != "arn:aws:cloudwatch::000000000000:dashboard/greenlight" {
		t.Errorf("GetDashboard = %+v", got)
	}
	list, err := client.ListDashboards(ctx, &cw.ListDashboardsInput{DashboardNamePrefix: aws.String("green")})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.DashboardEntries) != 1 || *list.DashboardEntries[0].Size != int64(len(body)) {
		t.Errorf("ListDashboards = %+v", list.DashboardEntries)
	}
	if _, err := client.DeleteDashboards(ctx, &cw.DeleteDashboardsInput{DashboardNames: []string{"greenlight"}}); err != nil {
		t.Fatal(err)
	}
	_, err = client.GetDashboard(ctx, &cw.GetDashboardInput{DashboardName: aws.String("greenlight")})
	var notFound *types.DashboardNotFoundError
	if !errors.As(err, &notFound) {
		t.Errorf("GetDashboard after delete: %v, want DashboardNotFoundError", err)
	}
	_, err = client.PutDashboard(ctx, &cw.PutDashboardInput{DashboardName: aws.String("bad"), DashboardBody: aws.String("not json")})
	var invalid *types.DashboardInvalidInputError
	if !errors.As(err, &invalid) {
		t.Errorf("PutDashboard with a bad body: %v, want DashboardInvalidInputError", err)
	}
}

func TestSDKErrors(t *testing.T) {
	ctx := context.Background()
	svc := newService(t, clock.Real{}, nil, "")
	client, _ := newClient(t, svc)
	alarm := func(mod func(*cw.PutMetricAlarmInput)) *cw.PutMetricAlarmInput {
		in := &cw.PutMetricAlarmInput{AlarmName: aws.String("x"), Namespace: aws.String("N"), MetricName: aws.String("M"),
			Statistic: types.StatisticSum, Period: aws.Int32(60), EvaluationPeriods: aws.Int32(1), Threshold: aws.Float64(1),
			ComparisonOperator: types.ComparisonOperatorGreaterThanThreshold}
		mod(in)
		return in
	}
	tests := []struct {
		name string
		call func() error
		code string
	}{
		{"bad comparison", func() error {
			_, err := client.PutMetricAlarm(ctx, alarm(func(in *cw.PutMetricAlarmInput) { in.ComparisonOperator = "Sideways" }))
			return err
		}, "InvalidParameterValue"},
		{"bad period", func() error {
			_, err := client.PutMetricAlarm(ctx, alarm(func(in *cw.PutMetricAlarmInput) { in.Period = aws.Int32(7) }))
			return err
		}, "InvalidParameterValue"},
		{"datapoints above periods", func() error {
			_, err := client.PutMetricAlarm(ctx, alarm(func(in *cw.PutMetricAlarmInput) { in.DatapointsToAlarm = aws.Int32(2) }))
			return err
		}, "InvalidParameterValue"},
		{"no statistic", func() error {
			_, err := client.PutMetricAlarm(ctx, alarm(func(in *cw.PutMetricAlarmInput) { in.Statistic = "" }))
			return err
		}, "InvalidParameterValue"},
		{"set state of unknown alarm", func() error {
			_, err := client.SetAlarmState(ctx, &cw.SetAlarmStateInput{AlarmName: aws.String("nope"), StateValue: types.StateValueOk, StateReason: aws.String("r")})
			return err
		}, "ResourceNotFound"},
		{"datum without value", func() error {
			_, err := client.PutMetricData(ctx, &cw.PutMetricDataInput{Namespace: aws.String("N"), MetricData: []types.MetricDatum{{MetricName: aws.String("M")}}})
			return err
		}, "MissingParameter"},
		{"expression on an unknown id", func() error {
			_, err := client.GetMetricData(ctx, &cw.GetMetricDataInput{StartTime: aws.Time(time.Now().Add(-time.Hour)), EndTime: aws.Time(time.Now()),
				MetricDataQueries: []types.MetricDataQuery{{Id: aws.String("e1"), Expression: aws.String("m9 * 2")}}})
			return err
		}, "InvalidParameterValue"},
		{"bad next token", func() error {
			_, err := client.DescribeAlarms(ctx, &cw.DescribeAlarmsInput{NextToken: aws.String("garbage!")})
			return err
		}, "InvalidNextToken"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var apiErr smithy.APIError
			if err := tt.call(); !errors.As(err, &apiErr) || apiErr.ErrorCode() != tt.code {
				t.Errorf("error = %v, want code %s", err, tt.code)
			}
		})
	}
}
