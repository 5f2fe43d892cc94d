// Package events is the local cloud's Amazon EventBridge: the default event
// bus with rules (event patterns, see package pattern), targets and
// PutEvents, spoken over awsJson1.1 (X-Amz-Target: AWSEvents.<Operation>).
// Other services put their events here through bus.Events. Matching rules
// start Step Functions executions (bus.Executions) and invoke Lambda
// functions asynchronously (bus.Invoker). Schedule expressions are stored
// and returned but never run.
package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/greenlight/greenlight/localcloud/bus"
	"github.com/greenlight/greenlight/localcloud/clock"
	"github.com/greenlight/greenlight/localcloud/events/pattern"
	"github.com/greenlight/greenlight/localcloud/fault"
	"github.com/greenlight/greenlight/localcloud/internal/awserr"
	"github.com/greenlight/greenlight/localcloud/internal/statefile"
	"github.com/greenlight/greenlight/localcloud/internal/uuid"
)

// signingName is the SigV4 service name of EventBridge, used for fault rules.
const signingName = "events"

// DefaultBus is the only event bus the local EventBridge has.
const DefaultBus = "default"

// Options configures the service.
type Options struct {
	// Dir is the service's own folder: it keeps rules and targets across
	// restarts (in rules.json); empty keeps them in memory.
	Dir string
	// Clock stamps events and paces delivery retries; nil is the wall clock.
	Clock clock.Clock
	// Faults, when set, is consulted before every operation.
	Faults *fault.Injector
	// Executions starts the Step Functions targets; nil drops them.
	Executions bus.Executions
	// Invoker runs the Lambda targets; nil drops them.
	Invoker bus.Invoker
	// Logger reports deliveries that failed; nil discards.
	Logger *slog.Logger
}

// Service is the EventBridge HTTP handler and the local bus.Events.
type Service struct {
	opts Options

	mu     sync.Mutex
	rules  map[string]*rule
	closed bool

	ctx      context.Context // cancelled by Close, ends pending deliveries
	cancel   context.CancelFunc
	inflight sync.WaitGroup
}

var _ bus.Events = (*Service)(nil)

type rule struct {
	Name               string    `json:"name"`
	EventPattern       string    `json:"eventPattern,omitempty"`
	ScheduleExpression string    `json:"scheduleExpression,omitempty"`
	State              string    `json:"state"`
	Description        string    `json:"description,omitempty"`
	RoleArn            string    `json:"roleArn,omitempty"`
	Targets            []*Target `json:"targets,omitempty"`

	compiled *pattern.Pattern
}

// Target is a rule target as PutTargets takes it.
type Target struct {
	ID               string            `json:"Id"`
	Arn              string            `json:"Arn"`
	Input            string            `json:"Input,omitempty"`
	InputPath        string            `json:"InputPath,omitempty"`
	InputTransformer *InputTransformer `json:"InputTransformer,omitempty"`
	RoleArn          string            `json:"RoleArn,omitempty"`
}

// InputTransformer builds a target's input from parts of the event.
type InputTransformer struct {
	InputPathsMap map[string]string `json:"InputPathsMap,omitempty"`
	InputTemplate string            `json:"InputTemplate"`
}

