// Package localcloud is the embedded local AWS: one HTTP listener that
// speaks the wire protocols of the services the greenlight stack uses (S3,
// Lambda, Step Functions, EventBridge, SNS, CloudWatch, and enough of
// CloudFormation to discover a stack), so that the unmodified Lambdas, the
// AWS SDK and the AWS CLI work against it through AWS_ENDPOINT_URL.
//
// Requests are routed by the service named in their SigV4 credential scope;
// with Options.VerifySignatures their signatures are checked as AWS checks
// them (package internal/sigv4), otherwise any signature passes. The services reach each other through the
// interfaces of package bus, wired here. Under /_greenlight/ the server
// offers control endpoints for tests and the CLI: fault injection, the SNS
// inbox, the clock, stacks and health.
package localcloud

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/greenlight/greenlight/localcloud/bus"
	"github.com/greenlight/greenlight/localcloud/cfn"
	"github.com/greenlight/greenlight/localcloud/clock"
	"github.com/greenlight/greenlight/localcloud/cloudwatch"
	"github.com/greenlight/greenlight/localcloud/events"
	"github.com/greenlight/greenlight/localcloud/fault"
	"github.com/greenlight/greenlight/localcloud/internal/sigv4"
	"github.com/greenlight/greenlight/localcloud/lambda"
	"github.com/greenlight/greenlight/localcloud/s3"
	"github.com/greenlight/greenlight/localcloud/sfn"
	"github.com/greenlight/greenlight/localcloud/sns"
)

// The default credentials the local cloud hands to its functions and prints
// for users; without Options.VerifySignatures any credentials are accepted.
const (
	AccessKeyID     = "test"
	SecretAccessKey = "test"
)

// DefaultAddr is where `greenlight local up` listens.
const DefaultAddr = "127.0.0.1:4566"

// Options configure a Cloud.
type Options struct {
	// Addr is the listen address; "127.0.0.1:0" picks a free port, "" is
	// DefaultAddr.
	Addr string
	// Dir keeps every service's state across restarts, each service in a
	// folder of its own that no other service touches: s3/, lambda/,
	// states/, events/, sns/, cloudwatch/ and cloudformation/; beside them
	// clock.json keeps the clock's reading. "" keeps it in memory (and
	// temporary files) for the life of the Cloud.
	Dir string
	// TimeScale runs the services' clock this many times faster than real
	// time (bakes, alarm periods, waits); values below 1 mean real time.
	// With a Dir the clock continues across restarts from where it was
	// (clock.json), never going backwards.
	TimeScale float64
	// Logger receives the logs of the cloud and of every service, each
	// service's records carrying a "service" attribute (its SigV4 signing
	// name); nil discards them.
	Logger *slog.Logger
	// ClockEnv returns the environment entries that tell a function process
	// how the cloud's clock relates to the wall clock: it runs scale times
	// faster than real time and agreed with it at origin. The names are the
	// functions' contract, not the cloud's, so the program that embeds the
	// cloud supplies them; nil hands the clock to no process, and functions
	// then read the wall clock.
	ClockEnv func(scale float64, origin time.Time) []string
	// AccessKeyID and SecretAccessKey are the credentials the cloud hands
	// to its functions and its own clients (AWSConfig), and the only ones
	// it accepts with VerifySignatures; "" is AccessKeyID or
	// SecretAccessKey.
	AccessKeyID     string
	SecretAccessKey string
	// VerifySignatures makes every request carry a valid SigV4 signature
	// made with the credentials above for the region bus.Region; a request
	// that does not is answered as AWS answers it (SignatureDoesNotMatch,
	// InvalidSignatureException, AccessDenied, ...).
	VerifySignatures bool
	// ControlToken, when not empty, is the bearer token every control
	// endpoint but health requires (see Client.WithToken).
	ControlToken string
}

