package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/greenlight/greenlight/cmd/internal/demo"
	"github.com/greenlight/greenlight/localcloud"
	"github.com/greenlight/greenlight/localcloud/cfn"
	"github.com/greenlight/greenlight/localcloud/fault"
	"github.com/greenlight/greenlight/localcloud/sns"
)

// defaultTemplate is the cloud assembly `make synth-local` writes.
const defaultTemplate = "cdk.out"

// newLocalCmd is `greenlight local`: the embedded local cloud.
func newLocalCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "local",
		Short: "Run the stack on this machine, in the embedded local cloud",
		Long: `The local cloud is one process that speaks the AWS wire protocols of S3,
Lambda, Step Functions, EventBridge, SNS and CloudWatch (plus CloudFormation's
DescribeStacks), so the greenlight stack, the AWS SDK and the AWS CLI run
against it with no AWS account and no Docker.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newLocalUpCmd(), newLocalDeployCmd(), newLocalInboxCmd(), newLocalFaultCmd())
	return cmd
}

type upOptions struct {
	port      int
	dir       string
	ephemeral bool
	timeScale float64
	template  string
	stack     string
	verbose   bool

	verify          bool
	accessKeyID     string
	secretAccessKey string
}

func newLocalUpCmd() *cobra.Command {
	var o upOptions
	cmd := &cobra.Command{
		Use:   "up",
		Short: "Start the local cloud and deploy the synthesized stack into it",
		Long: `Starts the local cloud on 127.0.0.1, applies the synthesized template (when
it exists) and prints the environment that points AWS tools at it. It runs
until interrupted (Ctrl-C or SIGTERM) and keeps its state under --dir, so a
restart finds buckets, functions, aliases, topics, alarms and finished
executions again.`,
		Example: `  make synth-local && greenlight local up --time-scale 60
  greenlight local up --ephemeral --port 4567 --template ""`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runLocalUp(ctx, cmd.OutOrStdout(), cmd.ErrOrStderr(), o, cmd.Flags().Changed("template"))
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.port, "port", 4566, "port to listen on (127.0.0.1); 0 picks a free one")
	f.StringVar(&o.dir, "dir", ".greenlight/local", "directory that keeps the local cloud's state")
	f.BoolVar(&o.ephemeral, "ephemeral", false, "keep everything in memory; nothing survives a restart")
	f.Float64Var(&o.timeScale, "time-scale", 1, "run the clock N times faster (bakes, alarm periods, waits)")
	f.StringVar(&o.template, "template", defaultTemplate, `cloud assembly directory or template file to apply at start; "" applies none`)
	f.StringVar(&o.stack, "stack", "", "stack of the assembly to apply (default: its only stack)")
	f.BoolVarP(&o.verbose, "verbose", "v", false, "print the services' logs (and the functions' output) to stderr")
	f.BoolVar(&o.verify, "verify-signatures", demo.VerifyFromEnv(),
		"refuse requests without a valid SigV4 signature made with the credentials below, and require the printed control token (env "+demo.VerifySignaturesVar+")")
	f.StringVar(&o.accessKeyID, "access-key-id", envOr(demo.AccessKeyIDVar, localcloud.AccessKeyID),
		"the access key ID the cloud accepts and hands its functions (env "+demo.AccessKeyIDVar+")")
	f.StringVar(&o.secretAccessKey, "secret-access-key", os.Getenv(demo.SecretAccessKeyVar),
		"the secret access key it accepts (env "+demo.SecretAccessKeyVar+"; default: random with --verify-signatures, kept in --dir, else \""+localcloud.SecretAccessKey+"\")")
	return cmd
}

func runLocalUp(ctx context.Context, stdout, stderr io.Writer, o upOptions, templateGiven bool) error {
	if o.port < 0 || o.port > 65535 {
		return usagef("--port %d: want 0 to 65535", o.port)
	}
	if o.timeScale < 1 {
		return usagef("--time-scale %g: want 1 (real time) or more", o.timeScale)
	}
	template, err := localTemplate(o.template, templateGiven)
	if err != nil {
		return err
	}
	dir := o.dir
	if o.ephemeral {
		dir = ""
	} else if dir == "" {
		return usagef("--dir is empty: give a directory, or --ephemeral")
	}
	var logger *slog.Logger // nil: the cloud discards its logs
	if o.verbose {
		logger = slog.New(slog.NewTextHandler(stderr, nil))
	}
	opts := localcloud.Options{Addr: fmt.Sprintf("127.0.0.1:%d", o.port), Dir: dir, TimeScale: o.timeScale, Logger: logger,
		AccessKeyID: o.accessKeyID, SecretAccessKey: o.secretAccessKey, VerifySignatures: o.verify}
	if o.verify {
		secrets, err := demo.LoadSecrets(dir, demo.Secrets{SecretAccessKey: o.secretAccessKey, ControlToken: os.Getenv(demo.TokenVar)})
		if err != nil {
			return environmentf("the local cloud's secrets: %w", err)
		}
		opts.SecretAccessKey, opts.ControlToken = secrets.SecretAccessKey, secrets.ControlToken
	}
	cloud, err := demo.NewCloud(opts)
	if err != nil {
		return environmentf("start the local cloud: %w", err)
	}
	if err := cloud.Start(ctx); err != nil {
		return errors.Join(err, cloud.Close())
	}
	if template != "" {
		fmt.Fprintf(stderr, "applying %s ...\n", template)
		st, err := cloud.Deploy(ctx, template, o.stack, nil)
		if err != nil {
			return errors.Join(fmt.Errorf("deploy %s: %w", template, err), cloud.Close())
		}
		fmt.Fprintf(stderr, "stack %s %s: %d resources\n", st.Name, st.Status, len(st.Resources))
	} else if !templateGiven {
		fmt.Fprintf(stderr, "no %s/ yet: run `make synth-local`, then `greenlight local deploy`\n", defaultTemplate)
	}
	exports, err := demo.Env(ctx, cloud, opts.ControlToken)
	if err != nil {
		return errors.Join(err, cloud.Close())
	}
	for _, kv := range exports {
		fmt.Fprintf(stdout, "export %s\n", kv)
	}
	where := "in memory"
	if dir != "" {
		where = "state in " + dir
	}
	if o.verify {
		where += ", signatures verified"
	}
	fmt.Fprintf(stderr, "local cloud ready at %s (%s, clock x%g); Ctrl-C stops it\n", cloud.Endpoint(), where, o.timeScale)
	<-ctx.Done()
	if err := cloud.Close(); err != nil {
		return fmt.Errorf("stop the local cloud: %w", err)
	}
	fmt.Fprintln(stderr, "local cloud stopped")
	return nil
}

// localTemplate returns the absolute path of the template to apply, "" for
// none. The default is applied only when it exists; a template asked for
// by name must exist.
func localTemplate(path string, given bool) (string, error) {
	if path == "" {
		return "", nil
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(abs); err != nil {
		if !given && errors.Is(err, os.ErrNotExist) {
			return "", nil
		}
		return "", notFoundf("template %s: %w (synthesize it with `make synth-local`)", path, err)
	}
	return abs, nil
}

// localClient connects to the running local cloud named by --endpoint or
// AWS_ENDPOINT_URL.
func localClient(endpoint string) (*localcloud.Client, error) {
	if endpoint == "" {
		endpoint = os.Getenv("AWS_ENDPOINT_URL")
	}
	if endpoint == "" {
		return nil, environmentf("no local cloud: set AWS_ENDPOINT_URL (greenlight local up prints it) or pass --endpoint")
	}
	c, err := localcloud.NewClient(endpoint, nil)
	if err != nil {
		return nil, usagef("%w", err)
	}
	return c.WithToken(os.Getenv(demo.TokenVar)), nil
}

// controlError classifies an error of the control API: an unreachable cloud
// is the environment's fault, a refused request the command's.
func controlError(err error) error {
	var ce *localcloud.ControlError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ce) && ce.Status == 404:
		return notFoundf("%w", err)
	case errors.As(err, &ce):
		return err
	default:
		return environmentf("%w (is `greenlight local up` running?)", err)
	}
}

// envOr returns the environment variable name, or def when it is unset or
// empty.
func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func endpointFlag(cmd *cobra.Command, p *string) {
	cmd.Flags().StringVar(p, "endpoint", "", "local cloud URL (default $AWS_ENDPOINT_URL)")
}

func newLocalDeployCmd() *cobra.Command {
	var endpoint, template, stack, output string
	var params map[string]string
	cmd := &cobra.Command{
		Use:   "deploy",
		Short: "Apply the synthesized template to the running local cloud",
		Long: `Applies a CloudFormation template (what cdk synth writes) to the local cloud
