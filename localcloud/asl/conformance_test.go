package asl

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/greenlight/greenlight/localcloud/clock"
)

// The conformance suite runs executions recorded against AWS Step Functions
// (see the README of the cases directory) and compares the outcome.

const (
	minPassRate    = 0.95
	minHistoryRate = 0.80
)

type conformanceCase struct {
	ID         string          `json:"id"`
	Definition json.RawMessage `json:"definition"`
	Input      json.RawMessage `json:"input"`
	Expected   struct {
		Status string          `json:"status"`
		Output json.RawMessage `json:"output"`
		Error  *string         `json:"error"`
		Cause  *string         `json:"cause"`
	} `json:"expected"`
	History []struct {
		Type string `json:"type"`
	} `json:"history"`
	Tags          []string `json:"tags"`
	UnstablePaths []string `json:"unstable_paths"`
	JSONTextPaths []string `json:"json_text_paths"`
}

func conformanceDir(t *testing.T) string {
	if d := os.Getenv("ASL_CONFORMANCE_DIR"); d != "" {
		return d
	}
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "..", "shared", "asl-conformance")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// outOfScope names why a case is not run, or "".
func outOfScope(tags []string) string {
	for _, t := range tags {
		switch t {
		case "jsonata":
			return "JSONata query language is not supported"
		case "field:Assign":
			return "variables (Assign) are not supported"
		}
	}
	return ""
}

func TestConformance(t *testing.T) {
	dir := conformanceDir(t)
	files, _ := filepath.Glob(filepath.Join(dir, "cases", "*.json"))
	if dir == "" || len(files) == 0 {
		t.Skipf("no conformance cases found in %q (set ASL_CONFORMANCE_DIR)", dir)
	}
	sort.Strings(files)
	type tally struct{ passed, failed, skipped int }
	tags := map[string]*tally{}
	var total tally
	inScope, inScopePassed, histN, histMatched := 0, 0, 0, 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var c conformanceCase
		if err := json.Unmarshal(data, &c); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		outcome := "passed"
		reason := outOfScope(c.Tags)
		if reason != "" {
			outcome = "skipped"
			total.skipped++
			t.Logf("SKIP %s: %s", c.ID, reason)
		} else {
			inScope++
			problem, types := runCase(&c)
			if problem == "" {
				total.passed++
				inScopePassed++
			} else {
				outcome = "failed"
				total.failed++
				t.Logf("FAIL %s: %s", c.ID, problem)
			}
			if len(c.History) > 0 {
				histN++
				if historyMatches(&c, types) {
					histMatched++
				} else {
					t.Logf("HISTORY %s: got %v", c.ID, types)
				}
			}
		}
		for _, tag := range c.Tags {
			if tags[tag] == nil {
				tags[tag] = &tally{}
			}
			switch outcome {
			case "passed":
				tags[tag].passed++
			case "failed":
				tags[tag].failed++
			default:
				tags[tag].skipped++
			}
		}
	}
	fmt.Printf("asl-conformance: passed=%d failed=%d skipped=%d\n", total.passed, total.failed, total.skipped)
	names := make([]string, 0, len(tags))
	for n := range tags {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		tl := tags[n]
		fmt.Printf("  tag %-45s passed=%d failed=%d skipped=%d\n", n, tl.passed, tl.failed, tl.skipped)
	}
	fmt.Printf("asl-conformance-history: matched=%d of=%d\n", histMatched, histN)
	if inScope > 0 && float64(inScopePassed) < minPassRate*float64(inScope) {
		t.Errorf("pass rate %d/%d is below %.0f%%", inScopePassed, inScope, minPassRate*100)
	}
	if histN > 0 && float64(histMatched) < minHistoryRate*float64(histN) {
		t.Errorf("history match rate %d/%d is below %.0f%%", histMatched, histN, minHistoryRate*100)
	}
}

