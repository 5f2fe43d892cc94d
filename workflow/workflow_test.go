package workflow_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"

	"github.com/greenlight/greenlight/internal/failure"
	"github.com/greenlight/greenlight/internal/notice"
	"github.com/greenlight/greenlight/workflow"
)

var update = flag.Bool("update", false, "rewrite testdata/definition.asl.json from the construct")

const renderedPath = "testdata/definition.asl.json"

// functionNames are the functions the state machine invokes, in the order of
// workflow.Functions.
var functionNames = []string{"prepare", "lock", "unlock", "deploy", "test", "shift", "verify", "promote", "rollback", "notify"}

func functionARN(name string) string {
	return "arn:aws:lambda:us-east-1:123456789012:function:greenlight-" + name
}

// synth builds the workflow from imported functions, so that the definition
// names them by literal ARNs, and returns its template.
func synth(t *testing.T) assertions.Template {
	t.Helper()
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Test"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("us-east-1")},
	})
	fns := map[string]awslambda.IFunction{}
	for _, name := range functionNames {
		fns[name] = awslambda.Function_FromFunctionArn(stack, jsii.String(name), jsii.String(functionARN(name)))
	}
	workflow.New(stack, "Workflow", &workflow.Props{Functions: workflow.Functions{
		Prepare: fns["prepare"], Lock: fns["lock"], Unlock: fns["unlock"], Deploy: fns["deploy"],
		Test: fns["test"], Shift: fns["shift"], Verify: fns["verify"], Promote: fns["promote"],
		Rollback: fns["rollback"], Notify: fns["notify"],
	}})
	return assertions.Template_FromStack(stack, nil)
}

// definitionJSON returns the state machine definition of a synthesized
// workflow whose function ARNs are literals.
func definitionJSON(t *testing.T, tpl assertions.Template) []byte {
	t.Helper()
	resources := tpl.FindResources(jsii.String("AWS::StepFunctions::StateMachine"), nil)
	if len(*resources) != 1 {
		t.Fatalf("want one state machine, got %d", len(*resources))
	}
	for _, r := range *resources {
		raw, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		var sm struct {
			Properties struct {
				DefinitionString any
			}
		}
		if err := json.Unmarshal(raw, &sm); err != nil {
			t.Fatal(err)
		}
		s, ok := sm.Properties.DefinitionString.(string)
		if !ok {
			t.Fatalf("DefinitionString is not a literal: %s", raw)
		}
		return []byte(s)
	}
	panic("unreachable")
}

type retrier struct {
	ErrorEquals     []string
	IntervalSeconds float64
	MaxAttempts     *float64
	BackoffRate     float64
	MaxDelaySeconds float64
}

type catcher struct {
	ErrorEquals []string
	Next        string
	ResultPath  *string
}

type state struct {
	Type        string
	Resource    string
	Next        string
	End         bool
	Default     string
	Choices     []struct{ Next string }
	Retry       []retrier
	Catch       []catcher
	SecondsPath string
	// TimeoutSecondsPath bounds a callback task's wait.
	TimeoutSecondsPath string
	Parameters         map[string]any
	Error              string
}

type definition struct {
	StartAt string
	States  map[string]state
}

func parse(t *testing.T) definition {
	t.Helper()
	var d definition
	if err := json.Unmarshal(definitionJSON(t, synth(t)), &d); err != nil {
		t.Fatal(err)
	}
	if d.States[d.StartAt].Type == "" {
		t.Fatalf("StartAt %q is not a state", d.StartAt)
	}
	return d
}

// next lists the states reachable from s in one transition.
func (s state) next() []string {
	var out []string
	if s.Next != "" {
		out = append(out, s.Next)
	}
	for _, c := range s.Choices {
		out = append(out, c.Next)
	}
	if s.Default != "" {
		out = append(out, s.Default)
	}
	for _, c := range s.Catch {
		out = append(out, c.Next)
	}
	return out
}

