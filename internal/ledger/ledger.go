// Package ledger keeps the lock record of each function in the artifact
// bucket (locks/<function>.json). The record makes releases of one function
// run one at a time, and it is where the running release, the alarm guard and
// the CLI meet: the release writes its progress, the guard and the operator
// write halt or promote requests, and the release reads them at its next step.
//
// Writes are S3 conditional writes: the record is created with
// If-None-Match: * (a second writer gets 412 PreconditionFailed) and updated
// with If-Match: <etag>, so concurrent writers never lose each other's change.
package ledger

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/greenlight/greenlight/internal/clockenv"
	"github.com/greenlight/greenlight/internal/decision"
	"github.com/greenlight/greenlight/internal/failure"
	"github.com/greenlight/greenlight/internal/release"
)

// Prefix is where lock records live in the bucket.
const Prefix = "locks/"

// EndedPrefix is where the watchdog marks the executions it has handled.
const EndedPrefix = "ended/"

// MarkEnded records, once, that the end of the execution was handled: it
// returns true the first time it is called for executionARN and false after,
// so that a repeated delivery of the event that reports the end does not
// notify twice. The marker is an empty object under EndedPrefix, created
// with If-None-Match: *.
func (l *Ledger) MarkEnded(ctx context.Context, executionARN string) (bool, error) {
	name := executionARN[strings.LastIndex(executionARN, ":")+1:]
	_, err := l.S3.PutObject(ctx, &s3.PutObjectInput{
		Bucket: &l.Bucket, Key: aws.String(EndedPrefix + name), IfNoneMatch: aws.String("*"), Body: bytes.NewReader(nil),
	})
	if failure.IsPreconditionFailed(err) {
		return false, nil
	}
	if err != nil {
		return false, failure.Classify("mark "+executionARN+" ended", err)
	}
	return true, nil
}

// Key returns the object key of fn's lock record.
func Key(fn string) string { return Prefix + fn + ".json" }

// ErrNotHeld says the record is missing or belongs to another execution.
var ErrNotHeld = errors.New("lock not held by this execution")

// Record is the lock record of one function.
type Record struct {
	ReleaseID    string `json:"releaseId"`
	ExecutionARN string `json:"executionArn"`
	Function     string `json:"function"`
	// Group is the group whose release holds the lock, "" for a release
	// of the function alone. A group release holds one record per member.
	Group          string        `json:"group,omitempty"`
	Blue           string        `json:"blue"`
	Green          string        `json:"green"`
	LiveAlias      string        `json:"liveAlias"`
	CandidateAlias string        `json:"candidateAlias"`
	Alarms         []string      `json:"alarms"`
	ReleaseAlarm   string        `json:"releaseAlarm"`
	Phase          release.Phase `json:"phase"`
	Weight         float64       `json:"weight"`
	Step           int           `json:"step"`
	Halt           *Action       `json:"halt,omitempty"`
	Promote        *Action       `json:"promote,omitempty"`
	// Wait is the callback task the release waits in, if any: answering its
	// token ends the bake or approval at once (see package decision).
	Wait *Wait `json:"wait,omitempty"`
	// Approved is the approval of the step the release waits on (Step).
	Approved   *Approval `json:"approved,omitempty"`
	AcquiredAt time.Time `json:"acquiredAt"`
	UpdatedAt  time.Time `json:"updatedAt"`
}

// Action is an operator's or the guard's request, with who and when.
type Action struct {
	Reason string    `json:"reason"`
	By     string    `json:"by"`
	At     time.Time `json:"at"`
}

// Wait is a callback task a release waits in.
type Wait struct {
	For   decision.Wait `json:"for"`
	Token string        `json:"token"`
	Step  int           `json:"step"`
	Since time.Time     `json:"since"`
}

// Approval is an operator's go for one step.
type Approval struct {
	Action
	Step int `json:"step"`
}

// ErrNotWaiting says the release does not wait for an approval.
var ErrNotWaiting = errors.New("release is not waiting for approval")

// Waiting reports whether the release behind r waits for w.
func (r Record) Waiting(w decision.Wait) bool { return r.Wait != nil && r.Wait.For == w }

