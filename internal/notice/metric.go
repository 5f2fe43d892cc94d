package notice

import (
	"encoding/json"
	"time"
)

// The release count greenlight's functions write as CloudWatch embedded
// metric format (EMF) log lines, one per notification: on AWS, Lambda's log
// group turns each line into a data point of MetricReleases in
// MetricNamespace, with the dimensions DimensionKind (KindFunction or
// KindGroup) and DimensionEvent (the event). The stack's dashboard graphs
// them.
const (
	MetricNamespace = "greenlight"
	MetricReleases  = "Releases"
	DimensionKind   = "Kind"
	DimensionEvent  = "Event"
	KindFunction    = "function"
	KindGroup       = "group"
)

// MetricLine is the EMF log line that counts one notification of event for
// a release of kind at now.
func MetricLine(kind string, event Event, now time.Time) []byte {
	line, _ := json.Marshal(map[string]any{
		"_aws": map[string]any{
			"Timestamp": now.UnixMilli(),
			"CloudWatchMetrics": []map[string]any{{
				"Namespace":  MetricNamespace,
				"Dimensions": [][]string{{DimensionKind, DimensionEvent}},
				"Metrics":    []map[string]string{{"Name": MetricReleases, "Unit": "Count"}},
			}},
		},
		DimensionKind:  kind,
		DimensionEvent: string(event),
		MetricReleases: 1,
	})
	return line
}