// callback reports whether s is a callback task (the bake, the approval).
func (s state) callback() bool {
	return s.Type == "Task" && s.Resource == "arn:aws:states:::lambda:invoke.waitForTaskToken"
}

// onTimeout is where a callback task goes when its wait runs out.
func (s state) onTimeout() string {
	for _, c := range s.Catch {
		if slices.Contains(c.ErrorEquals, "States.Timeout") {
			return c.Next
		}
	}
	return ""
}

func (s state) terminal() bool { return s.Type == "Succeed" || s.Type == "Fail" || s.End }

// reachable returns every state reachable from start, start included.
func (d definition) reachable(start string) map[string]bool {
	seen := map[string]bool{}
	var walk func(string)
	walk = func(name string) {
		if seen[name] {
			return
		}
		seen[name] = true
		for _, n := range d.States[name].next() {
			walk(n)
		}
	}
	walk(start)
	return seen
}

// retrierFor returns the retrier Step Functions applies to an error, which is
// the first whose ErrorEquals matches it.
func retrierFor(s state, errorName string) *retrier {
	for i, r := range s.Retry {
		for _, e := range r.ErrorEquals {
			if e == errorName || e == "States.ALL" || (e == "States.TaskFailed" && errorName != "States.Timeout") {
				return &s.Retry[i]
			}
		}
	}
	return nil
}

// catcherFor returns the catcher Step Functions applies to an error.
func catcherFor(s state, errorName string) *catcher {
	for i, c := range s.Catch {
		for _, e := range c.ErrorEquals {
			if e == errorName || e == "States.ALL" || (e == "States.TaskFailed" && errorName != "States.Timeout") {
				return &s.Catch[i]
			}
		}
	}
	return nil
}

