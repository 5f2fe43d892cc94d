package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/greenlight/greenlight/internal/failure"
	"github.com/greenlight/greenlight/internal/notice"
	"github.com/greenlight/greenlight/internal/stackref"
)

// The state names the invariant reads off an execution's history; they are
// workflow.StateLock and the prefix of the workflow's unlock states.
const (
	lockState          = "Acquire lock"
	unlockStatesPrefix = "Release lock"
	promotedState      = "Promoted"
	// notifyPromotedState is entered once promote has completed: an
	// execution stopped after it is restored on green by the watchdog.
	notifyPromotedState = "Notify promoted"
)

// watchdogWait bounds how long CheckInvariant waits for the watchdog to
// handle an execution that ended unfinished (stopped or timed out).
const watchdogWait = 30 * time.Second

// terminal reports whether a notification's event ends a release: every
// event but started does.
func terminal(event string) bool {
	e := notice.Event(event)
	return e.Valid() && e != notice.Started
}

// InspectLambda reads aliases and versions.
type InspectLambda interface {
	GetAlias(ctx context.Context, in *awslambda.GetAliasInput, optFns ...func(*awslambda.Options)) (*awslambda.GetAliasOutput, error)
	GetFunctionConfiguration(ctx context.Context, in *awslambda.GetFunctionConfigurationInput, optFns ...func(*awslambda.Options)) (*awslambda.GetFunctionConfigurationOutput, error)
}

// InspectS3 reads lock records.
type InspectS3 interface {
	GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

var (
	_ InspectLambda = (*awslambda.Client)(nil)
	_ InspectS3     = (*s3.Client)(nil)
)

// Inspector checks what releases leave behind on one deployed stack.
type Inspector struct {
	Lambda   InspectLambda
	S3       InspectS3
	SFN      SFNAPI
	Bucket   string // the stack's artifact bucket, which holds locks/<function>.json
	Messages func(ctx context.Context) ([]Message, error)
	// LiveAlias and CandidateAlias default to live and green.
	LiveAlias      string
	CandidateAlias string
	// Poll is how often Wait asks; default 100ms.
	Poll time.Duration
}

// Inspector returns an Inspector of the local cloud's stack.
func (l *Local) Inspector() *Inspector { return NewInspector(l.Config(), l.Stack, l.Messages) }

// NewInspector returns an Inspector of the stack st; messages reads the
// notifications (nil when they cannot be read, which the invariant then
// reports).
func NewInspector(cfg aws.Config, st stackref.Stack, messages func(context.Context) ([]Message, error)) *Inspector {
	return &Inspector{
		Lambda:   awslambda.NewFromConfig(cfg),
		S3:       s3.NewFromConfig(cfg),
		SFN:      sfn.NewFromConfig(cfg),
		Bucket:   st.Bucket,
		Messages: messages,
	}
}

// Expect is what the invariant compares an execution's end with.
type Expect struct {
	Function string
	// Blue is the version the live alias served before the release, "" when
	// there was no live alias.
	Blue string
	// Concurrent says other releases of the function ran meanwhile and may
	// have moved live: live is then only checked to serve one version at
	// 100 %, not which one.
	Concurrent bool
}

// Ending is how one execution ended and what it left behind.
type Ending struct {
	ExecutionARN string
	Status       string // SUCCEEDED, FAILED, TIMED_OUT, ABORTED
	Error        string
	Cause        string
	LastState    string // the last state entered
	// Path is the states entered, in order, each with the errors its
	// Lambda failed with.
	Path         []string
	Live         string // the live alias's version, "" when there is none
	LiveRouting  string // its additional weights, "" when none
	Candidate    string // the candidate alias's version, "" when there is none
	Notification *Message
	// Locked and Unlocked are when the execution's lock and unlock tasks
	// succeeded; zero when they did not.
	Locked, Unlocked time.Time
	// Unlocking is when the unlock task's last attempt started: the lock
	// was held until some moment between Unlocking and Unlocked.
	Unlocking time.Time
	// Violations lists every part of the invariant that does not hold.
	Violations []string
}

// Held reports whether the invariant holds.
func (e Ending) Held() bool { return len(e.Violations) == 0 }

func (e *Ending) violate(format string, args ...any) {
	e.Violations = append(e.Violations, fmt.Sprintf(format, args...))
}

func (in *Inspector) defaults() {
	if in.LiveAlias == "" {
		in.LiveAlias = "live"
	}
	if in.CandidateAlias == "" {
		in.CandidateAlias = "green"
	}
	if in.Poll == 0 {
		in.Poll = 100 * time.Millisecond
	}
}

// Wait returns once the execution has ended, or with ctx's error.
func (in *Inspector) Wait(ctx context.Context, executionARN string) (*sfn.DescribeExecutionOutput, error) {
	in.defaults()
	for {
		d, err := in.SFN.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: &executionARN})
		if err != nil {
			return nil, fmt.Errorf("describe %s: %w", executionARN, err)
		}
		if d.Status != sfntypes.ExecutionStatusRunning && d.Status != sfntypes.ExecutionStatusPendingRedrive {
			return d, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("execution %s still running: %w", executionARN, ctx.Err())
		case <-time.After(in.Poll):
		}
	}
}

