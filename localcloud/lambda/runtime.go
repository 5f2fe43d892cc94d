package lambda

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"time"
)

// maxPayload is the largest synchronous request or response payload.
const maxPayload = 6 << 20

// invocation is one event handed to an execution environment.
type invocation struct {
	id       string
	payload  []byte
	arn      string
	deadline time.Time
	done     chan outcome // receives exactly once
}

// outcome is what the function made of an invocation: a response, or an
// error document when errorType is set.
type outcome struct {
	payload   []byte
	errorType string
}

func (o outcome) failed() bool { return o.errorType != "" }

func errorOutcome(errorType, message string) outcome {
	b, _ := json.Marshal(map[string]string{"errorType": errorType, "errorMessage": message})
	return outcome{payload: b, errorType: errorType}
}

// envKey identifies what an execution environment runs: a function version
// at one configuration revision. Environments are only reused for the same
// key.
type envKey struct{ fn, version, revision string }

// env is one execution environment: a bootstrap process and the Runtime API
// endpoint it polls. It serves one invocation at a time.
type env struct {
	key    envKey
	cmd    *exec.Cmd
	srv    *http.Server
	next   chan *invocation
	exited chan struct{} // closed when the process has ended
	logs   [2]*lineWriter

	mu      sync.Mutex
	current *invocation
	initErr []byte
	waitErr error

	retired   bool      // guarded by pool.mu
	idleSince time.Time // guarded by pool.mu
}

// startEnv launches the bootstrap in root with vars plus the address of a
// Runtime API endpoint run for it alone.
func startEnv(key envKey, root string, vars []string, log *slog.Logger) (*env, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("runtime API listener: %w", err)
	}
	e := &env{key: key, next: make(chan *invocation), exited: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", e.serveNext)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", e.serveResponse)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/error", e.serveError)
	mux.HandleFunc("POST /2018-06-01/runtime/init/error", e.serveInitError)
	e.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = e.srv.Serve(ln) }()

	fnLog := log.With("function", key.fn, "version", key.version)
	e.logs = [2]*lineWriter{{log: fnLog.With("stream", "stdout")}, {log: fnLog.With("stream", "stderr")}}
	e.cmd = exec.Command(filepath.Join(root, "bootstrap"))
	e.cmd.Dir = root
	e.cmd.Env = append(vars, "AWS_LAMBDA_RUNTIME_API="+ln.Addr().String())
	e.cmd.Stdout, e.cmd.Stderr = e.logs[0], e.logs[1]
	dieWithParent(e.cmd)
	if err := e.cmd.Start(); err != nil {
		e.srv.Close()
		return nil, err
	}
	go func() {
		err := e.cmd.Wait()
		e.mu.Lock()
		e.waitErr = err
		e.mu.Unlock()
		for _, l := range e.logs {
			l.flush()
		}
		close(e.exited)
		e.srv.Close()
	}()
	return e, nil
}

// kill ends the process; the exited channel closes once it is gone.
func (e *env) kill() {
	_ = e.cmd.Process.Kill()
}

func (e *env) alive() bool {
	select {
	case <-e.exited:
		return false
	default:
		return true
	}
}

// exitOutcome explains a process that ended while it owed a response.
func (e *env) exitOutcome(requestID string) outcome {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.initErr) > 0 {
		o := outcome{payload: e.initErr, errorType: "Runtime.Unknown"}
		var doc struct{ ErrorType string }
		if json.Unmarshal(e.initErr, &doc) == nil && doc.ErrorType != "" {
			o.errorType = doc.ErrorType
		}
		return o
	}
	reason := "Runtime exited without providing a reason"
	if e.waitErr != nil {
		reason = "Runtime exited with error: " + e.waitErr.Error()
	}
	return errorOutcome("Runtime.ExitError", "RequestId: "+requestID+" Error: "+reason)
}

func (e *env) serveNext(w http.ResponseWriter, r *http.Request) {
	select {
	case inv := <-e.next:
		e.mu.Lock()
		e.current = inv
		e.mu.Unlock()
		h := w.Header()
		h.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
		h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(inv.deadline.UnixMilli(), 10))
		h.Set("Lambda-Runtime-Invoked-Function-Arn", inv.arn)
		h.Set("Lambda-Runtime-Trace-Id", "Root=1-"+strconv.FormatInt(time.Now().Unix(), 16)+"-"+inv.id[:8]+";Sampled=0")
		h.Set("Content-Type", "application/json")
		_, _ = w.Write(inv.payload)
	case <-r.Context().Done():
	}
}

// take removes the current invocation if its id matches.
func (e *env) take(id string) *invocation {
	e.mu.Lock()
	defer e.mu.Unlock()
	inv := e.current
	if inv == nil || inv.id != id {
		return nil
	}
	e.current = nil
	return inv
}

func runtimeError(w http.ResponseWriter, status int, errorType, message string) {
	writeJSON(w, status, map[string]string{"errorType": errorType, "errorMessage": message})
}

func (e *env) serveResponse(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxPayload+1))
	if err != nil {
		runtimeError(w, http.StatusBadRequest, "InvalidRequest", err.Error())
		return
	}
	inv := e.take(r.PathValue("id"))
	if inv == nil {
		runtimeError(w, http.StatusBadRequest, "InvalidRequestID", "Invalid request ID")
		return
	}
	if len(body) > maxPayload {
		inv.done <- errorOutcome("Function.ResponseSizeTooLarge",
			fmt.Sprintf("Response payload size exceeded maximum allowed payload size (%d bytes).", maxPayload))
		runtimeError(w, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "response payload too large")
		return
	}
	inv.done <- outcome{payload: body}
	writeJSON(w, http.StatusAccepted, map[string]string{"status": "OK"})
}