func TestDefinitionRendered(t *testing.T) {
	raw := definitionJSON(t, synth(t))
	for _, name := range functionNames {
		raw = bytes.ReplaceAll(raw, []byte(functionARN(name)), []byte("${"+name+"}"))
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, raw, "", "  "); err != nil {
		t.Fatal(err)
	}
	pretty.WriteByte('\n')
	if *update {
		if err := os.WriteFile(renderedPath, pretty.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(renderedPath)
	if err != nil {
		t.Fatalf("%v (run `make workflow`)", err)
	}
	if !bytes.Equal(pretty.Bytes(), want) {
		t.Errorf("%s is stale: run `make workflow` and commit the result", filepath.ToSlash(renderedPath))
	}
}

func TestEveryTaskInvokesAFunctionByARN(t *testing.T) {
	d := parse(t)
	arns := map[string]bool{}
	for _, name := range functionNames {
		arns[functionARN(name)] = true
	}
	tasks := 0
	for name, s := range d.States {
		if s.Type != "Task" {
			continue
		}
		tasks++
		if s.callback() {
			if fn := s.Parameters["FunctionName"]; fn != functionARN("shift") {
				t.Errorf("%s: a callback task invokes %v, want the shift function", name, fn)
			}
			continue
		}
		if !arns[s.Resource] {
			t.Errorf("%s: Resource %q is not the plain ARN of a greenlight function", name, s.Resource)
		}
	}
	if tasks == 0 {
		t.Fatal("no Task states")
	}
}

func TestEveryTaskRetries(t *testing.T) {
	d := parse(t)
	for name, s := range d.States {
		if s.Type != "Task" {
			continue
		}
		if len(s.Retry) == 0 {
			t.Errorf("%s has no Retry", name)
		}
		for i, r := range s.Retry {
			if slices.Contains(r.ErrorEquals, "States.ALL") && (len(r.ErrorEquals) != 1 || i != len(s.Retry)-1) {
				t.Errorf("%s: States.ALL must be alone in the last retrier: %+v", name, s.Retry)
			}
		}
	}
}

func TestRetryByErrorKind(t *testing.T) {
	d := parse(t)
	tests := []struct {
		state   string
		err     string
		retries float64 // MaxAttempts of the retrier that applies; 0: never retried
	}{
		{workflow.StatePrepare, failure.NameValidation, 0},
		{workflow.StatePrepare, failure.NameThrottled, 6},
		{workflow.StateLock, failure.NameLockHeld, 60},
		{workflow.StateLock, failure.NameConflict, 6},
		{workflow.StateDeploy, failure.NameArtifact, 0},
		{workflow.StateDeploy, failure.NameConflict, 6},
		{workflow.StateDeploy, "Lambda.TooManyRequestsException", 6},
		{workflow.StateDeploy, "States.Timeout", 6},
		{workflow.StateDeploy, "Runtime.ExitError", 2},
		{workflow.StateDeploy, failure.NameOperation, 2},
		{workflow.StateShift, failure.NameOperation, 2},
		{workflow.StateTest, failure.NameTestFailed, 0},
		{workflow.StateShift, failure.NameAlarmBreached, 0},
		{workflow.StateShift, failure.NameThrottled, 6},
		{workflow.StateVerify, failure.NameAlarmBreached, 0},
		{workflow.StateVerify, failure.NameHalted, 0},
		{workflow.StatePromote, failure.NameHalted, 0},
		{workflow.StateRollback, failure.NameRollbackFailed, 12},
		{workflow.StateRollback, failure.NameThrottled, 12},
		{workflow.StateRollback, "Lambda.ServiceException", 12},
		{workflow.StateNotifyPromoted, failure.NameThrottled, 6},
		{workflow.StateUnlockRolledBack, failure.NameConflict, 12},
		{workflow.StateUnlockPromoted, "errorString", 12},
	}
	for _, tt := range tests {
		t.Run(tt.state+"/"+tt.err, func(t *testing.T) {
			s, ok := d.States[tt.state]
			if !ok {
				t.Fatalf("no state %q", tt.state)
			}
			r := retrierFor(s, tt.err)
			if r == nil || r.MaxAttempts == nil {
				t.Fatalf("no retrier with MaxAttempts applies: %+v", s.Retry)
			}
			if *r.MaxAttempts != tt.retries {
				t.Errorf("MaxAttempts = %v, want %v", *r.MaxAttempts, tt.retries)
			}
			if tt.retries > 0 && (r.IntervalSeconds <= 0 || r.BackoffRate < 1) {
				t.Errorf("retries without backoff: %+v", *r)
			}
		})
	}
}

func TestFailuresGoWhereTheyShould(t *testing.T) {
	d := parse(t)
	tests := []struct {
		state string
		err   string
		next  string
	}{
		{workflow.StatePrepare, failure.NameValidation, workflow.StateNotifyFailed},
		{workflow.StatePrepare, "Runtime.ExitError", workflow.StateNotifyFailed},
		{workflow.StateLock, failure.NameLockHeld, workflow.StateNotifyRejected},
		{workflow.StateLock, failure.NameThrottled, workflow.StateNotifyFailed},
		{workflow.StateDeploy, failure.NameArtifact, workflow.StateRollback},
		{workflow.StateDeploy, failure.NameConflict, workflow.StateRollback},
		{workflow.StateTest, failure.NameTestFailed, workflow.StateRollback},
		{workflow.StateShift, failure.NameAlarmBreached, workflow.StateRollback},
		{workflow.StateVerify, failure.NameAlarmBreached, workflow.StateRollback},
		{workflow.StateVerify, failure.NameHalted, workflow.StateRollback},
		{workflow.StatePromote, "States.Timeout", workflow.StateRollback},
		{workflow.StateRollback, failure.NameRollbackFailed, workflow.StateNotifyRollbackFailed},
		{workflow.StateNotifyStarted, failure.NameThrottled, workflow.StateDeploy},
		{workflow.StateNotifyRolledBack, failure.NameThrottled, workflow.StateUnlockRolledBack},
		{workflow.StateUnlockPromoted, failure.NameConflict, workflow.StatePromoted},
		{workflow.StateUnlockRollbackFailed, failure.NameConflict, workflow.StateRollbackFailed},
	}
	for _, tt := range tests {
		t.Run(tt.state+"/"+tt.err, func(t *testing.T) {
			c := catcherFor(d.States[tt.state], tt.err)
			if c == nil {
				t.Fatalf("%s is not caught", tt.err)
			}
			if c.Next != tt.next {
				t.Errorf("caught into %q, want %q", c.Next, tt.next)
			}
		})
	}
}

// TestEveryTaskAfterDeployIsCaught checks that once the function may have
// changed, no Task can end the execution by failing: the tasks that move
// traffic are caught into rollback with the error kept at $.error, and the
// notify and unlock tasks are caught onward along their own path.
func TestEveryTaskAfterDeployIsCaught(t *testing.T) {
	d := parse(t)
	movesTraffic := []string{workflow.StateDeploy, workflow.StateTest, workflow.StateShift, workflow.StateVerify, workflow.StatePromote}
	for name := range d.reachable(workflow.StateDeploy) {
		s := d.States[name]
		if s.Type != "Task" {
			continue
		}
		c := catcherFor(s, "States.ALL")
		if c == nil || !slices.Contains(c.ErrorEquals, "States.ALL") {
			t.Errorf("%s does not catch every error: %+v", name, s.Catch)
			continue
		}
		if slices.Contains(movesTraffic, name) {
			if c.Next != workflow.StateRollback || c.ResultPath == nil || *c.ResultPath != "$.error" {
				t.Errorf("%s: catch goes to %q with ResultPath %v, want %q with $.error", name, c.Next, c.ResultPath, workflow.StateRollback)
			}
		}
	}
	for _, name := range movesTraffic {
		if !d.reachable(workflow.StateDeploy)[name] {
			t.Errorf("%s is not reachable from %s", name, workflow.StateDeploy)
		}
	}
}

// TestBakesAreCallbacks: the bake and the approval gate are callback tasks
// that a decision ends at once (they go on to verify, which reads the
// decision from the lock record) and whose timeout is the wait: a bake that
// runs out goes on to the approval gate, an approval that runs out rolls
// back. A timeout is never retried.
func TestBakesAreCallbacks(t *testing.T) {
	d := parse(t)
	tests := []struct {
		state, timeoutPath, wait, onTimeout string
	}{
		{workflow.StateBake, "$.state.bakeSeconds", "bake", workflow.StateVerify},
		{workflow.StateBakeBeforeApproval, "$.state.bakeSeconds", "bake", workflow.StateApproval},
		{workflow.StateApproval, "$.state.approvalSeconds", "approval", workflow.StateApprovalTimedOut},
	}
	for _, tt := range tests {
		s := d.States[tt.state]
		if !s.callback() || s.Next != workflow.StateVerify || s.TimeoutSecondsPath != tt.timeoutPath {
			t.Errorf("%s: %+v, want a callback task timing out after %s, then %s", tt.state, s, tt.timeoutPath, workflow.StateVerify)
		}
		payload, _ := s.Parameters["Payload"].(map[string]any)
		if payload["taskToken.$"] != "$$.Task.Token" || payload["wait"] != tt.wait {
			t.Errorf("%s: payload %v, want the task token and wait %q", tt.state, payload, tt.wait)
		}
		if got := s.onTimeout(); got != tt.onTimeout {
			t.Errorf("%s: on timeout goes to %q, want %q", tt.state, got, tt.onTimeout)
		}
		for _, r := range s.Retry {
			if slices.Contains(r.ErrorEquals, "States.Timeout") || slices.Contains(r.ErrorEquals, "States.ALL") {
				t.Errorf("%s retries %v: its timeout is the end of the wait", tt.state, r.ErrorEquals)
			}
		}
	}
	if s := d.States[workflow.StateApprovalTimedOut]; s.Next != workflow.StateRollback {
		t.Errorf("%s goes to %q, want %s", workflow.StateApprovalTimedOut, s.Next, workflow.StateRollback)
	}
	for name, s := range d.States {
		if s.Type == "Wait" {
			t.Errorf("%s is a Wait state: nothing could end it early", name)
		}
	}
}

// TestEveryEndingNotifiesAndUnlocks walks every path from the start to a
// terminal state: each sends a notification, and each that acquired the lock
// releases it.
func TestEveryEndingNotifiesAndUnlocks(t *testing.T) {
	d := parse(t)
	paths := 0
	var walk func(name string, path []string, locked, unlocked, notified bool)
	walk = func(name string, path []string, locked, unlocked, notified bool) {
		if slices.Contains(path, name) {
			return // a loop (shift, bake, verify) adds no new ending
		}
		path = append(path, name)
		s := d.States[name]
		switch s.Resource {
		case functionARN("notify"):
			notified = true
		case functionARN("unlock"):
			unlocked = true
		}
		if s.terminal() {
			paths++
			if !notified {
				t.Errorf("no notification on %s", strings.Join(path, " > "))
			}
			if locked && !unlocked {
				t.Errorf("lock kept on %s", strings.Join(path, " > "))
			}
			if s.Type == "Succeed" && !locked {
				t.Errorf("success without the lock on %s", strings.Join(path, " > "))
			}
			return
		}
		if s.Type == "Task" && s.Resource == functionARN("lock") {
			// Only the success edge holds the lock.
			walk(s.Next, path, true, unlocked, notified)
			for _, c := range s.Catch {
				walk(c.Next, path, locked, unlocked, notified)
			}
			return
		}
		for _, n := range s.next() {
			walk(n, path, locked, unlocked, notified)
		}
	}
	walk(d.StartAt, nil, false, false, false)
	if paths < 7 {
		t.Errorf("walked %d paths to an ending, want at least one per ending", paths)
	}
	for name, s := range d.States {
		if !d.reachable(d.StartAt)[name] {
			t.Errorf("%s is unreachable", name)
		}
		if s.Type == "Fail" && s.Error == "" {
			t.Errorf("%s fails without an error name", name)
		}
	}
}

// TestRollbackFailureIsLoud checks that a rollback that cannot complete ends
// in its own terminal state, which names the error.
func TestRollbackFailureIsLoud(t *testing.T) {
	d := parse(t)
	c := catcherFor(d.States[workflow.StateRollback], failure.NameRollbackFailed)
	if c == nil {
		t.Fatal("rollback failure is not caught")
	}
	ends := map[string]bool{}
	for name := range d.reachable(c.Next) {
		if d.States[name].terminal() {
			ends[name] = true
		}
	}
	if len(ends) != 1 || !ends[workflow.StateRollbackFailed] {
		t.Fatalf("a failed rollback ends in %v, want only %q", ends, workflow.StateRollbackFailed)
	}
	if got := d.States[workflow.StateRollbackFailed]; got.Type != "Fail" || got.Error != failure.NameRollbackFailed {
		t.Errorf("%s: %+v, want Fail with Error %s", workflow.StateRollbackFailed, got, failure.NameRollbackFailed)
	}
}

// TestTransitions follows the definition as releases take it, choosing at
// each Choice state the branch given, and counts state transitions: Step
// Functions bills them, and a Canary10Percent5Minutes release must stay
// within 25.
func TestTransitions(t *testing.T) {
	d := parse(t)
	tests := []struct {
		name    string
		choices []string // the branch taken at each Choice state, in order
		// answered are the callback tasks whose token is answered; the others
		// wait until they time out.
		answered []string
		end      string
		max      int
	}{
		{
			name:    "Canary10Percent5Minutes",
			choices: []string{workflow.StateTest, workflow.StateShift, workflow.StateBake, workflow.StatePromote},
			end:     workflow.StatePromoted,
			max:     25,
		},
		{
			name:     "Canary10Percent5Minutes with approval",
			choices:  []string{workflow.StateTest, workflow.StateShift, workflow.StateBakeBeforeApproval, workflow.StatePromote},
			answered: []string{workflow.StateApproval},
			end:      workflow.StatePromoted,
			max:      26,
		},
		{
			name:    "first release",
			choices: []string{workflow.StateTest, workflow.StatePromote},
			end:     workflow.StatePromoted,
			max:     25,
		},
		{
			name:    "no-op",
			choices: []string{workflow.StateNotifyNoop},
			end:     workflow.StateNoChange,
			max:     25,
		},
		{
			name: "Linear10PercentEvery1Minute",
			choices: slices.Concat(
				[]string{workflow.StateTest, workflow.StateShift},
				slices.Repeat([]string{workflow.StateBake, workflow.StateShift}, 8),
				[]string{workflow.StateBake, workflow.StatePromote},
			),
			end: workflow.StatePromoted,
			max: 60,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name, transitions, choices := d.StartAt, 0, tt.choices
			var path []string
			for {
				path = append(path, name)
				s := d.States[name]
				if s.terminal() {
					break
				}
				transitions++
				if s.callback() && !slices.Contains(tt.answered, name) {
					name = s.onTimeout() // the wait runs its course
					continue
				}
				if s.Type != "Choice" {
					name = s.Next
					continue
				}
				if len(choices) == 0 {
					t.Fatalf("no branch left to take at %s: %s", name, strings.Join(path, " > "))
				}
				if !slices.Contains(s.next(), choices[0]) {
					t.Fatalf("%s has no branch to %s", name, choices[0])
				}
				name, choices = choices[0], choices[1:]
			}
			if name != tt.end || len(choices) != 0 {
				t.Fatalf("ended in %s with branches %v left, want %s: %s", name, choices, tt.end, strings.Join(path, " > "))
			}
			if transitions > tt.max {
				t.Errorf("%d transitions, want at most %d: %s", transitions, tt.max, strings.Join(path, " > "))
			}
		})
	}
}

func TestTaskInputs(t *testing.T) {
	d := parse(t)
	if d.StartAt != workflow.StateReceive || d.States[workflow.StateReceive].Next != workflow.StatePrepare {
		t.Errorf("StartAt %q, then %q: want %q, then %q", d.StartAt, d.States[d.StartAt].Next, workflow.StateReceive, workflow.StatePrepare)
	}
	receive := d.States[workflow.StateReceive].Parameters
	want := map[string]any{"input.$": "$", "executionArn.$": "$$.Execution.Id", "startTime.$": "$$.Execution.StartTime"}
	if !jsonEqual(receive, want) {
		t.Errorf("%s Parameters = %v, want %v", workflow.StateReceive, receive, want)
	}
	events := map[string]notice.Event{
		workflow.StateNotifyStarted:        notice.Started,
		workflow.StateNotifyFailed:         notice.Failed,
		workflow.StateNotifyRejected:       notice.Rejected,
		workflow.StateNotifyNoop:           notice.Noop,
		workflow.StateNotifyPromoted:       notice.Promoted,
		workflow.StateNotifyRolledBack:     notice.RolledBack,
		workflow.StateNotifyArtifactFailed: notice.Failed,
		workflow.StateNotifyRollbackFailed: notice.RollbackFailed,
	}
	for name, s := range d.States {
		if s.callback() {
			continue // TestBakesAreCallbacks
		}
		if s.Resource != functionARN("notify") {
			if s.Type == "Task" && s.Parameters != nil {
				t.Errorf("%s: the release document must be the whole payload, got Parameters %v", name, s.Parameters)
			}
			continue
		}
		want := map[string]any{"event": events[name], "executionArn.$": "$$.Execution.Id", "release.$": "$"}
		if events[name] == "" || !jsonEqual(s.Parameters, want) {
			t.Errorf("%s Parameters = %v, want %v", name, s.Parameters, want)
		}
	}
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

func TestNewRequiresEveryFunction(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "Functions.Prepare is required") {
			t.Errorf("recovered %v, want a panic naming Functions.Prepare", r)
		}
	}()
	app := awscdk.NewApp(nil)
	workflow.New(awscdk.NewStack(app, jsii.String("Test"), nil), "Workflow", &workflow.Props{})
}
