package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/greenlight/greenlight/localcloud/asl"
	"github.com/greenlight/greenlight/localcloud/clock"
)

// newASLCmd builds "greenlight asl", which runs Amazon States Language
// definitions on the local engine.
func newASLCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "asl",
		Short: "Run Amazon States Language state machines locally",
		Args:  noArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newASLRunCmd())
	return cmd
}

type aslRunOptions struct {
	input     string
	history   bool
	timeScale float64
}

func newASLRunCmd() *cobra.Command {
	var o aslRunOptions
	cmd := &cobra.Command{
		Use:   "run DEFINITION.json",
		Short: "Run a state machine definition and print its output",
		Long: `Run a state machine definition with the local ASL engine and print its
output. A failed execution prints its error and cause and exits with 1.

Time is virtual by default: Wait states and retry intervals pass at once.
With --time-scale N the execution runs on the wall clock, N times faster.
Task states have no local resolver here: they fail with States.TaskFailed
and a cause naming their Resource (use Catch to route around them).`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("asl run takes exactly one definition file")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return runASL(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), args[0], o)
		},
	}
	cmd.Flags().StringVar(&o.input, "input", "{}", "execution input (JSON)")
	cmd.Flags().BoolVar(&o.history, "history", false, "print the execution history")
	cmd.Flags().Float64Var(&o.timeScale, "time-scale", 0, "run on the wall clock this many times faster (0: virtual time)")
	return cmd
}

func runASL(ctx context.Context, stdout, stderr io.Writer, path string, o aslRunOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if o.timeScale < 0 {
		return usagef("--time-scale must not be negative")
	}
	if !json.Valid([]byte(o.input)) {
		return usagef("--input is not valid JSON")
	}
	def, err := os.ReadFile(path)
	if err != nil {
		return usagef("read definition: %v", err)
	}
	m, err := asl.Parse(def)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	var clk clock.Clock = clock.NewVirtual(time.Now().UTC())
	if o.timeScale >= 1 {
		clk = clock.NewScaled(o.timeScale)
	} else if o.timeScale > 0 {
		return usagef("--time-scale must be 0 (virtual time) or at least 1")
	}
	x, err := asl.NewEngine(asl.Options{Clock: clk}).Start(m, asl.StartInput{
		ExecutionARN:     "arn:aws:states:us-east-1:000000000000:execution:local:run",
		Name:             "run",
		StateMachineARN:  "arn:aws:states:us-east-1:000000000000:stateMachine:local",
		StateMachineName: "local",
		Input:            o.input,
	})
	if err != nil {
		return usagef("%v", err)
	}
	res, err := x.Wait(ctx)
	if err != nil {
		x.Stop("States.Aborted", "interrupted")
		return err
	}
	if o.history {
		if err := printHistory(stdout, x.History()); err != nil {
			return err
		}
	}
	if res.Status == asl.StatusSucceeded {
		_, err := fmt.Fprintln(stdout, res.Output)
		return err
	}
	fmt.Fprintf(stderr, "status: %s\nerror: %s\ncause: %s\n", res.Status, res.Error, res.Cause)
	return errors.New("execution " + string(res.Status))
}

// printHistory writes one line per event: id, previous id, type, details.
func printHistory(w io.Writer, events []asl.Event) error {
	for _, ev := range events {
		b, err := json.Marshal(ev)
		if err != nil {
			return err
		}
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(b, &fields); err != nil {
			return err
		}
		for _, k := range []string{"timestamp", "type", "id", "previousEventId"} {
			delete(fields, k)
		}
		details := ""
		for _, v := range fields {
			details = string(v)
		}
		if _, err := fmt.Fprintf(w, "%4d %4d  %-28s %s\n", ev.ID, ev.PreviousEventID, ev.Type, details); err != nil {
			return err
		}
	}
	return nil
}
