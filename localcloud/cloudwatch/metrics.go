package cloudwatch

import (
	"context"
	"sort"
	"strings"
	"time"
)

// Limits of the CloudWatch API that the local service enforces.
const (
	maxMetricData     = 1000
	maxValues         = 150
	maxDimensions     = 30
	maxQueries        = 500
	maxDatapoints     = 1440   // GetMetricStatistics per call
	maxDataPoints     = 100800 // GetMetricData per query
	listMetricsPage   = 500
	futureTolerance   = 2 * time.Hour
	maxAge            = 14 * 24 * time.Hour
	defaultStatPeriod = 60
)

func (in *PutMetricDataInput) resource() string { return in.Namespace }

func (s *Service) putMetricData(_ context.Context, in *PutMetricDataInput) (*empty, error) {
	if in.Namespace == "" {
		return nil, missingParam("The parameter Namespace is required.")
	}
	if len(in.MetricData) == 0 {
		return nil, missingParam("The parameter MetricData is required.")
	}
	if len(in.MetricData) > maxMetricData {
		return nil, invalidParam("The collection MetricData must not have a size greater than 1000.")
	}
	now := s.clock.Now()
	recs := make([]metricRecord, 0, len(in.MetricData))
	for i, d := range in.MetricData {
		if d.MetricName == "" {
			return nil, missingParam("The parameter MetricData.member." + itoa(i+1) + ".MetricName is required.")
		}
		if err := checkDimensions(d.Dimensions); err != nil {
			return nil, err
		}
		if len(d.Values) > maxValues {
			return nil, invalidParam("The collection MetricData.member." + itoa(i+1) + ".Values must not have a size greater than 150.")
		}
		at := now
		if d.Timestamp != nil {
			at = *d.Timestamp
		}
		if at.Before(now.Add(-maxAge)) || at.After(now.Add(futureTolerance)) {
			return nil, invalidParam("The parameter MetricData.member." + itoa(i+1) + ".Timestamp must specify a time no more than two weeks in the past or two hours in the future.")
		}
		smp, err := newSample(d, at)
		if err != nil {
			return nil, err
		}
		recs = append(recs, metricRecord{Metric: Metric{Namespace: in.Namespace, MetricName: d.MetricName, Dimensions: d.Dimensions}, Sample: smp})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	touched := map[[2]string]bool{}
	for _, r := range recs {
		s.addSample(r.Metric, r.Sample, now)
		touched[[2]string{r.Metric.Namespace, r.Metric.MetricName}] = true
	}
	if s.store != nil {
		if err := s.store.appendMetrics(recs); err != nil {
			return nil, err
		}
	}
	s.evaluateFor(touched, now)
	return &empty{}, nil
}

func checkDimensions(dims []Dimension) error {
	if len(dims) > maxDimensions {
		return invalidParam("The collection Dimensions must not have a size greater than 30.")
	}
	seen := map[string]bool{}
	for _, d := range dims {
		if d.Name == "" || d.Value == "" {
			return invalidParam("Each dimension must have a Name and a Value.")
		}
		if seen[d.Name] {
			return invalidParam("The dimension " + d.Name + " is given more than once.")
		}
		seen[d.Name] = true
	}
	return nil
}

func (in *GetMetricStatisticsInput) resource() string { return in.Namespace + "/" + in.MetricName }

func (s *Service) getMetricStatistics(_ context.Context, in *GetMetricStatisticsInput) (*GetMetricStatisticsOutput, error) {
	switch {
	case in.Namespace == "":
		return nil, missingParam("The parameter Namespace is required.")
	case in.MetricName == "":
		return nil, missingParam("The parameter MetricName is required.")
	case in.StartTime == nil:
		return nil, missingParam("The parameter StartTime is required.")
	case in.EndTime == nil:
		return nil, missingParam("The parameter EndTime is required.")
	case in.Period == nil:
		return nil, missingParam("The parameter Period is required.")
	case len(in.Statistics) == 0 && len(in.ExtendedStatistics) == 0:
		return nil, missingParam("At least one of the parameters Statistics and ExtendedStatistics must be specified.")
	}
	if err := checkPeriod(*in.Period); err != nil {
		return nil, err
	}
	if !in.StartTime.Before(*in.EndTime) {
		return nil, invalidParam("The parameter StartTime must be less than the parameter EndTime.")
	}
	for _, st := range in.Statistics {
		if _, isP := percentile(st); isP || checkStat(st) != nil {
			return nil, invalidParam("The parameter Statistics contains " + st + "; use SampleCount, Average, Sum, Minimum or Maximum.")
		}
	}
	for _, st := range in.ExtendedStatistics {
		if _, isP := percentile(st); !isP {
			return nil, invalidParam("The parameter ExtendedStatistics contains " + st + "; use a percentile such as p99.")
		}
	}
	period := time.Duration(*in.Period) * time.Second
	if in.EndTime.Sub(*in.StartTime)/period > maxDatapoints {
		return nil, invalidParam("You have requested up to 1,440 datapoints, which exceeds the limit of 1,440. You may reduce the datapoints requested by increasing Period, or decreasing the time range.")
	}
	m := Metric{Namespace: in.Namespace, MetricName: in.MetricName, Dimensions: in.Dimensions}
	s.mu.Lock()
	buckets := aggregate(s.samplesIn(m, *in.StartTime, *in.EndTime), *in.StartTime, *in.EndTime, period, in.Unit)
	s.mu.Unlock()
	out := &GetMetricStatisticsOutput{Label: &in.MetricName, Datapoints: []Datapoint{}}
	for _, b := range buckets {
		start := b.Start
		dp := Datapoint{Timestamp: &start, Unit: b.unit()}
		for _, st := range in.Statistics {
			v, ok := b.value(st)
			if !ok {
				continue
			}
			switch st {
			case "SampleCount":
				dp.SampleCount = &v
			case "Sum":
				dp.Sum = &v
			case "Average":
				dp.Average = &v
			case "Minimum":
				dp.Minimum = &v
			case "Maximum":
				dp.Maximum = &v
			}
		}
		for _, st := range in.ExtendedStatistics {
			if v, ok := b.value(st); ok {
				if dp.ExtendedStatistics == nil {
					dp.ExtendedStatistics = map[string]float64{}
				}
				dp.ExtendedStatistics[st] = v
			}
		}
		out.Datapoints = append(out.Datapoints, dp)
	}
	return out, nil
}

// checkPeriod accepts the periods CloudWatch does: 1, 5, 10, 20, 30 or a multiple of 60 seconds.
func checkPeriod(p int32) error {
	switch {
	case p <= 0:
		return invalidParam("The parameter Period must be greater than 0.")
	case p == 1 || p == 5 || p == 10 || p == 20 || p == 30 || p%60 == 0:
		return nil
	}
	return invalidParam("The parameter Period must be 1, 5, 10, 20, 30, or a multiple of 60.")
}

func (in *GetMetricDataInput) resource() string {
	ids := make([]string, len(in.MetricDataQueries))
	for i, q := range in.MetricDataQueries {
		ids[i] = q.Id
	}
	return strings.Join(ids, ",")
}

func (s *Service) getMetricData(_ context.Context, in *GetMetricDataInput) (*GetMetricDataOutput, error) {
	switch {
	case len(in.MetricDataQueries) == 0:
		return nil, missingParam("The parameter MetricDataQueries is required.")
	case in.StartTime == nil:
		return nil, missingParam("The parameter StartTime is required.")
	case in.EndTime == nil:
		return nil, missingParam("The parameter EndTime is required.")
	case !in.StartTime.Before(*in.EndTime):
		return nil, invalidParam("The parameter StartTime must be less than the parameter EndTime.")
	case in.ScanBy != "" && in.ScanBy != "TimestampDescending" && in.ScanBy != "TimestampAscending":
		return nil, invalidParam("The parameter ScanBy must be TimestampDescending or TimestampAscending.")
	}
	if err := checkQueries(in.MetricDataQueries); err != nil {
		return nil, err
	}
	finest := defaultStatPeriod * time.Second
	for _, q := range in.MetricDataQueries {
		if p := queryPeriod(q); p > 0 && p < finest {
			finest = p
		}
	}
	if in.EndTime.Sub(*in.StartTime)/finest > maxDataPoints {
		return nil, invalidParam("The requested range holds more than 100,800 datapoints per query; shorten it or use a longer Period.")
	}
	s.mu.Lock()
	results, err := s.runQueries(in.MetricDataQueries, *in.StartTime, *in.EndTime)
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	out := &GetMetricDataOutput{MetricDataResults: []MetricDataResult{}}
	for _, r := range results {
		if !r.returned {
			continue
		}
		ts := make([]int64, 0, len(r.points))
		for t := range r.points {
			ts = append(ts, t)
		}
		if in.ScanBy == "TimestampAscending" {
			sort.Slice(ts, func(i, j int) bool { return ts[i] < ts[j] })
		} else {
			sort.Slice(ts, func(i, j int) bool { return ts[i] > ts[j] })
		}
		res := MetricDataResult{Id: &r.query.Id, Label: &r.label, StatusCode: "Complete", Timestamps: []time.Time{}, Values: []float64{}}
		for _, t := range ts {
			res.Timestamps = append(res.Timestamps, time.Unix(0, t).UTC())
			res.Values = append(res.Values, r.points[t])
		}
		out.MetricDataResults = append(out.MetricDataResults, res)
	}
	return out, nil
}

// checkQueries validates a set of metric data queries: unique ids that start
// with a lower-case letter, exactly one of MetricStat and Expression each,
// known statistics, valid periods, expressions that parse and refer to ids
// of the set, at least one query returning data.
func checkQueries(qs []MetricDataQuery) error {
	if len(qs) > maxQueries {
		return invalidParam("The collection MetricDataQueries must not have a size greater than 500.")
	}
	ids := map[string]bool{}
	returns := false
	for _, q := range qs {
		if q.Id == "" || q.Id[0] < 'a' || q.Id[0] > 'z' {
			return invalidParam("The value " + q.Id + " for parameter MetricDataQueries.member.Id is invalid; it must start with a lower-case letter.")
		}
		if ids[q.Id] {
			return invalidParam("The value " + q.Id + " for parameter MetricDataQueries.member.Id is not unique.")
		}
		ids[q.Id] = true
		returns = returns || q.ReturnData == nil || *q.ReturnData
		switch {
		case (q.MetricStat == nil) == (q.Expression == nil):
			return invalidParam("Exactly one of MetricStat and Expression must be set for query " + q.Id + ".")
		case q.MetricStat != nil:
			ms := q.MetricStat
			if ms.Metric == nil || ms.Metric.Namespace == "" || ms.Metric.MetricName == "" {
				return missingParam("The MetricStat of query " + q.Id + " needs a Metric with Namespace and MetricName.")
			}
			if err := checkStat(ms.Stat); err != nil {
				return invalidParam("Query " + q.Id + ": " + err.Error())
			}
			if ms.Period == nil {
				return missingParam("The MetricStat of query " + q.Id + " needs a Period.")
			}
			if err := checkPeriod(*ms.Period); err != nil {
				return err
			}
			if err := checkDimensions(ms.Metric.Dimensions); err != nil {
				return err
			}
		}
	}
	for _, q := range qs {
		if q.Expression == nil {
			continue
		}
		n, err := parseExpr(*q.Expression)
		if err != nil {
			return invalidParam(err.Error())
		}
		for _, id := range refs(n) {
			if !ids[id] || id == q.Id {
				return invalidParam("The expression of query " + q.Id + " refers to " + id + ", which is not another query of this request.")
			}
		}
	}
	if !returns {
		return invalidParam("At least one query must have ReturnData set to true.")
	}
	return nil
}

// queryResult is one computed query.
type queryResult struct {
	query    MetricDataQuery
	label    string
	points   map[int64]float64
	returned bool
}

// queryPeriod is the period of a query, zero for an expression without one.
func queryPeriod(q MetricDataQuery) time.Duration {
	if q.MetricStat != nil && q.MetricStat.Period != nil {
		return time.Duration(*q.MetricStat.Period) * time.Second
	}
	return time.Duration(deref(q.Period)) * time.Second
}

// runQueries computes validated queries over [start, end): metric stats
// first, then expressions in dependency order. s.mu must be held.
func (s *Service) runQueries(qs []MetricDataQuery, start, end time.Time) ([]queryResult, error) {
	env := &mathEnv{vars: map[string]series{}}
	results := make([]queryResult, len(qs))
	var gridPeriod time.Duration
	for i, q := range qs {
		results[i] = queryResult{query: q, returned: q.ReturnData == nil || *q.ReturnData, label: deref(q.Label)}
		if q.MetricStat == nil {
			continue
		}
		ms := q.MetricStat
		period := queryPeriod(q)
		if gridPeriod == 0 || period < gridPeriod {
			gridPeriod = period
		}
		pts := map[int64]float64{}
		for _, b := range aggregate(s.samplesIn(*ms.Metric, start, end), start, end, period, ms.Unit) {
			if v, ok := b.value(ms.Stat); ok {
				pts[b.Start.UnixNano()] = v
			}
		}
		results[i].points = pts
		if results[i].label == "" {
			results[i].label = ms.Metric.MetricName
		}
		env.vars[q.Id] = series{points: pts}
	}
	if gridPeriod == 0 {
		gridPeriod = defaultStatPeriod * time.Second
	}
	for t := start.Truncate(gridPeriod); t.Before(end); t = t.Add(gridPeriod) {
		if !t.Before(start) {
			env.grid = append(env.grid, t.UnixNano())
		}
	}
	// Expressions may refer to one another: evaluate them as their inputs
	// become available, and report a cycle when no progress is made.
	pending := map[int]node{}
	for i, q := range qs {
		if q.Expression != nil {
			n, err := parseExpr(*q.Expression)
			if err != nil {
				return nil, invalidParam(err.Error())
			}
			pending[i] = n
		}
	}
	for len(pending) > 0 {
		progress := false
		for i, n := range pending {
			ready := true
			for _, id := range refs(n) {
				_, ok := env.vars[id]
				ready = ready && ok
			}
			if !ready {
				continue
			}
			v, err := n.eval(env)
			if err != nil {
				return nil, invalidParam("Query " + qs[i].Id + ": " + err.Error())
			}
			if v.scalar != nil {
				v = fill(series{}, *v.scalar, env.grid)
			}
			results[i].points = v.points
			if results[i].label == "" {
				results[i].label = qs[i].Id
			}
			env.vars[qs[i].Id] = v
			delete(pending, i)
			progress = true
		}
		if !progress {
			return nil, invalidParam("The metric math expressions refer to each other in a cycle.")
		}
	}
	return results, nil
}

func (in *ListMetricsInput) resource() string {
	return deref(in.Namespace) + "/" + deref(in.MetricName)
}

func (s *Service) listMetrics(_ context.Context, in *ListMetricsInput) (*ListMetricsOutput, error) {
	s.mu.Lock()
	var found []Metric
	for _, ser := range s.metrics {
		if len(ser.Samples) == 0 || !matchesMetric(ser.Metric, in) {
			continue
		}
		found = append(found, ser.Metric)
	}
	s.mu.Unlock()
	sort.Slice(found, func(i, j int) bool {
		a, b := found[i], found[j]
		return metricKey(a.Namespace, a.MetricName, a.Dimensions) < metricKey(b.Namespace, b.MetricName, b.Dimensions)
	})
	page, next, err := paginate(found, in.NextToken, listMetricsPage)
	if err != nil {
		return nil, err
	}
	if page == nil {
		page = []Metric{}
	}
	return &ListMetricsOutput{Metrics: page, NextToken: next}, nil
}

func matchesMetric(m Metric, in *ListMetricsInput) bool {
	if in.Namespace != nil && m.Namespace != *in.Namespace {
		return false
	}
	if in.MetricName != nil && m.MetricName != *in.MetricName {
		return false
	}
	for _, f := range in.Dimensions {
		found := false
		for _, d := range m.Dimensions {
			found = found || (d.Name == f.Name && (f.Value == nil || d.Value == *f.Value))
		}
		if !found {
			return false
		}
	}
	return true
}
