package sfn

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/greenlight/greenlight/localcloud/asl"
	"github.com/greenlight/greenlight/localcloud/bus"
	"github.com/greenlight/greenlight/localcloud/internal/statefile"
)

// runningDir is the folder under Options.Dir that keeps one file per
// running execution: its latest checkpoint and the history up to it,
// replaced at every state transition.
const runningDir = "running"

// Status-change events, as Step Functions puts them on the default bus.
const (
	eventSource     = "aws.states"
	eventDetailType = "Step Functions Execution Status Change"
)

// runningPath is the file that keeps the running execution arn.
func (s *Service) runningPath(arn string) string {
	sum := sha256.Sum256([]byte(arn))
	return filepath.Join(s.opts.Dir, runningDir, hex.EncodeToString(sum[:12])+".json")
}

// onCheckpoint keeps an execution's checkpoint on disk: the engine calls
// it at every state transition of the execution.
func (s *Service) onCheckpoint(run *asl.Execution, cp asl.Checkpoint, history []asl.Event) {
	if s.opts.Dir == "" {
		return
	}
	s.mu.Lock()
	x := s.executions[run.ARN()]
	if x == nil || x.run != run {
		s.mu.Unlock()
		return
	}
	rec := execution{ARN: x.ARN, Name: x.Name, StateMachineARN: x.StateMachineARN, Input: x.Input,
		Status: asl.StatusRunning, Started: x.Started, History: history, Definition: x.Definition, Checkpoint: &cp}
	s.mu.Unlock()
	if err := s.write(s.runningPath(rec.ARN), rec); err != nil {
		s.opts.Logger.Error("save checkpoint", "execution", rec.ARN, "err", err)
	}
}

// write replaces a state file with v, unless the service was killed.
func (s *Service) write(path string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", path, err)
	}
	s.diskMu.RLock()
	defer s.diskMu.RUnlock()
	if s.killed {
		return nil
	}
	return statefile.Write(path, data, 0o644)
}

// forget removes the running file of an execution that has ended.
func (s *Service) forget(arn string) {
	if s.opts.Dir == "" {
		return
	}
	s.diskMu.RLock()
	defer s.diskMu.RUnlock()
	if s.killed {
		return
	}
	if err := os.Remove(s.runningPath(arn)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		s.opts.Logger.Error("remove checkpoint", "execution", arn, "err", err)
	}
}

// loadRunning reads the running files. They are newer than what
// stepfunctions.json says of a running execution; an execution that
// stepfunctions.json records as ended ended after its last checkpoint.
func (s *Service) loadRunning() error {
	dir := filepath.Join(s.opts.Dir, runningDir)
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("sfn: %w", err)
	}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		path := filepath.Join(dir, e.Name())
		var x execution
		if _, err := statefile.ReadJSON(path, &x); err != nil {
			return fmt.Errorf("sfn: %w", err)
		}
		if old := s.executions[x.ARN]; old != nil && old.Status != asl.StatusRunning {
			_ = os.Remove(path)
			continue
		}
		s.executions[x.ARN] = &x
	}
	return nil
}

// Resume sets running again the executions that were running when the
// state in Options.Dir was last saved, whether the process stopped with
// Close or died: each continues from its last checkpoint (see
// asl.Checkpoint). Call it once, after New, when the services its tasks
// call are ready. An execution that cannot be resumed ends FAILED.
func (s *Service) Resume() error {
	s.mu.Lock()
	var resumed, failed []execution
	for _, x := range s.executions {
		if x.Status != asl.StatusRunning || x.run != nil {
			continue
		}
		if err := s.resume(x); err != nil {
			s.opts.Logger.Error("resume execution", "execution", x.ARN, "err", err)
			x.fail("States.Runtime", "The execution could not be resumed after a restart: "+err.Error(), s.clock.Now())
			failed = append(failed, *x)
			continue
		}
		resumed = append(resumed, *x)
	}
	s.mu.Unlock()
	for _, x := range resumed {
		s.opts.Logger.Info("execution resumed", "execution", x.ARN, "state", x.checkpointState())
	}
	for _, x := range failed {
		s.forget(x.ARN)
		s.statusChanged(x)
	}
	if len(failed) > 0 {
		return s.save()
	}
	return nil
}