// Cloud is a running local cloud.
type Cloud struct {
	opts     Options
	verifier *sigv4.Verifier // nil: signatures are not checked
	clock    *clock.Scaled
	keeper   *clockKeeper
	faults   *fault.Injector
	ln       net.Listener
	srv      *http.Server
	endpoint string

	services map[string]http.Handler // by SigV4 signing name
	closers  []namedCloser           // in creation order
	stacks   *cfn.Store
	inbox    http.Handler // the SNS inboxes, GET ?topic=

	events     lateEvents
	metrics    lateMetrics
	invoker    lateInvoker
	publisher  latePublisher
	executions lateExecutions

	started   atomic.Bool
	deployMu  sync.Mutex
	closeOnce sync.Once
	closeErr  error
}

type namedCloser struct {
	name string
	c    io.Closer
}

// New builds the services and binds the listener, so Endpoint is known (the
// functions' environment needs it); Start serves.
func New(opts Options) (*Cloud, error) {
	if opts.Addr == "" {
		opts.Addr = DefaultAddr
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.AccessKeyID == "" {
		opts.AccessKeyID = AccessKeyID
	}
	if opts.SecretAccessKey == "" {
		opts.SecretAccessKey = SecretAccessKey
	}
	clk, err := loadClock(opts.Dir, opts.TimeScale)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("local cloud: %w", err)
	}
	c := &Cloud{
		opts:     opts,
		clock:    clk,
		faults:   &fault.Injector{},
		ln:       ln,
		endpoint: "http://" + ln.Addr().String(),
		services: map[string]http.Handler{},
	}
	if opts.VerifySignatures {
		c.verifier = &sigv4.Verifier{AccessKeyID: opts.AccessKeyID, SecretAccessKey: opts.SecretAccessKey, Region: bus.Region}
	}
	c.events.name, c.metrics.name, c.invoker.name = "events", "monitoring", "lambda"
	c.publisher.name, c.executions.name = "sns", "states"
	if c.keeper, err = keepClock(opts.Dir, clk); err != nil {
		_ = ln.Close()
		return nil, err
	}
	if err := c.build(); err != nil {
		_ = c.closeServices()
		_ = c.keeper.close(false)
		_ = ln.Close()
		return nil, err
	}
	c.srv = &http.Server{Handler: c.dispatch(c.requireToken(c.control())), ReadHeaderTimeout: 30 * time.Second}
	return c, nil
}

// dispatch sends the control endpoints under ControlPrefix to control and
// every other request to the services. It reads the path as sent: an
// http.ServeMux would redirect a path holding "..", "." or "//", which in
// S3 are parts of a key, not a path to clean.
func (c *Cloud) dispatch(control http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, ControlPrefix) {
			control.ServeHTTP(w, r)
			return
		}
		c.route(w, r)
	})
}

// build creates the services and wires them through the late adapters. They
// are closed in the reverse order, so the sources of work (S3 uploads,
// EventBridge deliveries, executions) stop before the services they call.
func (c *Cloud) build() error {
	topics, err := sns.New(sns.Options{Dir: c.dir("sns"), Clock: c.clock, Faults: c.faults, Logger: c.logger("sns")})
	if err != nil {
		return fmt.Errorf("sns: %w", err)
	}
	c.add("sns", topics, topics)
	c.publisher.bind(topics)
	c.inbox = topics.InboxHandler()

	cw, err := cloudwatch.New(cloudwatch.Options{Dir: c.dir("cloudwatch"), Clock: c.clock, Faults: c.faults, Events: &c.events, Logger: c.logger("monitoring")})
	if err != nil {
		return fmt.Errorf("cloudwatch: %w", err)
	}
	c.add("monitoring", cw, cw)
	c.metrics.bind(cw)

	fn, err := lambda.New(lambda.Options{
		Dir:     c.dir("lambda"),
		Clock:   c.clock,
		Faults:  c.faults,
		Metrics: &c.metrics,
		Objects: objectGetter{client: awss3.NewFromConfig(c.AWSConfig(), func(o *awss3.Options) { o.UsePathStyle = true })},
		Logger:  c.logger("lambda"),
		Env:     c.FunctionEnv(),
	})
	if err != nil {
		return fmt.Errorf("lambda: %w", err)
	}
	c.add("lambda", fn, fn)
	c.invoker.bind(fn)

	machines, err := sfn.New(sfn.Options{Dir: c.dir("states"), Clock: c.clock, Faults: c.faults, Invoker: &c.invoker, Publisher: &c.publisher, Events: &c.events, Logger: c.logger("states")})
	if err != nil {
		return fmt.Errorf("states: %w", err)
	}
	c.add("states", machines, machines)
	c.executions.bind(machines)

	eb, err := events.New(events.Options{Dir: c.dir("events"), Clock: c.clock, Faults: c.faults, Executions: &c.executions, Invoker: &c.invoker, Logger: c.logger("events")})
	if err != nil {
		return fmt.Errorf("events: %w", err)
	}
	c.add("events", eb, eb)
	c.events.bind(eb)

	s3svc, err := s3.New(s3.Options{Dir: c.dir("s3"), Clock: c.clock, Faults: c.faults, Events: &c.events, Logger: c.logger("s3")})
	if err != nil {
		return fmt.Errorf("s3: %w", err)
	}
	c.add("s3", s3svc, s3svc)

	stacks, err := cfn.NewStore(c.dir("cloudformation"))
	if err != nil {
		return fmt.Errorf("cloudformation: %w", err)
	}
	c.stacks = stacks
	c.services["cloudformation"] = cfn.NewQueryHandler(stacks)

	// Every service is bound now: the executions that were running when
	// the cloud last stopped go on.
	if err := machines.Resume(); err != nil {
		return fmt.Errorf("states: %w", err)
	}
	return nil
}

