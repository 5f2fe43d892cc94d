// Package lambda is the local cloud's AWS Lambda: the Lambda REST API
// (restJson1, /2015-03-31/functions/...) for functions, versions, aliases with
// weighted routing, permissions and tags, and Invoke, which runs a function's
// real bootstrap as a child process behind a Runtime API host, keeps
// execution environments warm, enforces timeouts and concurrency, and records
// the AWS/Lambda metrics.
//
// A Service is an http.Handler for the API and a bus.Invoker for the other
// local services (Step Functions, EventBridge). State lives under
// Options.Dir, so a restart keeps functions, versions, aliases and code.
package lambda

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/greenlight/greenlight/localcloud/bus"
	"github.com/greenlight/greenlight/localcloud/clock"
	"github.com/greenlight/greenlight/localcloud/fault"
	"github.com/greenlight/greenlight/localcloud/internal/uuid"
)

// ObjectGetter fetches function code from S3 for CreateFunction and
// UpdateFunctionCode requests that name S3Bucket/S3Key/S3ObjectVersion. An
// error that implements bus.APIError is reported with its S3 code.
type ObjectGetter interface {
	GetObject(ctx context.Context, bucket, key, versionID string) ([]byte, error)
}

// Default settings.
const (
	// DefaultConcurrency is the number of execution environments one
	// function may run at once unless reserved concurrency says otherwise.
	// AWS shares 1,000 among an account's functions by default; locally each
	// function gets a bound of its own (every environment is a process),
	// high enough that a burst of releases is not throttled where AWS would
	// not throttle it.
	DefaultConcurrency = 100
	// DefaultSettleTime is how long (clock time) a created or updated
	// function stays Pending / InProgress.
	DefaultSettleTime = 200 * time.Millisecond
	// DefaultIdleLifetime is how long an execution environment stays warm
	// without invocations.
	DefaultIdleLifetime = 10 * time.Minute
	// DefaultCodeStorage is AWS's default code storage quota (75 GB).
	DefaultCodeStorage = 75 << 30
)

// Options configure a Service.
type Options struct {
	// Dir is the service's own folder for the persisted state; empty keeps
	// everything in a temporary directory that Close removes.
	Dir string
	// Clock drives the Pending/InProgress → Active/Successful transitions
	// and timestamps. Function timeouts are wall-clock time, since the
	// function code runs in real time. Nil means clock.Real.
	Clock clock.Clock
	// Faults, when set, is consulted before every operation.
	Faults *fault.Injector
	// Metrics, when set, receives the AWS/Lambda metrics of invocations.
	Metrics bus.Metrics
	// Objects resolves S3 code locations; without it S3 code is refused.
	Objects ObjectGetter
	// Logger receives the service's logs and the output of function
	// processes, line by line; nil discards them.
	Logger *slog.Logger
	// Env is passed to every function process ("KEY=value"), typically
	// AWS_ENDPOINT_URL and credentials so functions can call back into the
	// local cloud.
	Env []string
	// Concurrency bounds the concurrent executions of each function
	// (DefaultConcurrency when zero).
	Concurrency int
	// SettleTime is how long a create or update stays in progress
	// (DefaultSettleTime when zero, immediate when negative).
	SettleTime time.Duration
	// IdleLifetime is how long (wall-clock time) an unused execution
	// environment is kept warm (DefaultIdleLifetime when zero).
	IdleLifetime time.Duration
	// CodeStorage bounds the bytes of stored code packages; an upload
	// beyond it fails with CodeStorageExceededException
	// (DefaultCodeStorage when zero).
	CodeStorage int64
}

// Service is the local Lambda. It is safe for concurrent use.
type Service struct {
	opts   Options
	store  *store
	runDir string // temporary directory for unpacked code
	temp   string // the whole state directory when Options.Dir is empty
	mux    *http.ServeMux

	mu        sync.Mutex
	functions map[string]*function
	inflight  map[string]int // executions in progress per function

	envs *pool

	ctx    context.Context // cancelled by Close; parent of Event invocations
	cancel context.CancelFunc
	async  sync.WaitGroup // Event invocations and the idle reaper
}

var _ bus.Invoker = (*Service)(nil)

// New opens the service, loading any state persisted under opts.Dir.
func New(opts Options) (*Service, error) {
	if opts.Clock == nil {
		opts.Clock = clock.Real{}
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = DefaultConcurrency
	}
	if opts.IdleLifetime <= 0 {
		opts.IdleLifetime = DefaultIdleLifetime
	}
	if opts.CodeStorage <= 0 {
		opts.CodeStorage = DefaultCodeStorage
	}
	if opts.SettleTime == 0 {
		opts.SettleTime = DefaultSettleTime
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Service{opts: opts, inflight: map[string]int{}}
	dir := opts.Dir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "greenlight-lambda-state-")
		if err != nil {
			return nil, fmt.Errorf("lambda: %w", err)
		}
		s.temp, dir = tmp, tmp
	}
	run, err := os.MkdirTemp("", "greenlight-lambda-run-")
	if err != nil {
		s.removeTemp()
		return nil, fmt.Errorf("lambda: %w", err)
	}
	s.runDir = run
	if s.store, err = openStore(dir, run, opts.CodeStorage); err != nil {
		s.removeTemp()
		return nil, err
	}
	if s.functions, err = s.store.load(); err != nil {
		s.removeTemp()
		return nil, err
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.envs = newPool()
	s.routes()
	s.async.Go(s.reapIdle)
	return s, nil
}

