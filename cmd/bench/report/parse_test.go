package main

import (
	"reflect"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []result
		wantErr string
	}{
		{
			name: "custom metrics and noise",
			in: `goos: linux
pkg: github.com/greenlight/greenlight/bench
BenchmarkRollbackLatency-2   	      50	3723654183 ns/op	       171.2 max-ms	         4.228 p50-ms	        50.00 runs
--- BENCH: BenchmarkRollbackLatency-2
    rollback_test.go:42: something
PASS
ok  	github.com/greenlight/greenlight/bench	56.149s`,
			want: []result{{Name: "BenchmarkRollbackLatency", Iterations: 50, Metrics: map[string]float64{
				"ns/op": 3723654183, "max-ms": 171.2, "p50-ms": 4.228, "runs": 50}}},
		},
		{
			name: "sub-benchmarks, GOMAXPROCS 1",
			in: `BenchmarkRelease/Canary10Percent5Minutes 1 6177124982 ns/op 16.00 transitions
BenchmarkLambdaBuild/prepare-16 1 617139500 ns/op 10240 binary-KiB`,
			want: []result{
				{Name: "BenchmarkRelease/Canary10Percent5Minutes", Iterations: 1, Metrics: map[string]float64{"ns/op": 6177124982, "transitions": 16}},
				{Name: "BenchmarkLambdaBuild/prepare", Iterations: 1, Metrics: map[string]float64{"ns/op": 617139500, "binary-KiB": 10240}},
			},
		},
		{name: "a name with a dash", in: "BenchmarkA/x-y-2 3 10 ns/op", want: []result{{Name: "BenchmarkA/x-y", Iterations: 3, Metrics: map[string]float64{"ns/op": 10}}}},
		{name: "log line that starts like a result", in: "BenchmarkX says hello to you", want: nil},
		{name: "unpaired unit", in: "BenchmarkX-2 1 10 ns/op 5", wantErr: "do not pair up"},
		{name: "bad value", in: "BenchmarkX-2 1 ten ns/op", wantErr: `value "ten"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parse(strings.NewReader(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to mention %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("parse = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	f.Add("BenchmarkX-2 1 10 ns/op 4.5 p50-ms")
	f.Add("BenchmarkX 1 10")
	f.Add("--- FAIL: BenchmarkX\n")
	f.Fuzz(func(t *testing.T, in string) {
		rs, err := parse(strings.NewReader(in))
		if err != nil {
			return
		}
		for _, r := range rs {
			if !strings.HasPrefix(r.Name, "Benchmark") || len(r.Metrics) == 0 {
				t.Errorf("parse(%q) gave %+v", in, r)
			}
		}
	})
}
