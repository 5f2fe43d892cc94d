package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// strategies are the strategies the release benchmark prices, in the order
// of the tables.
var strategies = []string{"AllAtOnce", "Canary10Percent5Minutes", "Linear10PercentEvery1Minute"}

// headlineStrategy is the strategy of the deployer-overhead headline.
const headlineStrategy = "Canary10Percent5Minutes"

// report is what one `make bench` measured.
type report struct {
	Machine string
	Date    time.Time
	Elapsed time.Duration
	Scale   float64
	Results map[string]result // by benchmark name
}

// figures reads metrics off the results and remembers the first one missing,
// so that a table is written whole or not at all.
type figures struct {
	results map[string]result
	err     error
}

func (f *figures) get(name, unit string) float64 {
	r, ok := f.results[name]
	if !ok {
		if f.err == nil {
			f.err = fmt.Errorf("no result for %s", name)
		}
		return 0
	}
	v, ok := r.Metrics[unit]
	if !ok && f.err == nil {
		f.err = fmt.Errorf("%s reported no %s", name, unit)
	}
	return v
}

// functions lists the names of the sub-benchmarks of parent.
func (f *figures) functions(parent string) []string {
	var names []string
	for name := range f.results {
		if fn, ok := strings.CutPrefix(name, parent+"/"); ok {
			names = append(names, fn)
		}
	}
	sort.Strings(names)
	if len(names) == 0 && f.err == nil {
		f.err = fmt.Errorf("no results for %s", parent)
	}
	return names
}