// resume starts the engine on a kept execution. Callers hold mu.
func (s *Service) resume(x *execution) error {
	def := x.Definition
	sm := s.machines[x.StateMachineARN]
	if def == "" && sm != nil {
		def = sm.Definition
	}
	if def == "" {
		return fmt.Errorf("the definition of %s is gone", x.StateMachineARN)
	}
	m, err := asl.Parse([]byte(def))
	if err != nil {
		return err
	}
	var cp asl.Checkpoint
	history := x.History
	if x.Checkpoint != nil {
		cp = *x.Checkpoint
	} else if len(history) > 1 {
		// No checkpoint was kept: start over, after the start event.
		history = history[:1]
	}
	smName := x.StateMachineARN[strings.LastIndex(x.StateMachineARN, ":")+1:]
	roleARN := ""
	if sm != nil {
		roleARN = sm.RoleARN
	}
	run, err := s.engine.Resume(m, asl.StartInput{ExecutionARN: x.ARN, Name: x.Name, StateMachineARN: x.StateMachineARN,
		StateMachineName: smName, RoleARN: roleARN, Input: x.Input}, asl.ResumeInput{StartTime: x.Started, History: history, Checkpoint: cp})
	if err != nil {
		return err
	}
	x.Definition, x.run = def, run
	s.recorders.Go(func() { s.record(x) })
	return nil
}

// fail ends a kept execution that cannot go on.
func (e *execution) fail(name, cause string, now time.Time) {
	var prev int64
	if n := len(e.History); n > 0 {
		prev = e.History[n-1].ID
	}
	e.History = append(e.History, asl.Event{
		Timestamp: asl.EpochTime(now), Type: asl.ExecutionFailed, ID: prev + 1, PreviousEventID: prev,
		ExecutionFailed: &asl.FailureDetails{Error: name, Cause: cause},
	})
	e.Status, e.Error, e.Cause, e.Stopped, e.Checkpoint = asl.StatusFailed, name, cause, now, nil
}

func (e *execution) checkpointState() string {
	if e.Checkpoint == nil {
		return ""
	}
	return e.Checkpoint.State
}

// statusChanged puts the "Step Functions Execution Status Change" event of
// an execution on the default bus, with the detail AWS sends: dates in
// epoch milliseconds, stopDate, output and error fields null while they
// have no value.
func (s *Service) statusChanged(x execution) {
	if s.opts.Events == nil {
		return
	}
	type details struct {
		Included bool `json:"included"`
	}
	detail := map[string]any{
		"executionArn": x.ARN, "stateMachineArn": x.StateMachineARN, "name": x.Name, "status": x.Status,
		"startDate": x.Started.UnixMilli(), "stopDate": nil, "input": x.Input, "output": nil,
		"inputDetails": details{Included: true}, "outputDetails": nil, "error": nil, "cause": nil,
	}
	if x.Status != asl.StatusRunning {
		detail["stopDate"] = x.Stopped.UnixMilli()
	}
	if x.Status == asl.StatusSucceeded {
		detail["output"], detail["outputDetails"] = x.Output, details{Included: true}
	}
	if x.Error != "" {
		detail["error"] = x.Error
	}
	if x.Cause != "" {
		detail["cause"] = x.Cause
	}
	data, err := json.Marshal(detail)
	if err != nil {
		s.opts.Logger.Error("encode status change", "execution", x.ARN, "err", err)
		return
	}
	at := x.Started
	if x.Status != asl.StatusRunning {
		at = x.Stopped
	}
	ev := bus.Event{Source: eventSource, DetailType: eventDetailType, Detail: data, Resources: []string{x.ARN}, Time: at}
	if err := s.opts.Events.PutEvent(context.Background(), ev); err != nil {
		s.opts.Logger.Error("put status change event", "execution", x.ARN, "status", x.Status, "err", err)
	}
}

// Kill stops the service as a crash would: executions stop where they
// are and nothing more is written to Options.Dir, so that what a restart
// finds there is what the last checkpoints left. It is for tests of
// durability; Close is the orderly stop.
func (s *Service) Kill() {
	s.diskMu.Lock()
	s.killed = true
	s.diskMu.Unlock()
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.engine.Close()
	s.recorders.Wait()
}
