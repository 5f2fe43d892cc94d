package cloudwatch_test

import (
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/greenlight/greenlight/localcloud/clock"
	"github.com/greenlight/greenlight/localcloud/cloudwatch"
	"github.com/greenlight/greenlight/localcloud/fault"
)

// postForm sends a query-protocol request as AWS CLI v2.9 does.
func postForm(t *testing.T, endpoint string, form string) (int, []byte) {
	t.Helper()
	resp, err := http.Post(endpoint+"/", "application/x-www-form-urlencoded; charset=utf-8", strings.NewReader(form))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body
}

type queryError struct {
	Error struct{ Type, Code, Message string }
}

func TestQueryProtocol(t *testing.T) {
	faults := &fault.Injector{}
	svc, err := cloudwatch.New(cloudwatch.Options{Clock: clock.Real{}, Faults: faults})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svc.Close() })
	_, endpoint := newClient(t, svc)
	now := time.Now().UTC().Truncate(time.Minute)

	steps := []struct {
		name   string
		form   url.Values
		status int
		check  func(t *testing.T, body []byte)
	}{
		{"PutMetricAlarm", url.Values{"Action": {"PutMetricAlarm"}, "Version": {"2010-08-01"}, "AlarmName": {"orders-errors"},
			"Namespace": {"AWS/Lambda"}, "MetricName": {"Errors"}, "Statistic": {"Sum"}, "Period": {"60"}, "EvaluationPeriods": {"2"},
			"DatapointsToAlarm": {"1"}, "Threshold": {"1.5"}, "ComparisonOperator": {"GreaterThanThreshold"}, "TreatMissingData": {"breaching"},
			"Dimensions.member.1.Name": {"FunctionName"}, "Dimensions.member.1.Value": {"orders"},
			"AlarmActions.member.1": {"arn:aws:sns:us-east-1:000000000000:a"}, "ActionsEnabled": {"false"}}, 200,
			func(t *testing.T, body []byte) {
				if !strings.Contains(string(body), `<PutMetricAlarmResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/"><ResponseMetadata><RequestId>`) {
					t.Errorf("body = %s", body)
				}
			}},
		{"DescribeAlarms", url.Values{"Action": {"DescribeAlarms"}, "Version": {"2010-08-01"}, "AlarmNames.member.1": {"orders-errors"}}, 200,
			func(t *testing.T, body []byte) {
				var out struct {
					Result struct {
						MetricAlarms []struct {
							AlarmName, StateValue, StateReason, TreatMissingData string
							Threshold                                            float64
							ActionsEnabled                                       bool
							Dimensions                                           []struct{ Name, Value string } `xml:"Dimensions>member"`
							AlarmActions                                         []string                       `xml:"AlarmActions>member"`
							StateUpdatedTimestamp                                time.Time
						} `xml:"MetricAlarms>member"`
					} `xml:"DescribeAlarmsResult"`
				}
				if err := xml.Unmarshal(body, &out); err != nil {
					t.Fatal(err)
				}
				if len(out.Result.MetricAlarms) != 1 {
					t.Fatalf("body = %s", body)
				}
				a := out.Result.MetricAlarms[0]
				if a.StateValue != "INSUFFICIENT_DATA" || a.Threshold != 1.5 || a.ActionsEnabled || a.TreatMissingData != "breaching" ||
					len(a.Dimensions) != 1 || a.Dimensions[0].Value != "orders" || len(a.AlarmActions) != 1 || a.StateUpdatedTimestamp.IsZero() {
					t.Errorf("alarm = %+v", a)
				}
			}},
		{"PutMetricData", url.Values{"Action": {"PutMetricData"}, "Version": {"2010-08-01"}, "Namespace": {"Shop"},
			"MetricData.member.1.MetricName": {"Orders"}, "MetricData.member.1.Value": {"3"}, "MetricData.member.1.Unit": {"Count"},
			"MetricData.member.1.Timestamp":                {now.Format(time.RFC3339)},
			"MetricData.member.1.Dimensions.member.1.Name": {"Site"}, "MetricData.member.1.Dimensions.member.1.Value": {"eu"},
			"MetricData.member.2.MetricName": {"Orders"}, "MetricData.member.2.Values.member.1": {"4"}, "MetricData.member.2.Values.member.2": {"5"},
			"MetricData.member.2.Timestamp":                {now.Format(time.RFC3339)},
			"MetricData.member.2.Dimensions.member.1.Name": {"Site"}, "MetricData.member.2.Dimensions.member.1.Value": {"eu"}}, 200, nil},
		{"GetMetricData", url.Values{"Action": {"GetMetricData"}, "Version": {"2010-08-01"},
			"StartTime": {now.Add(-time.Hour).Format(time.RFC3339)}, "EndTime": {now.Add(time.Hour).Format(time.RFC3339)},
			"MetricDataQueries.member.1.Id":                                          {"m1"},
			"MetricDataQueries.member.1.MetricStat.Metric.Namespace":                 {"Shop"},
			"MetricDataQueries.member.1.MetricStat.Metric.MetricName":                {"Orders"},
			"MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.1.Name":  {"Site"},
			"MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.1.Value": {"eu"},
			"MetricDataQueries.member.1.MetricStat.Period":                           {"60"},
			"MetricDataQueries.member.1.MetricStat.Stat":                             {"Sum"},
			"MetricDataQueries.member.2.Id":                                          {"e1"},
			"MetricDataQueries.member.2.Expression":                                  {"m1 / 4"}}, 200,
			func(t *testing.T, body []byte) {
				var out struct {
					Results []struct {
						ID         string      `xml:"Id"`
						StatusCode string      `xml:"StatusCode"`
						Timestamps []time.Time `xml:"Timestamps>member"`
						Values     []float64   `xml:"Values>member"`
					} `xml:"GetMetricDataResult>MetricDataResults>member"`
				}
				if err := xml.Unmarshal(body, &out); err != nil {
					t.Fatal(err)
				}
				if len(out.Results) != 2 || out.Results[0].Values[0] != 12 || out.Results[1].Values[0] != 3 ||
					!out.Results[1].Timestamps[0].Equal(now) || out.Results[0].StatusCode != "Complete" {
					t.Errorf("body = %s", body)
				}
			}},
		{"GetMetricStatistics with percentiles", url.Values{"Action": {"GetMetricStatistics"}, "Version": {"2010-08-01"},
			"Namespace": {"Shop"}, "MetricName": {"Orders"}, "Period": {"60"},
			"Dimensions.member.1.Name": {"Site"}, "Dimensions.member.1.Value": {"eu"},
			"StartTime": {now.Add(-time.Hour).Format(time.RFC3339)}, "EndTime": {now.Add(time.Hour).Format(time.RFC3339)},
			"Statistics.member.1": {"Maximum"}, "ExtendedStatistics.member.1": {"p50"}}, 200,
			func(t *testing.T, body []byte) {
				if !strings.Contains(string(body), "<Maximum>5</Maximum>") || !strings.Contains(string(body), "<ExtendedStatistics><entry><key>p50</key><value>4</value></entry></ExtendedStatistics>") {
					t.Errorf("body = %s", body)
				}
			}},
		{"MissingParameter", url.Values{"Action": {"SetAlarmState"}, "Version": {"2010-08-01"}, "StateValue": {"OK"}, "StateReason": {"x"}}, 400,
			wantQueryError("Sender", "MissingParameter")},
		{"ResourceNotFound", url.Values{"Action": {"SetAlarmState"}, "Version": {"2010-08-01"}, "AlarmName": {"nope"}, "StateValue": {"OK"}, "StateReason": {"x"}}, 404,
			wantQueryError("Sender", "ResourceNotFound")},
		{"InvalidParameterValue", url.Values{"Action": {"SetAlarmState"}, "Version": {"2010-08-01"}, "AlarmName": {"orders-errors"}, "StateValue": {"RED"}, "StateReason": {"x"}}, 400,
			wantQueryError("Sender", "InvalidParameterValue")},
		{"not a number", url.Values{"Action": {"PutMetricAlarm"}, "Version": {"2010-08-01"}, "AlarmName": {"a"}, "Threshold": {"high"}}, 400,
			wantQueryError("Sender", "MalformedQueryString")},
		{"unknown action", url.Values{"Action": {"PutCompositeAlarm"}, "Version": {"2010-08-01"}}, 400,
			wantQueryError("Sender", "InvalidAction")},
		{"empty list", url.Values{"Action": {"DeleteAlarms"}, "Version": {"2010-08-01"}, "AlarmNames": {""}}, 400,
			wantQueryError("Sender", "MissingParameter")},
		{"DeleteAlarms", url.Values{"Action": {"DeleteAlarms"}, "Version": {"2010-08-01"}, "AlarmNames.member.1": {"orders-errors"}}, 200, nil},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			status, body := postForm(t, endpoint, s.form.Encode())
			if status != s.status {
				t.Fatalf("status %d, want %d: %s", status, s.status, body)
			}
			if s.check != nil {
				s.check(t, body)
			}
		})
	}

	t.Run("injected fault", func(t *testing.T) {
		if err := faults.Add(fault.Rule{Service: "monitoring", Operation: "DescribeAlarms", Code: "Throttling", Status: 429, Count: 1}); err != nil {
			t.Fatal(err)
		}
		form := url.Values{"Action": {"DescribeAlarms"}, "Version": {"2010-08-01"}}.Encode()
		status, body := postForm(t, endpoint, form)
		if status != 429 {
			t.Fatalf("status %d: %s", status, body)
		}
		wantQueryError("Sender", "Throttling")(t, body)
		if status, body := postForm(t, endpoint, form); status != 200 {
			t.Errorf("second call: status %d: %s", status, body)
		}
	})
}