// render writes RESULTS.md and returns the headline lines.
func (r report) render(w io.Writer) ([]string, error) {
	f := &figures{results: r.Results}
	var b strings.Builder
	var lines []string
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }

	p("# greenlight benchmarks")
	p("")
	p("Written by `make bench` (`go run ./cmd/bench/report`) on %s in %s.", r.Date.Format("2006-01-02 15:04 MST"), r.Elapsed.Round(time.Second))
	p("")
	p("Machine: %s.", r.Machine)
	p("")
	p("Every figure comes from the in-process local cloud with the synthesized stack applied,")
	p("running the real deployer Lambdas and state machine. Its clock runs %g× faster than", r.Scale)
	p("real time (a 5-minute bake takes 5 s); every duration below is real time.")
	p("")

	p("## Rollback latency")
	p("")
	p("From `SetAlarmState` to ALARM on the release alarm, while a 10 %% canary bakes, until")
	p("`GetAlias` (polled every millisecond) shows blue at 100 %% with the routing cleared. The")
	p("alarm is set the moment the canary's weight shows on the alias, while the shift may")
	p("still be recording its step: the race the guard has to win. The state-change event")
	p("reaches the `guard` function through EventBridge; every run checks that the release")
	p("then rolled back because of the guard's halt. On AWS, EventBridge's delivery and a")
	p("cold `guard` add their own latency (typically tens to hundreds of milliseconds).")
	p("")
	lines = append(lines, latencyTable(p, f, "BenchmarkRollbackLatency", "rollback-latency", time.Second))

	p("## Rollback, end to end")
	p("")
	p("From `SetAlarmState` to ALARM on the release alarm, while a 10 %% canary waits in its")
	p("30-minute bake, until the release's `rolledBack` notification is in the topic's inbox:")
	p("the guard's halt and the answer to the bake's task token, then `Verify alarms`, `Roll back`")
	p("and `Notify rolled back`. Every run checks that the release rolled back because of the")
	p("guard's halt.")
	p("")
	lines = append(lines, latencyTable(p, f, "BenchmarkRollbackEndLatency", "rollback-end-latency", time.Second))

	p("## Promote, end to end")
	p("")
	p("From starting `greenlight promote` (the CLI of cmd/greenlight, a process run against the")
	p("local cloud) while a 10 %% canary waits in its 30-minute bake, until the release's `promoted`")
	p("notification is in the inbox: the process's start and its lookup of the stack, the promote")
	p("request in the lock record, the live alias on green and the answer to the bake's task")
	p("token, then `Verify alarms`, `Promote` and `Notify promoted`.")
	p("")
	lines = append(lines, latencyTable(p, f, "BenchmarkPromoteEndLatency", "promote-end-latency", 0))
	p("Both end-to-end figures read the inbox through the local cloud's control API every 2 ms")
	p("and match the notification by its execution ARN; a read of a few hundred messages takes a")
	p("few milliseconds, by which a notification can be seen late.")
	p("")

	p("## Watchdog latency")
	p("")
	p("From `StopExecution` on a release waiting in the 30-minute bake of a 10 %% canary, as an")
	p("operator stops one from the console, until `GetAlias` and `GetObject` (polled every")
	p("millisecond) show blue at 100 %% with the routing cleared and the lock record")
	p("(`locks/<function>.json`) gone. The execution's status change reaches the `watchdog`")
	p("function through EventBridge; each run then waits for its `aborted` notification.")
	p("")
	lines = append(lines, latencyTable(p, f, "BenchmarkWatchdogLatency", "watchdog-latency", 0))

	p("## Deployer overhead")
	p("")
	p("Upload → first traffic: from the artifact's `PutObject` to the end of the first")
	p("`Shift traffic` (AllAtOnce: `Promote`), less the user's own tests (`Run tests`).")
	p("`Deploy green` (UpdateFunctionCode, waiting for the update, PublishVersion, the")
	p("candidate alias) is shown apart: it polls the code update from 100 ms, doubling up to a second.")
	p("Promote → done: from entering `Promote` to the end of the execution. From the")
	p("execution histories, averaged over %d release(s) per strategy.", f.results["BenchmarkRelease/"+headlineStrategy].Iterations)
	p("")
	p("| strategy | upload → first traffic | of which Deploy green | user's tests (excluded) | promote → done |")
	p("|---|---:|---:|---:|---:|")
	for _, s := range strategies {
		name := "BenchmarkRelease/" + s
		p("| %s | %.0f ms | %.0f ms | %.0f ms | %.1f ms |", s, f.get(name, "upload-to-traffic-ms"), f.get(name, "deploy-ms"),
			f.get(name, "tests-ms"), f.get(name, "promote-to-done-ms"))
	}
	p("")
	canary := "BenchmarkRelease/" + headlineStrategy
	lines = append(lines, fmt.Sprintf("deployer-overhead: strategy=%s upload-to-canary=%.0fms promote-to-done=%.1fms",
		headlineStrategy, f.get(canary, "upload-to-traffic-ms"), f.get(canary, "promote-to-done-ms")))

	p("## Cost per release")
	p("")
	p("State transitions are the states entered in the execution history (what Step Functions")
	p("standard workflows bill); Lambda invocations and GB-seconds are the deployer's task")
	p("invocations, each billed rounded up to 1 ms at the function's memory size from the")
	p("template (the demo function's own invocations by the tests are the user's cost).")
	p("Prices (us-east-1, no free tier): Step Functions standard $0.025 per 1,000 state")
	p("transitions ([pricing](https://aws.amazon.com/step-functions/pricing/)); Lambda arm64")
	p("$0.0000133334 per GB-s and $0.20 per 1M requests ([pricing](https://aws.amazon.com/lambda/pricing/)).")
	p("")
	p("| strategy | transitions | Lambda invocations | GB-s | Step Functions | Lambda | per release | per 1,000 releases |")
	p("|---|---:|---:|---:|---:|---:|---:|---:|")
	for _, s := range strategies {
		name := "BenchmarkRelease/" + s
		t, inv, gbs := f.get(name, "transitions"), f.get(name, "invocations"), f.get(name, "GB-s")
		c := price(t, inv, gbs)
		p("| %s | %.0f | %.0f | %.3f | $%.6f | $%.6f | $%.6f | $%.2f |", s, t, inv, gbs, c.StepFunctions, c.Lambda, c.Total(), 1000*c.Total())
		lines = append(lines, fmt.Sprintf("transitions: strategy=%s count=%.0f", s, t))
		lines = append(lines, fmt.Sprintf("cost: strategy=%s usd=%.6f", s, c.Total()))
	}
	p("")
	t := f.get(canary, "transitions")
	p("Goal: ≤ 25 transitions for %s: %s (%.0f).", headlineStrategy, verdict(t <= 25), t)
	p("")

	p("## Group releases")
	p("")
	p("A group of n members (the demo function's code in each) released from one bundle with a")
	p("one-step canary: upload → first traffic on every member's canary, less the members' tests;")
	p("`Deploy green` deploys every member; the transitions and deployer invocations of the whole")
	p("execution. One task serves all members, so the transitions do not grow with the members.")
	p("")
	p("| members | upload → first traffic | of which Deploy green | transitions | Lambda invocations |")
	p("|---:|---:|---:|---:|---:|")
	for _, n := range []int{1, 2, 5, 10} {
		name := fmt.Sprintf("BenchmarkGroupOverhead/members=%d", n)
		toCanary, transitions := f.get(name, "upload-to-canary-ms"), f.get(name, "transitions")
		p("| %d | %.0f ms | %.0f ms | %.0f | %.0f |", n, toCanary, f.get(name, "deploy-ms"), transitions, f.get(name, "invocations"))
		lines = append(lines, fmt.Sprintf("group-overhead: members=%d upload-to-canary=%.0fms transitions=%.0f", n, toCanary, transitions))
	}
	p("")

	states := f.get("BenchmarkCounterLoop", "states/s")
	p("## ASL engine throughput")
	p("")
	p("`localcloud/asl` benchmarks: the counter loop aws-local-stepfunctions is compared on")
	p("(Pass, Choice by `NumericLessThanPath`, Pass with `States.MathAdd`; 90,002 states), a")
	p("Pass/Choice loop of 20,000 states, and a Map over 1,000 items.")
	p("")
	p("| benchmark | throughput | time per execution |")
	p("|---|---:|---:|")
	p("| counter loop | %.0f states/s | %s |", states, nsop(f.get("BenchmarkCounterLoop", "ns/op")))
	p("| Pass/Choice loop | %.0f states/s | %s |", f.get("BenchmarkPassChoiceLoop", "states/s"), nsop(f.get("BenchmarkPassChoiceLoop", "ns/op")))
	p("| Map of 1,000 items | %.0f items/s | %s |", f.get("BenchmarkMap1000", "items/s"), nsop(f.get("BenchmarkMap1000", "ns/op")))
	p("")
	lines = append(lines, fmt.Sprintf("asl-throughput: states_per_sec=%.0f", states))

	p("## Lambda build and start")
	p("")
	p("Each function built like `make build` for AWS (linux/arm64, `-tags lambda.norpc`, `-s -w`),")
	p("zipped as its deployment package; build time with a warm build cache. Init is a cold")
	p("start in the local cloud (host build) less a warm invocation right after it.")
	p("")
	p("| function | binary | zip | build | init (local cloud) | warm invoke |")
	p("|---|---:|---:|---:|---:|---:|")
	for _, fn := range f.functions("BenchmarkLambdaBuild") {
		build, start := "BenchmarkLambdaBuild/"+fn, "BenchmarkLambdaInit/"+fn
		bin, zip, ms := f.get(build, "binary-KiB"), f.get(build, "zip-KiB"), f.get(start, "init-ms")
		p("| %s | %.0f KiB | %.0f KiB | %s | %.1f ms | %.2f ms |", fn, bin, zip, nsop(f.get(build, "ns/op")), ms, f.get(start, "warm-ms"))
		lines = append(lines, fmt.Sprintf("lambda-build: function=%s binary=%.0fKiB zip=%.0fKiB init=%.1fms", fn, bin, zip, ms))
	}
	p("")
	p("The local Lambda itself (`localcloud/lambda` benchmarks, a minimal function): cold start %s,", nsop(f.get("BenchmarkColdStart", "ns/op")))
	p("warm invocation through the API %s.", nsop(f.get("BenchmarkWarmInvoke", "ns/op")))
	p("")

	p("## Headline figures")
	p("")
	p("What `make bench` prints, one line per figure, for scripts:")
	p("")
	p("```")
	for _, l := range lines {
		p("%s", l)
	}
	p("```")
	if f.err != nil {
		return nil, f.err
	}
	_, err := io.WriteString(w, b.String())
	return lines, err
}

