// Command report runs greenlight's benchmarks (cmd/bench/, and the local cloud's
// engine and Lambda benchmarks), writes the figures as markdown tables to
// cmd/bench/RESULTS.md, and prints one machine-readable line per headline figure:
//
//	go run ./cmd/bench/report -o cmd/bench/RESULTS.md
//
// It runs from the module root; the release benchmarks need the stack
// synthesized for the host (make synth-local).
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strings"
	"time"
)

func main() {
	out := flag.String("o", "cmd/bench/RESULTS.md", "where to write the markdown tables")
	runs := flag.Int("runs", 50, "runs of each latency benchmark (rollback, rollback and promote end to end, watchdog) to take p50/p99 over")
	releases := flag.Int("releases", 2, "releases per strategy to average the cost and overhead over")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *out, *runs, *releases); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// timeScale is the local cloud's speed-up in the release benchmarks; the
// report converts every span back to real time.
const timeScale = 60

func suites(runs, releases int) [][]string {
	scale := fmt.Sprint("-timescale=", timeScale)
	return [][]string{
		{"-bench", "^Benchmark(Rollback|RollbackEnd|PromoteEnd|Watchdog)Latency$", "-benchtime", fmt.Sprintf("%dx", runs), "./cmd/bench", "-args", scale},
		{"-bench", "^(BenchmarkRelease|BenchmarkLambdaInit|BenchmarkGroupOverhead)$", "-benchtime", fmt.Sprintf("%dx", releases), "./cmd/bench", "-args", scale},
		{"-bench", "^BenchmarkLambdaBuild$", "-benchtime", "1x", "./cmd/bench"},
		{"-bench", ".", "./localcloud/asl", "./localcloud/lambda"},
	}
}

func run(ctx context.Context, out string, runs, releases int) error {
	if runs < 1 || releases < 1 {
		return errors.New("-runs and -releases must be at least 1")
	}
	started := time.Now()
	rep := report{Date: started.UTC(), Scale: timeScale, Results: map[string]result{}}
	var err error
	if rep.Machine, err = machine(ctx); err != nil {
		return err
	}
	for _, args := range suites(runs, releases) {
		args = append([]string{"test", "-run", "^$", "-count=1", "-timeout", "20m"}, args...)
		fmt.Fprintln(os.Stderr, "go", strings.Join(args, " "))
		var buf bytes.Buffer
		cmd := exec.CommandContext(ctx, "go", args...)
		cmd.Stdout = io.MultiWriter(&buf, os.Stderr)
		cmd.Stderr = os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("go %s: %w", strings.Join(args, " "), err)
		}
		results, err := parse(&buf)
		if err != nil {
			return err
		}
		for _, r := range results {
			if _, dup := rep.Results[r.Name]; dup {
				return fmt.Errorf("benchmark %s reported twice", r.Name)
			}
			rep.Results[r.Name] = r
		}
	}
	rep.Elapsed = time.Since(started)
	var md bytes.Buffer
	lines, err := rep.render(&md)
	if err != nil {
		return err
	}
	if err := os.WriteFile(out, md.Bytes(), 0o644); err != nil {
		return err
	}
	for _, l := range lines {
		fmt.Println(l)
	}
	fmt.Fprintf(os.Stderr, "wrote %s in %s\n", out, rep.Elapsed.Round(time.Second))
	return nil
}

// machine describes the machine the figures come from.
func machine(ctx context.Context) (string, error) {
	v, err := exec.CommandContext(ctx, "go", "env", "GOVERSION").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOVERSION: %w", err)
	}
	return fmt.Sprintf("%s, %d cores, %s/%s, %s", cpuModel(), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, strings.TrimSpace(string(v))), nil
}

// cpuModel is the CPU's model name from /proc/cpuinfo, or "unknown CPU"
// where there is none.
func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}