func (c *Cloud) add(signingName string, h http.Handler, closer io.Closer) {
	c.services[signingName] = h
	c.closers = append(c.closers, namedCloser{signingName, closer})
}

// dir is the folder of Options.Dir that belongs to one service alone; ""
// when the cloud keeps its state in memory.
func (c *Cloud) dir(service string) string {
	if c.opts.Dir == "" {
		return ""
	}
	return filepath.Join(c.opts.Dir, service)
}

// logger is the logger of the named service: the cloud's, with the service
// named in every record.
func (c *Cloud) logger(service string) *slog.Logger {
	return c.opts.Logger.With("service", service)
}

// Start serves requests until ctx is done or Close is called.
func (c *Cloud) Start(ctx context.Context) error {
	if !c.started.CompareAndSwap(false, true) {
		return errors.New("local cloud: already started")
	}
	go func() {
		if err := c.srv.Serve(c.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			c.opts.Logger.Error("serve", "err", err)
		}
	}()
	// AfterFunc, not a goroutine blocked on ctx.Done: a cloud closed
	// directly under a context that never ends leaves nothing behind.
	context.AfterFunc(ctx, func() { _ = c.Close() })
	return nil
}

// Endpoint is the URL to use as AWS_ENDPOINT_URL, http://127.0.0.1:PORT.
func (c *Cloud) Endpoint() string { return c.endpoint }

// Faults is the fault injector every service consults.
func (c *Cloud) Faults() *fault.Injector { return c.faults }

// Clock is the services' (possibly accelerated) clock.
func (c *Cloud) Clock() clock.Clock { return c.clock }

// Stacks holds the stacks applied to this cloud.
func (c *Cloud) Stacks() *cfn.Store { return c.stacks }

// FunctionEnv is the environment of every function process: it points the
// AWS SDK at this cloud and hands the processes the cloud's clock (see
// Options.ClockEnv).
func (c *Cloud) FunctionEnv() []string {
	env := []string{
		"AWS_ENDPOINT_URL=" + c.endpoint,
		"AWS_REGION=" + bus.Region,
		"AWS_DEFAULT_REGION=" + bus.Region,
		"AWS_ACCESS_KEY_ID=" + c.opts.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY=" + c.opts.SecretAccessKey,
	}
	if c.opts.ClockEnv != nil {
		env = append(env, c.opts.ClockEnv(c.clock.Scale(), c.clock.Origin())...)
	}
	return env
}

