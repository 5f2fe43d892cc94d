package sfn

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/greenlight/greenlight/localcloud/asl"
	"github.com/greenlight/greenlight/localcloud/bus"
	"github.com/greenlight/greenlight/localcloud/internal/awserr"
	"github.com/greenlight/greenlight/localcloud/internal/uuid"
)

// stateMachine is a created state machine.
type stateMachine struct {
	ARN        string    `json:"arn"`
	Name       string    `json:"name"`
	Definition string    `json:"definition"`
	RoleARN    string    `json:"roleArn"`
	Type       string    `json:"type"`
	Created    time.Time `json:"created"`
	Updated    time.Time `json:"updated,omitempty"`
	RevisionID string    `json:"revisionId"`
	machine    *asl.Machine
}

// execution is one execution; run is nil once it has ended and been
// recorded, or when it was loaded from disk.
type execution struct {
	ARN             string      `json:"arn"`
	Name            string      `json:"name"`
	StateMachineARN string      `json:"stateMachineArn"`
	Input           string      `json:"input"`
	Status          asl.Status  `json:"status"`
	Output          string      `json:"output,omitempty"`
	Error           string      `json:"error,omitempty"`
	Cause           string      `json:"cause,omitempty"`
	Started         time.Time   `json:"started"`
	Stopped         time.Time   `json:"stopped,omitempty"`
	History         []asl.Event `json:"history"`
	// Definition is the state machine definition a running execution
	// runs, and Checkpoint where it stands, for a resume after a restart.
	Definition string          `json:"definition,omitempty"`
	Checkpoint *asl.Checkpoint `json:"checkpoint,omitempty"`
	run        *asl.Execution
	// announced is closed once the RUNNING event was put, so that the end
	// event comes after it; nil for executions that were not started here.
	announced chan struct{}
}

// snapshot returns the execution's current state (a copy).
func (e *execution) snapshot() execution {
	c := *e
	if e.run != nil {
		r := e.run.Result()
		c.Status, c.Output, c.Error, c.Cause, c.Stopped = r.Status, r.Output, r.Error, r.Cause, r.StopTime
		c.History = e.run.History()
	}
	return c
}

func machineARN(name string) string {
	return "arn:aws:states:" + bus.Region + ":" + bus.Account + ":stateMachine:" + name
}

func executionARN(machineName, name string) string {
	return "arn:aws:states:" + bus.Region + ":" + bus.Account + ":execution:" + machineName + ":" + name
}

// validName checks a state machine or execution name as AWS does.
func validName(name string) error {
	if name == "" || len([]rune(name)) > 80 {
		return clientError("InvalidName", "Invalid Name: '%s' (a name has 1 to 80 characters)", name)
	}
	for _, r := range name {
		if unicode.IsSpace(r) || unicode.IsControl(r) || strings.ContainsRune(`<>{}[]?*"#%\^|~`+"`"+`$&,;:/`, r) {
			return clientError("InvalidName", "Invalid Name: '%s'", name)
		}
	}
	return nil
}

func validARN(arn, kind string) error {
	if !strings.HasPrefix(arn, "arn:") || !strings.Contains(arn, ":"+kind+":") {
		return clientError("InvalidArn", "Invalid Arn: '%s'", arn)
	}
	return nil
}

func parseDefinition(def string) (*asl.Machine, error) {
	m, err := asl.Parse([]byte(def))
	if err != nil {
		return nil, clientError("InvalidDefinition", "%v", err)
	}
	return m, nil
}

func (s *Service) machine(arn string) (*stateMachine, error) {
	if err := validARN(arn, "stateMachine"); err != nil {
		return nil, err
	}
	sm := s.machines[arn]
	if sm == nil {
		return nil, clientError("StateMachineDoesNotExist", "State Machine Does Not Exist: '%s'", arn)
	}
	return sm, nil
}

func (s *Service) execution(arn string) (*execution, error) {
	if err := validARN(arn, "execution"); err != nil {
		return nil, err
	}
	x := s.executions[arn]
	if x == nil {
		return nil, clientError("ExecutionDoesNotExist", "Execution Does Not Exist: '%s'", arn)
	}
	return x, nil
}

