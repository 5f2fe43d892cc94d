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
	"github.com/greenlight/greenlight/internal/notice"
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
	var body notice.Body
	if err := json.Unmarshal([]byte(n.Body), &body); err != nil {
		t.Fatalf("notification body: %v\n%s", err, n.Body)
	}
	if body.Group != shopGroup || len(body.Members) != len(shopMembers) {
		t.Errorf("notification names group %q with %d members, want %s with %d:\n%s", body.Group, len(body.Members), shopGroup, len(shopMembers), n.Body)
	}
	if n.Attributes[notice.AttrGroup] != shopGroup {
		t.Errorf("notification attribute group = %q, want %s", n.Attributes[notice.AttrGroup], shopGroup)
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
			var body notice.Body
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
		{"a bundle of one member releases it alone, the other's candidate on its live version", func(t *testing.T) {
			blue := live()
			_, apiRevision := b.alias(t, shopAPI, "live")
			key := b.release(t, shopGroup, "7", bundle(t, map[string][]byte{
				shopWorker: shopArtifact(t, "worker", map[string]string{"w1": "w2", "w2": "w1"}[workerBuild(t, b)]),
			}), map[string]any{"strategy": oneStep})
			endings := b.groupEnding(t, b.execution(t, key), blue, true)
			if e := endings[shopWorker]; e.Status != "SUCCEEDED" || e.Live == blue[shopWorker] {
				t.Errorf("worker: ended %s with live %s (blue %s), want promoted", e.Status, e.Live, blue[shopWorker])
			}
			if e := endings[shopAPI]; e.Live != blue[shopAPI] || e.Candidate != blue[shopAPI] {
				t.Errorf("api: live %s, candidate %s; want both on its live version %s", e.Live, e.Candidate, blue[shopAPI])
			}
			if _, rev := b.alias(t, shopAPI, "live"); rev != apiRevision {
				t.Errorf("the api's live alias changed (revision %s → %s) though the bundle did not hold it", apiRevision, rev)
			}
			var body notice.Body
			_ = json.Unmarshal([]byte(endings[shopAPI].Notification.Body), &body)
			for _, m := range body.Members {
				if m.Released != (m.Function == shopWorker) {
					t.Errorf("notification: member %s released=%v", m.Function, m.Released)
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

// workerBuild is the build the worker's live alias serves, from its answer.
func workerBuild(t *testing.T, b *harness) string {
	t.Helper()
	out, err := b.lambda.Invoke(context.Background(), &awslambda.InvokeInput{FunctionName: aws.String(shopWorker + ":live"), Payload: []byte(`{"order":"which"}`)})
	if err != nil || out.FunctionError != nil {
		t.Fatalf("invoke the worker: %v", err)
	}
	var a shop.WorkerAnswer
	if err := json.Unmarshal(out.Payload, &a); err != nil {
		t.Fatal(err)
	}
	return a.Worker
}

// overlap reports whether [a1, a2] and [b1, b2] share a moment.
func overlap(a1, a2, b1, b2 time.Time) bool {
	return a1.Before(b2) && b1.Before(a2)
}

// TestFaultMatrixGroup injects every fault of the fault matrix into every
// Task state of a group release, in the calls about its second member (the
// first member's share of the state is then done), then kills the cloud in
// every state and starts it again, and checks after each execution that
// every member ended on one version, all green or all blue.
func TestFaultMatrixGroup(t *testing.T) {
	b := newHarness(t)
	faults := b.local.Cloud.Faults()
	b.createFunctionWith(t, shopWorker, shopArtifact(t, "worker", "w1"), nil)
	b.createFunctionWith(t, shopAPI, shopArtifact(t, "api", "a1"), map[string]string{shop.WorkerVar: shopWorker})
	combinations, held := 0, 0
	defer func() { fmt.Printf("fault-matrix-group: combinations=%d held=%d\n", combinations, held) }()
	next := map[string]string{"api": "a2", "worker": "w2"}
	build := 0
	for _, tg := range faultTargets {
		for _, kind := range faultKinds {
			t.Run(tg.state+"/"+kind.name, func(t *testing.T) {
				combinations++
				build++
				blue := map[string]string{}
				for _, fn := range shopMembers {
					blue[fn], _ = b.alias(t, fn, "live")
				}
				manifest := map[string]any{"strategy": oneStep}
				if tg.failing {
					manifest["tests"] = []map[string]any{{"name": "order", "function": shopAPI, "payload": map[string]any{"order": "fm"}, "expect": map[string]any{"api": "a9"}}}
				}
				endings, ok := b.withFault(t, faults, tg, kind, shopWorker, func() string {
					zip := bundle(t, map[string][]byte{
						shopAPI: shopArtifact(t, "api", next["api"]), shopWorker: shopArtifact(t, "worker", next["worker"]),
					})
					return b.execution(t, b.release(t, shopGroup, fmt.Sprint(build), zip, manifest))
				}, func(arn string) []demo.Ending {
					var endings []demo.Ending
					for _, fn := range shopMembers {
						endings = append(endings, b.check(t, arn, demo.Expect{Function: fn, Blue: blue[fn]}))
					}
					return endings
				})
				if ok {
					held++
				}
				if endings[0].Status == "SUCCEEDED" && endings[0].Live != blue[shopAPI] {
					next = map[string]string{"api": map[string]string{"a1": "a2", "a2": "a1"}[next["api"]], "worker": map[string]string{"w1": "w2", "w2": "w1"}[next["worker"]]}
				}
			})
		}
	}
	// The cloud killed while the group release is in each state, and
	// started again on the same folder: the release finishes as one.
	u := startUpCloud(t)
	ub := u.harness(t)
	ub.createFunctionWith(t, shopWorker, shopArtifact(t, "worker", "w1"), nil)
	ub.createFunctionWith(t, shopAPI, shopArtifact(t, "api", "a1"), map[string]string{shop.WorkerVar: shopWorker})
	builds := map[string]string{"api": "a2", "worker": "w2"}
	for i, tg := range faultTargets {
		t.Run(tg.state+"/killed and restarted", func(t *testing.T) {
			combinations++
			blue := map[string]string{}
			for _, fn := range shopMembers {
				blue[fn], _ = ub.alias(t, fn, "live")
			}
			if err := ub.control.AddFault(context.Background(), holdBack(tg, shopWorker)); err != nil {
				t.Fatal(err)
			}
			manifest := map[string]any{"strategy": oneStep}
			if tg.failing {
				manifest["tests"] = []map[string]any{{"name": "order", "function": shopAPI, "payload": map[string]any{"order": "k"}, "expect": map[string]any{"api": "a9"}}}
			}
			arn := ub.execution(t, ub.release(t, shopGroup, fmt.Sprintf("k-%d", i), bundle(t, map[string][]byte{
				shopAPI: shopArtifact(t, "api", builds["api"]), shopWorker: shopArtifact(t, "worker", builds["worker"]),
			}), manifest))
			in := ub.killWhileIn(t, u, arn, tg)
			if !in {
				t.Errorf("the release ended before the cloud was killed in %s", tg.state)
			}
			ok := in
			for _, fn := range shopMembers {
				e := ub.check(t, arn, demo.Expect{Function: fn, Blue: blue[fn]})
				t.Logf("killed: %s: %s, last state %q, live %s", fn, e.Status, e.LastState, e.Live)
				for _, v := range e.Violations {
					t.Errorf("%s: invariant: %s (ended %s %s: %s)", fn, v, e.Status, e.Error, e.Cause)
					ok = false
				}
				if e.Status != "SUCCEEDED" && e.Status != "FAILED" {
					t.Errorf("the release ended %s, want it finished (promoted or rolled back) after the restart", e.Status)
					ok = false
				}
				if fn == shopAPI && e.Status == "SUCCEEDED" && e.Live != blue[fn] {
					builds = map[string]string{"api": map[string]string{"a1": "a2", "a2": "a1"}[builds["api"]], "worker": map[string]string{"w1": "w2", "w2": "w1"}[builds["worker"]]}
				}
			}
			if ok && !t.Failed() {
				held++
			}
		})
	}
	if combinations != held {
		t.Errorf("fault-matrix-group: the invariant held in %d of %d combinations", held, combinations)
	}
}

// TestGroupBadInputs starts group releases that cannot be made, by upload
// and from the console, and checks that each ends failed with a notification
// naming the error, and that no member's live alias moved.
func TestGroupBadInputs(t *testing.T) {
	b := newHarness(t)
	b.createFunctionWith(t, shopWorker, shopArtifact(t, "worker", "w1"), nil)
	b.createFunctionWith(t, shopAPI, shopArtifact(t, "api", "a1"), map[string]string{shop.WorkerVar: shopWorker})
	revisions := map[string]string{}
	blue := map[string]string{}
	for _, fn := range shopMembers {
		blue[fn], revisions[fn] = b.alias(t, fn, "live")
	}
	api, worker := shopArtifact(t, "api", "a2"), shopArtifact(t, "worker", "w2")
	good := bundle(t, map[string][]byte{shopAPI: api, shopWorker: worker})
	goodKey := "fixtures/shop-good.zip" // outside releases/: starts nothing
	goodVersion := b.put(t, goodKey, good)
	cases := []struct {
		name      string
		bundle    []byte         // uploaded as releases/<group>/<name>.zip
		manifest  map[string]any // beside it
		console   string         // or a console input; {{key}} is the good bundle
		wantError string
	}{
		{name: "non-member in the bundle", bundle: bundle(t, map[string][]byte{shopAPI: api, "greenlight-outsider": worker}), wantError: "ValidationError"},
		{name: "nested entry", bundle: bundle(t, map[string][]byte{"x/" + shopAPI: api}), wantError: "ValidationError"},
		{name: "not a zip", bundle: []byte("this is not a zip file\n"), wantError: "ValidationError"},
		{name: "empty bundle", bundle: bundle(t, nil), wantError: "ValidationError"},
		{name: "member zip not a zip", bundle: bundle(t, map[string][]byte{shopAPI: []byte("not a zip"), shopWorker: worker}), wantError: "ArtifactError"},
		{name: "manifest names an alias", bundle: good, manifest: map[string]any{"liveAlias": "prod"}, wantError: "ValidationError"},
		{name: "manifest configures a non-member", bundle: good, manifest: map[string]any{"configuration": map[string]any{"greenlight-outsider": map[string]any{"memorySize": 256}}}, wantError: "ValidationError"},
		{name: "manifest test of a non-member", bundle: good, manifest: map[string]any{"tests": []map[string]any{{"name": "t", "function": "greenlight-demo"}}}, wantError: "ValidationError"},
		{name: "manifest configuration of one function", bundle: good, manifest: map[string]any{"configuration": map[string]any{"memorySize": 256}}, wantError: "ValidationError"},
		{name: "console: unknown group", console: `{"group":"greenlight-nothing","artifact":{"key":"{{key}}"}}`, wantError: "ValidationError"},
		{name: "console: group and function", console: `{"group":"` + shopGroup + `","function":"` + shopAPI + `"}`, wantError: "ValidationError"},
		{name: "console: a group named as a function", console: `{"function":"` + shopGroup + `","artifact":{"key":"{{key}}"}}`, wantError: "ValidationError"},
		{name: "console: nothing to release", console: `{"group":"` + shopGroup + `"}`, wantError: "ValidationError"},
		{name: "console: configuration out of range", console: `{"group":"` + shopGroup + `","configuration":{"` + shopWorker + `":{"memorySize":1}}}`, wantError: "ValidationError"},
		{name: "manifest approval misspelt", bundle: good, manifest: map[string]any{"strategy": map[string]any{"name": "Canary10Percent5Minutes", "aproval": true}}, wantError: "ValidationError"},
		{name: "console: member configuration key in another case", console: `{"group":"` + shopGroup + `","configuration":{"` + shopWorker + `":{"MemorySize":256}}}`, wantError: "ValidationError"},
		{name: "console: group set twice in two cases", console: `{"group":"` + shopGroup + `","Group":"greenlight-nothing","configuration":{"` + shopWorker + `":{"memorySize":256}}}`, wantError: "ValidationError"},
		{name: "console: bundle outside releases/", console: `{"group":"` + shopGroup + `","artifact":{"key":"{{key}}","versionId":"{{versionId}}"}}`, wantError: "ValidationError"},
	}
	rejected, untouched := 0, 0
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var arn string
			if c.console != "" {
				arn = b.start(t, strings.NewReplacer("{{key}}", goodKey, "{{versionId}}", goodVersion).Replace(c.console))
			} else {
				arn = b.execution(t, b.release(t, shopGroup, fmt.Sprintf("bad-%d", i), c.bundle, c.manifest))
			}
			ok, same := true, true
			for _, fn := range shopMembers {
				e := b.check(t, arn, demo.Expect{Function: fn, Blue: blue[fn]})
				for _, v := range e.Violations {
					t.Errorf("%s: invariant: %s", fn, v)
					ok = false
				}
				got := ""
				if e.Notification != nil {
					got = notificationError(e.Notification.Body)
				}
				if e.Status != "FAILED" || got != c.wantError {
					t.Errorf("ended %s (%s: %s), notification error %q, want FAILED with %s", e.Status, e.Error, e.Cause, got, c.wantError)
					ok = false
				}
				if _, rev := b.alias(t, fn, "live"); rev != revisions[fn] {
					t.Errorf("%s: live alias revision %s → %s", fn, revisions[fn], rev)
					same = false
				}
			}
			if ok {
				rejected++
			}
			if same {
				untouched++
			}
		})
	}
	fmt.Printf("group-bad-inputs: cases=%d rejected=%d untouched=%d\n", len(cases), rejected, untouched)
}
