package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"

	"github.com/greenlight/greenlight/internal/failure"
	"github.com/greenlight/greenlight/internal/notice"
)

const topic = "arn:aws:sns:us-east-1:123456789012:greenlight"

var now = time.Date(2026, 11, 22, 10, 25, 0, 0, time.UTC)

func fixture(t *testing.T, name string) json.RawMessage {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type fakeSNS struct {
	published []*sns.PublishInput
	err       error
}

func (f *fakeSNS) Publish(_ context.Context, in *sns.PublishInput, _ ...func(*sns.Options)) (*sns.PublishOutput, error) {
	if f.err != nil {
		return nil, f.err
	}
	f.published = append(f.published, in)
	return &sns.PublishOutput{MessageId: aws.String("m-1")}, nil
}

type fakeMetrics struct {
	errors, invocations []float64
	err                 error
	// queried are the dimensions of each Errors query.
	queried []map[string]string
}

func (f *fakeMetrics) GetMetricData(_ context.Context, in *cloudwatch.GetMetricDataInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.GetMetricDataOutput, error) {
	if f.err != nil {
		return nil, f.err
	}
	out := &cloudwatch.GetMetricDataOutput{}
	for _, q := range in.MetricDataQueries {
		values := f.invocations
		if aws.ToString(q.MetricStat.Metric.MetricName) == "Errors" {
			values = f.errors
			dims := map[string]string{}
			for _, d := range q.MetricStat.Metric.Dimensions {
				dims[*d.Name] = *d.Value
			}
			f.queried = append(f.queried, dims)
		}
		out.MetricDataResults = append(out.MetricDataResults, cwtypes.MetricDataResult{Id: q.Id, Values: values})
	}
	return out, nil
}

func TestHandle(t *testing.T) {
	tests := []struct {
		name        string
		event       notice.Event
		release     string
		metrics     *fakeMetrics
		wantSubject string
		wantFn      string
		wantRate    any // nil when absent
	}{
		{"rolled back with error rate", notice.RolledBack, "rolled-back.json", &fakeMetrics{errors: []float64{1, 2}, invocations: []float64{4, 8}},
			"greenlight: orders rolled back to version 3 (alarm in ALARM)", "orders", 0.25},
		{"rolled back without metrics", notice.RolledBack, "rolled-back.json", &fakeMetrics{err: errors.New("unavailable")},
			"greenlight: orders rolled back to version 3 (alarm in ALARM)", "orders", nil},
		{"rolled back without traffic", notice.RolledBack, "rolled-back.json", &fakeMetrics{},
			"greenlight: orders rolled back to version 3 (alarm in ALARM)", "orders", nil},
		{"promoted", notice.Promoted, "rolled-back.json", nil,
			"greenlight: orders promoted to version 4 (Custom)", "orders", nil},
		{"prepare failed on an S3 event", notice.Failed, "failed-s3-event.json", nil,
			"greenlight: orders release failed (invalid release)", "orders", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &fakeSNS{}
			h := &Handler{SNS: s, CloudWatch: tt.metrics, TopicARN: topic, Now: func() time.Time { return now }}
			raw := fixture(t, tt.release)
			out, err := h.Handle(context.Background(), Input{Event: tt.event, Release: raw})
			if err != nil {
				t.Fatal(err)
			}
			if string(out) != string(raw) {
				t.Error("the release was not returned unchanged")
			}
			if len(s.published) != 1 {
				t.Fatalf("published %d messages", len(s.published))
			}
			p := s.published[0]
			if *p.TopicArn != topic || *p.Subject != tt.wantSubject {
				t.Errorf("topic %s subject %q, want %q", *p.TopicArn, *p.Subject, tt.wantSubject)
			}
			if got := *p.MessageAttributes["event"].StringValue; got != string(tt.event) {
				t.Errorf("event attribute = %s", got)
			}
			if got := *p.MessageAttributes["function"].StringValue; got != tt.wantFn || *p.MessageAttributes["function"].DataType != "String" {
				t.Errorf("function attribute = %s", got)
			}
			var body map[string]any
			if err := json.Unmarshal([]byte(*p.Message), &body); err != nil {
				t.Fatal(err)
			}
			if body["errorRate"] != tt.wantRate {
				t.Errorf("errorRate = %v, want %v", body["errorRate"], tt.wantRate)
			}
			if tt.event == notice.RolledBack && tt.wantRate != nil && tt.metrics.queried[0]["ExecutedVersion"] != "4" {
				t.Errorf("metric dimensions = %v", tt.metrics.queried)
			}
			if !strings.Contains(*p.Message, `"reason"`) && tt.event != notice.Promoted {
				t.Errorf("body has no reason: %s", *p.Message)
			}
		})
	}
}