// CheckInvariant waits for the execution to end and checks greenlight's
// promise about it: the live alias serves exactly one version at 100 % with
// no routing config (blue, or green when the release was promoted), the
// candidate alias points at a published version, the function's lock is not
// held by an execution that has ended, and a notification about the
// execution's end went out. A release whose rollback failed must instead end
// in the loud terminal state and say so in its notification.
//
// An error means the invariant could not be checked; a violation is reported
// in the Ending.
func (in *Inspector) CheckInvariant(ctx context.Context, executionARN string, want Expect) (Ending, error) {
	in.defaults()
	e := Ending{ExecutionARN: executionARN}
	d, err := in.Wait(ctx, executionARN)
	if err != nil {
		return e, err
	}
	e.Status, e.Error, e.Cause = string(d.Status), aws.ToString(d.Error), aws.ToString(d.Cause)
	if err := in.readHistory(ctx, &e); err != nil {
		return e, err
	}
	if e.unfinished() {
		// An execution stopped after its last notification (in an unlock
		// state, say) still holds its lock until the watchdog releases it
		// and sends the aborted notification: give the watchdog its time.
		if err := in.awaitLockFree(ctx, want.Function, executionARN, watchdogWait); err != nil {
			return e, err
		}
	}
	if e.Notification, err = in.notification(ctx, executionARN); err != nil {
		return e, err
	}
	if e.Notification == nil && e.unfinished() {
		// The watchdog restores an unfinished execution's function, then
		// notifies: wait for the notification before looking.
		if e.Notification, err = in.awaitNotification(ctx, executionARN, watchdogWait); err != nil {
			return e, err
		}
	}
	// The loud terminal state, blue not restored, ends the execution with
	// the rollback's error.
	loud := e.Error == failure.NameRollbackFailed
	switch {
	case e.Notification == nil:
		e.violate("no notification about the end of the execution")
	case loud && e.Notification.Attributes[notice.AttrEvent] != string(notice.RollbackFailed):
		e.violate("the rollback failed but the notification says %q", e.Notification.Attributes[notice.AttrEvent])
	}

	fn := want.Function
	live, err := getAlias(ctx, in.Lambda, fn, in.LiveAlias)
	if err != nil {
		return e, err
	}
	if live != nil {
		e.Live, e.LiveRouting = aws.ToString(live.FunctionVersion), routingOf(live)
	}
	if !loud {
		in.checkLive(&e, want)
	}
	candidate, err := getAlias(ctx, in.Lambda, fn, in.CandidateAlias)
	if err != nil {
		return e, err
	}
	if candidate != nil {
		e.Candidate = aws.ToString(candidate.FunctionVersion)
		if err := in.checkVersion(ctx, fn, e.Candidate); err != nil {
			e.violate("candidate alias %s: %v", in.CandidateAlias, err)
		}
	}
	if err := in.checkLock(ctx, fn, executionARN, &e); err != nil {
		return e, err
	}
	return e, nil
}

var versionNumber = regexp.MustCompile(`^[0-9]+$`)