func (e *env) serveError(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxPayload))
	if err != nil {
		runtimeError(w, http.StatusBadRequest, "InvalidRequest", err.Error())
		return
	}
	inv := e.take(r.PathValue("id"))
	if inv == nil {
		runtimeError(w, http.StatusBadRequest, "InvalidRequestID", "Invalid request ID")
		return
	}
	inv.done <- functionError(body, r.Header.Get("Lambda-Runtime-Function-Error-Type"))
	writeJSON(w, http.StatusAccepted, map[string]string{"status": "OK"})
}

// functionError turns an error a runtime posted into the document the
// caller receives; a body that is not an error document is wrapped in one.
func functionError(body []byte, headerType string) outcome {
	var doc struct {
		ErrorType    string `json:"errorType"`
		ErrorMessage string `json:"errorMessage"`
	}
	if json.Unmarshal(body, &doc) == nil && (doc.ErrorType != "" || doc.ErrorMessage != "") {
		t := doc.ErrorType
		if t == "" {
			t = headerType
		}
		if t == "" {
			t = "Unhandled"
		}
		return outcome{payload: bytes.TrimSpace(body), errorType: t}
	}
	t := headerType
	if t == "" {
		t = "Runtime.Unknown"
	}
	return errorOutcome(t, string(body))
}

func (e *env) serveInitError(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxPayload))
	if err != nil {
		runtimeError(w, http.StatusBadRequest, "InvalidRequest", err.Error())
		return
	}
	o := functionError(body, r.Header.Get("Lambda-Runtime-Function-Error-Type"))
	e.mu.Lock()
	e.initErr = o.payload
	e.mu.Unlock()
	writeJSON(w, http.StatusAccepted, map[string]string{"status": "OK"})
}

// lineWriter hands a process's output to a logger line by line.
type lineWriter struct {
	log *slog.Logger
	mu  sync.Mutex
	buf []byte
}

func (l *lineWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			break
		}
		l.emit(l.buf[:i])
		l.buf = l.buf[i+1:]
	}
	return len(p), nil
}

func (l *lineWriter) flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buf) > 0 {
		l.emit(l.buf)
		l.buf = nil
	}
}

func (l *lineWriter) emit(line []byte) {
	l.log.Info("function output", "line", string(line))
}

// pool holds the execution environments of every function: the idle ones by
// key for reuse, and all of them so Close can stop them.
type pool struct {
	mu     sync.Mutex
	idle   map[envKey][]*env
	all    map[*env]struct{}
	closed bool
	alive  sync.WaitGroup // one per process not yet ended, discarded ones too
}

var errClosed = errors.New("lambda service is closed")

func newPool() *pool {
	return &pool{idle: map[envKey][]*env{}, all: map[*env]struct{}{}}
}

// get returns a warm environment for key, or nil.
func (p *pool) get(key envKey) *env {
	p.mu.Lock()
	defer p.mu.Unlock()
	for list := p.idle[key]; len(list) > 0; list = p.idle[key] {
		e := list[len(list)-1]
		p.idle[key] = list[:len(list)-1]
		if e.alive() {
			return e
		}
		delete(p.all, e)
	}
	return nil
}

// add registers a new environment; it fails once the pool is closed.
func (p *pool) add(e *env) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return errClosed
	}
	p.all[e] = struct{}{}
	p.alive.Go(func() { <-e.exited })
	return nil
}

// put returns an environment after an invocation: it stays warm unless it
// was retired or its process ended.
func (p *pool) put(e *env) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || e.retired || !e.alive() {
		delete(p.all, e)
		e.kill()
		return
	}
	e.idleSince = time.Now()
	p.idle[e.key] = append(p.idle[e.key], e)
}

// reap stops the environments that have been idle longer than d, as Lambda
// recycles unused execution environments, so versions no longer invoked do
// not keep processes forever.
func (p *pool) reap(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	cutoff := time.Now().Add(-d)
	for key, list := range p.idle {
		kept := list[:0]
		for _, e := range list {
			if e.idleSince.After(cutoff) {
				kept = append(kept, e)
				continue
			}
			delete(p.all, e)
			e.kill()
		}
		if len(kept) == 0 {
			delete(p.idle, key)
		} else {
			p.idle[key] = kept
		}
	}
}

// discard stops an environment that must not be reused.
func (p *pool) discard(e *env) {
	p.mu.Lock()
	delete(p.all, e)
	p.mu.Unlock()
	e.kill()
}

// retire stops the environments of a function version ("" for every
// version): idle ones now, busy ones when their invocation ends.
func (p *pool) retire(fn, version string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for e := range p.all {
		if e.key.fn == fn && (version == "" || e.key.version == version) {
			e.retired = true
		}
	}
	for key, list := range p.idle {
		if key.fn != fn || (version != "" && key.version != version) {
			continue
		}
		for _, e := range list {
			delete(p.all, e)
			e.kill()
		}
		delete(p.idle, key)
	}
}

// close stops every environment and waits for all processes, including
// discarded ones, to end, so none outlives the service or logs after it.
func (p *pool) close() {
	p.mu.Lock()
	p.closed = true
	all := p.all
	p.all, p.idle = map[*env]struct{}{}, map[envKey][]*env{}
	p.mu.Unlock()
	for e := range all {
		e.kill()
	}
	p.alive.Wait()
}
