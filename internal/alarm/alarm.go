// Package alarm reads and writes the CloudWatch alarms of a release: the
// states of the alarms a release watches, and the per-release alarm on the
// errors of the green version that greenlight creates at deploy and deletes
// at unlock.
package alarm

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/greenlight/greenlight/internal/release"
	"github.com/greenlight/greenlight/internal/verdict"
)

// maxNames is how many alarm names DescribeAlarms takes at once.
const maxNames = 100

// Fetch returns the current state of the named alarms, metric and composite
// alike. Alarms that do not exist are absent from the result.
func Fetch(ctx context.Context, c cloudwatch.DescribeAlarmsAPIClient, names []string) ([]verdict.Alarm, error) {
	var alarms []verdict.Alarm
	for start := 0; start < len(names); start += maxNames {
		batch := names[start:min(start+maxNames, len(names))]
		p := cloudwatch.NewDescribeAlarmsPaginator(c, &cloudwatch.DescribeAlarmsInput{
			AlarmNames: batch,
			AlarmTypes: []cwtypes.AlarmType{cwtypes.AlarmTypeMetricAlarm, cwtypes.AlarmTypeCompositeAlarm},
		})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, fmt.Errorf("describe alarms: %w", err)
			}
			for _, a := range page.MetricAlarms {
				alarms = append(alarms, verdict.Alarm{Name: aws.ToString(a.AlarmName), State: string(a.StateValue), Reason: aws.ToString(a.StateReason)})
			}
			for _, a := range page.CompositeAlarms {
				alarms = append(alarms, verdict.Alarm{Name: aws.ToString(a.AlarmName), State: string(a.StateValue), Reason: aws.ToString(a.StateReason)})
			}
		}
	}
	return alarms, nil
}

// Dimensions select the metrics of one version of fn invoked through its live
// alias, as Lambda reports them.
func Dimensions(fn, liveAlias, version string) []cwtypes.Dimension {
	return []cwtypes.Dimension{
		{Name: aws.String("FunctionName"), Value: aws.String(fn)},
		{Name: aws.String("Resource"), Value: aws.String(fn + ":" + liveAlias)},
		{Name: aws.String("ExecutedVersion"), Value: aws.String(version)},
	}
}

// ReleaseAlarmInput is the per-release alarm: the sum of green's errors
// through the live alias reaching the threshold. No data is not breaching,
// because green has no traffic until the first shift.
func ReleaseAlarmInput(d *release.Document) *cloudwatch.PutMetricAlarmInput {
	e := d.ErrorAlarm
	return &cloudwatch.PutMetricAlarmInput{
		AlarmName:          aws.String(d.State.ReleaseAlarm),
		AlarmDescription:   aws.String(fmt.Sprintf("greenlight release %s: errors of %s version %s", d.ReleaseID, d.Function, d.State.Green)),
		Namespace:          aws.String("AWS/Lambda"),
		MetricName:         aws.String("Errors"),
		Dimensions:         Dimensions(d.Function, d.LiveAlias, d.State.Green),
		Statistic:          cwtypes.StatisticSum,
		Period:             aws.Int32(e.PeriodSeconds),
		EvaluationPeriods:  aws.Int32(e.EvaluationPeriods),
		DatapointsToAlarm:  aws.Int32(e.EvaluationPeriods),
		Threshold:          aws.Float64(e.Threshold),
		ComparisonOperator: cwtypes.ComparisonOperatorGreaterThanOrEqualToThreshold,
		TreatMissingData:   aws.String("notBreaching"),
		Tags:               []cwtypes.Tag{{Key: aws.String("greenlight:release"), Value: aws.String(d.ReleaseID)}},
	}
}
