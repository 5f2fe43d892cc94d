package cloudwatch

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/greenlight/greenlight/localcloud/bus"
)

// evaluateLoop evaluates every alarm at each of its period boundaries of
// clock time until the service closes. New data triggers evaluations too,
// from putMetricData, so a breach does not wait for the boundary.
func (s *Service) evaluateLoop() {
	defer close(s.loopDone)
	for {
		now := s.clock.Now()
		s.mu.Lock()
		next := s.evaluateDue(now)
		s.mu.Unlock()
		wait := time.Minute
		if !next.IsZero() {
			wait = next.Sub(now)
		}
		select {
		case <-s.clock.After(wait):
		case <-s.wake:
		case <-s.done:
			return
		}
	}
}

// poke makes the evaluation loop recompute its schedule.
func (s *Service) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// evaluateDue evaluates the alarms whose period boundary has come and
// returns the earliest next boundary (zero when there are no alarms).
// s.mu must be held.
func (s *Service) evaluateDue(now time.Time) time.Time {
	var earliest time.Time
	for _, a := range s.alarms {
		period := ruleOf(a.Config).Period
		if a.nextEval.IsZero() {
			a.nextEval = now.Truncate(period).Add(period)
		}
		if !now.Before(a.nextEval) {
			s.evaluate(a, now)
			a.nextEval = now.Truncate(period).Add(period)
		}
		if earliest.IsZero() || a.nextEval.Before(earliest) {
			earliest = a.nextEval
		}
	}
	return earliest
}

// evaluateFor evaluates, at once, the alarms that watch any of the given
// metrics (namespace and name), unless SetAlarmState holds them.
// s.mu must be held.
func (s *Service) evaluateFor(touched map[[2]string]bool, now time.Time) {
	for _, a := range s.alarms {
		if now.Before(a.hold) {
			continue
		}
		for _, m := range alarmMetrics(a.Config) {
			if touched[[2]string{m.Namespace, m.MetricName}] {
				s.evaluate(a, now)
				break
			}
		}
	}
}

// alarmMetrics lists the metrics an alarm reads.
func alarmMetrics(c PutMetricAlarmInput) []Metric {
	if len(c.Metrics) == 0 {
		return []Metric{{Namespace: deref(c.Namespace), MetricName: deref(c.MetricName), Dimensions: c.Dimensions}}
	}
	var out []Metric
	for _, q := range c.Metrics {
		if q.MetricStat != nil && q.MetricStat.Metric != nil {
			out = append(out, *q.MetricStat.Metric)
		}
	}
	return out
}

// ruleOf derives the evaluation rule from a validated alarm configuration.
func ruleOf(c PutMetricAlarmInput) Rule {
	r := Rule{
		EvaluationPeriods: int(deref(c.EvaluationPeriods)),
		DatapointsToAlarm: int(deref(c.DatapointsToAlarm)),
		Threshold:         deref(c.Threshold),
		Comparison:        c.ComparisonOperator,
		TreatMissingData:  deref(c.TreatMissingData),
		Statistic:         c.Statistic,
		Period:            time.Duration(deref(c.Period)) * time.Second,
	}
	if r.DatapointsToAlarm == 0 {
		r.DatapointsToAlarm = r.EvaluationPeriods
	}
	if r.TreatMissingData == "" {
		r.TreatMissingData = MissingMissing
	}
	if c.ExtendedStatistic != nil {
		r.Statistic = *c.ExtendedStatistic
	}
	if len(c.Metrics) > 0 {
		r.Statistic = ""
		for _, q := range c.Metrics {
			if p := queryPeriod(q); p > r.Period {
				r.Period = p
			}
		}
	}
	return r
}

// alarmPoints computes the per-period values an alarm evaluates at now.
// s.mu must be held.
func (s *Service) alarmPoints(c PutMetricAlarmInput, r Rule, now time.Time) ([]Point, error) {
	end := now.Truncate(r.Period).Add(r.Period)
	start := end.Add(-time.Duration(r.EvaluationPeriods+1) * r.Period)
	if len(c.Metrics) > 0 {
		results, err := s.runQueries(c.Metrics, start, end)
		if err != nil {
			return nil, err
		}
		for _, res := range results {
			if res.returned {
				points := make([]Point, 0, len(res.points))
				for t, v := range res.points {
					points = append(points, Point{Start: time.Unix(0, t), Value: v})
				}
				return points, nil
			}
		}
		return nil, fmt.Errorf("alarm %s has no query with ReturnData", c.AlarmName)
	}
	m := alarmMetrics(c)[0]
	var points []Point
	for _, b := range aggregate(s.samplesIn(m, start, end), start, end, r.Period, c.Unit) {
		if v, ok := b.value(r.Statistic); ok {
			points = append(points, Point{Start: b.Start, Value: v, SampleCount: b.Count})
		}
	}
	return points, nil
}

// evaluate runs one evaluation of an alarm. s.mu must be held.
func (s *Service) evaluate(a *alarm, now time.Time) {
	r := ruleOf(a.Config)
	points, err := s.alarmPoints(a.Config, r, now)
	if err != nil {
		s.log.Error("evaluate alarm", "alarm", a.Config.AlarmName, "err", err)
		return
	}
	out := Evaluate(r, points, now)
	if out.Keep || out.State == a.State {
		return
	}
	s.transition(a, out.State, out.Reason, out.ReasonData, now)
	if err := s.saveAlarms(); err != nil {
		s.log.Error("save alarms", "err", err)
	}
}

