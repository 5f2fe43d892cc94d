package asl

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/greenlight/greenlight/localcloud/clock"
)

// TestConformanceKeyOrder runs every recorded case whose history has as
// many events as the engine's and compares the key order of each object
// in the events' input and output with AWS's. Objects whose keys differ
// (placeholders, unstable values) are not compared. AWS keeps JSON in
// Jackson ObjectNodes, so the order is visible wherever values become text.
func TestConformanceKeyOrder(t *testing.T) {
	compared, misordered := 0, 0
	for _, c := range loadCases(t) {
		m, err := Parse(c.Definition)
		if err != nil {
			continue
		}
		e := NewEngine(Options{Clock: clock.NewVirtual(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))})
		input := string(c.Input)
		if input == "" {
			input = "{}"
		}
		x, err := e.Start(m, StartInput{ExecutionARN: "arn:aws:states:us-east-1:111111111111:execution:order:" + c.ID, Input: input})
		if err != nil {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		_, err = x.Wait(ctx)
		cancel()
		hist := x.History()
		if err != nil || len(hist) != len(c.History) {
			continue
		}
		for i, rec := range c.History {
			want, err := decodeJSON(rec.Raw)
			if err != nil {
				t.Fatalf("%s: event %d: %v", c.ID, i+1, err)
			}
			text, err := json.Marshal(hist[i])
			if err != nil {
				t.Fatal(err)
			}
			got, err := decodeJSON(text)
			if err != nil {
				t.Fatal(err)
			}
			for _, diff := range detailOrderDiffs(want.(*object), got.(*object), &compared) {
				misordered++
				t.Errorf("%s: event %d %s", c.ID, i+1, diff)
			}
		}
	}
	fmt.Printf("asl-conformance-key-order: objects=%d misordered=%d\n", compared, misordered)
}

// detailOrderDiffs compares the input and output of the details of a
// recorded event (parsed JSON) and of the engine's (JSON text).
func detailOrderDiffs(want, got *object, compared *int) []string {
	var diffs []string
	for i, k := range want.keys {
		if !strings.HasSuffix(k, "EventDetails") {
			continue
		}
		wd, ok1 := want.vals[i].(*object)
		gv, _ := got.get(k)
		gd, ok2 := gv.(*object)
		if !ok1 || !ok2 {
			continue
		}
		for _, field := range []string{"input", "output"} {
			w, ok1 := wd.get(field)
			g, ok2 := gd.get(field)
			text, isText := g.(string)
			if !ok1 || !ok2 || !isText {
				continue
			}
			if v, err := decodeJSON([]byte(text)); err == nil {
				keyOrderDiffs(w, v, field, &diffs, compared)
			}
		}
	}
	return diffs
}

// keyOrderDiffs walks want and got together and reports every object
// whose keys are the same but in another order.
func keyOrderDiffs(want, got any, at string, diffs *[]string, compared *int) {
	switch w := want.(type) {
	case *object:
		g, ok := got.(*object)
		if !ok || g.len() != w.len() {
			return
		}
		for _, k := range w.keys {
			if _, ok := g.get(k); !ok {
				return
			}
		}
		*compared++
		if strings.Join(w.keys, ",") != strings.Join(g.keys, ",") {
			*diffs = append(*diffs, fmt.Sprintf("%s: keys %v, want %v", at, g.keys, w.keys))
		}
		for i, k := range w.keys {
			v, _ := g.get(k)
			keyOrderDiffs(w.vals[i], v, at+"/"+k, diffs, compared)
		}
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return
		}
		for i := range w {
			keyOrderDiffs(w[i], g[i], fmt.Sprintf("%s[%d]", at, i), diffs, compared)
		}
	}
}
