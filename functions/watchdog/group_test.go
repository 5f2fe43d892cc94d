package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/greenlight/greenlight/internal/drift/drifttest"
	"github.com/greenlight/greenlight/internal/ledger"
	"github.com/greenlight/greenlight/internal/ledger/ledgertest"
	"github.com/greenlight/greenlight/internal/notice"
	"github.com/greenlight/greenlight/internal/release"
	"github.com/greenlight/greenlight/internal/traffic"
)

var _ functions = drifttest.Fleet(nil)

// member is the lock record of a member of group shop, released by
// execution arn, live on blue with green taking a tenth.
func member(arn, fn, blue, green string, phase release.Phase) ledger.Record {
	return ledger.Record{Function: fn, Group: "shop", ExecutionARN: arn, ReleaseID: "shop-42", Blue: blue, Green: green,
		LiveAlias: "live", Phase: phase, Weight: 0.1, AcquiredAt: now.Add(-10 * time.Minute)}
}

func halted(r ledger.Record) ledger.Record {
	r.Halt = &ledger.Action{Reason: "alarm " + r.Function + "-5xx is ALARM", By: "guard", At: now.Add(-time.Minute)}
	return r
}

// versions renders where plan puts each record: "shop-api 4".
func versions(records []ledger.Record, green bool) []string {
	var out []string
	for _, r := range records {
		out = append(out, strings.TrimSpace(r.Function+" "+versionOf(r, green)))
	}
	return out
}

func TestPlan(t *testing.T) {
	api := member(mine, "shop-api", "3", "4", release.PhaseShifting)
	worker := member(mine, "shop-worker", "6", "7", release.PhaseShifting)
	promoted := func(r ledger.Record) ledger.Record { r.Phase = release.PhasePromoted; return r }
	tests := []struct {
		name    string
		records []ledger.Record
		green   bool
		want    []string // the version of each record, in the records' order
	}{
		{"mid-canary", []ledger.Record{api, worker}, false, []string{"shop-api 3", "shop-worker 6"}},
		{"promoted", []ledger.Record{promoted(api), promoted(worker)}, true, []string{"shop-api 4", "shop-worker 7"}},
		{"crash mid-promotion", []ledger.Record{promoted(api), worker}, true, []string{"shop-api 4", "shop-worker 7"}},
		{"halted before promotion", []ledger.Record{promoted(api), halted(worker)}, false, []string{"shop-api 3", "shop-worker 6"}},
		{"halted after its promotion", []ledger.Record{halted(promoted(api)), worker}, true, []string{"shop-api 4", "shop-worker 7"}},
		{"halted, none promoted", []ledger.Record{halted(api), worker}, false, []string{"shop-api 3", "shop-worker 6"}},
		{"a member not released", []ledger.Record{promoted(api), member(mine, "shop-admin", "2", "2", release.PhasePromoted)}, true,
			[]string{"shop-api 4", "shop-admin 2"}},
		{"a member not deployed", []ledger.Record{promoted(api), member(mine, "shop-admin", "2", "", release.PhaseDeployed)}, true,
			[]string{"shop-api 4", "shop-admin 2"}},
		{"a first release left alone", []ledger.Record{api, member(mine, "shop-new", "", "1", release.PhaseShifting)}, false,
			[]string{"shop-api 3", "shop-new"}},
		{"a first release promoted", []ledger.Record{promoted(api), member(mine, "shop-new", "", "1", release.PhaseShifting)}, true,
			[]string{"shop-api 4", "shop-new 1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			green, order := plan(tt.records)
			if green != tt.green {
				t.Errorf("green = %v, want %v", green, tt.green)
			}
			if got := versions(tt.records, green); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("versions = %q, want %q", got, tt.want)
			}
			if len(order) != len(tt.records) {
				t.Fatalf("order has %d records, want %d", len(order), len(tt.records))
			}
			// Whichever locks a failure leaves, the retried event decides
			// the same from them.
			for i := range order {
				if g, _ := plan(order[i:]); g != green {
					t.Errorf("the records left after releasing %d decide green = %v, want %v", i, g, green)
				}
			}
		})
	}
}

// only returns the one notification published, whose subject must be
// subject.
func (p *topic) only(t *testing.T, subject string) *sns.PublishInput {
	t.Helper()
	if len(p.published) != 1 {
		t.Fatalf("published %d notifications, want 1", len(p.published))
	}
	m := p.published[0]
	if s := aws.ToString(m.Subject); s != subject {
		t.Errorf("subject %q, want %q", s, subject)
	}
	return m
}

// wantLive checks that each function's live alias serves the version want
// names, at 100 %.
func wantLive(t *testing.T, f drifttest.Fleet, want map[string]string) {
	t.Helper()
	for fn, v := range want {
		if live, _ := f[fn].Alias("live"); live.Version != v || len(live.Weights) != 0 {
			t.Errorf("%s live = %+v, want version %s at 100 %%", fn, live, v)
		}
	}
}