// Decided returns the decision already written into r that ends a wait for
// w: a halt, a promote request, or (for an approval) the approval of the
// step. ok is false when the release must go on waiting.
func (r Record) Decided(w decision.Wait, step int) (d decision.Decision, ok bool) {
	switch {
	case r.Halt != nil:
		return decision.Decision{Decision: decision.Rollback, Reason: r.Halt.Reason, By: r.Halt.By}, true
	case r.Promote != nil:
		return decision.Decision{Decision: decision.Promote, Reason: r.Promote.Reason, By: r.Promote.By}, true
	case w == decision.Approval && r.Approved != nil && r.Approved.Step == step:
		return decision.Decision{Decision: decision.Approve, Reason: r.Approved.Reason, By: r.Approved.By}, true
	}
	return decision.Decision{}, false
}

// Watches reports whether the release behind r depends on the alarm.
func (r Record) Watches(alarm string) bool {
	if alarm == r.ReleaseAlarm {
		return true
	}
	for _, a := range r.Alarms {
		if a == alarm {
			return true
		}
	}
	return false
}

// RecordFor returns the lock record describing a release document.
func RecordFor(d *release.Document) Record {
	return Record{
		ReleaseID:      d.ReleaseID,
		ExecutionARN:   d.ExecutionARN,
		Function:       d.Function,
		Group:          d.Group,
		Blue:           d.State.Blue,
		Green:          d.State.Green,
		LiveAlias:      d.LiveAlias,
		CandidateAlias: d.CandidateAlias,
		Alarms:         d.Alarms,
		ReleaseAlarm:   d.State.ReleaseAlarm,
		Phase:          d.State.Phase,
		Weight:         d.State.Weight,
		Step:           d.State.Step,
	}
}

// Objects is the part of the S3 API the ledger uses.
type Objects interface {
	GetObject(context.Context, *s3.GetObjectInput, ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	PutObject(context.Context, *s3.PutObjectInput, ...func(*s3.Options)) (*s3.PutObjectOutput, error)
	DeleteObject(context.Context, *s3.DeleteObjectInput, ...func(*s3.Options)) (*s3.DeleteObjectOutput, error)
	s3.ListObjectsV2APIClient
}

// Executions is the part of the Step Functions API the ledger uses to tell a
// live lock from a stale one.
type Executions interface {
	DescribeExecution(context.Context, *sfn.DescribeExecutionInput, ...func(*sfn.Options)) (*sfn.DescribeExecutionOutput, error)
}

var (
	_ Objects    = (*s3.Client)(nil)
	_ Executions = (*sfn.Client)(nil)
)

// Ledger reads and writes lock records.
type Ledger struct {
	S3     Objects
	Bucket string
	// Executions is needed by Acquire only.
	Executions Executions
	// Now defaults to clockenv.Now: the time of the cloud the function runs in.
	Now func() time.Time
}

// maxAttempts bounds the read-modify-write loops that lose a race.
const maxAttempts = 5

func (l *Ledger) now() time.Time {
	if l.Now != nil {
		return l.Now().UTC()
	}
	return clockenv.Now().UTC()
}

// Get reads fn's record and its ETag; ErrNotHeld when there is none.
func (l *Ledger) Get(ctx context.Context, fn string) (Record, string, error) {
	out, err := l.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: &l.Bucket, Key: aws.String(Key(fn))})
	if err != nil {
		if failure.IsNotFound(err) {
			return Record{}, "", fmt.Errorf("%s: %w", fn, ErrNotHeld)
		}
		return Record{}, "", failure.Classify("read lock of "+fn, err)
	}
	defer out.Body.Close()
	body, err := io.ReadAll(out.Body)
	if err != nil {
		return Record{}, "", &failure.ThrottledError{Op: "read lock of " + fn, Err: err}
	}
	var r Record
	if err := json.Unmarshal(body, &r); err != nil {
		return Record{}, "", &failure.OperationError{Op: "decode lock of " + fn, Err: err}
	}
	return r, aws.ToString(out.ETag), nil
}

