package cloudwatch

import "time"

// The types in this file mirror the CloudWatch API shapes member for member:
// a Go field name is the wire member name in every protocol, which is what
// lets one set of operations serve the CBOR, query and JSON front ends.
// Optional scalars are pointers so that "absent" and "zero" stay apart.

// Dimension is a name/value pair of a metric.
type Dimension struct {
	Name  string
	Value string
}

// Metric identifies one metric.
type Metric struct {
	Namespace  string
	MetricName string
	Dimensions []Dimension
}

// StatisticSet is a pre-aggregated set of observations.
type StatisticSet struct {
	SampleCount *float64
	Sum         *float64
	Minimum     *float64
	Maximum     *float64
}

// MetricDatum is one element of PutMetricData's MetricData.
type MetricDatum struct {
	MetricName        string
	Dimensions        []Dimension
	Timestamp         *time.Time
	Value             *float64
	Values            []float64
	Counts            []float64
	StatisticValues   *StatisticSet
	Unit              string
	StorageResolution *int32
}

// MetricStat is a metric with the statistic and period to apply to it.
type MetricStat struct {
	Metric *Metric
	Period *int32
	Stat   string
	Unit   string
}

// MetricDataQuery is a metric or a metric-math expression to retrieve.
type MetricDataQuery struct {
	Id         string
	Expression *string
	Label      *string
	MetricStat *MetricStat
	Period     *int32
	ReturnData *bool
}

// MessageData is an informational message of GetMetricData.
type MessageData struct {
	Code  *string
	Value *string
}

// MetricDataResult is the series computed for one query.
type MetricDataResult struct {
	Id         *string
	Label      *string
	Messages   []MessageData
	StatusCode string
	Timestamps []time.Time
	Values     []float64
}

// Datapoint is one period of GetMetricStatistics.
type Datapoint struct {
	Timestamp          *time.Time
	SampleCount        *float64
	Average            *float64
	Sum                *float64
	Minimum            *float64
	Maximum            *float64
	Unit               string
	ExtendedStatistics map[string]float64
}

// MetricAlarm is a metric alarm as DescribeAlarms reports it.
type MetricAlarm struct {
	AlarmName                          *string
	AlarmArn                           *string
	AlarmDescription                   *string
	AlarmConfigurationUpdatedTimestamp *time.Time
	ActionsEnabled                     *bool
	OKActions                          []string
	AlarmActions                       []string
	InsufficientDataActions            []string
	StateValue                         string
	StateReason                        *string
	StateReasonData                    *string
	StateUpdatedTimestamp              *time.Time
	StateTransitionedTimestamp         *time.Time
	MetricName                         *string
	Namespace                          *string
	Statistic                          string
	ExtendedStatistic                  *string
	Dimensions                         []Dimension
	Period                             *int32
	Unit                               string
	EvaluationPeriods                  *int32
	DatapointsToAlarm                  *int32
	Threshold                          *float64
	ComparisonOperator                 string
	TreatMissingData                   *string
	Metrics                            []MetricDataQuery
	ThresholdMetricId                  *string
}

// DashboardEntry is one element of ListDashboards.
type DashboardEntry struct {
	DashboardName *string
	DashboardArn  *string
	LastModified  *time.Time
	Size          *int64
}

// DashboardValidationMessage reports a problem with a dashboard body.
type DashboardValidationMessage struct {
	DataPath *string
	Message  *string
}

// Tag is a resource tag; tags are accepted and not kept.
type Tag struct {
	Key   string
	Value string
}

// PutMetricDataInput is the input of PutMetricData.
type PutMetricDataInput struct {
	Namespace  string
	MetricData []MetricDatum
}

// GetMetricStatisticsInput is the input of GetMetricStatistics.
type GetMetricStatisticsInput struct {
	Namespace          string
	MetricName         string
	Dimensions         []Dimension
	StartTime          *time.Time
	EndTime            *time.Time
	Period             *int32
	Statistics         []string
	ExtendedStatistics []string
	Unit               string
}

// GetMetricStatisticsOutput is the output of GetMetricStatistics.
type GetMetricStatisticsOutput struct {
	Label      *string
	Datapoints []Datapoint
}

