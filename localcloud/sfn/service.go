// Package sfn is the local cloud's AWS Step Functions: the awsJson1.0 API
// (X-Amz-Target: AWSStepFunctions.<Operation>) as an http.Handler, running
// state machines on the asl engine. Task states invoke Lambda functions
// (plain function ARNs and arn:aws:states:::lambda:invoke) and publish to
// SNS (arn:aws:states:::sns:publish) through the bus interfaces, including
// the .waitForTaskToken callback pattern, and put the execution status-change
// events of AWS on the default EventBridge bus.
//
// With a directory, state machines and executions survive a restart, as
// they do on AWS: every running execution keeps its checkpoint (see
// asl.Checkpoint) in a file of its own, replaced at each state transition,
// so that after Close, or after the process died, New and Resume carry on
// the executions that were running from where they were.
package sfn

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/greenlight/greenlight/localcloud/asl"
	"github.com/greenlight/greenlight/localcloud/bus"
	"github.com/greenlight/greenlight/localcloud/clock"
	"github.com/greenlight/greenlight/localcloud/fault"
	"github.com/greenlight/greenlight/localcloud/internal/awserr"
	"github.com/greenlight/greenlight/localcloud/internal/uuid"
)

// signingName is the SigV4 service name of Step Functions.
const signingName = "states"

// Options configure a Service.
type Options struct {
	// Dir is the service's own folder: it keeps state machines and
	// executions across restarts (in stepfunctions.json); "" keeps them in
	// memory.
	Dir string
	// Clock drives waits, retries and timeouts; nil is the wall clock.
	Clock clock.Clock
	// Faults, when set, can make operations fail.
	Faults *fault.Injector
	// Invoker runs Lambda functions for Task states.
	Invoker bus.Invoker
	// Publisher publishes SNS messages for Task states.
	Publisher bus.Publisher
	// Events, when set, receives an execution's status-change events
	// (source aws.states) when it starts and when it ends.
	Events bus.Events
	// Logger receives the service's logs; nil discards them.
	Logger *slog.Logger
}

// Service is the local Step Functions. It is safe for concurrent use.
type Service struct {
	opts   Options
	clock  clock.Clock
	engine *asl.Engine

	mu         sync.Mutex
	machines   map[string]*stateMachine // by ARN
	executions map[string]*execution    // by ARN
	closed     bool
	recorders  sync.WaitGroup // one per running execution, see record
	saveMu     sync.Mutex

	// diskMu guards killed: every write to Dir holds it for reading, so
	// none starts once Kill returns.
	diskMu sync.RWMutex
	killed bool
}

var (
	_ http.Handler     = (*Service)(nil)
	_ bus.Executions   = (*Service)(nil)
	_ asl.TaskResolver = (*Service)(nil)
	_ io.Closer        = (*Service)(nil)
)

// New builds the service and loads any state kept in opts.Dir; Resume
// sets the executions that were running going again.
func New(opts Options) (*Service, error) {
	if opts.Clock == nil {
		opts.Clock = clock.Real{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Service{opts: opts, clock: opts.Clock, machines: map[string]*stateMachine{}, executions: map[string]*execution{}}
	s.engine = asl.NewEngine(asl.Options{Clock: opts.Clock, Resolver: s, Region: bus.Region, OnCheckpoint: s.onCheckpoint})
	if err := s.load(); err != nil {
		return nil, err
	}
	return s, nil
}

// Close ends the service's work and saves its state. Executions still
// running are interrupted: their tasks' contexts are cancelled and Close
// waits for their goroutines, so that none calls Lambda or SNS once it
// returns. They are kept as running, from their last checkpoint, and
// Resume carries them on after the next New. Close is idempotent.
func (s *Service) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.engine.Close()
	s.recorders.Wait()
	return s.save()
}

func clientError(code, format string, args ...any) *awserr.Error {
	return awserr.Errorf(code, http.StatusBadRequest, format, args...)
}

type handler func(s *Service, ctx context.Context, body []byte) (any, error)

var operations = map[string]handler{
	"CreateStateMachine":   (*Service).createStateMachine,
	"UpdateStateMachine":   (*Service).updateStateMachine,
	"DescribeStateMachine": (*Service).describeStateMachine,
	"ListStateMachines":    (*Service).listStateMachines,
	"DeleteStateMachine":   (*Service).deleteStateMachine,
	"StartExecution":       (*Service).startExecution,
	"DescribeExecution":    (*Service).describeExecution,
	"ListExecutions":       (*Service).listExecutions,
	"GetExecutionHistory":  (*Service).getExecutionHistory,
	"StopExecution":        (*Service).stopExecution,
	"SendTaskSuccess":      (*Service).sendTaskSuccess,
	"SendTaskFailure":      (*Service).sendTaskFailure,
	"SendTaskHeartbeat":    (*Service).sendTaskHeartbeat,
}

// maxRequestBody bounds a request body. Step Functions takes definitions
// of at most 1 MB and execution inputs and task outputs of at most 256 KiB;
// a larger body is refused before it is decoded.
const maxRequestBody = 4 << 20

// ServeHTTP answers one awsJson1.0 request.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Every AWS answer, success or error, carries a request id; the SDKs
	// put it in result metadata and error messages.
	w.Header().Set("X-Amzn-RequestId", uuid.New())
	op, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), "AWSStepFunctions.")
	h := operations[op]
	if r.Method != http.MethodPost || !ok || h == nil {
		writeError(w, clientError("UnknownOperationException", "The operation %q is not supported", r.Header.Get("X-Amz-Target")))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequestBody))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		writeError(w, clientError("ValidationException", "The request is larger than %d bytes", maxRequestBody))
		return
	case err != nil:
		writeError(w, clientError("SerializationException", "cannot read the request: %v", err))
		return
	}
	if len(body) == 0 {
		body = []byte("{}")
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(body, &probe); err != nil {
		writeError(w, clientError("SerializationException", "the request body is not a JSON object"))
		return
	}
	if err := s.opts.Faults.Check(r.Context(), signingName, op, resourceOf(probe)); err != nil {
		writeError(w, err)
		return
	}
	out, err := h(s, r.Context(), body)
	if err != nil {
		writeError(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	if err := json.NewEncoder(w).Encode(out); err != nil {
		s.opts.Logger.Error("write response", "operation", op, "err", err)
	}
}

// resourceOf names the resource of a request, for fault rules.
func resourceOf(req map[string]json.RawMessage) string {
	for _, k := range []string{"stateMachineArn", "executionArn", "name", "taskToken"} {
		var v string
		if json.Unmarshal(req[k], &v) == nil && v != "" {
			return v
		}
	}
	return ""
}

// writeError answers err as an awsJson1.0 error: an AWS error keeps its
// code, status and message; anything else is an InternalFailure.
func writeError(w http.ResponseWriter, err error) {
	ae, ok := awserr.As(err)
	if !ok {
		ae = awserr.New("InternalFailure", http.StatusInternalServerError, err.Error())
	}
	status := ae.Status
	if status == 0 {
		status = http.StatusBadRequest
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("X-Amzn-Errortype", ae.Code)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": ae.Code, "message": ae.Message})
}

// decode reads a request into v.
func decode(body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		return clientError("SerializationException", "%v", err)
	}
	return nil
}

// epoch is a time in the JSON protocol's epoch-seconds form.
type epoch = asl.EpochTime

func epochOf(t time.Time) *epoch {
	if t.IsZero() {
		return nil
	}
	e := epoch(t)
	return &e
}
