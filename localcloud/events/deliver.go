package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/ohler55/ojg/jp"

	"github.com/greenlight/greenlight/localcloud/bus"
	"github.com/greenlight/greenlight/localcloud/internal/awserr"
	"github.com/greenlight/greenlight/localcloud/internal/uuid"
)

// envelope is an event as rules see it and targets receive it, with
// EventBridge's field order.
type envelope struct {
	Version    string          `json:"version"`
	ID         string          `json:"id"`
	DetailType string          `json:"detail-type"`
	Source     string          `json:"source"`
	Account    string          `json:"account"`
	Time       string          `json:"time"`
	Region     string          `json:"region"`
	Resources  []string        `json:"resources"`
	Detail     json.RawMessage `json:"detail"`
}

// PutEvent puts an event from another local service on the default bus.
func (s *Service) PutEvent(_ context.Context, e bus.Event) error {
	_, err := s.dispatch(e)
	return err
}

type putEventsInput struct {
	Entries []struct {
		Source       string
		DetailType   string
		Detail       string
		Resources    []string
		Time         *float64 // epoch seconds
		EventBusName string
	}
}

type putEventsResult struct {
	EventID      string `json:"EventId,omitempty"`
	ErrorCode    string `json:",omitempty"`
	ErrorMessage string `json:",omitempty"`
}

func (s *Service) putEvents(ctx context.Context, op string, body []byte) (any, error) {
	var in putEventsInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	sources := make([]string, len(in.Entries))
	for i, e := range in.Entries {
		sources[i] = e.Source
	}
	if err := s.opts.Faults.Check(ctx, signingName, op, strings.Join(sources, ",")); err != nil {
		return nil, err
	}
	if len(in.Entries) == 0 || len(in.Entries) > 10 {
		return nil, validation("1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and 10")
	}
	out := struct {
		FailedEntryCount int
		Entries          []putEventsResult
	}{}
	for _, e := range in.Entries {
		var res putEventsResult
		ev := bus.Event{Source: e.Source, DetailType: e.DetailType, Detail: json.RawMessage(e.Detail), Resources: e.Resources}
		if e.Time != nil {
			sec, frac := math.Modf(*e.Time)
			ev.Time = time.Unix(int64(sec), int64(frac*1e9))
		}
		var err error
		switch {
		case e.Source == "":
			err = awserr.New("InvalidArgument", http.StatusBadRequest, "Parameter Source is not valid. Reason: Source is a required argument.")
		case e.DetailType == "":
			err = awserr.New("InvalidArgument", http.StatusBadRequest, "Parameter DetailType is not valid. Reason: DetailType is a required argument.")
		case e.Detail == "":
			err = awserr.New("InvalidArgument", http.StatusBadRequest, "Parameter Detail is not valid. Reason: Detail is a required argument.")
		default:
			if err = checkBus(e.EventBusName); err == nil {
				res.EventID, err = s.dispatch(ev)
			}
		}
		var ae *awserr.Error
		if errors.As(err, &ae) {
			res = putEventsResult{ErrorCode: ae.Code, ErrorMessage: ae.Message}
			out.FailedEntryCount++
		} else if err != nil {
			return nil, err
		}
		out.Entries = append(out.Entries, res)
	}
	return out, nil
}

// delivery is one target to hand one event to.
type delivery struct {
	rule   string
	target Target
}

// dispatch stamps an event, finds the enabled rules whose pattern matches it
// and hands it to their targets in the background. It returns the event id.
func (s *Service) dispatch(e bus.Event) (string, error) {
	var detail map[string]any
	if err := json.Unmarshal(e.Detail, &detail); err != nil || detail == nil {
		return "", awserr.New("MalformedDetail", http.StatusBadRequest, "Detail is malformed: it must be a JSON object.")
	}
	if e.Time.IsZero() {
		e.Time = s.opts.Clock.Now()
	}
	env := envelope{
		Version: "0", ID: uuid.New(), DetailType: e.DetailType, Source: e.Source, Account: bus.Account,
		Time: timestamp(e.Time), Region: bus.Region, Resources: e.Resources, Detail: e.Detail,
	}
	if env.Resources == nil {
		env.Resources = []string{}
	}
	raw, err := json.Marshal(env)
	if err != nil {
		return "", err
	}
	var doc any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return "", err
	}

	var todo []delivery
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return "", errClosed
	}
	for _, r := range s.rules {
		if r.compiled == nil || r.State == "DISABLED" || !r.compiled.Match(doc) {
			continue
		}
		for _, t := range r.Targets {
			todo = append(todo, delivery{rule: r.Name, target: *t})
		}
	}
	// Counted under the lock, so that Close, which waits for them, knows
	// of every delivery it did not refuse.
	s.inflight.Add(len(todo))
	s.mu.Unlock()

	for _, d := range todo {
		input, err := buildInput(d, raw, doc, s.opts.Clock.Now())
		if err != nil {
			s.opts.Logger.Error("build target input", "rule", d.rule, "target", d.target.ID, "err", err)
			s.inflight.Done()
			continue
		}
		go func() {
			defer s.inflight.Done()
			s.deliver(d, env.ID, input)
		}()
	}
	return env.ID, nil
}

