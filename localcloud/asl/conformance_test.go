package asl

import (
	"bytes"
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
	"github.com/greenlight/greenlight/localcloud/internal/testenv"
)

// The conformance suite runs executions recorded against AWS Step Functions
// (see the README of the cases directory) and compares the outcome. Every
// case is a subtest, and every difference from AWS fails it unless
// testdata/known-differences.json lists the case with the reason.

// knownDifferencesFile lists what the engine does not do as AWS does, with
// the reason for each entry.
const knownDifferencesFile = "testdata/known-differences.json"

// knownDifferences is the content of knownDifferencesFile.
type knownDifferences struct {
	// About says what the file is, for whoever opens it.
	About string `json:"about"`
	// Unsupported maps a case tag to why the cases tagged with it are not
	// run: features the engine refuses at load rather than run wrongly.
	Unsupported map[string]string `json:"unsupported"`
	// Result maps a case id to why its status, output, error or cause
	// differ from what AWS recorded.
	Result map[string]string `json:"result"`
	// History maps a case id to why the types of its history events differ
	// from what AWS recorded.
	History map[string]string `json:"history"`
}

// loadKnownDifferences reads knownDifferencesFile; a field it does not know
// (a misspelt section) fails the test rather than being ignored.
func loadKnownDifferences(t *testing.T) *knownDifferences {
	t.Helper()
	data, err := os.ReadFile(knownDifferencesFile)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var kd knownDifferences
	if err := dec.Decode(&kd); err != nil {
		t.Fatalf("%s: %v", knownDifferencesFile, err)
	}
	return &kd
}

// unsupportedTag returns the first tag of tags that the file lists as
// unsupported, and the reason, or "" when the case is in scope.
func (kd *knownDifferences) unsupportedTag(tags []string) (tag, reason string) {
	for _, tag := range tags {
		if reason, ok := kd.Unsupported[tag]; ok {
			return tag, reason
		}
	}
	return "", ""
}

// verdict is how one comparison with AWS ends.
type verdict string

const (
	// matched: the engine did what AWS did.
	matched verdict = "matched"
	// differs: the engine did not do what AWS did, and nothing says why.
	differs verdict = "differs"
	// known: the engine did not do what AWS did, for the listed reason.
	known verdict = "known"
	// stale: the case is listed as a difference but the engine now does
	// what AWS did. It fails the test, so that the list stays honest: each
	// entry is a difference that is still there, and fixing one removes it.
	stale verdict = "stale"
	// skipped: the case was not run, because it uses a feature listed as
	// unsupported.
	skipped verdict = "skipped"
)

// judge decides a comparison from its first difference ("" when there is
// none) and the reason the case is listed with ("" when it is not).
func judge(problem, reason string) verdict {
	switch {
	case problem == "" && reason == "":
		return matched
	case problem == "":
		return stale
	case reason == "":
		return differs
	default:
		return known
	}
}

// report ends a comparison: it fails t on differs and stale and logs known.
func report(t *testing.T, what string, v verdict, problem, reason string) {
	t.Helper()
	switch v {
	case differs:
		t.Errorf("%s differs from AWS: %s\n(if this is deliberate, list the case under %q in %s with the reason)", what, problem, what, knownDifferencesFile)
	case known:
		t.Logf("known %s difference (%s): %s", what, reason, problem)
	case stale:
		t.Errorf("%s matches AWS but %s lists it under %q (%s): remove the entry", what, knownDifferencesFile, what, reason)
	}
}

// conformanceCase is one file of the cases directory, with the fields the
// test compares (the README of the cases directory describes them all).
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
	History       []historyEvent `json:"history"`
	Tags          []string       `json:"tags"`
	UnstablePaths []string       `json:"unstable_paths"`
	JSONTextPaths []string       `json:"json_text_paths"`
}

// historyEvent is a recorded history event: its type, and the event as
// written, for the checks that read its details.
type historyEvent struct {
	Type string
	Raw  json.RawMessage
}

// UnmarshalJSON keeps the event's text beside its type.
func (h *historyEvent) UnmarshalJSON(b []byte) error {
	var ev struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(b, &ev); err != nil {
		return err
	}
	h.Type, h.Raw = ev.Type, append(json.RawMessage(nil), b...)
	return nil
}

// conformanceDir is $ASL_CONFORMANCE_DIR, or ../shared/asl-conformance
// beside the repository (the test runs in localcloud/asl).
func conformanceDir(t *testing.T) string {
	dir := os.Getenv("ASL_CONFORMANCE_DIR")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "asl-conformance")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// loadCases reads every case of the conformance directory, in file name