// put writes r; with etag "" it creates (If-None-Match: *), otherwise it
// replaces the version with that ETag (If-Match).
func (l *Ledger) put(ctx context.Context, r Record, etag string) error {
	body, err := json.Marshal(r)
	if err != nil {
		return &failure.OperationError{Op: "encode lock of " + r.Function, Err: err}
	}
	in := &s3.PutObjectInput{
		Bucket:      &l.Bucket,
		Key:         aws.String(Key(r.Function)),
		Body:        bytes.NewReader(body),
		ContentType: aws.String("application/json"),
	}
	if etag == "" {
		in.IfNoneMatch = aws.String("*")
	} else {
		in.IfMatch = aws.String(etag)
	}
	_, err = l.S3.PutObject(ctx, in)
	return err
}

// ErrEnded says the execution that took a lock had already ended (it was
// stopped while its lock task ran): the lock was let go again at once.
var ErrEnded = errors.New("the execution ended while it took the lock")

// Acquire takes fn's lock for the release r describes. It succeeds when the
// lock is free, already held by r's execution, or held by an execution that
// is no longer running (a stale lock, taken over). It returns a
// *failure.LockHeldError when another running execution holds it.
//
// An execution stopped while its lock task runs is handled by the watchdog
// before the task writes the lock, so the task would leave a lock nobody
// releases: once the lock is written, Acquire checks that r's execution
// still runs, and when it has ended it releases the lock and returns
// ErrEnded (wrapped).
func (l *Ledger) Acquire(ctx context.Context, r Record) (Record, error) {
	held, err := l.acquire(ctx, r)
	if err != nil {
		return held, err
	}
	out, err := l.Executions.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: &r.ExecutionARN})
	if err != nil || out.Status == sfntypes.ExecutionStatusRunning {
		// An execution that cannot be described is trusted to run: its
		// task is running.
		return held, nil
	}
	if err := l.Release(ctx, r.Function, r.ExecutionARN); err != nil {
		return Record{}, err
	}
	return Record{}, fmt.Errorf("%s: execution %s is %s: %w", r.Function, r.ExecutionARN, out.Status, ErrEnded)
}

func (l *Ledger) acquire(ctx context.Context, r Record) (Record, error) {
	now := l.now()
	r.AcquiredAt, r.UpdatedAt = now, now
	for range maxAttempts {
		err := l.put(ctx, r, "")
		if err == nil {
			return r, nil
		}
		if !failure.IsPreconditionFailed(err) {
			return Record{}, failure.Classify("create lock of "+r.Function, err)
		}
		held, etag, err := l.Get(ctx, r.Function)
		if errors.Is(err, ErrNotHeld) {
			continue // released in between: try to create again
		}
		if err != nil {
			return Record{}, err
		}
		if held.ExecutionARN == r.ExecutionARN {
			return held, nil
		}
		running, err := l.running(ctx, held.ExecutionARN)
		if err != nil {
			return Record{}, err
		}
		if running {
			return Record{}, &failure.LockHeldError{Function: r.Function, ExecutionARN: held.ExecutionARN, ReleaseID: held.ReleaseID}
		}
		err = l.put(ctx, r, etag)
		if err == nil {
			return r, nil
		}
		if !failure.IsPreconditionFailed(err) && !failure.IsNotFound(err) {
			return Record{}, failure.Classify("take over stale lock of "+r.Function, err)
		}
	}
	return Record{}, &failure.ConflictError{Op: "acquire lock of " + r.Function, Err: errors.New("lock record kept changing")}
}

// Reclaim takes fn's lock back for the release r describes after its record
// vanished (deleted by hand): it creates the record only when there is none
// (If-None-Match: *), so it never takes a lock another release holds, stale
// or not. It returns ErrNotHeld (wrapped) when another execution holds it.
func (l *Ledger) Reclaim(ctx context.Context, r Record) (Record, error) {
	now := l.now()
	r.AcquiredAt, r.UpdatedAt = now, now
	err := l.put(ctx, r, "")
	if err == nil {
		return r, nil
	}
	if !failure.IsPreconditionFailed(err) {
		return Record{}, failure.Classify("create lock of "+r.Function, err)
	}
	held, _, err := l.Get(ctx, r.Function)
	if err != nil {
		return Record{}, err
	}
	if held.ExecutionARN != r.ExecutionARN {
		return Record{}, fmt.Errorf("%s is locked by %s: %w", r.Function, held.ExecutionARN, ErrNotHeld)
	}
	return held, nil
}

