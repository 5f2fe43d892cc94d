package lambda

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"
	"time"

	"github.com/greenlight/greenlight/localcloud/bus"
	"github.com/greenlight/greenlight/localcloud/internal/awserr"
)

// awsBootstrap is where Lambda runs a zip's bootstrap from, as its error
// messages name it.
const awsBootstrap = "/var/task/bootstrap"

// target is a resolved invocation: the configuration that runs and how the
// caller addressed it.
type target struct {
	name      string
	qualifier string // as invoked: "", "$LATEST", a version or an alias
	alias     bool
	cfg       fnConfig
	limit     int
	reserved  bool
}

func (t target) arn() string { return qualifiedARN(t.name, t.qualifier) }

// resolve finds what an invocation of ref (with an optional explicit
// qualifier) runs; for an alias it draws the version by the alias weights.
func (s *Service) resolve(ref, explicit string) (target, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, q, err := s.lookup(ref, explicit)
	if err != nil {
		return target{}, err
	}
	t := target{name: f.Name, qualifier: q, limit: s.opts.Concurrency}
	if f.Reserved != nil {
		t.limit, t.reserved = *f.Reserved, true
	}
	var c *fnConfig
	switch a, isAlias := f.Aliases[q]; {
	case q == "":
		c = &f.Latest
	case isAlias:
		t.alias = true
		c = f.version(a.pick())
	default:
		c = f.version(q)
	}
	if c == nil {
		return target{}, notFound(qualifiedARN(f.Name, q))
	}
	if c.Creating && c.busy(s.now()) {
		return target{}, apiErr(codeConflict, "The operation cannot be performed at this time. The function is currently in the following state: Pending")
	}
	t.cfg = *c
	return t, nil
}

// Invoke runs a function synchronously for the other local services. It
// implements bus.Invoker.
func (s *Service) Invoke(ctx context.Context, function, qualifier string, payload []byte) (bus.InvokeResult, error) {
	if err := s.opts.Faults.Check(ctx, "lambda", "Invoke", function); err != nil {
		return bus.InvokeResult{}, err
	}
	if len(payload) > maxPayload {
		return bus.InvokeResult{}, tooLarge()
	}
	t, err := s.resolve(function, qualifier)
	if err != nil {
		return bus.InvokeResult{}, err
	}
	return s.run(ctx, t, payload)
}

func tooLarge() *awserr.Error {
	return apiErr(codeRequestTooLarge, "Request must be smaller than %d bytes for the InvokeFunction operation", maxPayload)
}

// run executes one invocation within the function's concurrency limit and
// records its metrics.
func (s *Service) run(ctx context.Context, t target, payload []byte) (bus.InvokeResult, error) {
	s.mu.Lock()
	if s.inflight[t.name] >= t.limit {
		s.mu.Unlock()
		s.record(t, false, map[string]float64{"Throttles": 1}, time.Time{})
		e := apiErr(codeTooManyRequests, "Rate Exceeded.")
		e.Reason = "ConcurrentInvocationLimitExceeded"
		if t.reserved {
			e.Reason = "ReservedFunctionConcurrentInvocationLimitExceeded"
		}
		return bus.InvokeResult{}, e
	}
	s.inflight[t.name]++
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.inflight[t.name]--
		s.mu.Unlock()
	}()

	started := s.now()
	o, elapsed, err := s.executeOrFail(ctx, t, payload)
	if err != nil {
		return bus.InvokeResult{}, err
	}
	failed := 0.0
	if o.failed() {
		failed = 1
	}
	s.record(t, true, map[string]float64{
		"Invocations": 1,
		"Errors":      failed,
		"Duration":    float64(elapsed.Microseconds()) / 1000,
	}, started)
	res := bus.InvokeResult{Payload: o.payload, ExecutedVersion: t.cfg.Version, StatusCode: http.StatusOK}
	if o.failed() {
		res.FunctionError = "Unhandled"
	}
	return res, nil
}

