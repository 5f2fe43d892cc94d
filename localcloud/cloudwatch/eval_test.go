package cloudwatch

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/greenlight/greenlight/localcloud/internal/awserr"
)

func TestEvaluate(t *testing.T) {
	base := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	minute := func(i int) time.Time { return base.Add(time.Duration(i) * time.Minute) }
	pts := func(values map[int]float64) []Point {
		var out []Point
		for i, v := range values {
			out = append(out, Point{Start: minute(i), Value: v, SampleCount: 1})
		}
		return out
	}
	rule := func(n, m int, cmp, missing string) Rule {
		return Rule{Period: time.Minute, EvaluationPeriods: n, DatapointsToAlarm: m, Threshold: 1, Comparison: cmp, TreatMissingData: missing, Statistic: "Sum"}
	}
	const gte = "GreaterThanOrEqualToThreshold"
	// now is 10:05:30: the period of 10:05 is in progress, 10:04 is the last complete one.
	now := minute(5).Add(30 * time.Second)
	tests := []struct {
		name       string
		rule       Rule
		points     []Point
		want       string
		keep       bool
		reasonPart string
	}{
		{"breach in the last complete period", rule(1, 1, gte, MissingMissing), pts(map[int]float64{4: 3}), StateAlarm, false,
			"1 out of the last 1 datapoints [3.0 (22/11/26 10:04:00)] was greater than or equal to the threshold (1.0)"},
		{"breach in the period in progress counts at once", rule(1, 1, gte, MissingMissing), pts(map[int]float64{4: 0, 5: 2}), StateAlarm, false, "[2.0 (22/11/26 10:05:00)]"},
		{"a good period in progress clears an older breach", rule(1, 1, gte, MissingMissing), pts(map[int]float64{4: 5, 5: 0}), StateOK, false, "1 datapoint [0.0 (22/11/26 10:05:00)] was not greater than or equal to"},
		{"below threshold", rule(1, 1, gte, MissingMissing), pts(map[int]float64{4: 0.5}), StateOK, false, "was not greater than or equal to the threshold (1.0)"},
		{"breach outside the range is ignored", rule(2, 1, gte, MissingNotBreaching), pts(map[int]float64{1: 9}), StateOK, false, "no datapoints were received for 2 periods"},
		{"no data, missing", rule(1, 1, gte, MissingMissing), nil, StateInsufficientData, false, "Insufficient Data: 1 datapoint was unknown."},
		{"no data, notBreaching", rule(1, 1, gte, MissingNotBreaching), nil, StateOK, false, "treated as [NonBreaching]"},
		{"no data, breaching", rule(3, 3, gte, MissingBreaching), nil, StateAlarm, false, "3 missing datapoints were treated as [Breaching]"},
		{"no data, ignore keeps the state", rule(1, 1, gte, MissingIgnore), nil, "", true, ""},
		{"ignore evaluates the data present", rule(3, 1, gte, MissingIgnore), pts(map[int]float64{2: 4}), StateAlarm, false, "1 out of the last 3 datapoints"},
		{"1 of 3 breaching, 2 needed", rule(3, 2, gte, MissingMissing), pts(map[int]float64{2: 0, 3: 5, 4: 0}), StateOK, false, "3 datapoints"},
		{"2 of 3 breaching, 2 needed", rule(3, 2, gte, MissingMissing), pts(map[int]float64{2: 5, 3: 0, 4: 5}), StateAlarm, false, "2 out of the last 3 datapoints [5.0 (22/11/26 10:04:00), 5.0 (22/11/26 10:02:00)] were"},
		{"partial data, missing", rule(3, 2, gte, MissingMissing), pts(map[int]float64{4: 0}), StateOK, false, "1 datapoint"},
		{"missing treated as breaching completes M of N", rule(3, 2, gte, MissingBreaching), pts(map[int]float64{4: 0, 3: 0}), StateOK, false, "1 missing datapoint was treated as [Breaching]"},
		{"missing treated as breaching reaches M", rule(3, 2, gte, MissingBreaching), pts(map[int]float64{4: 0}), StateAlarm, false, "2 missing datapoints were treated as [Breaching]"},
		{"GreaterThanThreshold at the threshold", rule(1, 1, "GreaterThanThreshold", MissingMissing), pts(map[int]float64{4: 1}), StateOK, false, "was not greater than the threshold"},
		{"LessThanThreshold", rule(1, 1, "LessThanThreshold", MissingMissing), pts(map[int]float64{4: 0.25}), StateAlarm, false, "[0.25 (22/11/26 10:04:00)] was less than the threshold"},
		{"LessThanOrEqualToThreshold at the threshold", rule(1, 1, "LessThanOrEqualToThreshold", MissingMissing), pts(map[int]float64{4: 1}), StateAlarm, false, "was less than or equal to"},
		{"LessThanThreshold at the threshold", rule(1, 1, "LessThanThreshold", MissingMissing), pts(map[int]float64{4: 1}), StateOK, false, "was not less than the threshold"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Evaluate(tt.rule, tt.points, now)
			if got.Keep != tt.keep || got.State != tt.want {
				t.Fatalf("Evaluate = %q keep=%v (%s), want %q keep=%v", got.State, got.Keep, got.Reason, tt.want, tt.keep)
			}
			if !strings.Contains(got.Reason, tt.reasonPart) {
				t.Errorf("reason %q does not contain %q", got.Reason, tt.reasonPart)
			}
			if tt.keep {
				return
			}
			var data struct {
				Version   string  `json:"version"`
				Statistic string  `json:"statistic"`
				Period    int     `json:"period"`
				Threshold float64 `json:"threshold"`
				StartDate string  `json:"startDate"`
			}
			if err := json.Unmarshal([]byte(got.ReasonData), &data); err != nil {
				t.Fatalf("reason data %q: %v", got.ReasonData, err)
			}
			if data.Version != "1.0" || data.Statistic != "Sum" || data.Period != 60 || data.Threshold != 1 || data.StartDate == "" {
				t.Errorf("reason data = %s", got.ReasonData)
			}
		})
	}
}