func (l *Ledger) running(ctx context.Context, arn string) (bool, error) {
	if arn == "" {
		return false, nil
	}
	out, err := l.Executions.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: &arn})
	if err != nil {
		if failure.IsNotFound(err) {
			return false, nil
		}
		return false, failure.Classify("describe lock holder "+arn, err)
	}
	return out.Status == sfntypes.ExecutionStatusRunning, nil
}

// Update applies change to fn's record if executionARN holds it, and writes
// it back; it returns ErrNotHeld (wrapped) when the record is gone or
// belongs to another execution.
func (l *Ledger) Update(ctx context.Context, fn, executionARN string, change func(*Record)) (Record, error) {
	return l.modify(ctx, fn, func(r *Record) error {
		if r.ExecutionARN != executionARN {
			return fmt.Errorf("%s is locked by %s: %w", fn, r.ExecutionARN, ErrNotHeld)
		}
		change(r)
		return nil
	})
}

// DecidedError says a release already carries the opposite decision: a halt
// refused because a promote was requested first, or a promote request refused
// because the release was halted first. The first decision written wins, so
// of a rollback and a promote issued at the same moment exactly one takes
// effect and the other is told which.
type DecidedError struct {
	Function string
	// Decision is the decision that won: decision.Rollback or decision.Promote.
	Decision decision.Kind
	Action   Action
}

func (e *DecidedError) Error() string {
	what := "halted (rolling back)"
	if e.Decision == decision.Promote {
		what = "being promoted"
	}
	msg := fmt.Sprintf("the release of %s is already %s by %s at %s", e.Function, what, e.Action.By, e.Action.At.Format(time.RFC3339))
	if e.Action.Reason != "" {
		msg += " (" + e.Action.Reason + ")"
	}
	return msg
}

// Halt asks the running release of fn to roll back. It keeps the first halt
// written, so the reason the operator or guard gave first is the one shown,
// and it fails with a *DecidedError when a promote was requested first.
func (l *Ledger) Halt(ctx context.Context, fn string, a Action) (Record, error) {
	return l.modify(ctx, fn, func(r *Record) error {
		if r.Promote != nil {
			return &DecidedError{Function: fn, Decision: decision.Promote, Action: *r.Promote}
		}
		if r.Halt == nil {
			a.At = l.now()
			r.Halt = &a
		}
		return nil
	})
}

// Await records that the release of executionARN waits in a callback task,
// and returns the record written: a decision already in it (Record.Decided)
// was taken before the token was there to answer.
func (l *Ledger) Await(ctx context.Context, fn, executionARN string, w Wait) (Record, error) {
	return l.Update(ctx, fn, executionARN, func(r *Record) {
		w.Since = l.now()
		r.Wait = &w
	})
}

// Approve records an operator's approval of the step fn's release waits on;
// it returns ErrNotWaiting (wrapped) when the release waits for no approval.
func (l *Ledger) Approve(ctx context.Context, fn string, a Action) (Record, error) {
	return l.modify(ctx, fn, func(r *Record) error {
		if !r.Waiting(decision.Approval) {
			return fmt.Errorf("%s: %w", fn, ErrNotWaiting)
		}
		if r.Approved == nil || r.Approved.Step != r.Wait.Step {
			a.At = l.now()
			r.Approved = &Approval{Action: a, Step: r.Wait.Step}
		}
		return nil
	})
}

// RequestPromote asks the running release of fn to finish at its next
// verify; it fails with a *DecidedError when the release was halted first.
func (l *Ledger) RequestPromote(ctx context.Context, fn string, a Action) (Record, error) {
	return l.modify(ctx, fn, func(r *Record) error {
		if r.Halt != nil {
			return &DecidedError{Function: fn, Decision: decision.Rollback, Action: *r.Halt}
		}
		if r.Promote == nil {
			a.At = l.now()
			r.Promote = &a
		}
		return nil
	})
}

func (l *Ledger) modify(ctx context.Context, fn string, change func(*Record) error) (Record, error) {
	for range maxAttempts {
		r, etag, err := l.Get(ctx, fn)
		if err != nil {
			return Record{}, err
		}
		if err := change(&r); err != nil {
			return Record{}, err
		}
		r.UpdatedAt = l.now()
		err = l.put(ctx, r, etag)
		if err == nil {
			return r, nil
		}
		if !failure.IsPreconditionFailed(err) {
			return Record{}, failure.Classify("update lock of "+fn, err)
		}
	}
	return Record{}, &failure.ConflictError{Op: "update lock of " + fn, Err: errors.New("lock record kept changing")}
}