// transition moves an alarm to a new state and sends the state-change
// event. s.mu must be held.
func (s *Service) transition(a *alarm, state, reason, data string, now time.Time) {
	prev := eventState{Value: a.State, Reason: a.Reason, ReasonData: a.ReasonData, Timestamp: eventTime(a.StateUpdated)}
	a.State, a.Reason, a.ReasonData = state, reason, data
	a.StateUpdated, a.StateTransitioned = now, now
	detail := alarmEventDetail{
		AlarmName:     a.Config.AlarmName,
		State:         eventState{Value: state, Reason: reason, ReasonData: data, Timestamp: eventTime(now)},
		PreviousState: prev,
		Configuration: eventConfiguration{Description: deref(a.Config.AlarmDescription), Metrics: eventMetrics(a.Config)},
	}
	body, err := json.Marshal(detail)
	if err != nil {
		s.log.Error("encode alarm event", "alarm", a.Config.AlarmName, "err", err)
		return
	}
	s.events.emit(bus.Event{
		Source:     "aws.cloudwatch",
		DetailType: "CloudWatch Alarm State Change",
		Detail:     body,
		Resources:  []string{alarmARN(a.Config.AlarmName)},
		Time:       now,
	})
}

// alarmEventDetail is the detail of a "CloudWatch Alarm State Change" event.
type alarmEventDetail struct {
	AlarmName     string             `json:"alarmName"`
	State         eventState         `json:"state"`
	PreviousState eventState         `json:"previousState"`
	Configuration eventConfiguration `json:"configuration"`
}

type eventState struct {
	Value      string `json:"value"`
	Reason     string `json:"reason"`
	ReasonData string `json:"reasonData,omitempty"`
	Timestamp  string `json:"timestamp"`
}

type eventConfiguration struct {
	Description string        `json:"description,omitempty"`
	Metrics     []eventMetric `json:"metrics"`
}

type eventMetric struct {
	ID         string           `json:"id"`
	MetricStat *eventMetricStat `json:"metricStat,omitempty"`
	Expression string           `json:"expression,omitempty"`
	Label      string           `json:"label,omitempty"`
	ReturnData bool             `json:"returnData"`
}

type eventMetricStat struct {
	Metric struct {
		Namespace  string            `json:"namespace"`
		Name       string            `json:"name"`
		Dimensions map[string]string `json:"dimensions"`
	} `json:"metric"`
	Period int    `json:"period"`
	Stat   string `json:"stat"`
}

func newEventMetricStat(m Metric, period int32, stat string) *eventMetricStat {
	ms := &eventMetricStat{Period: int(period), Stat: stat}
	ms.Metric.Namespace, ms.Metric.Name = m.Namespace, m.MetricName
	ms.Metric.Dimensions = map[string]string{}
	for _, d := range m.Dimensions {
		ms.Metric.Dimensions[d.Name] = d.Value
	}
	return ms
}

// eventMetrics describes the alarm's metrics as the event's configuration does.
func eventMetrics(c PutMetricAlarmInput) []eventMetric {
	if len(c.Metrics) == 0 {
		stat := c.Statistic
		if c.ExtendedStatistic != nil {
			stat = *c.ExtendedStatistic
		}
		sum := sha256.Sum256([]byte(alarmARN(c.AlarmName)))
		id := fmt.Sprintf("%x-%x-%x-%x-%x", sum[0:4], sum[4:6], sum[6:8], sum[8:10], sum[10:16])
		return []eventMetric{{ID: id, ReturnData: true, MetricStat: newEventMetricStat(alarmMetrics(c)[0], deref(c.Period), stat)}}
	}
	out := make([]eventMetric, len(c.Metrics))
	for i, q := range c.Metrics {
		out[i] = eventMetric{ID: q.Id, Expression: deref(q.Expression), Label: deref(q.Label), ReturnData: q.ReturnData == nil || *q.ReturnData}
		if ms := q.MetricStat; ms != nil && ms.Metric != nil {
			out[i].MetricStat = newEventMetricStat(*ms.Metric, deref(ms.Period), ms.Stat)
		}
	}
	return out
}

// emitter delivers events to the bus in order, off the request path, so a
// slow consumer never holds the service's lock.
type emitter struct {
	sink    bus.Events
	log     *slog.Logger
	mu      sync.Mutex
	queue   []bus.Event
	signal  chan struct{}
	done    chan struct{}
	stopped chan struct{}
}

func newEmitter(sink bus.Events, log *slog.Logger) *emitter {
	e := &emitter{sink: sink, log: log, signal: make(chan struct{}, 1), done: make(chan struct{}), stopped: make(chan struct{})}
	go e.run()
	return e
}

func (e *emitter) emit(ev bus.Event) {
	if e.sink == nil {
		return
	}
	e.mu.Lock()
	e.queue = append(e.queue, ev)
	e.mu.Unlock()
	select {
	case e.signal <- struct{}{}:
	default:
	}
}

func (e *emitter) run() {
	defer close(e.stopped)
	for {
		select {
		case <-e.signal:
		case <-e.done:
			e.drain()
			return
		}
		e.drain()
	}
}

func (e *emitter) drain() {
	for {
		e.mu.Lock()
		batch := e.queue
		e.queue = nil
		e.mu.Unlock()
		if len(batch) == 0 {
			return
		}
		for _, ev := range batch {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			if err := e.sink.PutEvent(ctx, ev); err != nil {
				e.log.Error("put alarm event", "resources", ev.Resources, "err", err)
			}
			cancel()
		}
	}
}

// close delivers what is queued and stops.
func (e *emitter) close() {
	close(e.done)
	<-e.stopped
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
