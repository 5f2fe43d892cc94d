// Package cloudwatch is the local cloud's Amazon CloudWatch: it stores
// metric data, answers metric queries (statistics, percentiles and simple
// metric math), keeps dashboards, and evaluates metric alarms on the data it
// holds, on the local cloud's clock, sending an "aws.cloudwatch" "CloudWatch
// Alarm State Change" event for every state change.
//
// The Service is an http.Handler that speaks the protocols CloudWatch
// clients use: Smithy RPCv2 CBOR (the current AWS SDK for Go and botocore),
// the query protocol (AWS CLI v2.9 and other older clients) and awsJson1.0.
// It also implements bus.Metrics, through which the local Lambda records
// its metrics.
package cloudwatch

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/greenlight/greenlight/localcloud/bus"
	"github.com/greenlight/greenlight/localcloud/clock"
	"github.com/greenlight/greenlight/localcloud/fault"
)

// signingName is CloudWatch's SigV4 service name, used for fault rules.
const signingName = "monitoring"

// retention is how long metric data is kept, in clock time.
const retention = 15 * 24 * time.Hour

// Options configures a Service.
type Options struct {
	Dir    string          // the service's own folder for alarms, dashboards and metric data; "" keeps them in memory
	Clock  clock.Clock     // nil means the wall clock
	Faults *fault.Injector // nil injects nothing
	Events bus.Events      // receives alarm state-change events; nil drops them
	Logger *slog.Logger    // reports what fails off the request path; nil discards
}

// Service is the local CloudWatch.
type Service struct {
	clock  clock.Clock
	faults *fault.Injector
	log    *slog.Logger
	store  *store
	events *emitter

	mu         sync.Mutex
	metrics    map[string]*metricSeries
	alarms     map[string]*alarm
	dashboards map[string]*dashboard

	wake      chan struct{}
	done      chan struct{}
	loopDone  chan struct{}
	closeOnce sync.Once
}

var _ bus.Metrics = (*Service)(nil)

// metricSeries is the stored data of one metric, samples sorted by time.
type metricSeries struct {
	Metric  Metric
	Samples []sample
}

// alarm is a metric alarm with its state.
type alarm struct {
	Config            PutMetricAlarmInput `json:"config"`
	ActionsEnabled    bool                `json:"actionsEnabled"`
	State             string              `json:"state"`
	Reason            string              `json:"reason"`
	ReasonData        string              `json:"reasonData,omitempty"`
	StateUpdated      time.Time           `json:"stateUpdated"`
	StateTransitioned time.Time           `json:"stateTransitioned"`
	ConfigUpdated     time.Time           `json:"configUpdated"`

	nextEval time.Time // the next period boundary evaluation
	hold     time.Time // SetAlarmState: no evaluation on new data before this
}

// dashboard is a stored dashboard.
type dashboard struct {
	Name     string    `json:"name"`
	Body     string    `json:"body"`
	Modified time.Time `json:"modified"`
}