// executeOrFail executes the invocation unless an injected function error
// ends it first; an error injected after the run replaces the function's
// answer, as when the process dies before it replies.
func (s *Service) executeOrFail(ctx context.Context, t target, payload []byte) (outcome, time.Duration, error) {
	f := s.opts.Faults.Invocation(t.name)
	if f == nil {
		return s.execute(ctx, t, payload)
	}
	var elapsed time.Duration
	if f.AfterRun {
		var err error
		if _, elapsed, err = s.execute(ctx, t, payload); err != nil {
			return outcome{}, elapsed, err
		}
	}
	s.opts.Logger.Info("injected function error", "function", t.name, "version", t.cfg.Version, "errorType", f.ErrorType)
	return errorOutcome(f.ErrorType, f.Message), elapsed, nil
}

// execute hands the payload to a warm or new execution environment and waits
// for the outcome, the timeout or the end of the process.
func (s *Service) execute(ctx context.Context, t target, payload []byte) (outcome, time.Duration, error) {
	id := newRevisionID()
	timeout := time.Duration(t.cfg.Timeout) * time.Second
	begin := time.Now()
	key := envKey{fn: t.name, version: t.cfg.Version, revision: t.cfg.RevisionID}
	e, warm := s.envs.get(key), true
	if e == nil {
		var o outcome
		var err error
		if e, o, err = s.startEnv(key, t.cfg, id); err != nil || e == nil {
			return o, time.Since(begin), err
		}
		warm = false
	}
	inv := &invocation{id: id, payload: payload, arn: t.arn(), deadline: begin.Add(timeout), done: make(chan outcome, 1)}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	s.opts.Logger.Info("START", "function", t.name, "version", t.cfg.Version, "requestId", id)

	// Duration, as on AWS, counts from the moment the runtime takes the
	// event, so it excludes a cold start's init.
	dispatched := begin
	finish := func(o outcome) (outcome, time.Duration, error) {
		d := time.Since(dispatched)
		s.opts.Logger.Info("REPORT", "function", t.name, "version", t.cfg.Version, "requestId", id,
			"durationMs", float64(d.Microseconds())/1000, "memorySizeMB", t.cfg.MemorySize)
		return o, d, nil
	}
	timedOut := func() (outcome, time.Duration, error) {
		s.envs.discard(e)
		return finish(errorOutcome("Sandbox.Timedout",
			fmt.Sprintf("RequestId: %s Error: Task timed out after %.2f seconds", id, timeout.Seconds())))
	}
	exited := func() (outcome, time.Duration, error) {
		select {
		case o := <-inv.done:
			return finish(o)
		default:
		}
		s.envs.discard(e)
		return finish(e.exitOutcome(id))
	}

	select {
	case e.next <- inv:
	case <-e.exited:
		if warm {
			// A warm environment that ended while idle never saw this
			// invocation: run it in a fresh one.
			s.envs.discard(e)
			return s.execute(ctx, t, payload)
		}
		return exited()
	case <-timer.C:
		return timedOut()
	case <-ctx.Done():
		s.envs.discard(e)
		return outcome{}, 0, ctx.Err()
	}
	dispatched = time.Now()
	select {
	case o := <-inv.done:
		if o.errorType == "Function.ResponseSizeTooLarge" {
			// The runtime gives up on a refused response; so does Lambda.
			s.envs.discard(e)
		} else {
			s.envs.put(e)
		}
		return finish(o)
	case <-e.exited:
		return exited()
	case <-timer.C:
		return timedOut()
	case <-ctx.Done():
		s.envs.discard(e)
		return outcome{}, 0, ctx.Err()
	}
}