// TestHandleGroup: a group release is one notification, named by the
// group, with the group attribute, every member, the member that decided,
// and the error rate of every released member's green counted together.
func TestHandleGroup(t *testing.T) {
	s := &fakeSNS{}
	metrics := &fakeMetrics{errors: []float64{1, 2}, invocations: []float64{4, 8}}
	var emf bytes.Buffer
	h := &Handler{SNS: s, CloudWatch: metrics, TopicARN: topic, Now: func() time.Time { return now }, Metrics: &emf}
	if _, err := h.Handle(context.Background(), Input{Event: notice.RolledBack, Release: fixture(t, "group-rolled-back.json")}); err != nil {
		t.Fatal(err)
	}
	if want := string(notice.MetricLine(notice.KindGroup, notice.RolledBack, now)) + "\n"; emf.String() != want {
		t.Errorf("metric line %q, want %q: the dashboard counts group releases", emf.String(), want)
	}
	if len(s.published) != 1 {
		t.Fatalf("published %d messages, want 1", len(s.published))
	}
	p := s.published[0]
	if want := "greenlight: group shop rolled back (shop-api: alarm in ALARM)"; *p.Subject != want {
		t.Errorf("subject %q, want %q", *p.Subject, want)
	}
	for name, want := range map[string]string{"event": "rolledBack", "function": "shop", "group": "shop"} {
		if a, ok := p.MessageAttributes[name]; !ok || *a.StringValue != want || *a.DataType != "String" {
			t.Errorf("attribute %s = %+v, want the String %q", name, a, want)
		}
	}
	var body notice.Body
	if err := json.Unmarshal([]byte(*p.Message), &body); err != nil {
		t.Fatal(err)
	}
	var members []string
	for _, m := range body.Members {
		members = append(members, fmt.Sprintf("%s %s→%s %v live %s", m.Function, m.Blue, m.Green, m.Released, m.Live))
	}
	want := []string{"shop-api 3→4 true live 3", "shop-worker 6→7 true live 6", "shop-admin 2→ false live 2"}
	if body.Group != "shop" || body.DecidedBy != "shop-api" || !reflect.DeepEqual(members, want) {
		t.Errorf("group %q, decided by %q, members %q", body.Group, body.DecidedBy, members)
	}
	if body.ErrorRate == nil || *body.ErrorRate != 0.25 {
		t.Errorf("errorRate = %v, want 0.25", body.ErrorRate)
	}
	wantQueried := []map[string]string{
		{"FunctionName": "shop-api", "Resource": "shop-api:live", "ExecutedVersion": "4"},
		{"FunctionName": "shop-worker", "Resource": "shop-worker:current", "ExecutedVersion": "7"},
	}
	if !reflect.DeepEqual(metrics.queried, wantQueried) {
		t.Errorf("queried %v, want the released members' greens %v", metrics.queried, wantQueried)
	}
}