// groupEvent is the status change of execution mine, whose input is input.
func groupEvent(t *testing.T, status, input string) events.CloudWatchEvent {
	t.Helper()
	e := event(t, status)
	var detail map[string]any
	if err := json.Unmarshal(e.Detail, &detail); err != nil {
		t.Fatal(err)
	}
	detail["input"] = input
	b, err := json.Marshal(detail)
	if err != nil {
		t.Fatal(err)
	}
	e.Detail = b
	return e
}

// shop is group shop mid-canary: shop-api and shop-worker split between
// blue and green, shop-admin (not released) on its blue.
func shop() drifttest.Fleet {
	split := func(blue, green string) map[string]traffic.Alias {
		return map[string]traffic.Alias{"live": {Version: blue, Weights: map[string]float64{green: 0.1}}}
	}
	return drifttest.Fleet{
		"shop-api":    drifttest.New(split("3", "4"), "sha-api", nil),
		"shop-worker": drifttest.New(split("6", "7"), "sha-worker", nil),
		"shop-admin":  drifttest.New(map[string]traffic.Alias{"live": {Version: "2"}}, "sha-admin", nil),
	}
}

func TestHandleGroup(t *testing.T) {
	api := member(mine, "shop-api", "3", "4", release.PhaseShifting)
	worker := member(mine, "shop-worker", "6", "7", release.PhaseShifting)
	admin := member(mine, "shop-admin", "2", "2", release.PhaseShifting)
	promoted := func(r ledger.Record) ledger.Record { r.Phase = release.PhasePromoted; return r }
	tests := []struct {
		name     string
		status   string
		records  []ledger.Record
		promoted []string // members whose live the release already moved to green
		want     map[string]string
		subject  string
	}{
		{"stopped mid-canary: all blue", "ABORTED", []ledger.Record{api, worker, admin}, nil,
			map[string]string{"shop-api": "3", "shop-worker": "6", "shop-admin": "2"},
			"greenlight: group shop release aborted (execution ABORTED), live on shop-api 3, shop-worker 6"},
		{"crash mid-promotion: all green", "FAILED", []ledger.Record{promoted(api), worker, admin}, []string{"shop-api"},
			map[string]string{"shop-api": "4", "shop-worker": "7", "shop-admin": "2"},
			"greenlight: group shop release aborted (execution FAILED), live on shop-api 4, shop-worker 7"},
		{"a member halted before its promotion: all blue", "TIMED_OUT", []ledger.Record{promoted(api), halted(worker), admin}, []string{"shop-api"},
			map[string]string{"shop-api": "3", "shop-worker": "6", "shop-admin": "2"},
			"greenlight: group shop release aborted (execution TIMED_OUT), live on shop-api 3, shop-worker 6"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := ledgertest.NewBucket()
			for _, r := range tt.records {
				b.Put(t, r)
			}
			b.Put(t, record(theirs, release.PhaseShifting, "3")) // orders, another release's
			f := shop()
			for _, fn := range tt.promoted {
				if _, err := f[fn].UpdateAlias(context.Background(), &awslambda.UpdateAliasInput{
					FunctionName: aws.String(fn), Name: aws.String("live"), FunctionVersion: aws.String(map[string]string{"shop-api": "4", "shop-worker": "7"}[fn])}); err != nil {
					t.Fatal(err)
				}
			}
			p := &topic{}
			l := &ledger.Ledger{S3: b, Bucket: "artifacts"}
			h := &Handler{Ledger: l, Lambda: f, SNS: p, TopicARN: "arn:topic", Now: func() time.Time { return now }}
			got, err := h.Handle(context.Background(), groupEvent(t, tt.status, `{"group":"shop"}`))
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Released) != 3 || len(got.Restored) != 3 {
				t.Errorf("result = %+v, want every member restored and released", got)
			}
			wantLive(t, f, tt.want)
			for fn, want := range tt.want {
				if _, ok := b.Record(t, fn); ok {
					t.Errorf("%s still locked", fn)
				}
				if left, ok, err := l.LeftOf(context.Background(), fn); err != nil || !ok || left.Version != want || left.ExecutionARN != mine {
					t.Errorf("%s left = %+v (%v, %v), want version %s recorded", fn, left, ok, err, want)
				}
			}
			if _, ok := b.Record(t, "orders"); !ok {
				t.Error("another execution's lock was released")
			}
			m := p.only(t, tt.subject)
			for name, want := range map[string]string{notice.AttrEvent: "aborted", notice.AttrFunction: "shop", notice.AttrGroup: "shop"} {
				if v := aws.ToString(m.MessageAttributes[name].StringValue); v != want {
					t.Errorf("attribute %s = %q, want %q", name, v, want)
				}
			}
			var body notice.Body
			if err := json.Unmarshal([]byte(aws.ToString(m.Message)), &body); err != nil {
				t.Fatal(err)
			}
			live := map[string]string{}
			for _, m := range body.Members {
				live[m.Function] = m.Live
			}
			if body.Group != "shop" || body.ReleaseID != "shop-42" || !reflect.DeepEqual(live, tt.want) || !strings.Contains(body.Reason, "stopped by alice") {
				t.Errorf("body = %+v, want the group, its release, each member's live version %v and the cause", body, tt.want)
			}

			// A second delivery of the event finds nothing to do.
			again, err := h.Handle(context.Background(), groupEvent(t, tt.status, `{"group":"shop"}`))
			if err != nil {
				t.Fatal(err)
			}
			if len(again.Restored)+len(again.Released) != 0 || len(p.published) != 1 {
				t.Errorf("second run: result %+v, %d notifications", again, len(p.published))
			}
		})
	}
}