// startEnv starts an execution environment for cfg to run invocation
// requestID. A package that cannot run (no bootstrap, a bootstrap without the
// execute bit, wrong binary format) is the function's failure, as on AWS, and
// comes back as an outcome rather than an error.
func (s *Service) startEnv(key envKey, cfg fnConfig, requestID string) (*env, outcome, error) {
	root, err := s.store.unpackedDir(cfg.CodeSHA256)
	if err != nil {
		return nil, outcome{}, fmt.Errorf("unpack code of %s: %w", key.fn, err)
	}
	if _, err := os.Stat(filepath.Join(root, "bootstrap")); err != nil {
		return nil, errorOutcome("Runtime.InvalidEntrypoint",
			"Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]"), nil
	}
	e, err := startEnv(key, root, s.processEnv(key.fn, cfg, root), s.opts.Logger)
	if errors.Is(err, fs.ErrPermission) {
		// Lambda runs the bootstrap as packaged: without the execute bit
		// in the zip it cannot start, whatever the task root is here.
		return nil, errorOutcome("Runtime.InvalidEntrypoint",
			fmt.Sprintf("RequestId: %s Error: fork/exec %s: permission denied", requestID, awsBootstrap)), nil
	}
	if errors.Is(err, syscall.ENOEXEC) {
		return nil, errorOutcome("Runtime.InvalidEntrypoint", fmt.Sprintf(
			"%v: the bootstrap must be built for this machine (GOOS=%s GOARCH=%s)", err, runtime.GOOS, runtime.GOARCH)), nil
	}
	if err != nil {
		return nil, errorOutcome("Runtime.InvalidEntrypoint", err.Error()), nil
	}
	if err := s.envs.add(e); err != nil {
		e.kill()
		return nil, outcome{}, err
	}
	return e, outcome{}, nil
}

// processEnv is the environment of a function process: the host PATH, the
// pass-through variables, the function's Environment, then the variables
// Lambda defines (later entries win).
func (s *Service) processEnv(fn string, cfg fnConfig, root string) []string {
	vars := []string{"PATH=" + os.Getenv("PATH"), "TZ=:UTC", "LANG=en_US.UTF-8"}
	vars = append(vars, s.opts.Env...)
	for k, v := range cfg.Environment {
		vars = append(vars, k+"="+v)
	}
	lg := cfg.Logging.resolved(fn)
	if lg.Format == logFormatJSON {
		vars = append(vars, "AWS_LAMBDA_LOG_LEVEL="+lg.ApplicationLevel)
	}
	return append(vars,
		"AWS_LAMBDA_LOG_FORMAT="+lg.Format,
		"AWS_LAMBDA_FUNCTION_NAME="+fn,
		"AWS_LAMBDA_FUNCTION_VERSION="+cfg.Version,
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE="+strconv.Itoa(cfg.MemorySize),
		"AWS_LAMBDA_LOG_GROUP_NAME="+lg.Group,
		"AWS_LAMBDA_LOG_STREAM_NAME="+s.now().UTC().Format("2006/01/02")+"/["+cfg.Version+"]"+newRevisionID()[:8],
		"AWS_LAMBDA_INITIALIZATION_TYPE=on-demand",
		"AWS_REGION="+bus.Region,
		"AWS_DEFAULT_REGION="+bus.Region,
		"_HANDLER="+cfg.Handler,
		"LAMBDA_TASK_ROOT="+root,
		"LAMBDA_RUNTIME_DIR="+root,
	)
}