func wantQueryError(typ, code string) func(t *testing.T, body []byte) {
	return func(t *testing.T, body []byte) {
		t.Helper()
		var e queryError
		if err := xml.Unmarshal(body, &e); err != nil {
			t.Fatal(err)
		}
		if e.Error.Type != typ || e.Error.Code != code || e.Error.Message == "" {
			t.Errorf("error = %+v, want %s %s", e.Error, typ, code)
		}
	}
}

// awsJson1.0 (X-Amz-Target) works for the clients that pick it.
func TestJSONProtocol(t *testing.T) {
	_, endpoint := newClient(t, newService(t, clock.Real{}, nil, ""))
	call := func(op, body string) (int, map[string]any, http.Header) {
		req, err := http.NewRequest(http.MethodPost, endpoint+"/", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-amz-json-1.0")
		req.Header.Set("X-Amz-Target", "GraniteServiceVersion20100801."+op)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, out, resp.Header
	}
	status, _, _ := call("PutMetricAlarm", `{"AlarmName":"j","Namespace":"N","MetricName":"M","Statistic":"Average","Period":60,
		"EvaluationPeriods":1,"Threshold":0.5,"ComparisonOperator":"LessThanThreshold","Dimensions":[{"Name":"a","Value":"b"}]}`)
	if status != 200 {
		t.Fatalf("PutMetricAlarm status %d", status)
	}
	status, out, _ := call("DescribeAlarms", `{"AlarmNames":["j"]}`)
	alarms, _ := out["MetricAlarms"].([]any)
	if status != 200 || len(alarms) != 1 {
		t.Fatalf("DescribeAlarms = %d %v", status, out)
	}
	a := alarms[0].(map[string]any)
	if a["Threshold"] != 0.5 || a["StateValue"] != "INSUFFICIENT_DATA" {
		t.Errorf("alarm = %v", a)
	}
	if _, ok := a["StateUpdatedTimestamp"].(float64); !ok {
		t.Errorf("StateUpdatedTimestamp = %v, want epoch seconds", a["StateUpdatedTimestamp"])
	}
	status, out, h := call("DeleteAlarms", `{"AlarmNames":["missing"]}`)
	if status != 404 || out["__type"] != "com.amazonaws.cloudwatch#ResourceNotFound" || h.Get("X-Amzn-Query-Error") != "ResourceNotFound;Sender" {
		t.Errorf("DeleteAlarms of a missing alarm = %d %v %v", status, out, h)
	}
}
