// Package workflow holds the CDK construct that builds greenlight's release
// state machine: one execution releases one function, from parsing the
// upload event to promoting green or restoring blue. The Lambda functions do
// the work; this package decides the order, what is retried, and where every
// failure goes, so that each execution ends with the function on exactly one
// version, its lock released and a notification sent.
//
// The definition routes on the error names of package internal/failure,
// notifies the events of package internal/notice and follows the verdicts
// of package internal/release (release.NextShift, release.NextPromote): the
// functions raise and return the same constants. The state names are the
// State constants of this package.
package workflow

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	sfn "github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctionstasks"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/greenlight/greenlight/internal/config"
	"github.com/greenlight/greenlight/internal/decision"
	"github.com/greenlight/greenlight/internal/failure"
	"github.com/greenlight/greenlight/internal/notice"
	"github.com/greenlight/greenlight/internal/release"
)

// Functions are the Lambda functions the state machine invokes. The guard
// function is not among them: EventBridge invokes it directly.
type Functions struct {
	Prepare  awslambda.IFunction
	Lock     awslambda.IFunction
	Unlock   awslambda.IFunction
	Deploy   awslambda.IFunction
	Test     awslambda.IFunction
	Shift    awslambda.IFunction
	Verify   awslambda.IFunction
	Promote  awslambda.IFunction
	Rollback awslambda.IFunction
	Notify   awslambda.IFunction
}

// Backoff tunes one kind of Retry. A zero field takes the default of the
// kind it tunes.
type Backoff struct {
	Interval    awscdk.Duration // wait before the first retry
	Rate        float64         // multiplier applied to the wait after each retry
	MaxDelay    awscdk.Duration // ceiling of the wait between two attempts
	MaxAttempts int             // retries after the first attempt
}

// Props configure the workflow.
type Props struct {
	// Functions are the functions to invoke; all are required.
	Functions Functions
	// StateMachineName is the physical name of the state machine. Set it when
	// something must know the ARN before the state machine exists (the lock
	// function is allowed to describe this state machine's executions).
	StateMachineName *string
	// Queue tunes the retries of LockHeldError, which is how a release waits
	// for the previous release of the same function. Default: 10 s, rate 1.5,
	// at most 60 s apart, 60 retries (about an hour).
	Queue Backoff
	// Transient tunes the retries of throttling, conflicts, Lambda service
	// errors and timeouts. Default: 1 s, rate 2, at most 20 s apart, 6 retries.
	Transient Backoff
	// Rollback tunes the retries of the rollback and unlock tasks, which
	// retry any error. Default: 1 s, rate 2, at most 30 s apart, 12 retries.
	Rollback Backoff
	// Timeout ends an execution that runs longer (TIMED_OUT); the watchdog
	// then restores the invariant. It bounds a release whose bakes and
	// approvals add up to more, and one whose deployer stopped answering.
	// Default: DefaultTimeout.
	Timeout awscdk.Duration
	// Logs sends execution history to CloudWatch Logs when set.
	Logs *sfn.LogOptions
}

// Workflow is the release state machine.
type Workflow struct {
	constructs.Construct
	StateMachine sfn.StateMachine
}

var (
	defaultQueue     = Backoff{Interval: awscdk.Duration_Seconds(jsii.Number(10)), Rate: 1.5, MaxDelay: awscdk.Duration_Seconds(jsii.Number(60)), MaxAttempts: 60}
	defaultTransient = Backoff{Interval: awscdk.Duration_Seconds(jsii.Number(1)), Rate: 2, MaxDelay: awscdk.Duration_Seconds(jsii.Number(20)), MaxAttempts: 6}
	defaultRollback  = Backoff{Interval: awscdk.Duration_Seconds(jsii.Number(1)), Rate: 2, MaxDelay: awscdk.Duration_Seconds(jsii.Number(30)), MaxAttempts: 12}
)

// lambdaCallback invokes a function with a task token and waits for the
// token to be answered.
const lambdaCallback = "arn:aws:states:::lambda:invoke.waitForTaskToken"

// DefaultTimeout bounds one release execution when Props.Timeout is not set:
// the default longest wait of a release (config.DefaultMaxReleaseSeconds)
// and the execution's overhead (config.ExecutionOverheadSeconds). The
// Greenlight construct sets it from its configuration.
var DefaultTimeout = awscdk.Duration_Seconds(jsii.Number(config.DefaultMaxReleaseSeconds + config.ExecutionOverheadSeconds))

