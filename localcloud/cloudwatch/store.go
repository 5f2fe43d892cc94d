package cloudwatch

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/greenlight/greenlight/localcloud/internal/statefile"
)

// store keeps the service's state under a directory: alarms.json and
// dashboards.json are rewritten whole on each change; metric data is
// appended to metrics.jsonl as it arrives and compacted on Close.
type store struct {
	dir     string
	metrics *os.File
}

// metricRecord is one line of metrics.jsonl.
type metricRecord struct {
	Metric Metric `json:"m"`
	Sample sample `json:"s"`
}

func openStore(dir string) (*store, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("cloudwatch state dir: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(dir, "metrics.jsonl"), os.O_CREATE|os.O_RDWR|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("cloudwatch metric data: %w", err)
	}
	return &store{dir: dir, metrics: f}, nil
}

func (st *store) close() error { return st.metrics.Close() }

// appendMetrics records samples as they are stored.
func (st *store) appendMetrics(recs []metricRecord) error {
	var buf []byte
	for _, r := range recs {
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		buf = append(append(buf, b...), '\n')
	}
	if _, err := st.metrics.Write(buf); err != nil {
		return fmt.Errorf("cloudwatch metric data: %w", err)
	}
	return nil
}

// compact rewrites metrics.jsonl with the samples kept in memory that are
// newer than cutoff.
func (st *store) compact(metrics map[string]*metricSeries, cutoff time.Time) error {
	var recs []metricRecord
	for _, ser := range metrics {
		for _, smp := range ser.Samples {
			if !smp.Time.Before(cutoff) {
				recs = append(recs, metricRecord{Metric: ser.Metric, Sample: smp})
			}
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for _, r := range recs {
		if err := enc.Encode(r); err != nil {
			return err
		}
	}
	if err := statefile.Write(filepath.Join(st.dir, "metrics.jsonl"), buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("cloudwatch compact metric data: %w", err)
	}
	return nil
}

// writeJSON replaces name with v, atomically.
func (st *store) writeJSON(name string, v any) error {
	if err := statefile.WriteJSON(filepath.Join(st.dir, name), v, 0o644); err != nil {
		return fmt.Errorf("cloudwatch save %s: %w", name, err)
	}
	return nil
}

// readJSON loads name into v; a missing file leaves v alone.
func (st *store) readJSON(name string, v any) error {
	if _, err := statefile.ReadJSON(filepath.Join(st.dir, name), v); err != nil {
		return fmt.Errorf("cloudwatch load %s: %w", name, err)
	}
	return nil
}

// load restores alarms, dashboards and metric data from the store.
func (s *Service) load() error {
	if err := s.store.readJSON("alarms.json", &s.alarms); err != nil {
		return err
	}
	if err := s.store.readJSON("dashboards.json", &s.dashboards); err != nil {
		return err
	}
	if _, err := s.store.metrics.Seek(0, 0); err != nil {
		return err
	}
	now := s.clock.Now()
	sc := bufio.NewScanner(s.store.metrics)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	for line := 1; sc.Scan(); line++ {
		var r metricRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			// A line that does not parse (torn by a crash) is logged and skipped.
			s.log.Warn("metrics.jsonl: line skipped", "line", line, "err", err)
			continue
		}
		s.addSample(r.Metric, r.Sample, now)
	}
	return sc.Err()
}

// saveAlarms persists the alarms. s.mu must be held.
func (s *Service) saveAlarms() error {
	if s.store == nil {
		return nil
	}
	return s.store.writeJSON("alarms.json", s.alarms)
}

// saveDashboards persists the dashboards. s.mu must be held.
func (s *Service) saveDashboards() error {
	if s.store == nil {
		return nil
	}
	return s.store.writeJSON("dashboards.json", s.dashboards)
}
