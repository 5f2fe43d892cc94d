package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"

	"github.com/greenlight/greenlight/internal/alarm"
	"github.com/greenlight/greenlight/internal/clockenv"
	"github.com/greenlight/greenlight/internal/failure"
	"github.com/greenlight/greenlight/internal/notice"
	"github.com/greenlight/greenlight/internal/release"
)

// publisher publishes to the topic.
type publisher interface {
	Publish(context.Context, *sns.PublishInput, ...func(*sns.Options)) (*sns.PublishOutput, error)
}

var (
	_ publisher                         = (*sns.Client)(nil)
	_ cloudwatch.GetMetricDataAPIClient = (*cloudwatch.Client)(nil)
)

// Input is what the workflow's Notify states pass.
type Input struct {
	Event notice.Event `json:"event"`
	// Release is the release document, or, when prepare failed, the
	// execution input with the error the workflow caught.
	Release json.RawMessage `json:"release"`
	// ExecutionARN is the execution the notification is about; it names the
	// execution when the release document does not (prepare failed).
	ExecutionARN string `json:"executionArn,omitempty"`
}

// Handler sends notifications.
type Handler struct {
	SNS        publisher
	CloudWatch cloudwatch.GetMetricDataAPIClient
	TopicARN   string
	// Now defaults to clockenv.Now: the time of the cloud the function runs in.
	Now func() time.Time
	// Metrics receives the release count as EMF log lines (notice.MetricLine);
	// nil is standard output, which Lambda sends to the function's log group.
	Metrics io.Writer
}

func (h *Handler) metrics() io.Writer {
	if h.Metrics != nil {
		return h.Metrics
	}
	return os.Stdout
}

// Handle publishes the notification of in.Event and returns the release
// unchanged, so the workflow carries on with the same document.
func (h *Handler) Handle(ctx context.Context, in Input) (json.RawMessage, error) {
	if !in.Event.Valid() {
		return nil, &failure.ValidationError{Problems: []string{fmt.Sprintf("event %q is not a greenlight event", in.Event)}}
	}
	d := decode(in.Release)
	if d.ExecutionARN == "" {
		d.ExecutionARN = in.ExecutionARN
	}
	now := h.now()
	var rate *float64
	if t := greens(d); in.Event == notice.RolledBack && len(t) > 0 {
		// The rate only enriches the message: without it the rollback is
		// still worth announcing.
		var err error
		if rate, err = h.errorRate(ctx, t, d.StartedAt, now); err != nil {
			log.Printf("error rate of %s: %v", d.Function, err)
		}
	}
	m := notice.Compose(in.Event, d, now, rate)
	body, err := m.JSON()
	if err != nil {
		return nil, &failure.OperationError{Op: "encode notification", Err: err}
	}
	attrs := make(map[string]snstypes.MessageAttributeValue, len(m.Attributes))
	for k, v := range m.Attributes {
		attrs[k] = snstypes.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(v)}
	}
	if _, err := h.SNS.Publish(ctx, &sns.PublishInput{
		TopicArn:          &h.TopicARN,
		Subject:           &m.Subject,
		Message:           &body,
		MessageAttributes: attrs,
	}); err != nil {
		return nil, failure.Classify("publish "+string(in.Event)+" notification", err)
	}
	kind := notice.KindFunction
	if m.Attributes[notice.AttrGroup] != "" {
		kind = notice.KindGroup
	}
	fmt.Fprintf(h.metrics(), "%s\n", notice.MetricLine(kind, in.Event, now))
	return in.Release, nil
}

// decode reads as much of a release document as raw holds. When prepare
// failed, raw is prepare's input with the error the workflow caught:
// {"input": <execution input>, "error": {...}}; a console input decodes as a
// partial document, and an S3 event yields its function and artifact.
func decode(raw json.RawMessage) *release.Document {
	var failed struct {
		Input json.RawMessage    `json:"input"`
		Error *release.TaskError `json:"error"`
	}
	if json.Unmarshal(raw, &failed) == nil && len(failed.Input) > 0 {
		d := decodeInput(failed.Input)
		d.Error = failed.Error
		return d
	}
	return decodeInput(raw)
}

func decodeInput(raw json.RawMessage) *release.Document {
	var d release.Document
	// A partial document is still worth a notification, so decoding errors
	// only leave fields empty.
	_ = json.Unmarshal(raw, &d)
	if d.Function == "" && release.IsEvent(raw) {
		if in, err := release.ParseEvent(raw); err == nil {
			d.Function, d.Artifact = in.Function, in.Artifact
		}
	}
	return &d
}

// green is a green version whose invocations through the live alias count
// in the error rate.
type green struct{ function, alias, version string }

// greens are the green versions of release d: its own, or every released
// member's in a group release.
func greens(d *release.Document) []green {
	if !d.IsGroup() {
		if d.State.Green == "" {
			return nil
		}
		return []green{{d.Function, d.LiveAlias, d.State.Green}}
	}
	var out []green
	for _, m := range d.Members {
		if m.Released() && m.State.Green != "" {
			out = append(out, green{m.Function, m.LiveAlias, m.State.Green})
		}
	}
	return out
}

// errorRate is the share of failed invocations of the green versions
// through their live aliases since the release started: a group's members
// counted together.
func (h *Handler) errorRate(ctx context.Context, versions []green, start, now time.Time) (*float64, error) {
	if start.IsZero() || !start.Before(now) {
		start = now.Add(-time.Hour)
	}
	query := func(id, metric string, g green) cwtypes.MetricDataQuery {
		return cwtypes.MetricDataQuery{Id: aws.String(id), MetricStat: &cwtypes.MetricStat{
			Metric: &cwtypes.Metric{Namespace: aws.String("AWS/Lambda"), MetricName: aws.String(metric),
				Dimensions: alarm.Dimensions(g.function, g.alias, g.version)},
			Period: aws.Int32(60),
			Stat:   aws.String("Sum"),
		}}
	}
	var queries []cwtypes.MetricDataQuery
	for i, g := range versions {
		queries = append(queries, query(fmt.Sprintf("errors%d", i), "Errors", g), query(fmt.Sprintf("invocations%d", i), "Invocations", g))
	}
	var errs, invocations float64
	p := cloudwatch.NewGetMetricDataPaginator(h.CloudWatch, &cloudwatch.GetMetricDataInput{
		StartTime:         aws.Time(start.Truncate(time.Minute)),
		EndTime:           aws.Time(now.Truncate(time.Minute).Add(time.Minute)),
		MetricDataQueries: queries,
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, r := range page.MetricDataResults {
			sum := &errs
			if strings.HasPrefix(aws.ToString(r.Id), "invocations") {
				sum = &invocations
			}
			for _, v := range r.Values {
				*sum += v
			}
		}
	}
	if invocations == 0 {
		return nil, nil
	}
	rate := errs / invocations
	return &rate, nil
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now().UTC()
	}
	return clockenv.Now().UTC()
}
