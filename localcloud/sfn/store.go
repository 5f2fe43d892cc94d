package sfn

import (
	"encoding/json"
	"fmt"
	"path/filepath"

	"github.com/greenlight/greenlight/localcloud/asl"
	"github.com/greenlight/greenlight/localcloud/internal/statefile"
)

// stateFile is the file under Options.Dir that holds the service's state.
const stateFile = "stepfunctions.json"

type persisted struct {
	StateMachines []*stateMachine `json:"stateMachines"`
	Executions    []*execution    `json:"executions"`
}

// save writes every state machine and execution (running ones with their
// history so far) to Dir, atomically.
func (s *Service) save() error {
	if s.opts.Dir == "" {
		return nil
	}
	s.saveMu.Lock()
	defer s.saveMu.Unlock()
	var p persisted
	s.mu.Lock()
	for _, sm := range s.machines {
		p.StateMachines = append(p.StateMachines, sm)
	}
	for _, x := range s.executions {
		c := x.snapshot()
		p.Executions = append(p.Executions, &c)
	}
	data, err := json.Marshal(p)
	s.mu.Unlock()
	if err != nil {
		return err
	}
	return statefile.Write(filepath.Join(s.opts.Dir, stateFile), data, 0o644)
}

// load reads the state kept in Dir. Executions that were running when it
// was saved are ended as ABORTED, with an ExecutionAborted event.
func (s *Service) load() error {
	if s.opts.Dir == "" {
		return nil
	}
	var p persisted
	if _, err := statefile.ReadJSON(filepath.Join(s.opts.Dir, stateFile), &p); err != nil {
		return fmt.Errorf("sfn: %w", err)
	}
	for _, sm := range p.StateMachines {
		m, err := asl.Parse([]byte(sm.Definition))
		if err != nil {
			return fmt.Errorf("sfn: state machine %s: %w", sm.Name, err)
		}
		sm.machine = m
		s.machines[sm.ARN] = sm
	}
	now := s.clock.Now()
	for _, x := range p.Executions {
		if x.Status == asl.StatusRunning {
			const cause = "The local cloud stopped while the execution was running"
			var prev int64
			if n := len(x.History); n > 0 {
				prev = x.History[n-1].ID
			}
			x.History = append(x.History, asl.Event{
				Timestamp: asl.EpochTime(now), Type: asl.ExecutionAborted, ID: prev + 1, PreviousEventID: prev,
				ExecutionAborted: &asl.FailureDetails{Error: "States.Aborted", Cause: cause},
			})
			x.Status, x.Error, x.Cause, x.Stopped = asl.StatusAborted, "States.Aborted", cause, now
		}
		s.executions[x.ARN] = x
	}
	return nil
}
