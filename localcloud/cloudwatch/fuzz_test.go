package cloudwatch

import (
	"net/http/httptest"
	"strings"
	"testing"
)

// inputs returns a fresh input of every operation.
func inputs() map[string]resourcer {
	out := map[string]resourcer{}
	for name, o := range operations {
		out[name] = o.input()
	}
	return out
}

func FuzzQueryDecode(f *testing.F) {
	f.Add("Action=PutMetricData&Namespace=N&MetricData.member.1.MetricName=M&MetricData.member.1.Value=1&MetricData.member.1.Dimensions.member.1.Name=a")
	f.Add("MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.1.Value=x&StartTime=2026-01-01T00:00:00Z&Threshold=1e400")
	f.Add("AlarmNames=&AlarmNames.member.1=a&AlarmNames.member.3=c&MaxRecords=-5&ActionsEnabled=maybe")
	f.Fuzz(func(t *testing.T, form string) {
		p, err := newQueryProtocol(httptest.NewRequest("POST", "/", nil), []byte(form))
		if err != nil {
			return
		}
		for _, in := range inputs() {
			_ = p.decode(in) // must not panic; errors are answered as MalformedQueryString
		}
	})
}

func FuzzCBORDecode(f *testing.F) {
	f.Add([]byte{0xa1, 0x69, 'A', 'l', 'a', 'r', 'm', 'N', 'a', 'm', 'e', 0x61, 'x'})
	f.Add([]byte{0xa1, 0x69, 'S', 't', 'a', 'r', 't', 'T', 'i', 'm', 'e', 0xc1, 0x1a, 0, 1, 0, 0})
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, in := range inputs() {
			_ = cborProtocol{body: body}.decode(in)
		}
	})
}

func FuzzJSONDecode(f *testing.F) {
	f.Add(`{"MetricData":[{"MetricName":"m","Value":1,"Timestamp":1700000000.5}],"Namespace":"n"}`)
	f.Add(`{"AlarmNames":["a",null],"MaxRecords":"x","StartTime":"2026-01-01T00:00:00Z"}`)
	f.Fuzz(func(t *testing.T, body string) {
		for name, in := range inputs() {
			if err := (jsonProtocol{body: []byte(body)}).decode(in); err != nil && strings.Contains(err.Error(), "unsupported member type") {
				t.Errorf("%s: %v", name, err)
			}
		}
	})
}