// reapIdle stops idle execution environments until the service closes.
func (s *Service) reapIdle() {
	tick := time.NewTicker(s.opts.IdleLifetime / 4)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			s.envs.reap(s.opts.IdleLifetime)
		case <-s.ctx.Done():
			return
		}
	}
}

// Close stops every function process, waits for asynchronous invocations
// and removes temporary files. Persisted state stays under Options.Dir.
func (s *Service) Close() error {
	s.cancel()
	s.envs.close()
	s.async.Wait()
	return s.removeTemp()
}

func (s *Service) removeTemp() error {
	var errs []error
	for _, d := range []string{s.runDir, s.temp} {
		if d != "" {
			errs = append(errs, os.RemoveAll(d))
		}
	}
	return errors.Join(errs...)
}

func (s *Service) now() time.Time { return s.opts.Clock.Now() }

func (s *Service) settleAt() time.Time {
	if s.opts.SettleTime < 0 {
		return time.Time{}
	}
	return s.now().Add(s.opts.SettleTime)
}

// ServeHTTP answers the Lambda REST API.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Every AWS answer, success or error, carries a request id; the SDKs
	// put it in result metadata and error messages.
	w.Header().Set("X-Amzn-RequestId", uuid.New())
	s.mux.ServeHTTP(w, r)
}

// operation is one API operation: it returns the HTTP status and the body to
// encode as JSON (nil for none), or an error to answer with.
type operation func(r *http.Request) (int, any, error)

func (s *Service) routes() {
	s.mux = http.NewServeMux()
	handle := func(pattern, name string, op operation) {
		s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			resource := r.PathValue("name")
			if resource == "" {
				resource = r.PathValue("arn")
			}
			if err := s.opts.Faults.Check(r.Context(), "lambda", name, resource); err != nil {
				writeError(w, err)
				return
			}
			status, body, err := op(r)
			switch {
			case err != nil:
				writeError(w, err)
			case body == nil:
				w.WriteHeader(status)
			default:
				writeJSON(w, status, body)
			}
		})
	}
	const fn = "/2015-03-31/functions/{name}"
	handle("POST /2015-03-31/functions", "CreateFunction", s.createFunction)
	handle("POST /2015-03-31/functions/{$}", "CreateFunction", s.createFunction)
	handle("GET /2015-03-31/functions", "ListFunctions", s.listFunctions)
	handle("GET /2015-03-31/functions/{$}", "ListFunctions", s.listFunctions)
	handle("GET "+fn, "GetFunction", s.getFunction)
	handle("DELETE "+fn, "DeleteFunction", s.deleteFunction)
	handle("GET "+fn+"/configuration", "GetFunctionConfiguration", s.getFunctionConfiguration)
	handle("PUT "+fn+"/configuration", "UpdateFunctionConfiguration", s.updateFunctionConfiguration)
	handle("PUT "+fn+"/code", "UpdateFunctionCode", s.updateFunctionCode)
	handle("GET "+fn+"/versions", "ListVersionsByFunction", s.listVersions)
	handle("POST "+fn+"/versions", "PublishVersion", s.publishVersion)
	handle("POST "+fn+"/aliases", "CreateAlias", s.createAlias)
	handle("GET "+fn+"/aliases", "ListAliases", s.listAliases)
	handle("GET "+fn+"/aliases/{alias}", "GetAlias", s.getAlias)
	handle("PUT "+fn+"/aliases/{alias}", "UpdateAlias", s.updateAlias)
	handle("DELETE "+fn+"/aliases/{alias}", "DeleteAlias", s.deleteAlias)
	handle("POST "+fn+"/policy", "AddPermission", s.addPermission)
	handle("GET "+fn+"/policy", "GetPolicy", s.getPolicy)
	handle("DELETE "+fn+"/policy/{sid}", "RemovePermission", s.removePermission)
	handle("PUT /2017-10-31/functions/{name}/concurrency", "PutFunctionConcurrency", s.putConcurrency)
	handle("DELETE /2017-10-31/functions/{name}/concurrency", "DeleteFunctionConcurrency", s.deleteConcurrency)
	handle("GET /2019-09-30/functions/{name}/concurrency", "GetFunctionConcurrency", s.getConcurrency)
	handle("POST /2017-03-31/tags/{arn}", "TagResource", s.tagResource)
	handle("GET /2017-03-31/tags/{arn}", "ListTags", s.listTags)
	handle("DELETE /2017-03-31/tags/{arn}", "UntagResource", s.untagResource)
	handle("GET /2016-08-19/account-settings", "GetAccountSettings", s.accountSettings)
	handle("GET /2016-08-19/account-settings/{$}", "GetAccountSettings", s.accountSettings)
	s.mux.HandleFunc("POST "+fn+"/invocations", s.serveInvoke)
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, apiErr(codeUnknownOperation, "no Lambda operation for %s %s", r.Method, r.URL.Path))
	})
}

// newRevisionID returns a fresh RevisionId (a UUID, as AWS uses).
func newRevisionID() string { return uuid.New() }
