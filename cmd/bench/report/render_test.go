package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// complete returns results for every figure the report shows.
func complete() map[string]result {
	m := func(kv ...any) map[string]float64 {
		out := map[string]float64{}
		for i := 0; i < len(kv); i += 2 {
			out[kv[i].(string)] = kv[i+1].(float64)
		}
		return out
	}
	rs := map[string]result{
		"BenchmarkRollbackLatency":     {Iterations: 50, Metrics: m("p50-ms", 4.2, "p99-ms", 171.2, "max-ms", 171.2, "runs", 50.0)},
		"BenchmarkRollbackEndLatency":  {Iterations: 50, Metrics: m("p50-ms", 35.1, "p99-ms", 1200.0, "max-ms", 1250.0, "runs", 50.0)},
		"BenchmarkPromoteEndLatency":   {Iterations: 50, Metrics: m("p50-ms", 120.5, "p99-ms", 265.1, "max-ms", 270.0, "runs", 50.0)},
		"BenchmarkWatchdogLatency":     {Iterations: 50, Metrics: m("p50-ms", 9.1, "p99-ms", 22.7, "max-ms", 22.7, "runs", 50.0)},
		"BenchmarkPassChoiceLoop":      {Iterations: 20, Metrics: m("ns/op", 5e7, "states/s", 300000.0)},
		"BenchmarkCounterLoop":         {Iterations: 5, Metrics: m("ns/op", 2.25e8, "states/s", 400000.0)},
		"BenchmarkMap1000":             {Iterations: 20, Metrics: m("ns/op", 2e6, "items/s", 500000.0)},
		"BenchmarkColdStart":           {Iterations: 10, Metrics: m("ns/op", 6e6)},
		"BenchmarkWarmInvoke":          {Iterations: 1000, Metrics: m("ns/op", 4e5)},
		"BenchmarkLambdaBuild/prepare": {Iterations: 1, Metrics: m("ns/op", 6e8, "binary-KiB", 10240.0, "zip-KiB", 3766.0)},
		"BenchmarkLambdaInit/prepare":  {Iterations: 2, Metrics: m("ns/op", 6e6, "init-ms", 5.9, "warm-ms", 0.4)},
	}
	for i, s := range strategies {
		rs["BenchmarkRelease/"+s] = result{Iterations: 2, Metrics: m("transitions", float64(15+20*i), "invocations", 10.0,
			"GB-s", 0.28, "upload-to-traffic-ms", 1100.0, "deploy-ms", 1010.0, "tests-ms", 20.0, "promote-to-done-ms", 7.5)}
	}
	for _, n := range []string{"1", "2", "5", "10"} {
		rs["BenchmarkGroupOverhead/members="+n] = result{Iterations: 1, Metrics: m("upload-to-canary-ms", 900.0, "deploy-ms", 800.0,
			"transitions", 16.0, "invocations", 12.0)}
	}
	return rs
}

func TestRender(t *testing.T) {
	r := report{Machine: "Test CPU, 2 cores", Date: time.Date(2026, 11, 22, 1, 0, 0, 0, time.UTC), Scale: 60, Results: complete()}
	var md bytes.Buffer
	lines, err := r.render(&md)
	if err != nil {
		t.Fatal(err)
	}
	wantLines := []string{
		"rollback-latency: p50=4.2ms p99=171.2ms runs=50",
		"rollback-end-latency: p50=35.1ms p99=1200.0ms runs=50",
		"promote-end-latency: p50=120.5ms p99=265.1ms runs=50",
		"watchdog-latency: p50=9.1ms p99=22.7ms runs=50",
		"deployer-overhead: strategy=Canary10Percent5Minutes upload-to-canary=1100ms promote-to-done=7.5ms",
		"transitions: strategy=Canary10Percent5Minutes count=35",
		"asl-throughput: states_per_sec=400000",
		"group-overhead: members=10 upload-to-canary=900ms transitions=16",
		"lambda-build: function=prepare binary=10240KiB zip=3766KiB init=5.9ms",
	}
	all := strings.Join(lines, "\n")
	for _, w := range wantLines {
		if !strings.Contains(all, w) {
			t.Errorf("headlines lack %q:\n%s", w, all)
		}
		if !strings.Contains(md.String(), w) {
			t.Errorf("RESULTS.md lacks the headline %q", w)
		}
	}
	for _, w := range []string{
		"Machine: Test CPU, 2 cores.",
		"2026-11-22 01:00 UTC",
		"| 50 | 4.2 ms | 171.2 ms | 171.2 ms | p99 ≤ 1 s: met |",
		"| 50 | 35.1 ms | 1200.0 ms | 1250.0 ms | p99 ≤ 1 s: **missed** |",
		"| 50 | 120.5 ms | 265.1 ms | 270.0 ms | — |",
		"| prepare | 10240 KiB | 3766 KiB | 600.0 ms | 5.9 ms | 0.40 ms |",
		"Goal: ≤ 25 transitions for Canary10Percent5Minutes: **missed** (35).",
		"$0.025 per 1,000 state",
		"| Canary10Percent5Minutes | 1100 ms | 1010 ms | 20 ms | 7.5 ms |",
	} {
		if !strings.Contains(md.String(), w) {
			t.Errorf("RESULTS.md lacks %q:\n%s", w, md.String())
		}
	}
}

func TestRenderMissing(t *testing.T) {
	tests := []struct {
		name, drop, wantErr string
	}{
		{"rollback", "BenchmarkRollbackLatency", "no result for BenchmarkRollbackLatency"},
		{"rollback end to end", "BenchmarkRollbackEndLatency", "no result for BenchmarkRollbackEndLatency"},
		{"promote end to end", "BenchmarkPromoteEndLatency", "no result for BenchmarkPromoteEndLatency"},
		{"watchdog", "BenchmarkWatchdogLatency", "no result for BenchmarkWatchdogLatency"},
		{"a strategy", "BenchmarkRelease/Linear10PercentEvery1Minute", "no result for BenchmarkRelease/Linear10PercentEvery1Minute"},
		{"builds", "BenchmarkLambdaBuild/prepare", "no results for BenchmarkLambdaBuild"},
		{"an init", "BenchmarkLambdaInit/prepare", "no result for BenchmarkLambdaInit/prepare"},
		{"a group size", "BenchmarkGroupOverhead/members=5", "no result for BenchmarkGroupOverhead/members=5"},
		{"the counter loop", "BenchmarkCounterLoop", "no result for BenchmarkCounterLoop"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := complete()
			delete(rs, tt.drop)
			var md bytes.Buffer
			_, err := report{Results: rs}.render(&md)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			if md.Len() != 0 {
				t.Error("a partial RESULTS.md was written")
			}
		})
	}
	rs := complete()
	delete(rs["BenchmarkRollbackLatency"].Metrics, "p99-ms")
	if _, err := (report{Results: rs}).render(&bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "reported no p99-ms") {
		t.Errorf("missing metric: err = %v", err)
	}
}

func TestNsop(t *testing.T) {
	tests := []struct {
		ns   float64
		want string
	}{{1500, "1.5 µs"}, {2.5e6, "2.5 ms"}, {3.25e9, "3.25 s"}}
	for _, tt := range tests {
		if got := nsop(tt.ns); got != tt.want {
			t.Errorf("nsop(%g) = %q, want %q", tt.ns, got, tt.want)
		}
	}
}
