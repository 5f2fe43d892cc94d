package asl

import (
	"context"
	"encoding/json"
	"strconv"
	"testing"
	"time"
)

func benchRun(b *testing.B, def, input string) Result {
	b.Helper()
	m, err := Parse([]byte(def))
	if err != nil {
		b.Fatal(err)
	}
	e := NewEngine(Options{})
	x, err := e.Start(m, StartInput{ExecutionARN: "arn:bench", Input: input})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := x.Wait(ctx)
	if err != nil || res.Status != StatusSucceeded {
		b.Fatalf("execution = %+v, %v", res, err)
	}
	return res
}

// BenchmarkPassChoiceLoop counts down from 10,000 through a Pass and a
// Choice state per step and reports states per second.
func BenchmarkPassChoiceLoop(b *testing.B) {
	const steps = 10000
	def := `{"StartAt":"Dec","States":{
	  "Dec":{"Type":"Pass","Parameters":{"n.$":"States.MathAdd($.n, -1)"},"Next":"Check"},
	  "Check":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericGreaterThan":0,"Next":"Dec"}],"Default":"Done"},
	  "Done":{"Type":"Succeed"}}}`
	b.ResetTimer()
	for b.Loop() {
		benchRun(b, def, `{"n":`+strconv.Itoa(steps)+`}`)
	}
	b.ReportMetric(float64(2*steps*b.N)/b.Elapsed().Seconds(), "states/s")
}

// BenchmarkCounterLoop runs the counter loop aws-local-stepfunctions is
// compared on: a Pass that sets i and n, then a Choice (i < n, by
// NumericLessThanPath) and a Pass that adds one with States.MathAdd, 3
// states an iteration, 90,002 states for n = 30,000.
func BenchmarkCounterLoop(b *testing.B) {
	const n = 30000
	def := `{"StartAt":"Init","States":{
	  "Init":{"Type":"Pass","Parameters":{"i":0,"n.$":"$.n"},"Next":"Check"},
	  "Check":{"Type":"Choice","Choices":[{"Variable":"$.i","NumericLessThanPath":"$.n","Next":"Inc"}],"Default":"Done"},
	  "Inc":{"Type":"Pass","Parameters":{"i.$":"States.MathAdd($.i, 1)","n.$":"$.n"},"Next":"Check"},
	  "Done":{"Type":"Succeed"}}}`
	input := `{"n":` + strconv.Itoa(n) + `}`
	// One run before the timed ones grows the heap to its working size: a
	// run takes about as long as the default bench time, so the first
	// would otherwise be most of what is measured.
	benchRun(b, def, input)
	for b.Loop() {
		benchRun(b, def, input)
	}
	b.ReportMetric(float64((3*n+2)*b.N)/b.Elapsed().Seconds(), "states/s")
}

// BenchmarkMap1000 runs an unbounded Map over 1,000 items.
func BenchmarkMap1000(b *testing.B) {
	items := make([]int, 1000)
	for i := range items {
		items[i] = i
	}
	in, _ := json.Marshal(map[string]any{"items": items})
	def := `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":0,
	  "ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"v.$":"$"},"End":true}}},"End":true}}}`
	b.ResetTimer()
	for b.Loop() {
		benchRun(b, def, string(in))
	}
	b.ReportMetric(float64(1000*b.N)/b.Elapsed().Seconds(), "items/s")
}