// buildInput is what the target receives: the event, its constant Input,
// the part of it InputPath selects, or the InputTransformer's template.
func buildInput(d delivery, raw []byte, doc any, now time.Time) (string, error) {
	t := d.target
	switch {
	case t.Input != "":
		return t.Input, nil
	case t.InputPath != "":
		v, err := selectPath(t.InputPath, doc)
		if err != nil {
			return "", err
		}
		out, err := json.Marshal(v)
		return string(out), err
	case t.InputTransformer != nil:
		return transform(t.InputTransformer, d.rule, raw, doc, now)
	}
	return string(raw), nil
}

func parsePath(path string) (jp.Expr, error) { return jp.ParseString(path) }

func selectPath(path string, doc any) (any, error) {
	x, err := parsePath(path)
	if err != nil {
		return nil, err
	}
	return x.First(doc), nil
}

// transform fills an InputTemplate: <name> becomes the value InputPathsMap
// selects (a string as it is, anything else as JSON; null when the path
// selects nothing), and the predefined <aws.events.*> variables are
// available. See substitute for how the template is read.
func transform(tr *InputTransformer, rule string, raw []byte, doc any, now time.Time) (string, error) {
	values := map[string]string{
		"aws.events.rule-arn":             ruleARN(rule),
		"aws.events.rule-name":            rule,
		"aws.events.event.json":           string(raw),
		"aws.events.event.ingestion-time": timestamp(now),
	}
	// In name order, so that of several bad paths the same one is reported.
	for _, name := range slices.Sorted(maps.Keys(tr.InputPathsMap)) {
		v, err := selectPath(tr.InputPathsMap[name], doc)
		if err != nil {
			return "", fmt.Errorf("InputPathsMap %s: %w", name, err)
		}
		if s, ok := v.(string); ok {
			values[name] = s
			continue
		}
		b, err := json.Marshal(v)
		if err != nil {
			return "", err
		}
		values[name] = string(b)
	}
	return substitute(tr.InputTemplate, values), nil
}

// substitute replaces the placeholders of template in one pass from left to
// right, as EventBridge does: each <name> that values defines becomes its
// value, which is copied as it is and never read again for placeholders (a
// value that contains "<other>" keeps that text). A "<" that does not open a
// defined placeholder is kept, and the text after it is read on, so that
// "<<a>" is "<" followed by a's value; the characters "<" and ">" cannot be
// escaped.
func substitute(template string, values map[string]string) string {
	var b strings.Builder
	for {
		open := strings.IndexByte(template, '<')
		if open < 0 {
			break
		}
		end := strings.IndexByte(template[open+1:], '>')
		if end < 0 {
			break
		}
		end += open + 1
		if v, ok := values[template[open+1:end]]; ok {
			b.WriteString(template[:open])
			b.WriteString(v)
			template = template[end+1:]
			continue
		}
		b.WriteString(template[:open+1])
		template = template[open+1:]
	}
	b.WriteString(template)
	return b.String()
}

// deliverAttempts bounds the retries of a target that is throttled or
// failing; EventBridge retries too, for longer.
const deliverAttempts = 3

func (s *Service) deliver(d delivery, eventID, input string) {
	service := arnService(d.target.Arn)
	for attempt := 1; ; attempt++ {
		err := s.send(service, d.target.Arn, eventID, input)
		if err == nil {
			return
		}
		if attempt == deliverAttempts || !retryable(err) {
			s.opts.Logger.Error("deliver event", "rule", d.rule, "target", d.target.ID, "arn", d.target.Arn, "event", eventID, "err", err)
			return
		}
		select {
		case <-s.opts.Clock.After(time.Duration(attempt) * 200 * time.Millisecond):
		case <-s.ctx.Done():
			return
		}
	}
}

func (s *Service) send(service, arn, eventID, input string) error {
	switch service {
	case "states":
		if s.opts.Executions == nil {
			return errors.New("no Step Functions service to start the execution")
		}
		_, err := s.opts.Executions.StartExecution(s.ctx, arn, "", input)
		return err
	case "lambda":
		if s.opts.Invoker == nil {
			return errors.New("no Lambda service to invoke the function")
		}
		res, err := s.opts.Invoker.Invoke(s.ctx, arn, "", []byte(input))
		if err != nil {
			return err
		}
		if res.FunctionError != "" {
			return fmt.Errorf("function error %s: %s", res.FunctionError, res.Payload)
		}
		return nil
	}
	return fmt.Errorf("targets of service %q are not supported by the local EventBridge", service)
}

// retryable reports whether a delivery failure may pass: throttling and
// service errors, not a missing target or a function's own error.
func retryable(err error) bool {
	var api bus.APIError
	if errors.As(err, &api) {
		return api.HTTPStatus() == http.StatusTooManyRequests || api.HTTPStatus() >= 500
	}
	return false
}

// arnService returns the service of an ARN (arn:aws:<service>:...).
func arnService(arn string) string {
	parts := strings.SplitN(arn, ":", 4)
	if len(parts) < 4 {
		return ""
	}
	return parts[2]
}