// New loads the rules kept under opts.Dir and returns the service.
func New(opts Options) (*Service, error) {
	if opts.Clock == nil {
		opts.Clock = clock.Real{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Service{opts: opts, rules: map[string]*rule{}}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	if err := s.load(); err != nil {
		return nil, err
	}
	return s, nil
}

// errClosed refuses an event once Close has begun.
var errClosed = awserr.New("InternalException", http.StatusInternalServerError, "The service is shutting down.")

// Close stops pending deliveries and waits for them to end; an event put
// afterwards is refused.
func (s *Service) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	s.inflight.Wait()
	return nil
}

func (s *Service) statePath() string { return filepath.Join(s.opts.Dir, "rules.json") }

func (s *Service) load() error {
	if s.opts.Dir == "" {
		return nil
	}
	var rules []*rule
	if _, err := statefile.ReadJSON(s.statePath(), &rules); err != nil {
		return fmt.Errorf("read eventbridge state: %w", err)
	}
	for _, r := range rules {
		if r.EventPattern != "" {
			var err error
			if r.compiled, err = pattern.Compile([]byte(r.EventPattern)); err != nil {
				return fmt.Errorf("rule %s in %s: %w", r.Name, s.statePath(), err)
			}
		}
		s.rules[r.Name] = r
	}
	return nil
}

// saveLocked writes the rules; the caller holds s.mu.
func (s *Service) saveLocked() error {
	if s.opts.Dir == "" {
		return nil
	}
	rules := make([]*rule, 0, len(s.rules))
	for _, r := range s.rules {
		rules = append(rules, r)
	}
	sort.Slice(rules, func(i, j int) bool { return rules[i].Name < rules[j].Name })
	if err := statefile.WriteJSON(s.statePath(), rules, 0o644); err != nil {
		return fmt.Errorf("write eventbridge state: %w", err)
	}
	return nil
}

// ruleARN is the ARN of a rule on the default bus.
func ruleARN(name string) string {
	return "arn:aws:events:" + bus.Region + ":" + bus.Account + ":rule/" + name
}

func busARN() string {
	return "arn:aws:events:" + bus.Region + ":" + bus.Account + ":event-bus/" + DefaultBus
}

func validation(format string, args ...any) error {
	return awserr.Errorf("ValidationException", http.StatusBadRequest, format, args...)
}

func notFound(format string, args ...any) error {
	return awserr.Errorf("ResourceNotFoundException", http.StatusBadRequest, format, args...)
}

// maxRequestBody bounds a request body. EventBridge takes PutEvents
// entries of at most 256 KB in all; with their JSON framing a request stays
// well under 1 MiB, and every other operation's input is smaller still.
const maxRequestBody = 1 << 20

// ServeHTTP answers one awsJson1.1 request.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	target := r.Header.Get("X-Amz-Target")
	op, ok := strings.CutPrefix(target, "AWSEvents.")
	handler, known := s.operations()[op]
	if r.Method != http.MethodPost || !ok || !known {
		s.writeError(w, awserr.Errorf("UnknownOperationException", http.StatusBadRequest, "operation %q is not supported", target))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequestBody))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge) && op == "PutEvents":
		s.writeError(w, validation("Total size of the entries in the request is over the limit."))
		return
	case errors.As(err, &tooLarge):
		s.writeError(w, validation("The request is larger than %d bytes.", maxRequestBody))
		return
	case err != nil:
		s.writeError(w, awserr.New("SerializationException", http.StatusBadRequest, err.Error()))
		return
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		body = []byte("{}")
	}
	out, err := handler(r.Context(), op, body)
	if err != nil {
		s.writeError(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-RequestId", uuid.New())
	if err := json.NewEncoder(w).Encode(out); err != nil {
		s.opts.Logger.Error("write response", "operation", op, "err", err)
	}
}

// writeError answers err as an awsJson1.1 error. An AWS error (one of the
// service's own, an injected fault) keeps its code; anything else is an
// InternalException.
func (s *Service) writeError(w http.ResponseWriter, err error) {
	ae, ok := awserr.As(err)
	if !ok {
		ae = awserr.New("InternalException", http.StatusInternalServerError, err.Error())
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-ErrorType", ae.Code)
	w.Header().Set("X-Amzn-RequestId", uuid.New())
	w.WriteHeader(ae.Status)
	if err := json.NewEncoder(w).Encode(map[string]string{"__type": ae.Code, "message": ae.Message}); err != nil {
		s.opts.Logger.Error("write error response", "code", ae.Code, "err", err)
	}
}

// timestamp is how EventBridge writes event times.
func timestamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }
