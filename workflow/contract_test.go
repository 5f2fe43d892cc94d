package workflow

import (
	"encoding/json"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/greenlight/greenlight/internal/decision"
	"github.com/greenlight/greenlight/internal/failure"
	"github.com/greenlight/greenlight/internal/notice"
	"github.com/greenlight/greenlight/internal/release"
)

// routed are the error names of internal/failure that the definition must
// route on. OperationError is not among them on purpose: it is retried like
// any unclassified error (States.TaskFailed), then caught by States.ALL.
var routed = []string{
	failure.NameValidation, failure.NameLockHeld, failure.NameArtifact, failure.NameConflict,
	failure.NameThrottled, failure.NameTestFailed, failure.NameAlarmBreached, failure.NameHalted,
	failure.NameRollbackFailed,
}

// verdicts are what verify may decide, which the "Next step?" Choice reads.
var verdicts = []string{release.NextShift, release.NextPromote}

// aslState is what the contract test reads of a state.
type aslState struct {
	Type       string
	Retry      []struct{ ErrorEquals []string }
	Catch      []struct{ ErrorEquals []string }
	Choices    []json.RawMessage
	Resource   string
	Parameters map[string]any
	Result     map[string]any
	Error      string
}

// comparison is one Choice rule, or a rule nested in And, Or or Not.
type comparison struct {
	Variable     string
	StringEquals *string
	And, Or      []json.RawMessage
	Not          json.RawMessage
}

// TestDefinitionUsesTheContracts pins what the rendered definition shares
// with the functions, which the compiler cannot check once the definition
// is JSON: every error name in a Retry or Catch, a Fail state or the
// Unexpected verdict Pass is one of failure's names or the workflow's own,
// every event handed to notify is a notice.Event, every verdict a Choice
// compares $.state.next with is a release.Next constant, and every one of
// those constants that the workflow must route on is used. TestDefinitionRendered
// keeps the file equal to what the construct builds.
func TestDefinitionUsesTheContracts(t *testing.T) {
	raw, err := os.ReadFile("testdata/definition.asl.json")
	if err != nil {
		t.Fatal(err)
	}
	var def struct{ States map[string]aslState }
	if err := json.Unmarshal(raw, &def); err != nil {
		t.Fatal(err)
	}
	if len(def.States) == 0 {
		t.Fatal("the definition has no states")
	}

	known := map[string]bool{
		errAll: true, errTaskFailed: true, errTimeout: true, failure.NameRollbackFailed: true,
		ErrReleaseFailed: true, ErrReleaseRejected: true, ErrRolledBack: true, ErrUnexpectedVerdict: true,
		ErrApprovalTimedOut: true,
	}
	waitsUsed := map[decision.Wait]bool{}
	for _, name := range append(slices.Clone(routed), lambdaTransient...) {
		known[name] = true
	}
	errorsUsed := map[string]bool{}
	eventsUsed := map[notice.Event]bool{}
	verdictsUsed := map[string]bool{}
	useError := func(state, where, name string) {
		errorsUsed[name] = true
		if !known[name] {
			t.Errorf("%s: %s names error %q, which is neither a failure name nor one of the workflow's", state, where, name)
		}
	}

	for name, s := range def.States {
		for _, r := range s.Retry {
			for _, e := range r.ErrorEquals {
				useError(name, "Retry", e)
			}
		}
		for _, c := range s.Catch {
			for _, e := range c.ErrorEquals {
				useError(name, "Catch", e)
			}
		}
		switch s.Type {
		case "Fail":
			useError(name, "Fail", s.Error)
		case "Pass":
			if e, ok := s.Result["Error"].(string); ok {
				useError(name, "Result", e)
			}
		case "Task":
			if s.Resource == lambdaCallback {
				payload, _ := s.Parameters["Payload"].(map[string]any)
				w, _ := payload["wait"].(string)
				waitsUsed[decision.Wait(w)] = true
				if !decision.Wait(w).Valid() {
					t.Errorf("%s: waits for %q, which is not a decision.Wait", name, w)
				}
			}
			if ev, ok := s.Parameters["event"]; ok {
				e, _ := ev.(string)
				eventsUsed[notice.Event(e)] = true
				if !notice.Event(e).Valid() {
					t.Errorf("%s: hands notify event %v, which is not a notice.Event", name, ev)
				}
			}
		case "Choice":
			for _, rule := range s.Choices {
				for _, c := range comparisons(t, rule) {
					if c.StringEquals == nil {
						continue
					}
					v := *c.StringEquals
					switch c.Variable {
					case "$.state.next":
						verdictsUsed[v] = true
						if !slices.Contains(verdicts, v) {
							t.Errorf("%s: compares $.state.next with %q, which is not a release.Next constant", name, v)
						}
					case "$.error.Error":
						useError(name, "Choice", v)
					default:
						t.Errorf("%s: compares %s with %q, which no contract test covers", name, c.Variable, v)
					}
				}
			}
		}
	}

	for _, name := range routed {
		if !errorsUsed[name] {
			t.Errorf("no Retry, Catch or Choice routes on %s", name)
		}
	}
	for _, e := range notice.Events() {
		if e == notice.Aborted {
			continue // the watchdog's, for executions that end outside the workflow's paths
		}
		if !eventsUsed[e] {
			t.Errorf("no state notifies %q", e)
		}
	}
	for _, w := range []decision.Wait{decision.Bake, decision.Approval} {
		if !waitsUsed[w] {
			t.Errorf("no callback task waits for %q", w)
		}
	}
	for _, v := range verdicts {
		if !verdictsUsed[v] {
			t.Errorf("no Choice follows verify's verdict %q", v)
		}
	}
	if t.Failed() {
		used := make([]string, 0, len(errorsUsed))
		for e := range errorsUsed {
			used = append(used, e)
		}
		sort.Strings(used)
		t.Logf("error names in the definition: %s", strings.Join(used, ", "))
	}
}

// comparisons flattens a Choice rule into its comparisons.
func comparisons(t *testing.T, raw json.RawMessage) []comparison {
	t.Helper()
	var c comparison
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatalf("choice rule %s: %v", raw, err)
	}
	out := []comparison{c}
	for _, r := range append(c.And, c.Or...) {
		out = append(out, comparisons(t, r)...)
	}
	if c.Not != nil {
		out = append(out, comparisons(t, c.Not)...)
	}
	return out
}