// runCase runs one case and returns a description of the first difference
// ("" when it passes) and the history event types.
func runCase(c *conformanceCase) (string, []string) {
	m, err := Parse(c.Definition)
	if err != nil {
		return "definition refused: " + err.Error(), nil
	}
	clk := clock.NewVirtual(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
	e := NewEngine(Options{Clock: clk})
	input := string(c.Input)
	if input == "" {
		input = "{}"
	}
	x, err := e.Start(m, StartInput{
		ExecutionARN: "arn:aws:states:us-east-1:111111111111:execution:conformance:" + c.ID, Name: c.ID,
		StateMachineARN: "arn:aws:states:us-east-1:111111111111:stateMachine:conformance", StateMachineName: "conformance",
		RoleARN: "snf_role_arn", Input: input,
	})
	if err != nil {
		return "start: " + err.Error(), nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := x.Wait(ctx)
	if err != nil {
		x.Stop("Timeout", "conformance runner")
		return "did not finish", nil
	}
	var types []string
	for _, ev := range x.History() {
		types = append(types, string(ev.Type))
	}
	if string(res.Status) != c.Expected.Status {
		return fmt.Sprintf("status %s (%s: %s), want %s", res.Status, res.Error, res.Cause, c.Expected.Status), types
	}
	if len(c.Expected.Output) > 0 {
		want, err1 := decodeJSON(c.Expected.Output)
		got, err2 := decodeJSON([]byte(res.Output))
		if err1 != nil || err2 != nil {
			return fmt.Sprintf("output not JSON: %v %v", err1, err2), types
		}
		for _, p := range c.UnstablePaths {
			if rest, ok := strings.CutPrefix(p, "/expected/output"); ok {
				want = dropPointer(want, rest)
				got = dropPointer(got, rest)
			}
		}
		if !equalJSON(want, got) {
			return fmt.Sprintf("output %s, want %s", encodeJSON(got), encodeJSON(want)), types
		}
	}
	for _, f := range []struct {
		name      string
		want      *string
		got, path string
	}{{"error", c.Expected.Error, res.Error, "/expected/error"}, {"cause", c.Expected.Cause, res.Cause, "/expected/cause"}} {
		if contains(c.UnstablePaths, f.path) {
			continue
		}
		want := ""
		if f.want != nil {
			want = *f.want
		}
		if contains(c.JSONTextPaths, f.path) {
			w, err1 := decodeJSON([]byte(want))
			g, err2 := decodeJSON([]byte(f.got))
			if err1 == nil && err2 == nil && equalJSON(w, g) {
				continue
			}
		}
		if want != f.got {
			return fmt.Sprintf("%s %q, want %q", f.name, f.got, want), types
		}
	}
	return "", types
}

// dropPointer replaces the value at an RFC 6901 pointer with null.
func dropPointer(v any, pointer string) any {
	if pointer == "" {
		return nil
	}
	parts := strings.Split(strings.TrimPrefix(pointer, "/"), "/")
	cur := v
	for i, p := range parts {
		p = strings.ReplaceAll(strings.ReplaceAll(p, "~1", "/"), "~0", "~")
		last := i == len(parts)-1
		switch t := cur.(type) {
		case map[string]any:
			if _, ok := t[p]; !ok {
				return v
			}
			if last {
				t[p] = nil
			}
			cur = t[p]
		case []any:
			var idx int
			if _, err := fmt.Sscanf(p, "%d", &idx); err != nil || idx < 0 || idx >= len(t) {
				return v
			}
			if last {
				t[idx] = nil
			}
			cur = t[idx]
		default:
			return v
		}
	}
	return v
}

// historyMatches compares event types; where branches or iterations run
// concurrently the order may differ, so only the multiset is compared.
func historyMatches(c *conformanceCase, got []string) bool {
	want := make([]string, len(c.History))
	for i, h := range c.History {
		want[i] = h.Type
	}
	if strings.Join(want, ",") == strings.Join(got, ",") {
		return true
	}
	if !contains(c.Tags, "Parallel") && !contains(c.Tags, "Map") {
		return false
	}
	w, g := append([]string(nil), want...), append([]string(nil), got...)
	sort.Strings(w)
	sort.Strings(g)
	return strings.Join(w, ",") == strings.Join(g, ",")
}
