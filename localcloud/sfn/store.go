package sfn

import (
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
	s.mu.Unlock()
	return s.write(filepath.Join(s.opts.Dir, stateFile), p)
}

// load reads the state kept in Dir. Executions that were running are kept
// as running, from their latest checkpoint, for Resume.
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
	for _, x := range p.Executions {
		s.executions[x.ARN] = x
	}
	return s.loadRunning()
}
