// Command greenlight ships new versions of AWS Lambda functions safely: it
// uploads release artifacts, follows the releases the deployer runs, and lets
// an operator roll a release back or promote it early.
//
// Exit codes: 0 success (a release ended promoted or as a no-op), 1 the release
// failed or was rolled back (or the operation failed), 2 usage error, 3 not
// found (no such function, release or execution), 4 environment (no
// credentials, no region, stack missing).
package main

import (
	"context"
	"errors"
	"os"
	"os/signal"

	"github.com/spf13/cobra"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	// The first interrupt asks the command to end; a second one ends the
	// process at once, as if greenlight did not catch it.
	context.AfterFunc(ctx, stop)
	err := execute(ctx, newRootCmd())
	stop()
	os.Exit(exitCode(err))
}

// execute runs the command tree and prints the error it ends with to its
// error output, unless the command has already told the user (see
// reportedError).
func execute(ctx context.Context, root *cobra.Command) error {
	err := root.ExecuteContext(ctx)
	var reported *reportedError
	if err != nil && !errors.As(err, &reported) {
		root.PrintErrln(root.ErrPrefix(), err)
	}
	return err
}

// newRootCmd builds the greenlight command tree.
func newRootCmd() *cobra.Command {
	root := newBareRoot()
	addReleaseCommands(root, newReleaseApp(connectAWS))
	root.AddCommand(newLocalCmd(), newASLCmd(), newDemoCmd())
	return root
}

// newBareRoot returns the root command without subcommands, so tests can
// attach commands wired to fake clients.
func newBareRoot() *cobra.Command {
	root := &cobra.Command{
		Use:   "greenlight",
		Short: "Safe blue/green and canary releases for AWS Lambda",
		Long: `greenlight ships new versions of AWS Lambda functions safely: tests before
any user traffic, canary or linear traffic shifting, alarm-driven rollback.

AWS endpoint, region and credentials come from the standard AWS configuration
(AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL, ...), so the same commands work
against real AWS and against the local cloud.

Exit codes:
  0  success (the release was promoted, or was a no-op)
  1  the release failed or was rolled back, or the operation failed
  2  usage error
  3  not found (function, release or execution)
  4  environment (no credentials, no region, stack not deployed)`,
		SilenceUsage:      true,
		SilenceErrors:     true, // execute prints them
		Args:              noArgs,
		RunE:              func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
		CompletionOptions: cobra.CompletionOptions{HiddenDefaultCmd: true},
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{err: err} })
	return root
}