// otherFailures is how often an error of no known kind (a crash, a timeout of
// the function itself, an unclassified error) is retried before it is caught.
const otherFailures = 2

// New builds the release state machine. It panics, as every CDK construct
// does, when props are incomplete.
func New(scope constructs.Construct, id string, props *Props) *Workflow {
	if props == nil {
		panic("workflow: props are required")
	}
	if err := props.Functions.check(); err != nil {
		panic(err.Error())
	}
	c := constructs.NewConstruct(scope, jsii.String(id))
	b := builder{
		scope:     c,
		fns:       props.Functions,
		transient: props.Transient.or(defaultTransient),
		hard:      props.Rollback.or(defaultRollback),
	}
	definition := b.build(props.Queue.or(defaultQueue))
	timeout := props.Timeout
	if timeout == nil {
		timeout = DefaultTimeout
	}
	sm := sfn.NewStateMachine(c, jsii.String("StateMachine"), &sfn.StateMachineProps{
		DefinitionBody:   sfn.DefinitionBody_FromChainable(definition),
		StateMachineName: props.StateMachineName,
		StateMachineType: sfn.StateMachineType_STANDARD,
		Comment:          jsii.String("greenlight: release one Lambda function blue/green"),
		TracingEnabled:   jsii.Bool(true),
		Logs:             props.Logs,
		Timeout:          timeout,
	})
	return &Workflow{Construct: c, StateMachine: sm}
}

func (f Functions) check() error {
	for _, fn := range []struct {
		name string
		fn   awslambda.IFunction
	}{
		{"Prepare", f.Prepare}, {"Lock", f.Lock}, {"Unlock", f.Unlock}, {"Deploy", f.Deploy},
		{"Test", f.Test}, {"Shift", f.Shift}, {"Verify", f.Verify}, {"Promote", f.Promote},
		{"Rollback", f.Rollback}, {"Notify", f.Notify},
	} {
		if fn.fn == nil {
			return fmt.Errorf("workflow: Functions.%s is required", fn.name)
		}
	}
	return nil
}

func (b Backoff) or(def Backoff) Backoff {
	if b.Interval == nil {
		b.Interval = def.Interval
	}
	if b.Rate == 0 {
		b.Rate = def.Rate
	}
	if b.MaxDelay == nil {
		b.MaxDelay = def.MaxDelay
	}
	if b.MaxAttempts == 0 {
		b.MaxAttempts = def.MaxAttempts
	}
	return b
}

func (b Backoff) retry(errors ...string) *sfn.RetryProps {
	return &sfn.RetryProps{
		Errors:      jsii.Strings(errors...),
		Interval:    b.Interval,
		BackoffRate: jsii.Number(b.Rate),
		MaxDelay:    b.MaxDelay,
		MaxAttempts: jsii.Number(b.MaxAttempts),
	}
}

// builder creates the states; build wires them.
type builder struct {
	scope     constructs.Construct
	fns       Functions
	transient Backoff
	hard      Backoff // rollback and unlock: any error, retried longer
}

// task invokes fn by its plain ARN, so the function's return value is the
// state's result and the state's input is the function's payload unless a
// payload is given.
func (b builder) task(name string, fn awslambda.IFunction, payload sfn.TaskInput) awsstepfunctionstasks.LambdaInvoke {
	return awsstepfunctionstasks.NewLambdaInvoke(b.scope, jsii.String(name), &awsstepfunctionstasks.LambdaInvokeProps{
		LambdaFunction:           fn,
		Payload:                  payload,
		PayloadResponseOnly:      jsii.Bool(true),
		RetryOnServiceExceptions: jsii.Bool(false),
	})
}

// retried adds the retries every task but rollback has, in the order Step
// Functions evaluates them: errors that must never be retried first, then the
// transient ones, then a short retry of anything else.
func (b builder) retried(t awsstepfunctionstasks.LambdaInvoke) awsstepfunctionstasks.LambdaInvoke {
	t.AddRetry(&sfn.RetryProps{
		Errors:      jsii.Strings(failure.NameValidation, failure.NameArtifact, failure.NameTestFailed, failure.NameAlarmBreached, failure.NameHalted),
		MaxAttempts: jsii.Number(0),
	})
	t.AddRetry(b.transient.retry(append([]string{failure.NameThrottled, failure.NameConflict, errTimeout}, lambdaTransient...)...))
	t.AddRetry(&sfn.RetryProps{
		Errors:      jsii.Strings(errTaskFailed),
		Interval:    awscdk.Duration_Seconds(jsii.Number(2)),
		BackoffRate: jsii.Number(2),
		MaxAttempts: jsii.Number(otherFailures),
	})
	return t
}