func FuzzParseExpr(f *testing.F) {
	for _, s := range []string{"m1*2", "IF(m1 > 0, m1/m2*100, 0)", "FILL(m1, 0) + -(3)", "((", "a AND b OR c", "1e5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		n, err := parseExpr(src)
		if err != nil {
			return
		}
		env := &mathEnv{vars: map[string]series{}, grid: []int64{0, 60}}
		for _, id := range refs(n) {
			env.vars[id] = series{points: map[int64]float64{0: 1}}
		}
		if _, err := n.eval(env); err != nil && !strings.Contains(err.Error(), "takes") && !strings.Contains(err.Error(), "unsupported function") {
			t.Errorf("eval %q: %v", src, err)
		}
	})
}

func TestExpressions(t *testing.T) {
	env := &mathEnv{
		vars: map[string]series{
			"m1": {points: map[int64]float64{0: 2, 60: 0, 120: 6}},
			"m2": {points: map[int64]float64{0: 4, 120: 3}},
		},
		grid: []int64{0, 60, 120},
	}
	tests := []struct {
		expr string
		want map[int64]float64
	}{
		{"m1 * 2 + 1", map[int64]float64{0: 5, 60: 1, 120: 13}},
		{"m1 / m2", map[int64]float64{0: 0.5, 120: 2}},
		{"m2 / m1", map[int64]float64{0: 2, 120: 0.5}}, // division by zero drops the point
		{"-m1 + 10", map[int64]float64{0: 8, 60: 10, 120: 4}},
		{"(m1 - m2) * 3", map[int64]float64{0: -6, 120: 9}},
		{"FILL(m2, 0)", map[int64]float64{0: 4, 60: 0, 120: 3}},
		{"IF(m1 > 3, m1, 0)", map[int64]float64{0: 0, 60: 0, 120: 6}},
		{"IF(m1 >= 2 AND m2 < 4, 1)", map[int64]float64{120: 1}},
		{"ABS(m1 - 4)", map[int64]float64{0: 2, 60: 4, 120: 2}},
		{"100 * m1 / m2", map[int64]float64{0: 50, 120: 200}},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			n, err := parseExpr(tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			got, err := n.eval(env)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.points) != len(tt.want) {
				t.Fatalf("got %v, want %v", got.points, tt.want)
			}
			for k, v := range tt.want {
				if got.points[k] != v {
					t.Errorf("at %d got %v, want %v (all %v)", k, got.points[k], v, got.points)
				}
			}
		})
	}
	for _, bad := range []string{"", "m1 +", "(m1", "m1 m2", "2 $ 3", "SUM(m1)", "FILL(m1)"} {
		t.Run("bad "+bad, func(t *testing.T) {
			n, err := parseExpr(bad)
			if err == nil {
				_, err = n.eval(env)
			}
			if err == nil {
				t.Errorf("expression %q was accepted", bad)
			}
		})
	}
}

func TestStatistics(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	at := time.Unix(0, 0)
	var b bucket
	for _, d := range []MetricDatum{
		{MetricName: "m", Value: f(10)},
		{MetricName: "m", Values: []float64{1, 2, 3, 100}, Counts: []float64{1, 1, 1, 1}},
		{MetricName: "m", StatisticValues: &StatisticSet{SampleCount: f(5), Sum: f(50), Minimum: f(0.5), Maximum: f(20)}},
	} {
		s, err := newSample(d, at)
		if err != nil {
			t.Fatal(err)
		}
		b.add(s)
	}
	want := map[string]float64{"SampleCount": 10, "Sum": 166, "Average": 16.6, "Minimum": 0.5, "Maximum": 100, "p50": 3, "p100": 100, "p0": 1, "p80": 10}
	for stat, w := range want {
		if got, ok := b.value(stat); !ok || got != w {
			t.Errorf("%s = %v (%v), want %v", stat, got, ok, w)
		}
	}
	for _, bad := range []string{"p101", "Median", "p", "pabc", "p-1"} {
		if checkStat(bad) == nil {
			t.Errorf("statistic %q accepted", bad)
		}
	}

	errs := []struct {
		name string
		d    MetricDatum
		code string
	}{
		{"nothing", MetricDatum{MetricName: "m"}, "MissingParameter"},
		{"value and values", MetricDatum{MetricName: "m", Value: f(1), Values: []float64{1}}, "InvalidParameterCombination"},
		{"counts size", MetricDatum{MetricName: "m", Values: []float64{1, 2}, Counts: []float64{1}}, "InvalidParameterValue"},
		{"partial set", MetricDatum{MetricName: "m", StatisticValues: &StatisticSet{Sum: f(1)}}, "MissingParameter"},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			_, err := newSample(tt.d, at)
			if ae, ok := err.(*awserr.Error); !ok || queryCode(ae.ErrorCode()) != tt.code {
				t.Errorf("error = %v, want %s", err, tt.code)
			}
		})
	}
}

func TestPaginate(t *testing.T) {
	items := []int{1, 2, 3, 4, 5}
	var got []int
	var token *string
	for range 5 {
		page, next, err := paginate(items, token, 2)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, page...)
		if next == nil {
			break
		}
		token = next
	}
	if len(got) != 5 || got[4] != 5 {
		t.Errorf("pages gave %v", got)
	}
	bad := "OTk"
	if _, _, err := paginate(items, &bad, 2); err == nil {
		t.Error("a token beyond the end was accepted")
	}
}