// latencyTable writes the runs, p50, p99 and max of a latency benchmark as
// a table, with the verdict on p99 against goal (none when 0), and returns
// the headline line, named name.
func latencyTable(p func(string, ...any), f *figures, bench, name string, goal time.Duration) string {
	runs, p50, p99, worst := f.get(bench, "runs"), f.get(bench, "p50-ms"), f.get(bench, "p99-ms"), f.get(bench, "max-ms")
	target := "—"
	if goal > 0 {
		target = fmt.Sprintf("p99 ≤ %g s: %s", goal.Seconds(), verdict(p99 <= float64(goal.Milliseconds())))
	}
	p("| runs | p50 | p99 | max | goal |")
	p("|---:|---:|---:|---:|---|")
	p("| %.0f | %.1f ms | %.1f ms | %.1f ms | %s |", runs, p50, p99, worst, target)
	p("")
	return fmt.Sprintf("%s: p50=%.1fms p99=%.1fms runs=%.0f", name, p50, p99, runs)
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "**missed**"
}

// nsop formats a ns/op figure as a duration.
func nsop(ns float64) string {
	d := time.Duration(ns)
	switch {
	case d >= time.Second:
		return fmt.Sprintf("%.2f s", d.Seconds())
	case d >= time.Millisecond:
		return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%.1f µs", float64(d)/float64(time.Microsecond))
	}
}
