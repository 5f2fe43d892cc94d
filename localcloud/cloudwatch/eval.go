package cloudwatch

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Alarm states.
const (
	StateOK               = "OK"
	StateAlarm            = "ALARM"
	StateInsufficientData = "INSUFFICIENT_DATA"
)

// TreatMissingData values.
const (
	MissingMissing      = "missing"
	MissingNotBreaching = "notBreaching"
	MissingBreaching    = "breaching"
	MissingIgnore       = "ignore"
)

// comparisons maps each supported ComparisonOperator to its test and to the
// words AWS uses for it in a state reason.
var comparisons = map[string]struct {
	breaches func(v, threshold float64) bool
	words    string
}{
	"GreaterThanOrEqualToThreshold": {func(v, t float64) bool { return v >= t }, "greater than or equal to"},
	"GreaterThanThreshold":          {func(v, t float64) bool { return v > t }, "greater than"},
	"LessThanThreshold":             {func(v, t float64) bool { return v < t }, "less than"},
	"LessThanOrEqualToThreshold":    {func(v, t float64) bool { return v <= t }, "less than or equal to"},
}

// Rule is the part of an alarm that decides its state.
type Rule struct {
	Period            time.Duration
	EvaluationPeriods int
	DatapointsToAlarm int
	Threshold         float64
	Comparison        string // a key of comparisons
	TreatMissingData  string // one of the Missing* constants
	Statistic         string // for the reason data; empty for metric-math alarms
}

// Point is the value of the alarm's metric over one period.
type Point struct {
	Start       time.Time
	Value       float64
	SampleCount float64
}

// Outcome is the result of one evaluation. When Keep is set the alarm keeps
// its state and reason (TreatMissingData ignore with no data at all).
type Outcome struct {
	State      string
	Reason     string
	ReasonData string
	Keep       bool
}

// Evaluate decides the state of an alarm from the per-period points of its
// metric at time now. The evaluation range is the EvaluationPeriods periods
// ending with the period that holds now when that period already has a
// point (so a breach counts as soon as it is recorded), else ending with the
// last complete period. It is a pure function.
func Evaluate(r Rule, points []Point, now time.Time) Outcome {
	cmp := comparisons[r.Comparison]
	byStart := make(map[int64]Point, len(points))
	for _, p := range points {
		byStart[p.Start.UnixNano()] = p
	}
	newest := now.Truncate(r.Period)
	if _, ok := byStart[newest.UnixNano()]; !ok {
		newest = newest.Add(-r.Period)
	}
	oldest := newest.Add(-time.Duration(r.EvaluationPeriods-1) * r.Period)

	var present, breaching []Point // newest first
	for at := newest; !at.Before(oldest); at = at.Add(-r.Period) {
		p, ok := byStart[at.UnixNano()]
		if !ok {
			continue
		}
		present = append(present, p)
		if cmp.breaches(p.Value, r.Threshold) {
			breaching = append(breaching, p)
		}
	}
	missing := r.EvaluationPeriods - len(present)

	out := Outcome{ReasonData: reasonData(r, present, oldest, now)}
	nBreach := len(breaching)
	switch r.TreatMissingData {
	case MissingBreaching:
		nBreach += missing
	case MissingIgnore:
		if len(present) == 0 {
			return Outcome{Keep: true}
		}
	case MissingNotBreaching:
	default:
		if len(present) == 0 {
			out.State = StateInsufficientData
			out.Reason = fmt.Sprintf("Insufficient Data: %s %s unknown.", plural(missing, "datapoint"), wasWere(missing))
			return out
		}
	}

	treated := ""
	if missing > 0 && (r.TreatMissingData == MissingBreaching || r.TreatMissingData == MissingNotBreaching) {
		how := "NonBreaching"
		if r.TreatMissingData == MissingBreaching {
			how = "Breaching"
		}
		treated = fmt.Sprintf(" and %s %s treated as [%s]", plural(missing, "missing datapoint"), wasWere(missing), how)
	}
	if nBreach >= r.DatapointsToAlarm {
		out.State = StateAlarm
		if len(present) == 0 {
			out.Reason = fmt.Sprintf("Threshold Crossed: no datapoints were received for %s%s.", plural(missing, "period"), treated)
		} else {
			out.Reason = fmt.Sprintf("Threshold Crossed: %d out of the last %d datapoints [%s] %s %s the threshold (%s)%s (minimum %s for OK -> ALARM transition).",
				len(breaching), r.EvaluationPeriods, listPoints(breaching), wasWere(len(breaching)), cmp.words,
				formatFloat(r.Threshold), treated, plural(r.DatapointsToAlarm, "datapoint"))
		}
		return out
	}
	out.State = StateOK
	if len(present) == 0 {
		out.Reason = fmt.Sprintf("Threshold Crossed: no datapoints were received for %s%s.", plural(missing, "period"), treated)
	} else {
		out.Reason = fmt.Sprintf("Threshold Crossed: %s [%s] %s not %s the threshold (%s)%s.",
			plural(len(present), "datapoint"), listPoints(present), wasWere(len(present)), cmp.words, formatFloat(r.Threshold), treated)
	}
	return out
}

// reasonData is the JSON document AWS puts in StateReasonData.
func reasonData(r Rule, present []Point, start, now time.Time) string {
	type evaluated struct {
		Timestamp   string   `json:"timestamp"`
		SampleCount *float64 `json:"sampleCount,omitempty"`
		Value       float64  `json:"value"`
	}
	doc := struct {
		Version             string      `json:"version"`
		QueryDate           string      `json:"queryDate"`
		StartDate           string      `json:"startDate"`
		Statistic           string      `json:"statistic,omitempty"`
		Period              int         `json:"period"`
		RecentDatapoints    []float64   `json:"recentDatapoints"`
		Threshold           float64     `json:"threshold"`
		EvaluatedDatapoints []evaluated `json:"evaluatedDatapoints,omitempty"`
	}{
		Version:          "1.0",
		QueryDate:        eventTime(now),
		StartDate:        eventTime(start),
		Statistic:        r.Statistic,
		Period:           int(r.Period / time.Second),
		RecentDatapoints: []float64{},
		Threshold:        r.Threshold,
	}
	for i := len(present) - 1; i >= 0; i-- {
		doc.RecentDatapoints = append(doc.RecentDatapoints, present[i].Value)
	}
	for _, p := range present {
		e := evaluated{Timestamp: eventTime(p.Start), Value: p.Value}
		if p.SampleCount > 0 {
			e.SampleCount = &p.SampleCount
		}
		doc.EvaluatedDatapoints = append(doc.EvaluatedDatapoints, e)
	}
	b, _ := json.Marshal(doc) // a struct of strings and numbers always marshals
	return string(b)
}

// eventTime formats a time as CloudWatch does in alarm events and reason data.
func eventTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000-0700") }

func listPoints(ps []Point) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = fmt.Sprintf("%s (%s)", formatFloat(p.Value), p.Start.UTC().Format("02/01/06 15:04:05"))
	}
	return strings.Join(parts, ", ")
}

// formatFloat writes a number as AWS does in reasons: 1.0, 0.25, 12.5.
func formatFloat(v float64) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if !strings.ContainsAny(s, ".eEIN") {
		s += ".0"
	}
	return s
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

func wasWere(n int) string {
	if n == 1 {
		return "was"
	}
	return "were"
}