// notify publishes event about the release document (the state's input) and
// passes the document on. The execution is named beside the document, so
// that a notification about input prepare could not read still says which
// execution it is about. A notification that cannot be sent does not change
// how the release ends.
func (b builder) notify(name string, event notice.Event, next sfn.IChainable) sfn.IChainable {
	t := b.retried(b.task(name, b.fns.Notify, sfn.TaskInput_FromObject(&map[string]any{
		"event":        string(event),
		"release":      sfn.JsonPath_EntirePayload(),
		"executionArn": sfn.JsonPath_StringAt(jsii.String("$$.Execution.Id")),
	})))
	t.AddCatch(next, &sfn.CatchProps{Errors: jsii.Strings(errAll), ResultPath: sfn.JsonPath_DISCARD()})
	return t.Next(next)
}

// unlock releases the function's lock and ends in end. Unlocking is safe to
// repeat, so it is retried as hard as a rollback: a lock left behind blocks
// the next release until it is found stale. A lock that still cannot be
// deleted is stale once the execution has ended, and the next release takes
// it over, so a failure here still reaches end.
func (b builder) unlock(name string, end sfn.IChainable) sfn.IChainable {
	t := b.task(name, b.fns.Unlock, nil)
	t.AddRetry(b.hard.retry(errAll))
	t.AddCatch(end, &sfn.CatchProps{Errors: jsii.Strings(errAll), ResultPath: sfn.JsonPath_DISCARD()})
	return t.Next(end)
}

// await is a callback task: it invokes the shift function with the task
// token, which records the token in the lock record and returns, and waits
// for the token to be answered, at most the seconds at timeoutPath. The
// answer (a decision.Decision) is kept at $.decision for the history; verify
// reads what to do from the lock record. A timeout is the caller's to catch.
// Only the Lambda service's transient errors and a crash are retried: a
// timeout must never be.
func (b builder) await(name string, wait decision.Wait, timeoutPath string) sfn.CustomState {
	// A custom state, because the LambdaInvoke task writes its resource with
	// the partition as a CloudFormation reference, and the definition stays
	// one literal that the local cloud and the tests read as is.
	t := sfn.NewCustomState(b.scope, jsii.String(name), &sfn.CustomStateProps{
		StateJson: &map[string]any{
			"Type":     "Task",
			"Resource": lambdaCallback,
			"Parameters": map[string]any{
				"FunctionName": b.fns.Shift.FunctionArn(),
				"Payload": map[string]any{
					"taskToken.$":    "$$.Task.Token",
					"wait":           string(wait),
					"function.$":     "$.function",
					"functions.$":    "$.functions",
					"executionArn.$": "$.executionArn",
					"state":          map[string]any{"step.$": "$.state.step"},
				},
			},
			"TimeoutSecondsPath": timeoutPath,
			"ResultPath":         "$.decision",
		},
	})
	t.AddRetry(&sfn.RetryProps{
		Errors:      jsii.Strings(failure.NameValidation, failure.NameHalted),
		MaxAttempts: jsii.Number(0),
	})
	t.AddRetry(b.transient.retry(append([]string{failure.NameThrottled, failure.NameConflict}, lambdaTransient...)...))
	t.AddRetry(&sfn.RetryProps{
		Errors:      jsii.Strings(errTaskFailed),
		Interval:    awscdk.Duration_Seconds(jsii.Number(2)),
		BackoffRate: jsii.Number(2),
		MaxAttempts: jsii.Number(otherFailures),
	})
	return t
}

func (b builder) fail(name, errorName, cause string) sfn.Fail {
	return sfn.NewFail(b.scope, jsii.String(name), &sfn.FailProps{Error: jsii.String(errorName), Cause: jsii.String(cause)})
}

func (b builder) succeed(name, comment string) sfn.Succeed {
	return sfn.NewSucceed(b.scope, jsii.String(name), &sfn.SucceedProps{Comment: jsii.String(comment)})
}

// present guards a Choice rule: comparing a field that is absent is a runtime
// error in Step Functions, and Go omits false and empty fields.
func present(path string, c sfn.Condition) sfn.Condition {
	return sfn.Condition_And(sfn.Condition_IsPresent(jsii.String(path)), c)
}

