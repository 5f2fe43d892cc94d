package notice

import (
	"encoding/json"
	"testing"
	"time"
)

func TestMetricLine(t *testing.T) {
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	var got struct {
		AWS struct {
			Timestamp         int64
			CloudWatchMetrics []struct {
				Namespace  string
				Dimensions [][]string
				Metrics    []struct{ Name, Unit string }
			}
		} `json:"_aws"`
		Kind     string
		Event    string
		Releases float64
	}
	if err := json.Unmarshal(MetricLine(KindGroup, Promoted, at), &got); err != nil {
		t.Fatal(err)
	}
	m := got.AWS.CloudWatchMetrics
	if got.AWS.Timestamp != at.UnixMilli() || len(m) != 1 || m[0].Namespace != MetricNamespace ||
		len(m[0].Dimensions) != 1 || len(m[0].Dimensions[0]) != 2 || m[0].Metrics[0].Name != MetricReleases {
		t.Errorf("metric directive %+v", got.AWS)
	}
	if got.Kind != KindGroup || got.Event != string(Promoted) || got.Releases != 1 {
		t.Errorf("values %q %q %v", got.Kind, got.Event, got.Releases)
	}
}