at AWS_ENDPOINT_URL, creating or updating every resource in place: the
functions get the code of the template's assets, built for this machine.`,
		Example: `  make synth-local && greenlight local deploy
  greenlight local deploy --template cdk.out/Greenlight.template.json --stack greenlight -o json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(output); err != nil {
				return err
			}
			path, err := localTemplate(template, true)
			if err != nil {
				return err
			}
			if stack != "" && !cfn.ValidStackName(stack) {
				return usagef("--stack %q is not a valid stack name", stack)
			}
			c, err := localClient(endpoint)
			if err != nil {
				return err
			}
			st, err := c.Deploy(cmd.Context(), localcloud.DeployRequest{Template: path, StackName: stack, Parameters: params})
			if err != nil {
				var ce *localcloud.ControlError
				if errors.As(err, &ce) && ce.Stack != nil {
					printStack(cmd.ErrOrStderr(), ce.Stack)
				}
				return controlError(err)
			}
			if output == "json" {
				return writeJSON(cmd.OutOrStdout(), st)
			}
			printStack(cmd.OutOrStdout(), st)
			return nil
		},
	}
	endpointFlag(cmd, &endpoint)
	cmd.Flags().StringVar(&template, "template", defaultTemplate, "cloud assembly directory, or a template file in one (the assembly holds the code assets)")
	cmd.Flags().StringVar(&stack, "stack", "", "stack name (default: the assembly's only stack, or the template's)")
	cmd.Flags().StringToStringVar(&params, "parameter", nil, "template parameter override, NAME=VALUE (repeatable)")
	outputFlag(cmd, &output)
	return cmd
}

func printStack(w io.Writer, st *cfn.Stack) {
	fmt.Fprintf(w, "stack %s: %s\n", st.Name, st.Status)
	if st.StatusReason != "" {
		fmt.Fprintf(w, "reason: %s\n", st.StatusReason)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "RESOURCE\tTYPE\tPHYSICAL ID")
	for _, id := range st.LogicalIDs() {
		r := st.Resources[id]
		fmt.Fprintf(tw, "%s\t%s\t%s\n", id, r.Type, r.PhysicalID)
	}
	_ = tw.Flush()
	if len(st.Outputs) == 0 {
		return
	}
	fmt.Fprintln(w, "outputs:")
	keys := make([]string, 0, len(st.Outputs))
	for k := range st.Outputs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "  %s = %s\n", k, st.Outputs[k].Value)
	}
}

func newLocalInboxCmd() *cobra.Command {
	var endpoint, topic, output string
	cmd := &cobra.Command{
		Use:   "inbox",
		Short: "List the messages published to the local SNS topics",
		Long: `Every message published in the local cloud is kept in its topic's inbox,
