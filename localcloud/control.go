package localcloud

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"time"

	"github.com/greenlight/greenlight/localcloud/cfn"
	"github.com/greenlight/greenlight/localcloud/fault"
)

// ControlPrefix is where the control endpoints live. No bucket can be named
// "_greenlight", so they never shadow an S3 path.
const ControlPrefix = "/_greenlight/"

// DeployRequest is the body of POST /_greenlight/stacks.
type DeployRequest struct {
	// Template is the absolute path, on the cloud's machine, of a cloud
	// assembly directory (cdk.out) or of a template file in one; the
	// assembly holds the functions' code assets.
	Template string `json:"template"`
	// StackName picks the stack of an assembly that has several, or names
	// the stack of a template file; see cfn.FindStack.
	StackName  string            `json:"stackName,omitempty"`
	Parameters map[string]string `json:"parameters,omitempty"`
}

// ClockState is the answer of GET /_greenlight/clock.
type ClockState struct {
	Scale float64   `json:"scale"`
	Now   time.Time `json:"now"`
}

// Health is the answer of GET /_greenlight/health.
type Health struct {
	Status   string   `json:"status"`
	Endpoint string   `json:"endpoint"`
	Services []string `json:"services"`
}

// ErrorBody is how a control endpoint reports a failure.
type ErrorBody struct {
	Error string     `json:"error"`
	Stack *cfn.Stack `json:"stack,omitempty"` // the stack as far as a failed deploy got
}

// control serves the /_greenlight/ endpoints.
func (c *Cloud) control() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+ControlPrefix+"health", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, Health{Status: "ok", Endpoint: c.endpoint, Services: c.serviceNames()})
	})
	mux.HandleFunc("GET "+ControlPrefix+"clock", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, ClockState{Scale: c.clock.Scale(), Now: c.clock.Now()})
	})
	mux.HandleFunc("GET "+ControlPrefix+"faults", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, c.faults.Rules())
	})
	mux.HandleFunc("POST "+ControlPrefix+"faults", c.addFault)
	mux.HandleFunc("DELETE "+ControlPrefix+"faults", func(w http.ResponseWriter, _ *http.Request) {
		c.faults.Reset()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.Handle("GET "+ControlPrefix+"sns/inbox", c.inbox)
	mux.HandleFunc("GET "+ControlPrefix+"stacks", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, c.stacks.List())
	})
	mux.HandleFunc("POST "+ControlPrefix+"stacks", c.deployStack)
	mux.HandleFunc(ControlPrefix, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, ErrorBody{Error: fmt.Sprintf("no control endpoint %s %s", r.Method, r.URL.Path)})
	})
	return mux
}

// addFault installs the rule in the body, once Rule.Validate (through
// Injector.Add) accepts it.
func (c *Cloud) addFault(w http.ResponseWriter, r *http.Request) {
	var rule fault.Rule
	if err := decodeJSON(r.Body, &rule); err != nil {
		writeJSON(w, http.StatusBadRequest, ErrorBody{Error: "fault rule: " + err.Error()})
		return
	}
	if err := c.faults.Add(rule); err != nil {
		writeJSON(w, http.StatusBadRequest, ErrorBody{Error: err.Error()})
		return
	}
	writeJSON(w, http.StatusCreated, rule)
}

func (c *Cloud) deployStack(w http.ResponseWriter, r *http.Request) {
	var req DeployRequest
	if err := decodeJSON(r.Body, &req); err != nil {
		writeJSON(w, http.StatusBadRequest, ErrorBody{Error: "deploy request: " + err.Error()})
		return
	}
	if req.Template == "" || !filepath.IsAbs(req.Template) {
		writeJSON(w, http.StatusBadRequest, ErrorBody{Error: fmt.Sprintf("deploy request: template must be an absolute path, got %q", req.Template)})
		return
	}
	st, err := c.Deploy(r.Context(), req.Template, req.StackName, req.Parameters)
	if err != nil {
		status := http.StatusUnprocessableEntity
		if st == nil {
			status = http.StatusBadRequest
		}
		writeJSON(w, status, ErrorBody{Error: err.Error(), Stack: st})
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func decodeJSON(r io.Reader, v any) error {
	dec := json.NewDecoder(io.LimitReader(r, 1<<20))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