// TestHandleGroupKeepsEveryLockWhenAMemberFails: while one member cannot be
// moved, every lock stays, so that the retried event finds the same records
// and decides the same side; the retry finishes the job and notifies once.
func TestHandleGroupKeepsEveryLockWhenAMemberFails(t *testing.T) {
	b := ledgertest.NewBucket()
	// Crash mid-promotion: shop-api promoted, shop-worker not yet.
	api := member(mine, "shop-api", "3", "4", release.PhasePromoted)
	for _, r := range []ledger.Record{api, member(mine, "shop-worker", "6", "7", release.PhaseShifting)} {
		b.Put(t, r)
	}
	f := shop()
	f["shop-worker"].Errs["UpdateAlias"] = errors.New("throttled")
	p := &topic{}
	h := &Handler{Ledger: &ledger.Ledger{S3: b, Bucket: "artifacts"}, Lambda: f, SNS: p, Now: func() time.Time { return now }}
	if _, err := h.Handle(context.Background(), groupEvent(t, "FAILED", `{"group":"shop"}`)); err == nil {
		t.Fatal("no error")
	}
	for _, fn := range []string{"shop-api", "shop-worker"} {
		if _, ok := b.Record(t, fn); !ok {
			t.Errorf("%s's lock released while shop-worker was not restored", fn)
		}
	}
	if len(p.published) != 0 {
		t.Errorf("published %d notifications before the group was restored", len(p.published))
	}
	delete(f["shop-worker"].Errs, "UpdateAlias")
	if _, err := h.Handle(context.Background(), groupEvent(t, "FAILED", `{"group":"shop"}`)); err != nil {
		t.Fatalf("retry: %v", err)
	}
	wantLive(t, f, map[string]string{"shop-api": "4", "shop-worker": "7"})
	p.only(t, "greenlight: group shop release aborted (execution FAILED), live on shop-api 4, shop-worker 7")
}

// TestHandleGroupEndedBeforeTheLock: a group release stopped before it took
// its locks is announced as the group's.
func TestHandleGroupEndedBeforeTheLock(t *testing.T) {
	upload := func(key string) string {
		return fmt.Sprintf(`{"version":"0","detail-type":"Object Created","source":"aws.s3","detail":{"bucket":{"name":"artifacts"},"object":{"key":%q,"version-id":"v"}}}`, key)
	}
	for _, tt := range []struct {
		name, input string
		queued      bool // a release of group shop holds the locks
		subject     string
		group       string
	}{
		{"console input", `{"group":"shop"}`, false, "greenlight: group shop release aborted (execution ABORTED), live unchanged", "shop"},
		{"upload queued behind the group", upload("releases/shop/43.zip"), true, "greenlight: group shop release aborted (execution ABORTED), live unchanged", "shop"},
		{"upload of a function", upload("releases/orders/43.zip"), true, "greenlight: orders release aborted (execution ABORTED), live unchanged", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := ledgertest.NewBucket()
			if tt.queued {
				b.Put(t, member(theirs, "shop-api", "3", "4", release.PhaseShifting))
			}
			p := &topic{}
			h := &Handler{Ledger: &ledger.Ledger{S3: b, Bucket: "artifacts"}, Lambda: shop(), SNS: p, Now: func() time.Time { return now }}
			if _, err := h.Handle(context.Background(), groupEvent(t, "ABORTED", tt.input)); err != nil {
				t.Fatal(err)
			}
			m := p.only(t, tt.subject)
			if g := aws.ToString(m.MessageAttributes[notice.AttrGroup].StringValue); g != tt.group {
				t.Errorf("group attribute %q, want %q", g, tt.group)
			}
			if r, ok := b.Record(t, "shop-api"); ok != tt.queued || ok && r.ExecutionARN != theirs {
				t.Errorf("lock record = %+v (%v), want the other release's kept", r, ok)
			}
		})
	}
}