func (in *Inspector) checkLive(e *Ending, want Expect) {
	switch {
	case e.Live == "" && (want.Blue != "" || e.LastState == promotedState):
		e.violate("no live alias (blue was %s, last state %q)", orNone(want.Blue), e.LastState)
		return
	case e.Live == "":
		return // a first release that did not promote leaves no live alias
	case e.LiveRouting != "":
		e.violate("live alias routes %s besides version %s", e.LiveRouting, e.Live)
	case !versionNumber.MatchString(e.Live):
		e.violate("live alias serves %q, not a published version", e.Live)
	}
	if want.Concurrent {
		return
	}
	promoted := e.Status == string(sfntypes.ExecutionStatusSucceeded) && e.LastState == promotedState ||
		e.unfinished() && slices.Contains(e.Path, notifyPromotedState)
	switch {
	case promoted && e.Live == want.Blue:
		e.violate("promoted, but live still serves blue %s", e.Live)
	case !promoted && e.Live != want.Blue:
		e.violate("not promoted (%s, last state %q), but live serves %s instead of blue %s", e.Status, e.LastState, e.Live, orNone(want.Blue))
	}
}

func (in *Inspector) checkVersion(ctx context.Context, fn, version string) error {
	if !versionNumber.MatchString(version) {
		return fmt.Errorf("points at %q, not a published version", version)
	}
	_, err := in.Lambda.GetFunctionConfiguration(ctx, &awslambda.GetFunctionConfigurationInput{FunctionName: &fn, Qualifier: &version})
	if err != nil {
		return fmt.Errorf("version %s: %w", version, err)
	}
	return nil
}

// checkLock reports a lock record left by this execution, or by any other
// execution that has ended. It reads the raw object rather than going
// through internal/ledger, so that a bug in the ledger cannot hide itself
// from the check.
// awaitLockFree polls the function's lock record until the execution no
// longer holds it or limit has passed; checkLock then judges what is left.
func (in *Inspector) awaitLockFree(ctx context.Context, fn, executionARN string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		holder, err := in.lockHolder(ctx, fn)
		var bad *badLockError
		if errors.As(err, &bad) || err == nil && holder != executionARN || time.Now().After(deadline) {
			return nil // checkLock reports what is wrong
		}
		if err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(in.Poll):
		}
	}
}

// lockKey is the key of the function's lock record in the ledger bucket.
func lockKey(fn string) string { return "locks/" + fn + ".json" }

// badLockError reports a lock record that is not JSON.
type badLockError struct {
	key string
	err error
}

func (e *badLockError) Error() string {
	return fmt.Sprintf("lock record %s is not JSON: %v", e.key, e.err)
}

// lockHolder is the execution the function's lock record names, "" when
// there is no record.
func (in *Inspector) lockHolder(ctx context.Context, fn string) (string, error) {
	key := lockKey(fn)
	out, err := in.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: &in.Bucket, Key: &key})
	if failure.IsNotFound(err) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read s3://%s/%s: %w", in.Bucket, key, err)
	}
	defer out.Body.Close()
	body, err := io.ReadAll(out.Body)
	if err != nil {
		return "", fmt.Errorf("read s3://%s/%s: %w", in.Bucket, key, err)
	}
	var rec struct {
		ExecutionARN string `json:"executionArn"`
	}
	if err := json.Unmarshal(body, &rec); err != nil {
		return "", &badLockError{key: key, err: err}
	}
	return rec.ExecutionARN, nil
}

func (in *Inspector) checkLock(ctx context.Context, fn, executionARN string, e *Ending) error {
	holder, err := in.lockHolder(ctx, fn)
	var bad *badLockError
	switch {
	case errors.As(err, &bad):
		e.violate("%v", bad)
		return nil
	case err != nil:
		return err
	case holder == "":
		return nil
	case holder == executionARN:
		e.violate("the execution ended but still holds %s", lockKey(fn))
		return nil
	}
	d, err := in.SFN.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: &holder})
	if err != nil {
		e.violate("%s is held by %s, which cannot be described: %v", lockKey(fn), holder, err)
		return nil
	}
	if d.Status != sfntypes.ExecutionStatusRunning {
		e.violate("%s is held by %s, which ended %s", lockKey(fn), holder, d.Status)
	}
	return nil
}