// New builds the service, loading any state kept under opts.Dir, and starts
// evaluating alarms. Close stops it.
func New(opts Options) (*Service, error) {
	s := &Service{
		clock:      opts.Clock,
		faults:     opts.Faults,
		log:        opts.Logger,
		metrics:    map[string]*metricSeries{},
		alarms:     map[string]*alarm{},
		dashboards: map[string]*dashboard{},
		wake:       make(chan struct{}, 1),
		done:       make(chan struct{}),
		loopDone:   make(chan struct{}),
	}
	if s.clock == nil {
		s.clock = clock.Real{}
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if opts.Dir != "" {
		st, err := openStore(opts.Dir)
		if err != nil {
			return nil, err
		}
		s.store = st
		if err := s.load(); err != nil {
			st.close()
			return nil, err
		}
	}
	s.events = newEmitter(opts.Events, s.log)
	go s.evaluateLoop()
	return s, nil
}

// Close stops alarm evaluation, delivers the pending events and, when the
// service persists, compacts the metric data on disk.
func (s *Service) Close() error {
	var err error
	s.closeOnce.Do(func() {
		close(s.done)
		<-s.loopDone
		s.events.close()
		if s.store != nil {
			s.mu.Lock()
			err = s.store.compact(s.metrics, s.clock.Now().Add(-retention))
			s.mu.Unlock()
			if cerr := s.store.close(); err == nil {
				err = cerr
			}
		}
	})
	return err
}

// PutMetric records data points; it implements bus.Metrics.
func (s *Service) PutMetric(ctx context.Context, data ...bus.Datum) error {
	byNamespace := map[string][]MetricDatum{}
	var order []string
	for _, d := range data {
		dims := make([]Dimension, len(d.Dimensions))
		for i, dim := range d.Dimensions {
			dims[i] = Dimension{Name: dim.Name, Value: dim.Value}
		}
		v, at := d.Value, d.Time
		md := MetricDatum{MetricName: d.MetricName, Dimensions: dims, Value: &v, Unit: d.Unit}
		if !at.IsZero() {
			md.Timestamp = &at
		}
		if _, ok := byNamespace[d.Namespace]; !ok {
			order = append(order, d.Namespace)
		}
		byNamespace[d.Namespace] = append(byNamespace[d.Namespace], md)
	}
	for _, ns := range order {
		if _, err := s.putMetricData(ctx, &PutMetricDataInput{Namespace: ns, MetricData: byNamespace[ns]}); err != nil {
			return err
		}
	}
	return nil
}

// metricKey identifies a metric: namespace, name and the dimensions sorted
// by name, so that dimension order does not matter.
func metricKey(namespace, name string, dims []Dimension) string {
	sorted := append([]Dimension(nil), dims...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	var b strings.Builder
	b.WriteString(namespace + "\x00" + name)
	for _, d := range sorted {
		b.WriteString("\x00" + d.Name + "\x01" + d.Value)
	}
	return b.String()
}

// addSample inserts a sample keeping the series sorted, and drops the
// samples that have aged out of retention. s.mu must be held.
func (s *Service) addSample(m Metric, smp sample, now time.Time) {
	key := metricKey(m.Namespace, m.MetricName, m.Dimensions)
	ser := s.metrics[key]
	if ser == nil {
		ser = &metricSeries{Metric: m}
		s.metrics[key] = ser
	}
	i := sort.Search(len(ser.Samples), func(i int) bool { return ser.Samples[i].Time.After(smp.Time) })
	ser.Samples = append(ser.Samples, sample{})
	copy(ser.Samples[i+1:], ser.Samples[i:])
	ser.Samples[i] = smp
	cut := sort.Search(len(ser.Samples), func(i int) bool { return !ser.Samples[i].Time.Before(now.Add(-retention)) })
	if cut > 0 {
		ser.Samples = append([]sample(nil), ser.Samples[cut:]...)
	}
}

// samplesIn returns the samples of a metric within [start, end). s.mu must be held.
func (s *Service) samplesIn(m Metric, start, end time.Time) []sample {
	ser := s.metrics[metricKey(m.Namespace, m.MetricName, m.Dimensions)]
	if ser == nil {
		return nil
	}
	lo := sort.Search(len(ser.Samples), func(i int) bool { return !ser.Samples[i].Time.Before(start) })
	hi := sort.Search(len(ser.Samples), func(i int) bool { return !ser.Samples[i].Time.Before(end) })
	return ser.Samples[lo:hi]
}

// alarmARN is the ARN of the named alarm.
func alarmARN(name string) string {
	return fmt.Sprintf("arn:aws:cloudwatch:%s:%s:alarm:%s", bus.Region, bus.Account, name)
}

// dashboardARN is the ARN of the named dashboard.
func dashboardARN(name string) string {
	return fmt.Sprintf("arn:aws:cloudwatch::%s:dashboard/%s", bus.Account, name)
}
