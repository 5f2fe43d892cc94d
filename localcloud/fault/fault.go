// Package fault injects failures into the local cloud's API operations so that
// tests can exercise the code that handles them: an operation can be made to
// fail N times with a given AWS error, or be slowed down, and a Lambda
// invocation can be made to end in a function error (a crash, a timeout, an
// error the function returned) before or after the function ran.
package fault

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/greenlight/greenlight/localcloud/internal/awserr"
)

// Rule says how one operation misbehaves. Service is the SigV4 signing name
// ("lambda", "s3", "states", "events", "sns", "monitoring"); Operation is the
// API name ("UpdateAlias"); Match, when not empty, must occur in the request's
// resource (function name, bucket/key, ...).
type Rule struct {
	Service   string        `json:"service"`
	Operation string        `json:"operation"`
	Match     string        `json:"match,omitempty"`
	Code      string        `json:"code,omitempty"`   // AWS error code, e.g. "TooManyRequestsException"
	Status    int           `json:"status,omitempty"` // HTTP status of the error, e.g. 429
	Message   string        `json:"message,omitempty"`
	Count     int           `json:"count"` // how many calls fail; <0 means every call
	Latency   time.Duration `json:"latency,omitempty"`
	// Skip lets this many matching calls through untouched before the rule
	// applies, so a rule can aim at the third UpdateAlias of a release.
	Skip int `json:"skip,omitempty"`
	// FunctionError, on a Lambda "Invoke" rule, ends the invocation in a
	// function error of this type instead of an API error: "Runtime.ExitError"
	// is a crashed process, "Sandbox.Timedout" a timeout, any other name an
	// error the function returned. Such a rule is answered by Invocation,
	// never by Check, and takes no Code.
	FunctionError string `json:"functionError,omitempty"`
	// AfterRun, with FunctionError, lets the function run first and drops its
	// answer: the process did its work and died before it replied.
	AfterRun bool `json:"afterRun,omitempty"`
}

// Services are the SigV4 signing names of the services a rule can name.
var Services = []string{"s3", "lambda", "states", "events", "sns", "monitoring"}

// RuleError reports a rule that cannot be installed, and why.
type RuleError struct {
	Reason string
}

func (e *RuleError) Error() string { return "fault rule: " + e.Reason }

// Validate reports why r cannot be installed: it must name a service of
// Services and an operation, and have an effect (an error code, a function
// error or a latency) that makes sense together. Every way of adding a rule
// (Injector.Add, and through it the control endpoint and the CLI) checks it
// here. The error is a *RuleError.
func (r Rule) Validate() error {
	reason := ""
	switch {
	case !slices.Contains(Services, r.Service):
		reason = fmt.Sprintf("service %q is not one of %s", r.Service, strings.Join(Services, ", "))
	case r.Operation == "":
		reason = "operation is required (e.g. UpdateAlias)"
	case r.FunctionError != "" && (r.Service != "lambda" || r.Operation != "Invoke"):
		reason = "a function error applies to lambda Invoke only"
	case r.FunctionError != "" && r.Code != "":
		reason = "give a function error or an error code, not both"
	case r.AfterRun && r.FunctionError == "":
		reason = "afterRun needs a function error"
	case r.Code == "" && r.FunctionError == "" && r.Latency <= 0:
		reason = "give an error code, a function error, a latency, or a combination"
	case r.Status != 0 && (r.Status < 400 || r.Status > 599):
		reason = fmt.Sprintf("status %d is not an HTTP error status", r.Status)
	case r.Latency < 0:
		reason = "latency must not be negative"
	case r.Skip < 0:
		reason = "skip must not be negative"
	default:
		return nil
	}
	return &RuleError{Reason: reason}
}

// Common FunctionError types, as Lambda reports them.
const (
	Crash   = "Runtime.ExitError"
	Timeout = "Sandbox.Timedout"
)

// Invocation is an injected function error.
type Invocation struct {
	ErrorType string
	Message   string
	AfterRun  bool
}

// Injector holds the active rules. The zero value injects nothing.
type Injector struct {
	mu    sync.Mutex
	rules []*Rule
	hits  map[string]int
}

// Add installs a rule, or refuses it with the *RuleError of Validate.
func (in *Injector) Add(r Rule) error {
	if err := r.Validate(); err != nil {
		return err
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	in.rules = append(in.rules, &r)
	return nil
}

// Reset removes every rule.
func (in *Injector) Reset() {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.rules = nil
	in.hits = nil
}

// Rules returns a copy of the active rules.
func (in *Injector) Rules() []Rule {
	in.mu.Lock()
	defer in.mu.Unlock()
	out := make([]Rule, 0, len(in.rules))
	for _, r := range in.rules {
		out = append(out, *r)
	}
	return out
}

// Hits reports how many failures were injected for service/operation.
func (in *Injector) Hits(service, operation string) int {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.hits[service+"/"+operation]
}

// Check is called by a service before it carries out an operation. It sleeps
// for any configured latency and returns the injected failure, if any: the
// AWS error the services answer every failure with (it implements
// bus.APIError), status 400 and message "injected fault" unless the rule
// says otherwise. A nil Injector injects nothing.
func (in *Injector) Check(ctx context.Context, service, operation, resource string) error {
	if in == nil {
		return nil
	}
	in.mu.Lock()
	var latency time.Duration
	var fail *awserr.Error
	for _, r := range in.rules {
		if r.FunctionError != "" || !r.matches(service, operation, resource) || r.skipped() {
			continue
		}
		latency += r.Latency
		if r.Code == "" || r.Count == 0 || fail != nil {
			continue
		}
		fail = awserr.New(r.Code, r.Status, r.Message)
		if fail.Status == 0 {
			fail.Status = http.StatusBadRequest
		}
		if fail.Message == "" {
			fail.Message = "injected fault"
		}
		in.hit(r, service, operation)
	}
	in.mu.Unlock()
	if latency > 0 {
		select {
		case <-time.After(latency):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if fail != nil {
		return fail
	}
	return nil
}

// Invocation is called by Lambda as it runs an invocation of the named
// function: it returns the function error to end the invocation with when a
// FunctionError rule matches, and nil otherwise. A nil Injector injects
// nothing.
func (in *Injector) Invocation(function string) *Invocation {
	if in == nil {
		return nil
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	for _, r := range in.rules {
		if r.FunctionError == "" || r.Count == 0 || !r.matches("lambda", "Invoke", function) || r.skipped() {
			continue
		}
		in.hit(r, "lambda", "Invoke")
		msg := r.Message
		if msg == "" {
			msg = "injected " + r.FunctionError
		}
		return &Invocation{ErrorType: r.FunctionError, Message: msg, AfterRun: r.AfterRun}
	}
	return nil
}

func (r *Rule) matches(service, operation, resource string) bool {
	return r.Service == service && r.Operation == operation && strings.Contains(resource, r.Match)
}

// skipped counts down Skip and reports whether this call is let through; the
// Injector's lock is held.
func (r *Rule) skipped() bool {
	if r.Skip > 0 {
		r.Skip--
		return true
	}
	return false
}

// hit counts down r and records the injection; in.mu is held.
func (in *Injector) hit(r *Rule, service, operation string) {
	if r.Count > 0 {
		r.Count--
	}
	if in.hits == nil {
		in.hits = map[string]int{}
	}
	in.hits[service+"/"+operation]++
}