// AWSConfig returns an SDK configuration for this cloud.
func (c *Cloud) AWSConfig() aws.Config {
	return aws.Config{
		Region:       bus.Region,
		BaseEndpoint: aws.String(c.endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider(c.opts.AccessKeyID, c.opts.SecretAccessKey, ""),
	}
}

// Close stops the server, then closes the services, each ending its own
// work and saving its state: callers before the services they call, so
// Step Functions interrupts its running executions (and waits for their
// goroutines) before Lambda closes.
func (c *Cloud) Close() error {
	c.closeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err := c.srv.Shutdown(ctx)
		if !c.started.Load() {
			err = c.ln.Close() // Shutdown closes only the listeners being served
		}
		c.closeErr = errors.Join(err, c.closeServices(), c.keeper.close(false))
	})
	return c.closeErr
}

// killer is a service that can stop as a crash would, see Kill.
type killer interface{ Kill() }

// Kill stops the cloud as kill -9 would, for tests of what survives a
// crash: it closes the listener and every connection and stops the
// services' work, but saves nothing that is not already on disk (Step
// Functions writes no more checkpoints, the clock's reading is not
// saved). Services with nothing to lose are closed as usual. Close after
// Kill does nothing.
func (c *Cloud) Kill() {
	c.closeOnce.Do(func() {
		_ = c.srv.Close()
		if !c.started.Load() {
			_ = c.ln.Close()
		}
		_ = c.keeper.close(true)
		for i := len(c.closers) - 1; i >= 0; i-- {
			if k, ok := c.closers[i].c.(killer); ok {
				k.Kill()
				continue
			}
			_ = c.closers[i].c.Close()
		}
	})
}

// closeServices closes the services, callers before the services they
// call, so none delivers to one already closed.
func (c *Cloud) closeServices() error {
	var errs []error
	for i := len(c.closers) - 1; i >= 0; i-- {
		if err := c.closers[i].c.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close %s: %w", c.closers[i].name, err))
		}
	}
	return errors.Join(errs...)
}

// route hands a request to the service its signature names: the
// Authorization header's credential scope or, for a presigned URL, the
// X-Amz-Credential query parameter's. Unsigned requests go to S3, unless
// signatures are verified: then they are refused.
func (c *Cloud) route(w http.ResponseWriter, r *http.Request) {
	name := signingService(r)
	if !c.authenticate(w, r, name) {
		return
	}
	if name == "" {
		name = "s3"
	}
	h, ok := c.services[name]
	if !ok {
		http.Error(w, fmt.Sprintf("the local cloud does not serve the %q service; it serves %s", name, strings.Join(c.serviceNames(), ", ")), http.StatusBadRequest)
		return
	}
	h.ServeHTTP(w, r)
}

func (c *Cloud) serviceNames() []string {
	names := make([]string, 0, len(c.services))
	for n := range c.services {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Deploy applies a stack to this cloud: path is a cloud assembly directory
// (cdk.out) or a template file, and stackName picks the stack (see
// cfn.FindStack). A stack applied before is updated in place. The result is
// recorded, also when the apply fails part way.
func (c *Cloud) Deploy(ctx context.Context, path, stackName string, parameters map[string]string) (*cfn.Stack, error) {
	c.deployMu.Lock()
	defer c.deployMu.Unlock()
	found, err := cfn.FindStack(path, stackName)
	if err != nil {
		return nil, err
	}
	tmpl, err := cfn.ReadTemplate(found.Template)
	if err != nil {
		return nil, err
	}
	prev, err := c.stacks.Get(found.Name)
	if errors.Is(err, cfn.ErrStackNotFound) {
		prev = nil
	} else if err != nil {
		return nil, err
	}
	a := cfn.NewFromConfig(c.AWSConfig(), bus.Account)
	a.WaitPoll = 50 * time.Millisecond
	a.Logger = c.logger("cloudformation")
	st, applyErr := a.Apply(ctx, tmpl, cfn.Options{StackName: found.Name, AssetDir: filepath.Dir(found.Template), Parameters: parameters, Previous: prev})
	if st == nil {
		return nil, applyErr
	}
	if err := c.stacks.Put(st); err != nil {
		return st, errors.Join(applyErr, fmt.Errorf("record stack %s: %w", found.Name, err))
	}
	return st, applyErr
}