func (s *Service) createStateMachine(_ context.Context, body []byte) (any, error) {
	var in struct {
		Name       string `json:"name"`
		Definition string `json:"definition"`
		RoleARN    string `json:"roleArn"`
		Type       string `json:"type"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := validName(in.Name); err != nil {
		return nil, err
	}
	switch in.Type {
	case "":
		in.Type = "STANDARD"
	case "STANDARD", "EXPRESS":
	default:
		return nil, clientError("ValidationException", "type must be STANDARD or EXPRESS")
	}
	if in.RoleARN == "" {
		return nil, clientError("ValidationException", "roleArn is required")
	}
	m, err := parseDefinition(in.Definition)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	arn := machineARN(in.Name)
	if old := s.machines[arn]; old != nil {
		s.mu.Unlock()
		// AWS matches a repeated create on name, definition and type only;
		// it ignores another roleArn and keeps the first.
		if old.Definition == in.Definition && old.Type == in.Type {
			return map[string]any{"stateMachineArn": arn, "creationDate": epochOf(old.Created)}, nil
		}
		return nil, clientError("StateMachineAlreadyExists", "State Machine Already Exists: '%s'", arn)
	}
	now := s.clock.Now()
	s.machines[arn] = &stateMachine{ARN: arn, Name: in.Name, Definition: in.Definition, RoleARN: in.RoleARN, Type: in.Type,
		Created: now, RevisionID: uuid.New(), machine: m}
	s.mu.Unlock()
	s.opts.Logger.Info("created state machine", "name", in.Name)
	return map[string]any{"stateMachineArn": arn, "creationDate": epochOf(now)}, s.save()
}

func (s *Service) updateStateMachine(_ context.Context, body []byte) (any, error) {
	var in struct {
		ARN        string  `json:"stateMachineArn"`
		Definition *string `json:"definition"`
		RoleARN    *string `json:"roleArn"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.Definition == nil && in.RoleARN == nil {
		return nil, clientError("MissingRequiredParameter", "Either the definition or the roleArn must be specified")
	}
	var m *asl.Machine
	if in.Definition != nil {
		var err error
		if m, err = parseDefinition(*in.Definition); err != nil {
			return nil, err
		}
	}
	s.mu.Lock()
	sm, err := s.machine(in.ARN)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	if m != nil {
		sm.Definition, sm.machine = *in.Definition, m
	}
	if in.RoleARN != nil {
		sm.RoleARN = *in.RoleARN
	}
	sm.Updated, sm.RevisionID = s.clock.Now(), uuid.New()
	out := map[string]any{"updateDate": epochOf(sm.Updated), "revisionId": sm.RevisionID}
	s.mu.Unlock()
	return out, s.save()
}

func (s *Service) describeStateMachine(_ context.Context, body []byte) (any, error) {
	var in struct {
		ARN string `json:"stateMachineArn"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sm, err := s.machine(in.ARN)
	if err != nil {
		return nil, err
	}
	return map[string]any{
		"stateMachineArn": sm.ARN, "name": sm.Name, "status": "ACTIVE", "definition": sm.Definition,
		"roleArn": sm.RoleARN, "type": sm.Type, "creationDate": epochOf(sm.Created), "revisionId": sm.RevisionID,
		"loggingConfiguration": map[string]any{"level": "OFF", "includeExecutionData": false},
	}, nil
}

func (s *Service) listStateMachines(_ context.Context, body []byte) (any, error) {
	var in struct {
		MaxResults int    `json:"maxResults"`
		NextToken  string `json:"nextToken"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	list := make([]*stateMachine, 0, len(s.machines))
	for _, sm := range s.machines {
		list = append(list, sm)
	}
	s.mu.Unlock()
	sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
	from, to, next, err := page(len(list), in.MaxResults, 100, in.NextToken)
	if err != nil {
		return nil, err
	}
	items := []map[string]any{}
	for _, sm := range list[from:to] {
		items = append(items, map[string]any{"stateMachineArn": sm.ARN, "name": sm.Name, "type": sm.Type, "creationDate": epochOf(sm.Created)})
	}
	return withToken(map[string]any{"stateMachines": items}, next), nil
}

func (s *Service) deleteStateMachine(_ context.Context, body []byte) (any, error) {
	var in struct {
		ARN string `json:"stateMachineArn"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := validARN(in.ARN, "stateMachine"); err != nil {
		return nil, err
	}
	s.mu.Lock()
	delete(s.machines, in.ARN) // deleting a missing machine succeeds, as on AWS
	var running []*asl.Execution
	for _, x := range s.executions {
		if x.StateMachineARN == in.ARN && x.run != nil {
			running = append(running, x.run)
		}
	}
	s.mu.Unlock()
	for _, r := range running {
		r.Stop("States.Aborted", "The state machine was deleted")
	}
	return map[string]any{}, s.save()
}

func (s *Service) startExecution(ctx context.Context, body []byte) (any, error) {
	var in struct {
		ARN   string  `json:"stateMachineArn"`
		Name  string  `json:"name"`
		Input *string `json:"input"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	input := "{}"
	if in.Input != nil {
		input = *in.Input
	}
	arn, started, err := s.begin(in.ARN, in.Name, input)
	if err != nil {
		return nil, err
	}
	return map[string]any{"executionArn": arn, "startDate": epochOf(started)}, s.save()
}

// StartExecution starts an execution for EventBridge targets; an empty name
// gets a generated one.
func (s *Service) StartExecution(_ context.Context, stateMachineARN, name, input string) (string, error) {
	if input == "" {
		input = "{}"
	}
	arn, _, err := s.begin(stateMachineARN, name, input)
	if err != nil {
		return "", err
	}
	return arn, s.save()
}

// begin starts an execution, as start does, and puts its RUNNING
// status-change event on the bus.
func (s *Service) begin(smARN, name, input string) (string, time.Time, error) {
	arn, started, x, err := s.start(smARN, name, input)
	if err == nil && x != nil {
		s.statusChanged(x.startRecord())
		close(x.announced)
	}
	return arn, started, err
}

// start begins an execution and returns its ARN and start time, and the
// execution when it is a new one.
func (s *Service) start(smARN, name, input string) (string, time.Time, *execution, error) {
	if name == "" {
		name = uuid.New()
	}
	if err := validName(name); err != nil {
		return "", time.Time{}, nil, err
	}
	if len(input) > asl.MaxPayloadSize {
		return "", time.Time{}, nil, clientError("InvalidExecutionInput", "The input is larger than %d bytes", asl.MaxPayloadSize)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return "", time.Time{}, nil, awserr.New("ServiceUnavailable", http.StatusServiceUnavailable, "the service is shutting down")
	}
	sm, err := s.machine(smARN)
	if err != nil {
		return "", time.Time{}, nil, err
	}
	arn := executionARN(sm.Name, name)
	if old := s.executions[arn]; old != nil {
		// A retried start of the same running execution succeeds.
		if old.run != nil && old.Input == input && old.snapshot().Status == asl.StatusRunning {
			return old.ARN, old.Started, nil, nil
		}
		return "", time.Time{}, nil, clientError("ExecutionAlreadyExists", "Execution Already Exists: '%s'", arn)
	}
	run, err := s.engine.Start(sm.machine, asl.StartInput{
		ExecutionARN: arn, Name: name, StateMachineARN: sm.ARN, StateMachineName: sm.Name, RoleARN: sm.RoleARN, Input: input,
	})
	var ie *asl.InputError
	if errors.As(err, &ie) {
		return "", time.Time{}, nil, clientError("InvalidExecutionInput", "%s", ie.Reason)
	}
	if err != nil {
		return "", time.Time{}, nil, err
	}
	x := &execution{ARN: arn, Name: name, StateMachineARN: sm.ARN, Input: input, Status: asl.StatusRunning, Started: run.Result().StartTime,
		Definition: sm.Definition, run: run, announced: make(chan struct{})}
	s.executions[arn] = x
	s.opts.Logger.Info("execution started", "execution", arn)
	s.recorders.Go(func() { s.record(x) })
	return x.ARN, x.Started, &execution{ARN: x.ARN, Name: x.Name, StateMachineARN: x.StateMachineARN, Input: x.Input,
		Started: x.Started, announced: x.announced}, nil
}

// startRecord is the identity and start of an execution, for its RUNNING
// status-change event.
func (e *execution) startRecord() execution {
	return execution{ARN: e.ARN, Name: e.Name, StateMachineARN: e.StateMachineARN, Input: e.Input, Status: asl.StatusRunning, Started: e.Started}
}

// record waits for an execution to end, or to be interrupted by Close, then
// keeps its state.
func (s *Service) record(x *execution) {
	<-x.run.Done()
	if x.announced != nil {
		<-x.announced
	}
	s.mu.Lock()
	*x = x.snapshot()
	x.run = nil
	if x.Status != asl.StatusRunning {
		x.Definition, x.Checkpoint = "", nil
	}
	ended := *x
	closed := s.closed
	s.mu.Unlock()
	if ended.Status == asl.StatusRunning {
		s.opts.Logger.Info("execution interrupted", "execution", ended.ARN, "events", len(ended.History))
		return
	}
	s.opts.Logger.Info("execution ended", "execution", ended.ARN, "status", ended.Status, "error", ended.Error)
	if !closed {
		// The ended execution is saved before its checkpoint goes, so a
		// crash in between finds it ended, not running.
		if err := s.save(); err != nil {
			s.opts.Logger.Error("save state", "err", err)
		} else {
			s.forget(ended.ARN)
		}
	}
	s.statusChanged(ended)
}

func (s *Service) describeExecution(_ context.Context, body []byte) (any, error) {
	var in struct {
		ARN string `json:"executionArn"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	x, err := s.execution(in.ARN)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	c := x.snapshot()
	s.mu.Unlock()
	out := map[string]any{
		"executionArn": c.ARN, "stateMachineArn": c.StateMachineARN, "name": c.Name, "status": c.Status,
		"startDate": epochOf(c.Started), "input": c.Input, "inputDetails": map[string]bool{"included": true},
		"redriveCount": 0, "redriveStatus": "NOT_REDRIVABLE",
	}
	if c.Status != asl.StatusRunning {
		out["stopDate"] = epochOf(c.Stopped)
	}
	if c.Status == asl.StatusSucceeded {
		out["output"], out["outputDetails"] = c.Output, map[string]bool{"included": true}
	}
	if c.Error != "" {
		out["error"] = c.Error
	}
	if c.Cause != "" {
		out["cause"] = c.Cause
	}
	return out, nil
}

func (s *Service) listExecutions(_ context.Context, body []byte) (any, error) {
	var in struct {
		ARN          string `json:"stateMachineArn"`
		StatusFilter string `json:"statusFilter"`
		MaxResults   int    `json:"maxResults"`
		NextToken    string `json:"nextToken"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	switch asl.Status(in.StatusFilter) {
	case "", asl.StatusRunning, asl.StatusSucceeded, asl.StatusFailed, asl.StatusTimedOut, asl.StatusAborted:
	default:
		return nil, clientError("ValidationException", "statusFilter must be one of RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED")
	}
	s.mu.Lock()
	if _, err := s.machine(in.ARN); err != nil {
		s.mu.Unlock()
		return nil, err
	}
	var list []execution
	for _, x := range s.executions {
		if x.StateMachineARN != in.ARN {
			continue
		}
		c := x.snapshot()
		if in.StatusFilter == "" || string(c.Status) == in.StatusFilter {
			c.History = nil
			list = append(list, c)
		}
	}
	s.mu.Unlock()
	sort.Slice(list, func(i, j int) bool {
		if !list[i].Started.Equal(list[j].Started) {
			return list[i].Started.After(list[j].Started)
		}
		return list[i].ARN > list[j].ARN
	})
	from, to, next, err := page(len(list), in.MaxResults, 100, in.NextToken)
	if err != nil {
		return nil, err
	}
	items := []map[string]any{}
	for _, c := range list[from:to] {
		item := map[string]any{"executionArn": c.ARN, "stateMachineArn": c.StateMachineARN, "name": c.Name, "status": c.Status, "startDate": epochOf(c.Started)}
		if c.Status != asl.StatusRunning {
			item["stopDate"] = epochOf(c.Stopped)
		}
		items = append(items, item)
	}
	return withToken(map[string]any{"executions": items}, next), nil
}

func (s *Service) getExecutionHistory(_ context.Context, body []byte) (any, error) {
	var in struct {
		ARN          string `json:"executionArn"`
		MaxResults   int    `json:"maxResults"`
		NextToken    string `json:"nextToken"`
		ReverseOrder bool   `json:"reverseOrder"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	x, err := s.execution(in.ARN)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	events := x.snapshot().History
	s.mu.Unlock()
	if in.ReverseOrder {
		rev := make([]asl.Event, len(events))
		for i, e := range events {
			rev[len(events)-1-i] = e
		}
		events = rev
	}
	from, to, next, err := page(len(events), in.MaxResults, 1000, in.NextToken)
	if err != nil {
		return nil, err
	}
	return withToken(map[string]any{"events": append([]asl.Event{}, events[from:to]...)}, next), nil
}

func (s *Service) stopExecution(ctx context.Context, body []byte) (any, error) {
	var in struct {
		ARN   string `json:"executionArn"`
		Error string `json:"error"`
		Cause string `json:"cause"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	x, err := s.execution(in.ARN)
	run := (*asl.Execution)(nil)
	if err == nil {
		run = x.run
	}
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if run == nil || !run.Stop(in.Error, in.Cause) {
		return nil, clientError("ValidationException", "Execution '%s' is not running", in.ARN)
	}
	// The execution ends once its running state lets go; a client that
	// stops waiting for that ends the wait too.
	res, err := run.Wait(ctx)
	if err != nil {
		return nil, err
	}
	return map[string]any{"stopDate": epochOf(res.StopTime)}, nil
}

func taskError(err error) error {
	var ie *asl.InputError
	switch {
	case errors.Is(err, asl.ErrTaskDoesNotExist):
		return clientError("TaskDoesNotExist", "Task Does Not Exist")
	case errors.Is(err, asl.ErrInvalidToken):
		return clientError("InvalidToken", "Invalid Token")
	case errors.As(err, &ie):
		return clientError("InvalidOutput", "%s", ie.Reason)
	}
	return err
}

func (s *Service) sendTaskSuccess(_ context.Context, body []byte) (any, error) {
	var in struct {
		Token  string `json:"taskToken"`
		Output string `json:"output"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := s.engine.SendTaskSuccess(in.Token, in.Output); err != nil {
		return nil, taskError(err)
	}
	return map[string]any{}, nil
}

func (s *Service) sendTaskFailure(_ context.Context, body []byte) (any, error) {
	var in struct {
		Token string `json:"taskToken"`
		Error string `json:"error"`
		Cause string `json:"cause"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := s.engine.SendTaskFailure(in.Token, in.Error, in.Cause); err != nil {
		return nil, taskError(err)
	}
	return map[string]any{}, nil
}

func (s *Service) sendTaskHeartbeat(_ context.Context, body []byte) (any, error) {
	var in struct {
		Token string `json:"taskToken"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := s.engine.SendTaskHeartbeat(in.Token); err != nil {
		return nil, taskError(err)
	}
	return map[string]any{}, nil
}

// maxPageSize is the largest maxResults the list operations accept.
const maxPageSize = 1000

// page picks the slice [from, to) of n items for a request and the token
// of the next page ("" on the last page). A maxResults of 0 asks for the
// operation's default page size; one outside [0, maxPageSize] is refused as
// Step Functions refuses it.
func page(n, maxResults, defaultSize int, token string) (from, to int, next string, err error) {
	switch {
	case maxResults < 0:
		return 0, 0, "", clientError("ValidationException",
			"1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 0", maxResults)
	case maxResults > maxPageSize:
		return 0, 0, "", clientError("ValidationException",
			"1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to %d", maxResults, maxPageSize)
	case maxResults == 0:
		maxResults = defaultSize
	}
	if token != "" {
		b, derr := base64.RawURLEncoding.DecodeString(token)
		from, err = strconv.Atoi(string(b))
		if derr != nil || err != nil || from < 0 || from > n {
			return 0, 0, "", clientError("InvalidToken", "Invalid Token: '%s'", token)
		}
	}
	to = min(n, from+maxResults)
	if to < n {
		next = base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(to)))
	}
	return from, to, next, nil
}

func withToken(out map[string]any, next string) map[string]any {
	if next != "" {
		out["nextToken"] = next
	}
	return out
}
