package cloudwatch

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// sample is one stored observation: raw values with their counts, or a
// pre-aggregated statistic set (Values empty). Count, Sum, Min and Max are
// always filled so that the simple statistics need no pass over Values.
type sample struct {
	Time   time.Time `json:"t"`
	Unit   string    `json:"u,omitempty"`
	Count  float64   `json:"n"`
	Sum    float64   `json:"s"`
	Min    float64   `json:"lo"`
	Max    float64   `json:"hi"`
	Values []float64 `json:"v,omitempty"`
	Counts []float64 `json:"c,omitempty"`
}

// bucket aggregates the samples of one period.
type bucket struct {
	Start                time.Time
	Count, Sum, Min, Max float64
	values, counts       []float64
	units                map[string]bool
}

func (b *bucket) add(s sample) {
	if b.Count == 0 {
		b.Min, b.Max = s.Min, s.Max
	} else {
		b.Min, b.Max = math.Min(b.Min, s.Min), math.Max(b.Max, s.Max)
	}
	b.Count += s.Count
	b.Sum += s.Sum
	b.values = append(b.values, s.Values...)
	b.counts = append(b.counts, s.Counts...)
	if b.units == nil {
		b.units = map[string]bool{}
	}
	b.units[s.Unit] = true
}

// unit is the unit the bucket's samples share, "None" when they have none or several.
func (b *bucket) unit() string {
	if len(b.units) == 1 {
		for u := range b.units {
			if u != "" {
				return u
			}
		}
	}
	return "None"
}

// aggregate groups samples in [start, end) into buckets aligned on multiples
// of period since the Unix epoch, oldest first. unit, when not empty, keeps
// only the samples recorded with that unit.
func aggregate(samples []sample, start, end time.Time, period time.Duration, unit string) []*bucket {
	byStart := map[int64]*bucket{}
	for _, s := range samples {
		if s.Time.Before(start) || !s.Time.Before(end) || (unit != "" && s.Unit != unit) {
			continue
		}
		at := s.Time.Truncate(period)
		b := byStart[at.UnixNano()]
		if b == nil {
			b = &bucket{Start: at}
			byStart[at.UnixNano()] = b
		}
		b.add(s)
	}
	out := make([]*bucket, 0, len(byStart))
	for _, b := range byStart {
		out = append(out, b)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return out
}

// checkStat reports whether name is a statistic this service computes:
// SampleCount, Average, Sum, Minimum, Maximum or a percentile pNN(.NN).
func checkStat(name string) error {
	switch name {
	case "SampleCount", "Average", "Sum", "Minimum", "Maximum":
		return nil
	}
	if _, ok := percentile(name); ok {
		return nil
	}
	return fmt.Errorf("the statistic %q is not supported; use SampleCount, Average, Sum, Minimum, Maximum or pNN", name)
}

// percentile parses "p99" or "p99.9" into 99 or 99.9.
func percentile(name string) (float64, bool) {
	rest, ok := strings.CutPrefix(name, "p")
	if !ok {
		return 0, false
	}
	p, err := strconv.ParseFloat(rest, 64)
	if err != nil || p < 0 || p > 100 || strings.ContainsAny(rest, "eE+-") {
		return 0, false
	}
	return p, true
}

// value computes the named statistic over the bucket. ok is false when the
// statistic has no value (a percentile over statistic sets only).
func (b *bucket) value(stat string) (v float64, ok bool) {
	switch stat {
	case "SampleCount":
		return b.Count, true
	case "Sum":
		return b.Sum, true
	case "Minimum":
		return b.Min, true
	case "Maximum":
		return b.Max, true
	case "Average":
		if b.Count == 0 {
			return 0, false
		}
		return b.Sum / b.Count, true
	}
	p, isP := percentile(stat)
	if !isP || len(b.values) == 0 {
		return 0, false
	}
	return weightedPercentile(b.values, b.counts, p), true
}

// weightedPercentile is the nearest-rank percentile of values, each
// repeated counts[i] times.
func weightedPercentile(values, counts []float64, p float64) float64 {
	type vc struct{ v, c float64 }
	pts := make([]vc, len(values))
	var total float64
	for i, v := range values {
		pts[i] = vc{v, counts[i]}
		total += counts[i]
	}
	sort.Slice(pts, func(i, j int) bool { return pts[i].v < pts[j].v })
	rank := math.Ceil(p / 100 * total)
	if rank < 1 {
		rank = 1
	}
	var seen float64
	for _, pt := range pts {
		seen += pt.c
		if seen >= rank {
			return pt.v
		}
	}
	return pts[len(pts)-1].v
}

// newSample builds a sample from one MetricDatum, checking its consistency.
func newSample(d MetricDatum, at time.Time) (sample, error) {
	s := sample{Time: at, Unit: d.Unit}
	set := 0
	if d.Value != nil {
		set++
		v := *d.Value
		s.Count, s.Sum, s.Min, s.Max = 1, v, v, v
		s.Values, s.Counts = []float64{v}, []float64{1}
	}
	if len(d.Values) > 0 {
		set++
		if len(d.Counts) > 0 && len(d.Counts) != len(d.Values) {
			return s, invalidParam("The parameters MetricData.member.N.Values and MetricData.member.N.Counts must be of the same size.")
		}
		s.Values = d.Values
		s.Counts = d.Counts
		if len(s.Counts) == 0 {
			s.Counts = make([]float64, len(d.Values))
			for i := range s.Counts {
				s.Counts[i] = 1
			}
		}
		s.Min, s.Max = math.Inf(1), math.Inf(-1)
		for i, v := range s.Values {
			s.Count += s.Counts[i]
			s.Sum += v * s.Counts[i]
			s.Min, s.Max = math.Min(s.Min, v), math.Max(s.Max, v)
		}
	}
	if st := d.StatisticValues; st != nil {
		set++
		if st.SampleCount == nil || st.Sum == nil || st.Minimum == nil || st.Maximum == nil {
			return s, missingParam("StatisticValues requires SampleCount, Sum, Minimum and Maximum.")
		}
		s.Count, s.Sum, s.Min, s.Max = *st.SampleCount, *st.Sum, *st.Minimum, *st.Maximum
	}
	switch {
	case set == 0:
		return s, missingParam("One of Value, Values or StatisticValues must be set for metric " + d.MetricName + ".")
	case set > 1:
		return s, apiErr(codeInvalidCombination, "Only one of Value, Values and StatisticValues may be set for metric "+d.MetricName+".")
	}
	for _, v := range []float64{s.Sum, s.Min, s.Max, s.Count} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return s, invalidParam("The value of metric " + d.MetricName + " must be a finite number.")
		}
	}
	return s, nil
}