// GetMetricDataInput is the input of GetMetricData.
type GetMetricDataInput struct {
	MetricDataQueries []MetricDataQuery
	StartTime         *time.Time
	EndTime           *time.Time
	NextToken         *string
	ScanBy            string
	MaxDatapoints     *int32
}

// GetMetricDataOutput is the output of GetMetricData.
type GetMetricDataOutput struct {
	MetricDataResults []MetricDataResult
	Messages          []MessageData
	NextToken         *string
}

// DimensionFilter filters ListMetrics by dimension; an absent Value matches any.
type DimensionFilter struct {
	Name  string
	Value *string
}

// ListMetricsInput is the input of ListMetrics.
type ListMetricsInput struct {
	Namespace  *string
	MetricName *string
	Dimensions []DimensionFilter
	NextToken  *string
}

// ListMetricsOutput is the output of ListMetrics.
type ListMetricsOutput struct {
	Metrics   []Metric
	NextToken *string
}

// PutMetricAlarmInput is the input of PutMetricAlarm.
type PutMetricAlarmInput struct {
	AlarmName                        string
	AlarmDescription                 *string
	ActionsEnabled                   *bool
	OKActions                        []string
	AlarmActions                     []string
	InsufficientDataActions          []string
	MetricName                       *string
	Namespace                        *string
	Statistic                        string
	ExtendedStatistic                *string
	Dimensions                       []Dimension
	Period                           *int32
	Unit                             string
	EvaluationPeriods                *int32
	DatapointsToAlarm                *int32
	Threshold                        *float64
	ComparisonOperator               string
	TreatMissingData                 *string
	EvaluateLowSampleCountPercentile *string
	Metrics                          []MetricDataQuery
	ThresholdMetricId                *string
	Tags                             []Tag
}

// DescribeAlarmsInput is the input of DescribeAlarms.
type DescribeAlarmsInput struct {
	AlarmNames      []string
	AlarmNamePrefix *string
	AlarmTypes      []string
	StateValue      string
	ActionPrefix    *string
	MaxRecords      *int32
	NextToken       *string
}

// DescribeAlarmsOutput is the output of DescribeAlarms.
type DescribeAlarmsOutput struct {
	MetricAlarms []MetricAlarm
	NextToken    *string
}

// DescribeAlarmsForMetricInput is the input of DescribeAlarmsForMetric.
type DescribeAlarmsForMetricInput struct {
	Namespace         string
	MetricName        string
	Dimensions        []Dimension
	Statistic         string
	ExtendedStatistic *string
	Period            *int32
	Unit              string
}

// DescribeAlarmsForMetricOutput is the output of DescribeAlarmsForMetric.
type DescribeAlarmsForMetricOutput struct {
	MetricAlarms []MetricAlarm
}

// SetAlarmStateInput is the input of SetAlarmState.
type SetAlarmStateInput struct {
	AlarmName       string
	StateValue      string
	StateReason     string
	StateReasonData *string
}

// AlarmNamesInput is the input of DeleteAlarms, EnableAlarmActions and
// DisableAlarmActions.
type AlarmNamesInput struct {
	AlarmNames []string
}

// PutDashboardInput is the input of PutDashboard.
type PutDashboardInput struct {
	DashboardName string
	DashboardBody string
	Tags          []Tag
}

// PutDashboardOutput is the output of PutDashboard.
type PutDashboardOutput struct {
	DashboardValidationMessages []DashboardValidationMessage
}

// GetDashboardInput is the input of GetDashboard.
type GetDashboardInput struct {
	DashboardName string
}

// GetDashboardOutput is the output of GetDashboard.
type GetDashboardOutput struct {
	DashboardArn  *string
	DashboardBody *string
	DashboardName *string
}

// ListDashboardsInput is the input of ListDashboards.
type ListDashboardsInput struct {
	DashboardNamePrefix *string
	NextToken           *string
}

// ListDashboardsOutput is the output of ListDashboards.
type ListDashboardsOutput struct {
	DashboardEntries []DashboardEntry
	NextToken        *string
}

// DeleteDashboardsInput is the input of DeleteDashboards.
type DeleteDashboardsInput struct {
	DashboardNames []string
}

// empty is the output of operations that return nothing.
type empty struct{}