// order. It ends the test when there are none: skipped outside CI if the
// directory is missing, failed otherwise.
func loadCases(t *testing.T) []conformanceCase {
	t.Helper()
	dir := conformanceDir(t)
	if _, err := os.Stat(dir); err != nil {
		testenv.Missing(t, "no ASL conformance cases at %s (%v): put the recorded cases at ../shared/asl-conformance beside the repository or set ASL_CONFORMANCE_DIR", dir, err)
	}
	files, err := filepath.Glob(filepath.Join(dir, "cases", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("%s holds no cases/*.json", dir)
	}
	sort.Strings(files)
	cases := make([]conformanceCase, len(files))
	for i, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(data, &cases[i]); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if cases[i].ID == "" {
			t.Fatalf("%s: no id", f)
		}
	}
	return cases
}

func TestConformance(t *testing.T) {
	kd := loadKnownDifferences(t)
	cases := loadCases(t)

	type tally struct{ passed, failed, known, skipped int }
	tags := map[string]*tally{}
	var total tally
	histN, histMatched, histKnown := 0, 0, 0
	ids := map[string]bool{}
	ran := map[string]bool{}
	usedTags := map[string]bool{}
	for _, c := range cases {
		if ids[c.ID] {
			t.Errorf("two cases have the id %s", c.ID)
		}
		ids[c.ID] = true
		var outcome verdict
		t.Run(c.ID, func(t *testing.T) {
			if tag, reason := kd.unsupportedTag(c.Tags); tag != "" {
				usedTags[tag] = true
				// The skip is honest only while the engine refuses what
				// the tag stands for.
				if _, err := Parse(c.Definition); err != nil {
					outcome = skipped
					t.Skipf("unsupported (%s): %s; the engine refuses the definition: %v", tag, reason, err)
				}
				outcome = differs
				t.Fatalf("tagged %s, listed as unsupported (%s), but the engine accepts the definition: take the tag out of %s", tag, reason, knownDifferencesFile)
			}
			ran[c.ID] = true
			problem, types := runCase(&c)
			outcome = judge(problem, kd.Result[c.ID])
			report(t, "result", outcome, problem, kd.Result[c.ID])
			if len(c.History) > 0 {
				histN++
				hp := ""
				if !historyMatches(&c, types) {
					hp = fmt.Sprintf("event types %v, want %v", types, historyTypes(&c))
				}
				hv := judge(hp, kd.History[c.ID])
				report(t, "history", hv, hp, kd.History[c.ID])
				switch hv {
				case matched:
					histMatched++
				case known:
					histKnown++
				}
			}
		})
		count := func(tl *tally) {
			switch outcome {
			case matched:
				tl.passed++
			case known:
				tl.known++
			case skipped:
				tl.skipped++
			default:
				tl.failed++
			}
		}
		count(&total)
		for _, tag := range c.Tags {
			if tags[tag] == nil {
				tags[tag] = &tally{}
			}
			count(tags[tag])
		}
	}
	for _, list := range []struct {
		name    string
		entries map[string]string
	}{{"result", kd.Result}, {"history", kd.History}} {
		for id := range list.entries {
			if !ran[id] {
				t.Errorf("%s lists %s under %q, but no such case runs: remove the entry", knownDifferencesFile, id, list.name)
			}
		}
	}
	for tag := range kd.Unsupported {
		if !usedTags[tag] {
			t.Errorf("%s lists the tag %s as unsupported, but no case has it: remove the entry", knownDifferencesFile, tag)
		}
	}

	fmt.Printf("asl-conformance: passed=%d failed=%d known=%d skipped=%d\n", total.passed, total.failed, total.known, total.skipped)
	names := make([]string, 0, len(tags))
	for n := range tags {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		tl := tags[n]
		fmt.Printf("  tag %-45s passed=%d failed=%d known=%d skipped=%d\n", n, tl.passed, tl.failed, tl.known, tl.skipped)
	}
	fmt.Printf("asl-conformance-history: matched=%d of=%d known=%d\n", histMatched, histN, histKnown)
}

func TestJudge(t *testing.T) {
	tests := []struct {
		problem, reason string
		want            verdict
	}{
		{"", "", matched},
		{"status FAILED, want SUCCEEDED", "", differs},
		{"status FAILED, want SUCCEEDED", "AWS rounds differently", known},
		{"", "AWS rounds differently", stale},
	}
	for _, tt := range tests {
		if got := judge(tt.problem, tt.reason); got != tt.want {
			t.Errorf("judge(%q, %q) = %s, want %s", tt.problem, tt.reason, got, tt.want)
		}
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
		case *object:
			if _, ok := t.get(p); !ok {
				return v
			}
			if last {
				t.set(p, nil)
			}
			cur, _ = t.get(p)
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

// historyTypes returns the event types of the recorded history.
func historyTypes(c *conformanceCase) []string {
	types := make([]string, len(c.History))
	for i, h := range c.History {
		types[i] = h.Type
	}
	return types
}

// historyMatches compares event types; where branches or iterations run
// concurrently the order may differ, so only the multiset is compared.
func historyMatches(c *conformanceCase, got []string) bool {
	want := historyTypes(c)
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