// record sends the AWS/Lambda metrics of one invocation with the dimension
// sets Lambda publishes: none (account-wide), FunctionName, FunctionName and
// Resource, and, for an invocation through an alias that ran, also
// FunctionName, Resource and ExecutedVersion.
func (s *Service) record(t target, executed bool, values map[string]float64, at time.Time) {
	if s.opts.Metrics == nil {
		return
	}
	if at.IsZero() {
		at = s.now()
	}
	resource := t.name
	if t.qualifier != "" {
		resource += ":" + t.qualifier
	}
	fn := bus.Dimension{Name: "FunctionName", Value: t.name}
	res := bus.Dimension{Name: "Resource", Value: resource}
	sets := [][]bus.Dimension{nil, {fn}, {fn, res}}
	if t.alias && executed {
		sets = append(sets, []bus.Dimension{fn, res, {Name: "ExecutedVersion", Value: t.cfg.Version}})
	}
	var data []bus.Datum
	for _, name := range []string{"Invocations", "Errors", "Duration", "Throttles"} {
		v, ok := values[name]
		if !ok {
			continue
		}
		unit := "Count"
		if name == "Duration" {
			unit = "Milliseconds"
		}
		for _, dims := range sets {
			data = append(data, bus.Datum{Namespace: "AWS/Lambda", MetricName: name, Dimensions: dims, Value: v, Unit: unit, Time: at})
		}
	}
	if err := s.opts.Metrics.PutMetric(context.Background(), data...); err != nil {
		s.opts.Logger.Error("record metrics", "function", t.name, "err", err)
	}
}

// serveInvoke answers POST /2015-03-31/functions/{name}/invocations.
func (s *Service) serveInvoke(w http.ResponseWriter, r *http.Request) {
	ref := r.PathValue("name")
	if err := s.opts.Faults.Check(r.Context(), "lambda", "Invoke", ref); err != nil {
		writeError(w, err)
		return
	}
	payload, err := io.ReadAll(io.LimitReader(r.Body, maxPayload+1))
	if err != nil {
		writeError(w, apiErr(codeInvalidParameter, "read request body: %v", err))
		return
	}
	if len(payload) > maxPayload {
		writeError(w, tooLarge())
		return
	}
	if len(payload) == 0 {
		payload = []byte("{}")
	}
	kind := r.Header.Get("X-Amz-Invocation-Type")
	if kind == "" {
		kind = "RequestResponse"
	}
	if kind != "RequestResponse" && kind != "Event" && kind != "DryRun" {
		writeError(w, validationErr("invocationType", kind, "Member must satisfy enum value set: [Event, RequestResponse, DryRun]"))
		return
	}
	t, err := s.resolve(ref, r.URL.Query().Get("Qualifier"))
	if err != nil {
		writeError(w, err)
		return
	}
	switch kind {
	case "DryRun":
		w.WriteHeader(http.StatusNoContent)
	case "Event":
		s.async.Add(1)
		go func() {
			defer s.async.Done()
			s.runEvent(t, payload)
		}()
		w.WriteHeader(http.StatusAccepted)
	default:
		res, err := s.run(r.Context(), t, payload)
		if err != nil {
			writeError(w, err)
			return
		}
		h := w.Header()
		h.Set("X-Amz-Executed-Version", res.ExecutedVersion)
		if res.FunctionError != "" {
			h.Set("X-Amz-Function-Error", res.FunctionError)
		}
		h.Set("Content-Type", "application/json")
		w.WriteHeader(res.StatusCode)
		_, _ = w.Write(res.Payload)
	}
}

// runEvent runs an asynchronous invocation. Like Lambda's event queue it
// retries a throttled event with backoff, and a failed one twice.
func (s *Service) runEvent(t target, payload []byte) {
	backoff := 100 * time.Millisecond
	for throttles, failures := 0, 0; throttles < 8 && failures < 3; {
		res, err := s.run(s.ctx, t, payload)
		switch {
		case err == nil && res.FunctionError == "":
			return
		case err == nil:
			failures++
			s.opts.Logger.Warn("asynchronous invocation failed", "function", t.name, "attempt", failures, "payload", string(res.Payload))
		case s.ctx.Err() != nil:
			return
		default:
			throttles++
			s.opts.Logger.Warn("asynchronous invocation", "function", t.name, "err", err)
		}
		select {
		case <-time.After(backoff):
			backoff *= 2
		case <-s.ctx.Done():
			return
		}
	}
}