// TestHandleGroupRefusedAtPrepare: a group input prepare refused is
// announced as the group's.
func TestHandleGroupRefusedAtPrepare(t *testing.T) {
	s := &fakeSNS{}
	h := &Handler{SNS: s, TopicARN: topic, Now: func() time.Time { return now }}
	raw := json.RawMessage(`{"input":{"group":"shop","strategy":"Fastest"},"error":{"Error":"ValidationError","Cause":"{\"errorMessage\":\"invalid release: strategy\"}"}}`)
	if _, err := h.Handle(context.Background(), Input{Event: notice.Failed, Release: raw, ExecutionARN: "arn:e"}); err != nil {
		t.Fatal(err)
	}
	p := s.published[0]
	if want := "greenlight: group shop release failed (invalid release)"; *p.Subject != want {
		t.Errorf("subject %q, want %q", *p.Subject, want)
	}
	if g := p.MessageAttributes["group"]; g.StringValue == nil || *g.StringValue != "shop" || *p.MessageAttributes["function"].StringValue != "shop" {
		t.Errorf("attributes %v", p.MessageAttributes)
	}
}

func TestHandleErrors(t *testing.T) {
	tests := []struct {
		name    string
		event   notice.Event
		snsErr  error
		wantErr any
	}{
		{"unknown event", "deployed", nil, new(*failure.ValidationError)},
		{"sns throttled", notice.Started, &snstypes.ThrottledException{ErrorCodeOverride: aws.String("Throttling")}, new(*failure.ThrottledError)},
		{"topic gone", notice.Started, &snstypes.NotFoundException{}, new(*failure.OperationError)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &Handler{SNS: &fakeSNS{err: tt.snsErr}, TopicARN: topic}
			_, err := h.Handle(context.Background(), Input{Event: tt.event, Release: fixture(t, "rolled-back.json")})
			if !errors.As(err, tt.wantErr) {
				t.Fatalf("error = %v (%T), want %T", err, err, tt.wantErr)
			}
		})
	}
}

func TestDecodeTolerates(t *testing.T) {
	tests := []struct{ raw, wantFn string }{
		{`{"function":"orders","strategy":7,"error":{"Error":"ValidationError","Cause":"x"}}`, "orders"},
		{`{"function":5}`, ""},
		{`not json`, ""},
		{`null`, ""},
	}
	for _, tt := range tests {
		if d := decode(json.RawMessage(tt.raw)); d.Function != tt.wantFn {
			t.Errorf("decode(%s).Function = %q, want %q", tt.raw, d.Function, tt.wantFn)
		}
	}
}

func TestExecutionNamedWhenPrepareFailed(t *testing.T) {
	const arn = "arn:aws:states:us-east-1:000000000000:execution:greenlight:e1"
	tests := []struct {
		name    string
		release json.RawMessage
		want    string
	}{
		{"from the workflow when the document has none", fixture(t, "failed-s3-event.json"), arn},
		{"unreadable input", json.RawMessage(`"not a release"`), arn},
		{"the document's own", json.RawMessage(`{"function":"orders","executionArn":"arn:own"}`), "arn:own"},
		{"prepare's input with the error", json.RawMessage(`{"input":[1,2],"executionArn":"` + arn + `","error":{"Error":"ValidationError","Cause":"no"}}`), arn},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &fakeSNS{}
			h := &Handler{SNS: s, TopicARN: "arn:aws:sns:us-east-1:000000000000:t", Now: time.Now}
			if _, err := h.Handle(context.Background(), Input{Event: notice.Failed, Release: tt.release, ExecutionARN: arn}); err != nil {
				t.Fatal(err)
			}
			var body struct {
				ExecutionARN string `json:"executionArn"`
			}
			if err := json.Unmarshal([]byte(*s.published[0].Message), &body); err != nil {
				t.Fatal(err)
			}
			if body.ExecutionARN != tt.want {
				t.Errorf("executionArn = %q, want %q", body.ExecutionARN, tt.want)
			}
		})
	}
}

func TestDecodeFailedPrepare(t *testing.T) {
	raw := json.RawMessage(`{"input":{"function":"orders","artifact":{"key":"releases/orders/1.zip"}},"executionArn":"arn:e","error":{"Error":"ValidationError","Cause":"bad"}}`)
	d := decode(raw)
	if d.Function != "orders" || d.Artifact.Key != "releases/orders/1.zip" || d.Error == nil || d.Error.Error != "ValidationError" {
		t.Errorf("decode = function %q, artifact %q, error %+v", d.Function, d.Artifact.Key, d.Error)
	}
}