// readHistory finds the last state and when the lock and unlock tasks ran.
func (in *Inspector) readHistory(ctx context.Context, e *Ending) error {
	p := sfn.NewGetExecutionHistoryPaginator(in.SFN, &sfn.GetExecutionHistoryInput{ExecutionArn: &e.ExecutionARN})
	state := ""
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("history of %s: %w", e.ExecutionARN, err)
		}
		for _, ev := range page.Events {
			if ev.StateEnteredEventDetails != nil {
				state = aws.ToString(ev.StateEnteredEventDetails.Name)
				e.LastState = state
				e.Path = append(e.Path, state)
			}
			if f := ev.LambdaFunctionFailedEventDetails; f != nil && len(e.Path) > 0 {
				e.Path[len(e.Path)-1] += " !" + aws.ToString(f.Error)
			}
			if ev.Type == sfntypes.HistoryEventTypeLambdaFunctionStarted && ev.Timestamp != nil && strings.HasPrefix(state, unlockStatesPrefix) {
				e.Unlocking = *ev.Timestamp
			}
			if ev.Type != sfntypes.HistoryEventTypeLambdaFunctionSucceeded || ev.Timestamp == nil {
				continue
			}
			switch {
			case state == lockState:
				e.Locked = *ev.Timestamp
			case strings.HasPrefix(state, unlockStatesPrefix):
				e.Unlocked = *ev.Timestamp
			}
		}
	}
	return nil
}

// notification is the last terminal notification whose body names the
// execution.
// unfinished reports whether the execution ended without reaching one of
// the workflow's endings: stopped or timed out.
func (e *Ending) unfinished() bool {
	return e.Status == string(sfntypes.ExecutionStatusAborted) || e.Status == string(sfntypes.ExecutionStatusTimedOut)
}

// awaitNotification polls for the notification about the execution's end
// until limit has passed; nil when none came.
func (in *Inspector) awaitNotification(ctx context.Context, executionARN string, limit time.Duration) (*Message, error) {
	deadline := time.Now().Add(limit)
	for {
		m, err := in.notification(ctx, executionARN)
		if m != nil || err != nil || time.Now().After(deadline) {
			return m, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(in.Poll):
		}
	}
}

func (in *Inspector) notification(ctx context.Context, executionARN string) (*Message, error) {
	return terminalNotice(ctx, in.Messages, executionARN)
}

// terminalNotice reads the notifications and returns the last one about
// the end of the execution; nil when there is none, or when messages is
// nil (they cannot be read).
func terminalNotice(ctx context.Context, messages func(context.Context) ([]Message, error), executionARN string) (*Message, error) {
	if messages == nil {
		return nil, nil
	}
	ms, err := messages(ctx)
	if err != nil {
		return nil, fmt.Errorf("read notifications: %w", err)
	}
	for i := len(ms) - 1; i >= 0; i-- {
		if terminal(ms[i].Attributes[notice.AttrEvent]) && MessageExecution(ms[i]) == executionARN {
			m := ms[i]
			return &m, nil
		}
	}
	return nil, nil
}

// MessageExecution is the execution a notification is about, "" when its
// body does not say.
func MessageExecution(m Message) string {
	var body struct {
		ExecutionARN string `json:"executionArn"`
	}
	if json.Unmarshal([]byte(m.Body), &body) != nil {
		return ""
	}
	return body.ExecutionARN
}

func getAlias(ctx context.Context, c InspectLambda, fn, name string) (*awslambda.GetAliasOutput, error) {
	out, err := c.GetAlias(ctx, &awslambda.GetAliasInput{FunctionName: &fn, Name: &name})
	if failure.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get alias %s of %s: %w", name, fn, err)
	}
	return out, nil
}

func routingOf(a *awslambda.GetAliasOutput) string {
	if a.RoutingConfig == nil || len(a.RoutingConfig.AdditionalVersionWeights) == 0 {
		return ""
	}
	b, _ := json.Marshal(a.RoutingConfig.AdditionalVersionWeights)
	return string(b)
}