which is how email and other non-HTTP subscriptions receive it locally.`,
		Example: `  greenlight local inbox
  greenlight local inbox --topic arn:aws:sns:us-east-1:000000000000:greenlight-notifications -o json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(output); err != nil {
				return err
			}
			c, err := localClient(endpoint)
			if err != nil {
				return err
			}
			inboxes := map[string][]sns.Message{}
			if topic != "" {
				msgs, err := c.Inbox(cmd.Context(), topic)
				if err != nil {
					return controlError(err)
				}
				inboxes[topic] = msgs
			} else if inboxes, err = c.Inboxes(cmd.Context()); err != nil {
				return controlError(err)
			}
			if output == "json" {
				return writeJSON(cmd.OutOrStdout(), inboxes)
			}
			printInboxes(cmd.OutOrStdout(), inboxes)
			return nil
		},
	}
	endpointFlag(cmd, &endpoint)
	cmd.Flags().StringVar(&topic, "topic", "", "topic ARN or name (default: every topic)")
	outputFlag(cmd, &output)
	return cmd
}

func printInboxes(w io.Writer, inboxes map[string][]sns.Message) {
	topics := make([]string, 0, len(inboxes))
	for t := range inboxes {
		topics = append(topics, t)
	}
	sort.Strings(topics)
	for _, t := range topics {
		msgs := inboxes[t]
		fmt.Fprintf(w, "%s (%d messages)\n", t, len(msgs))
		for _, m := range msgs {
			subject := m.Subject
			if subject == "" {
				subject = "(no subject)"
			}
			fmt.Fprintf(w, "  %s  %s\n", m.Timestamp.UTC().Format(time.RFC3339), subject)
			for _, line := range strings.Split(strings.TrimRight(m.Message, "\n"), "\n") {
				fmt.Fprintf(w, "    %s\n", line)
			}
		}
	}
}

func newLocalFaultCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "fault",
		Short: "Make local cloud operations fail or slow down",
		Long: `Fault rules make a named operation of a local service fail with an AWS error
(a number of times, or always) or take longer, to exercise the code that
handles failures. Services are named by their SigV4 signing name:
` + strings.Join(fault.Services, ", ") + `.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newLocalFaultAddCmd(), newLocalFaultListCmd(), newLocalFaultResetCmd())
	return cmd
}

func newLocalFaultAddCmd() *cobra.Command {
	var endpoint string
	var r fault.Rule
	cmd := &cobra.Command{
		Use:   "add",
		Short: "Add a fault rule",
		Example: `  greenlight local fault add --service lambda --operation UpdateAlias --code TooManyRequestsException --status 429 --count 2
  greenlight local fault add --service s3 --operation PutObject --latency 2s --count -1
  greenlight local fault add --service lambda --operation Invoke --match greenlight-demo --function-error Runtime.ExitError --count 3`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			// The flags every rule needs; the cloud checks the rule
			// itself (fault.Rule.Validate) and says what is wrong.
			if r.Service == "" || r.Operation == "" {
				return usagef("--service and --operation are required")
			}
			if r.Code == "" && r.FunctionError == "" && r.Latency <= 0 {
				return usagef("give --code, --function-error or --latency")
			}
			c, err := localClient(endpoint)
			if err != nil {
				return err
			}
			if err := c.AddFault(cmd.Context(), r); err != nil {
				return controlError(err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "added: %s\n", describeRule(r))
			return nil
		},
	}
	endpointFlag(cmd, &endpoint)
	f := cmd.Flags()
	f.StringVar(&r.Service, "service", "", "service signing name: "+strings.Join(fault.Services, ", "))
	f.StringVar(&r.Operation, "operation", "", "API operation, e.g. UpdateAlias")
	f.StringVar(&r.Match, "match", "", "only requests whose resource (function, bucket/key, ...) contains this")
	f.StringVar(&r.Code, "code", "", "AWS error code to fail with, e.g. TooManyRequestsException")
	f.IntVar(&r.Status, "status", 0, "HTTP status of the error (default 400)")
	f.StringVar(&r.Message, "message", "", "error message")
	f.IntVar(&r.Count, "count", 1, "how many calls fail; -1 for every call")
	f.IntVar(&r.Skip, "skip", 0, "let this many matching calls through before the rule applies")
	f.DurationVar(&r.Latency, "latency", 0, "delay added to each matching call, e.g. 2s")
	f.StringVar(&r.FunctionError, "function-error", "", "lambda Invoke only: end the invocation in this function error ("+fault.Crash+", "+fault.Timeout+", or any error type)")
	f.BoolVar(&r.AfterRun, "after-run", false, "with --function-error: let the function run, then drop its answer")
	return cmd
}

func describeRule(r fault.Rule) string {
	s := r.Service + " " + r.Operation
	if r.Match != "" {
		s += " matching " + r.Match
	}
	if r.Skip > 0 {
		s += fmt.Sprintf(" (after %d calls)", r.Skip)
	}
	if r.Code != "" {
		s += fmt.Sprintf(" fails with %s, %s", r.Code, times(r.Count))
	}
	if r.FunctionError != "" {
		when := "before it runs"
		if r.AfterRun {
			when = "after it runs"
		}
		s += fmt.Sprintf(" ends in %s %s, %s", r.FunctionError, when, times(r.Count))
	}
	if r.Latency > 0 {
		s += fmt.Sprintf(" (+%s latency)", r.Latency)
	}
	return s
}

func times(count int) string {
	if count < 0 {
		return "every time"
	}
	return fmt.Sprintf("%d times", count)
}

func newLocalFaultListCmd() *cobra.Command {
	var endpoint, output string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the active fault rules",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(output); err != nil {
				return err
			}
			c, err := localClient(endpoint)
			if err != nil {
				return err
			}
			rules, err := c.Faults(cmd.Context())
			if err != nil {
				return controlError(err)
			}
			if output == "json" {
				return writeJSON(cmd.OutOrStdout(), rules)
			}
			if len(rules) == 0 {
				fmt.Fprintln(cmd.OutOrStdout(), "no fault rules")
			}
			for _, r := range rules {
				fmt.Fprintln(cmd.OutOrStdout(), describeRule(r))
			}
			return nil
		},
	}
	endpointFlag(cmd, &endpoint)
	outputFlag(cmd, &output)
	return cmd
}

func newLocalFaultResetCmd() *cobra.Command {
	var endpoint string
	cmd := &cobra.Command{
		Use:   "reset",
		Short: "Remove every fault rule",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := localClient(endpoint)
			if err != nil {
				return err
			}
			if err := c.ResetFaults(cmd.Context()); err != nil {
				return controlError(err)
			}
			fmt.Fprintln(cmd.OutOrStdout(), "fault rules removed")
			return nil
		},
	}
	endpointFlag(cmd, &endpoint)
	return cmd
}