// Release deletes fn's record if executionARN holds it; releasing a lock that
// is gone or held by another execution does nothing.
//
// The delete is conditional on the ETag read (If-Match). An execution that
// is stopped while it unlocks is no longer running, so another release may
// take its lock over between the read and the delete; that lock must
// survive. A record that changed but is still this execution's (the guard
// wrote a halt) is read again and deleted.
func (l *Ledger) Release(ctx context.Context, fn, executionARN string) error {
	for range maxAttempts {
		r, etag, err := l.Get(ctx, fn)
		if errors.Is(err, ErrNotHeld) {
			return nil
		}
		if err != nil {
			return err
		}
		if r.ExecutionARN != executionARN {
			return nil
		}
		_, err = l.S3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &l.Bucket, Key: aws.String(Key(fn)), IfMatch: &etag})
		if err == nil || failure.IsNotFound(err) {
			return nil
		}
		if !failure.IsPreconditionFailed(err) {
			return failure.Classify("delete lock of "+fn, err)
		}
	}
	return &failure.ConflictError{Op: "release lock of " + fn, Err: errors.New("lock record kept changing")}
}

// List returns every lock record, that is every release in progress.
func (l *Ledger) List(ctx context.Context) ([]Record, error) {
	var records []Record
	p := s3.NewListObjectsV2Paginator(l.S3, &s3.ListObjectsV2Input{Bucket: &l.Bucket, Prefix: aws.String(Prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, failure.Classify("list locks", err)
		}
		for _, o := range page.Contents {
			fn, ok := strings.CutSuffix(strings.TrimPrefix(aws.ToString(o.Key), Prefix), ".json")
			if !ok {
				continue
			}
			r, _, err := l.Get(ctx, fn)
			if errors.Is(err, ErrNotHeld) {
				continue // released since the listing
			}
			if err != nil {
				return nil, err
			}
			records = append(records, r)
		}
	}
	return records, nil
}

// Check reads fn's record for the release of executionARN and returns a
// *failure.HaltedError when that release must stop: its lock is gone or
// belongs to another execution, or an operator or the alarm guard halted it.
func (l *Ledger) Check(ctx context.Context, fn, executionARN string) (Record, error) {
	r, _, err := l.Get(ctx, fn)
	if err != nil {
		return Record{}, AsHalt(fn, err)
	}
	if r.ExecutionARN != executionARN {
		return Record{}, AsHalt(fn, ErrNotHeld)
	}
	if r.Halt != nil {
		return r, &failure.HaltedError{Reason: r.Halt.Reason, By: r.Halt.By}
	}
	return r, nil
}

// AsHalt turns a lost lock (ErrNotHeld) into the *failure.HaltedError that
// stops the release, and classifies any other error.
func AsHalt(fn string, err error) error {
	if errors.Is(err, ErrNotHeld) {
		return &failure.HaltedError{Reason: "the release lock of " + fn + " is gone or taken", By: "greenlight"}
	}
	return failure.Classify("lock of "+fn, err)
}

// Checker reads a release's lock record and the decisions written into it.
type Checker interface {
	Check(ctx context.Context, fn, executionARN string) (Record, error)
}

// CheckUnchanged checks the lock records of the members of group release d
// that the release does not change. They move no traffic, but their records
// are the group's too: the guard halts one when the member's alarm fires,
// and an operator may write a promote request or a halt there. It returns
// the member's *failure.HaltedError (naming the member) when one is halted or
// its lock lost, and reports whether one carries a promote request.
func CheckUnchanged(ctx context.Context, c Checker, d *release.Document) (promote bool, err error) {
	for _, m := range d.Members {
		if m.Released() {
			continue
		}
		rec, err := c.Check(ctx, m.Function, d.ExecutionARN)
		if err != nil {
			return false, failure.OfMember(m.Function, err)
		}
		promote = promote || rec.Promote != nil
	}
	return promote, nil
}
