package main

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// result is one line of `go test -bench` output.
type result struct {
	Name       string             // without the -GOMAXPROCS suffix
	Iterations int                // b.N
	Metrics    map[string]float64 // by unit: ns/op and the b.ReportMetric units
}

// parse reads the benchmark result lines of `go test -bench` output and
// ignores every other line.
func parse(r io.Reader) ([]result, error) {
	var out []result
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 4 || !strings.HasPrefix(fields[0], "Benchmark") {
			continue
		}
		n, err := strconv.Atoi(fields[1])
		if err != nil {
			continue // a benchmark's log line, not its result
		}
		if len(fields)%2 != 0 {
			return nil, fmt.Errorf("benchmark line %q: values and units do not pair up", sc.Text())
		}
		res := result{Name: trimProcs(fields[0]), Iterations: n, Metrics: map[string]float64{}}
		for i := 2; i < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				return nil, fmt.Errorf("benchmark line %q: value %q: %w", sc.Text(), fields[i], err)
			}
			res.Metrics[fields[i+1]] = v
		}
		out = append(out, res)
	}
	return out, sc.Err()
}

// trimProcs removes the -N that go test appends to a benchmark's name when
// GOMAXPROCS is not 1.
func trimProcs(name string) string {
	i := strings.LastIndexByte(name, '-')
	if i < 0 {
		return name
	}
	if _, err := strconv.Atoi(name[i+1:]); err != nil {
		return name
	}
	return name[:i]
}
