package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/greenlight/greenlight/cmd/internal/demo"
	"github.com/greenlight/greenlight/examples"
	"github.com/greenlight/greenlight/examples/shop"
)

// The group cdk.json configures: the shop example's api and worker.
const (
	shopGroup  = demo.ShopGroup
	shopAPI    = demo.ShopAPI
	shopWorker = demo.ShopWorker
)

var shopMembers = demo.ShopMembers

var shopArtifacts sync.Map // member/version → []byte

// shopArtifact is a build of a member of examples/shop for this machine.
func shopArtifact(t *testing.T, member, version string) []byte {
	t.Helper()
	key := member + "/" + version
	if zip, ok := shopArtifacts.Load(key); ok {
		return zip.([]byte)
	}
	goos, goarch := demo.HostTarget()
	zip, err := examples.ShopArtifact(context.Background(), member, version, goos, goarch)
	if err != nil {
		t.Fatalf("build %s %s: %v", member, version, err)
	}
	shopArtifacts.Store(key, zip)
	return zip
}

// bundle is a group's bundle: one <function>.zip per member released.
func bundle(t *testing.T, members map[string][]byte) []byte {
	t.Helper()
	b, err := demo.Bundle(members)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// groupEnding checks the invariant on every member of a group release and
// that it holds as one: every member on blue, or every released member on
// green, one notification for the group.
func (b *harness) groupEnding(t *testing.T, arn string, blue map[string]string, concurrent bool) map[string]demo.Ending {
	t.Helper()
	endings := map[string]demo.Ending{}
	for _, fn := range shopMembers {
		e := b.check(t, arn, demo.Expect{Function: fn, Blue: blue[fn], Concurrent: concurrent})
		for _, v := range e.Violations {
			t.Errorf("%s: %s", fn, v)
		}
		endings[fn] = e
	}
	n := endings[shopAPI].Notification
	if n == nil {
		t.Fatalf("no notification for %s", arn)
	}
	var body struct {
		Group   string `json:"group"`
		Members []struct {
			Function string `json:"function"`
		} `json:"members"`
	}
	if err := json.Unmarshal([]byte(n.Body), &body); err != nil {
		t.Fatalf("notification body: %v\n%s", err, n.Body)
	}
	if body.Group != shopGroup || len(body.Members) != len(shopMembers) {
		t.Errorf("notification names group %q with %d members, want %s with %d:\n%s", body.Group, len(body.Members), shopGroup, len(shopMembers), n.Body)
	}
	if n.Attributes["group"] != shopGroup {
		t.Errorf("notification attribute group = %q, want %s", n.Attributes["group"], shopGroup)
	}
	return endings
}

// invokeLive calls the api through live with an order until stop is
// closed, as callers would, and returns the answers it got.
func (b *harness) invokeLive(stop <-chan struct{}) <-chan []string {
	done := make(chan []string, 1)
	go func() {
		var answers []string
		for {
			select {
			case <-stop:
				done <- answers
				return
			case <-time.After(20 * time.Millisecond):
			}
			out, err := b.lambda.Invoke(context.Background(), &awslambda.InvokeInput{
				FunctionName: aws.String(shopAPI + ":live"), Payload: []byte(`{"order":"e2e"}`),
			})
			if err == nil {
				answers = append(answers, string(out.Payload))
			}
		}
	}()
	return done
}

// TestGroupRelease releases the shop example's api and worker as one group:
// a release that promotes both (its tests entered through the candidate
// aliases and reached only candidates), one that a worker failing under
// traffic rolls back as a whole, one whose test fails before any traffic
// moves, and a group release and a release of one member started together,
// which run one after the other.
func TestGroupRelease(t *testing.T) {
	b := newHarness(t)
	ctx := context.Background()
	b.createFunctionWith(t, shopWorker, shopArtifact(t, "worker", "w1"), nil)
	b.createFunctionWith(t, shopAPI, shopArtifact(t, "api", "a1"), map[string]string{shop.WorkerVar: shopWorker})
	live := func() map[string]string {
		m := map[string]string{}
		for _, fn := range shopMembers {
			m[fn], _ = b.alias(t, fn, "live")
		}
		return m
	}
	held := 0
	stories := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"both members promoted as one", func(t *testing.T) {
			blue := live()
			stop := make(chan struct{})
			answers := b.invokeLive(stop)
			key := b.release(t, shopGroup, "2", bundle(t, map[string][]byte{
				shopAPI: shopArtifact(t, "api", "a2"), shopWorker: shopArtifact(t, "worker", "w2"),
			}), map[string]any{"strategy": oneStep})
			endings := b.groupEnding(t, b.execution(t, key), blue, false)
			close(stop)
			for _, fn := range shopMembers {
				if e := endings[fn]; e.Status != "SUCCEEDED" || e.Live == blue[fn] {
					t.Errorf("%s: ended %s with live %s (blue %s), want promoted", fn, e.Status, e.Live, blue[fn])
				}
			}
			// Callers of live reached live workers only, before, during
			// and after the switch.
			for _, a := range <-answers {
				var got shop.APIAnswer
				if json.Unmarshal([]byte(a), &got) == nil && got.API != "" && (got.Alias != "live" || got.Worker.Alias != "live") {
					t.Errorf("a caller of live was answered through %q and %q: %s", got.Alias, got.Worker.Alias, a)
				}
			}
		}},
		{"a worker failing under traffic rolls both back", func(t *testing.T) {
			blue := live()
			stop := make(chan struct{})
			answers := b.invokeLive(stop)
			key := b.release(t, shopGroup, "3", bundle(t, map[string][]byte{
				shopAPI: shopArtifact(t, "api", "a1"), shopWorker: shopArtifact(t, "worker", "w3"),
			}), map[string]any{"strategy": longBake(outsideWindow)})
			endings := b.groupEnding(t, b.execution(t, key), blue, false)
			close(stop)
			<-answers
			n := endings[shopAPI].Notification
			if endings[shopAPI].Status != "FAILED" || !strings.Contains(n.Subject, "rolled back") {
				t.Errorf("ended %s, notified %q; want rolled back", endings[shopAPI].Status, n.Subject)
			}
			var body struct {
				DecidedBy string `json:"decidedBy"`
			}
			if err := json.Unmarshal([]byte(n.Body), &body); err != nil || body.DecidedBy != shopWorker {
				t.Errorf("notification decidedBy = %q, want %s:\n%s", body.DecidedBy, shopWorker, n.Body)
			}
		}},
		{"a failing group test rolls back before any traffic moves", func(t *testing.T) {
			blue := live()
			revisions := map[string]string{}
			for _, fn := range shopMembers {
				_, revisions[fn] = b.alias(t, fn, "live")
			}
			failing := []map[string]any{{
				"name": "order", "function": shopAPI, "payload": map[string]any{"order": "e2e"},
				"expect": map[string]any{"api": "a9"},
			}}
			key := b.release(t, shopGroup, "4", bundle(t, map[string][]byte{
				shopAPI: shopArtifact(t, "api", "a1"), shopWorker: shopArtifact(t, "worker", "w1"),
			}), map[string]any{"strategy": oneStep, "tests": failing})
			endings := b.groupEnding(t, b.execution(t, key), blue, false)
			if e := endings[shopAPI]; e.Status != "FAILED" || !slices.ContainsFunc(e.Path, func(s string) bool { return strings.HasPrefix(s, "Run tests") }) {
				t.Errorf("ended %s by %v, want failed in its tests", e.Status, e.Path)
			}
			for _, fn := range shopMembers {
				if _, rev := b.alias(t, fn, "live"); rev != revisions[fn] {
					t.Errorf("%s: live alias revision %s → %s: traffic moved before the tests passed", fn, revisions[fn], rev)
				}
			}
		}},
		{"a group release and a release of one member run one after the other", func(t *testing.T) {
			blue := live()
			group := b.release(t, shopGroup, "5", bundle(t, map[string][]byte{
				shopAPI: shopArtifact(t, "api", "a2"), shopWorker: shopArtifact(t, "worker", "w2"),
			}), map[string]any{"strategy": oneStep})
			single := b.release(t, shopWorker, "6", shopArtifact(t, "worker", "w1"), map[string]any{"strategy": oneStep})
			arns, err := b.executions(ctx, group, single)
			if err != nil {
				t.Fatal(err)
			}
			g := b.groupEnding(t, arns[group], blue, true)[shopWorker]
			s := b.check(t, arns[single], demo.Expect{Function: shopWorker, Blue: blue[shopWorker], Concurrent: true})
			for _, v := range s.Violations {
				t.Errorf("single release: %s", v)
			}
			if g.Status != "SUCCEEDED" || s.Status != "SUCCEEDED" {
				t.Errorf("group ended %s, single ended %s; want both promoted, one after the other", g.Status, s.Status)
			}
			if g.Locked.IsZero() || s.Locked.IsZero() || overlap(g.Locked, g.Unlocked, s.Locked, s.Unlocked) {
				t.Errorf("the worker's lock was held by the group %v–%v and by the single release %v–%v: they overlap",
					g.Locked, g.Unlocked, s.Locked, s.Unlocked)
			}
		}},
	}
	for _, s := range stories {
		if t.Run(s.name, s.run) {
			held++
		}
	}
	fmt.Printf("group: stories=%d held=%d\n", len(stories), held)
}

// overlap reports whether [a1, a2] and [b1, b2] share a moment.
func overlap(a1, a2, b1, b2 time.Time) bool {
	return a1.Before(b2) && b1.Before(a2)
}