func (b builder) build(queue Backoff) sfn.IChainable {
	s := b.scope
	toRollback := &sfn.CatchProps{Errors: jsii.Strings(errAll), ResultPath: jsii.String("$.error")}

	// Endings. Paths that held the lock release it before they end.
	notifyFailed := b.notify(StateNotifyFailed, notice.Failed,
		b.fail(StateReleaseFailed, ErrReleaseFailed, "the release was not valid or could not start; nothing was changed"))
	notifyRejected := b.notify(StateNotifyRejected, notice.Rejected,
		b.fail(StateReleaseRejected, ErrReleaseRejected, "another release of this function held the lock for too long"))
	notifyNoop := b.notify(StateNotifyNoop, notice.Noop,
		b.unlock(StateUnlockNoop, b.succeed(StateNoChange, "the artifact is identical to blue; nothing was changed")))
	notifyPromoted := b.notify(StateNotifyPromoted, notice.Promoted,
		b.unlock(StateUnlockPromoted, b.succeed(StatePromoted, "green serves all traffic")))
	notifyRolledBack := b.notify(StateNotifyRolledBack, notice.RolledBack,
		b.unlock(StateUnlockRolledBack, b.fail(StateRolledBack, ErrRolledBack, "blue serves all traffic again; see the notification for the reason")))
	notifyArtifactFailed := b.notify(StateNotifyArtifactFailed, notice.Failed,
		b.unlock(StateUnlockArtifactFailed, b.fail(StateArtifactFailed, ErrReleaseFailed, "the artifact could not be deployed; blue still serves all traffic")))
	notifyRollbackFailed := b.notify(StateNotifyRollbackFailed, notice.RollbackFailed,
		b.unlock(StateUnlockRollbackFailed, b.fail(StateRollbackFailed, failure.NameRollbackFailed,
			"blue could not be restored; the live alias may still route traffic to green: the function needs attention")))

	// Rollback: retried hard; when it still fails, the loud ending.
	rollbackTask := b.task(StateRollback, b.fns.Rollback, nil)
	rollbackTask.AddRetry(b.hard.retry(errAll))
	rollbackTask.AddCatch(notifyRollbackFailed, &sfn.CatchProps{Errors: jsii.Strings(errAll), ResultPath: jsii.String("$.error")})
	rollbackTask.Next(sfn.NewChoice(s, jsii.String(StateArtifactBad), nil).
		When(present("$.error.Error", sfn.Condition_StringEquals(jsii.String("$.error.Error"), jsii.String(failure.NameArtifact))), notifyArtifactFailed, nil).
		Otherwise(notifyRolledBack))

	// The release, from the first change to the function on: every failure
	// goes through rollback.
	promote := b.retried(b.task(StatePromote, b.fns.Promote, nil))
	promote.AddCatch(rollbackTask, toRollback)
	promote.Next(notifyPromoted)

	shift := b.retried(b.task(StateShift, b.fns.Shift, nil))
	shift.AddCatch(rollbackTask, toRollback)
	verify := b.retried(b.task(StateVerify, b.fns.Verify, nil))
	verify.AddCatch(rollbackTask, toRollback)
	// The bake and the approval gate are callback tasks: each records its
	// task token in the lock record and waits until the token is answered
	// (a decision of the guard or an operator ends the wait at once, and
	// verify reads it from the lock record) or the state times out. A bake
	// that times out has run its course and goes on; an approval that times
	// out rolls the release back.
	approvalTimedOut := sfn.NewPass(s, jsii.String(StateApprovalTimedOut), &sfn.PassProps{
		Result: sfn.Result_FromObject(&map[string]any{
			"Error": ErrApprovalTimedOut,
			"Cause": "no approval came within the approval timeout ($.state.approvalSeconds)",
		}),
		ResultPath: jsii.String("$.error"),
	})
	approvalTimedOut.Next(rollbackTask)
	approval := b.await(StateApproval, decision.Approval, "$.state.approvalSeconds")
	approval.AddCatch(approvalTimedOut, &sfn.CatchProps{Errors: jsii.Strings(errTimeout), ResultPath: sfn.JsonPath_DISCARD()})
	approval.AddCatch(rollbackTask, toRollback)
	approval.Next(verify)
	// Two bakes, so that a release without approvals takes no more
	// transitions than one with a plain wait: one goes on to verify when it
	// runs out, the other to the approval gate.
	bake := b.await(StateBake, decision.Bake, "$.state.bakeSeconds")
	bake.AddCatch(verify, &sfn.CatchProps{Errors: jsii.Strings(errTimeout), ResultPath: sfn.JsonPath_DISCARD()})
	bake.AddCatch(rollbackTask, toRollback)
	bake.Next(verify)
	bakeThenApproval := b.await(StateBakeBeforeApproval, decision.Bake, "$.state.bakeSeconds")
	bakeThenApproval.AddCatch(approval, &sfn.CatchProps{Errors: jsii.Strings(errTimeout), ResultPath: sfn.JsonPath_DISCARD()})
	bakeThenApproval.AddCatch(rollbackTask, toRollback)
	bakeThenApproval.Next(verify)
	baking := present("$.state.bakeSeconds", sfn.Condition_NumberGreaterThan(jsii.String("$.state.bakeSeconds"), jsii.Number(0)))
	approving := present("$.state.approvalSeconds", sfn.Condition_NumberGreaterThan(jsii.String("$.state.approvalSeconds"), jsii.Number(0)))
	shift.Next(sfn.NewChoice(s, jsii.String(StateBakeNeeded), nil).
		When(sfn.Condition_And(baking, approving), bakeThenApproval, nil).
		When(baking, bake, nil).
		When(approving, approval, nil).
		Otherwise(verify))
	unexpected := sfn.NewPass(s, jsii.String(StateUnexpectedVerdict), &sfn.PassProps{
		Result: sfn.Result_FromObject(&map[string]any{
			"Error": ErrUnexpectedVerdict,
			"Cause": "verify decided neither shift nor promote ($.state.next)",
		}),
		ResultPath: jsii.String("$.error"),
	})
	unexpected.Next(rollbackTask)
	verify.Next(sfn.NewChoice(s, jsii.String(StateNextStep), nil).
		When(present("$.state.next", sfn.Condition_StringEquals(jsii.String("$.state.next"), jsii.String(release.NextShift))), shift, nil).
		When(present("$.state.next", sfn.Condition_StringEquals(jsii.String("$.state.next"), jsii.String(release.NextPromote))), promote, nil).
		Otherwise(unexpected))

	test := b.retried(b.task(StateTest, b.fns.Test, nil))
	test.AddCatch(rollbackTask, toRollback)
	test.Next(sfn.NewChoice(s, jsii.String(StateFirstRelease), nil).
		When(present("$.state.firstRelease", sfn.Condition_BooleanEquals(jsii.String("$.state.firstRelease"), jsii.Bool(true))), promote, nil).
		Otherwise(shift))

	deploy := b.retried(b.task(StateDeploy, b.fns.Deploy, nil))
	deploy.AddCatch(rollbackTask, toRollback)
	deploy.Next(sfn.NewChoice(s, jsii.String(StateNoop), nil).
		When(present("$.state.noop", sfn.Condition_BooleanEquals(jsii.String("$.state.noop"), jsii.Bool(true))), notifyNoop, nil).
		Otherwise(test))

	// Before the function is touched: a failure ends the release as failed or
	// rejected, and there is nothing to roll back.
	lock := b.task(StateLock, b.fns.Lock, nil)
	lock.AddRetry(queue.retry(failure.NameLockHeld))
	b.retried(lock)
	lock.AddCatch(notifyRejected, &sfn.CatchProps{Errors: jsii.Strings(failure.NameLockHeld), ResultPath: jsii.String("$.error")})
	lock.AddCatch(notifyFailed, &sfn.CatchProps{Errors: jsii.Strings(errAll), ResultPath: jsii.String("$.error")})
	lock.Next(b.notify(StateNotifyStarted, notice.Started, deploy))

	// The execution input may be any JSON value (a console input can be an
	// array or a string); wrapped in an object first, prepare's Catch can
	// always add $.error to it, and the failure is still notified.
	receive := sfn.NewPass(s, jsii.String(StateReceive), &sfn.PassProps{
		Parameters: &map[string]any{
			"input":        sfn.JsonPath_EntirePayload(),
			"executionArn": sfn.JsonPath_StringAt(jsii.String("$$.Execution.Id")),
			"startTime":    sfn.JsonPath_StringAt(jsii.String("$$.Execution.StartTime")),
		},
	})
	prepare := b.retried(b.task(StatePrepare, b.fns.Prepare, nil))
	prepare.AddCatch(notifyFailed, &sfn.CatchProps{Errors: jsii.Strings(errAll), ResultPath: jsii.String("$.error")})
	prepare.Next(lock)
	receive.Next(prepare)
	return receive
}
