package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/spf13/cobra"

	"github.com/greenlight/greenlight/cmd/internal/demo"
)

type demoOptions struct {
	template  string
	timeScale float64
	verbose   bool
}

// newDemoCmd is `greenlight demo`: the whole release story on the local cloud.
func newDemoCmd() *cobra.Command {
	var o demoOptions
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Tell the whole release story on the local cloud",
		Long: `Starts the local cloud in this process, applies the synthesized stack, and
tells the release story in two parts.

One function: the sample function (examples/app) is released seven times
while a traffic generator calls its live alias: a first release; a canary
that is promoted; a configuration-only feature flag; a memory cut and a
failing build that their alarm rolls back; a build that fails its
pre-traffic test and never gets traffic; and an alarm that ends a
30-minute bake at once.

A group: the shop (examples/shop), an api and the worker it calls through
its own alias, is released as one three times:

  1. api a1 + worker w1, the group's first release: promoted.
  2. api a2 + worker w2 with a canary: during the tests and the bake, calls
     through the api's candidate alias reach only the new builds, via green,
     and calls through live only live versions; then both are promoted.
  3. api a1 + worker w3, which fails half its requests under traffic: the
     worker's alarm rolls both members back, and the notification says the
     worker decided.

It prints a timeline of each release and a summary, and exits 0 only when
every release ended the way it should. The clock runs --time-scale times
faster than real time, so a five-minute bake takes seconds.`,
		Example: `  make demo
  make synth-local && greenlight demo --time-scale 120`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDemo(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), o)
		},
	}
	cmd.Flags().StringVar(&o.template, "template", defaultTemplate, "the cloud assembly (or template) that make synth-local writes")
	cmd.Flags().Float64Var(&o.timeScale, "time-scale", 60, "run the local cloud's clock N times faster than real time")
	cmd.Flags().BoolVarP(&o.verbose, "verbose", "v", false, "print the local cloud's logs to stderr")
	return cmd
}

func runDemo(ctx context.Context, stdout, stderr io.Writer, o demoOptions) error {
	if o.timeScale < 1 {
		return usagef("--time-scale must be at least 1, got %g", o.timeScale)
	}
	var logger *slog.Logger
	if o.verbose {
		logger = slog.New(slog.NewTextHandler(stderr, nil))
	}
	begin := time.Now()
	fmt.Fprintf(stdout, "Starting the local cloud (clock ×%g) and applying %s …\n", o.timeScale, o.template)
	l, err := demo.StartLocal(ctx, demo.LocalOptions{Template: o.template, TimeScale: o.timeScale, Logger: logger})
	if err != nil {
		return environmentf("%w (run `make synth-local` first)", err)
	}
	defer l.Close()
	fmt.Fprintf(stdout, "Local cloud at %s; artifact bucket %s\n", l.Cloud.Endpoint(), l.Stack.Bucket)

	r := l.Runner()
	r.Out = stdout
	parts := demo.Parts()
	total := 0
	for _, p := range parts {
		total += len(p.Stories)
	}
	var results []demo.Result
	failed := 0
	for i, p := range parts {
		fmt.Fprintf(stdout, "\n== Part %d of %d. %s\n", i+1, len(parts), p.Title)
		for _, story := range p.Stories {
			fmt.Fprintf(stdout, "\n[%d/%d] %s: %s with %s\n", len(results)+1, total, story.Name, story.What(), story.Strategy)
			res, err := r.Run(ctx, story)
			if err != nil {
				return fmt.Errorf("%s: %w", story.Name, err)
			}
			demo.WriteResult(stdout, res)
			results = append(results, res)
			if !res.OK() {
				failed++
			}
		}
	}
	fmt.Fprintf(stdout, "\nSummary (%s in all):\n", time.Since(begin).Round(100*time.Millisecond))
	demo.WriteSummary(stdout, results)
	if failed > 0 {
		return fmt.Errorf("%d of %d releases did not end as expected", failed, len(results))
	}
	fmt.Fprintln(stdout, "\nEvery release ended as expected.")
	return nil
}
