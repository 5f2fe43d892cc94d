package demo

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/greenlight/greenlight/examples/shop"
	"github.com/greenlight/greenlight/internal/notice"
	"github.com/greenlight/greenlight/internal/release"
)

// The group the demo releases, as cdk.json's greenlight:config configures
// it: examples/shop's api, which callers invoke, and the worker the api
// calls through the alias it was itself invoked through.
const (
	ShopGroup  = "greenlight-shop"
	ShopAPI    = "greenlight-shop-api"
	ShopWorker = "greenlight-shop-worker"
)

// ShopMembers are the functions of ShopGroup, the entry (the api) first.
var ShopMembers = []string{ShopAPI, ShopWorker}

// shopPrograms maps each member of ShopGroup to its examples/shop program.
var shopPrograms = map[string]string{ShopAPI: "api", ShopWorker: "worker"}

// shopPayload is the order the traffic generator and the isolation probes
// send the api; the api passes it on to the worker.
var shopPayload = []byte(`{"order":"demo"}`)

// GroupStories is the group part of the demo: the shop's api and worker
// released as one, through the whole new stack beside the old one, and
// rolled back as one when the worker fails under traffic.
func GroupStories() []Story {
	shopBuilds := func(api, worker string) map[string]string {
		return map[string]string{ShopAPI: api, ShopWorker: worker}
	}
	return []Story{
		{Name: "group: first release", Group: ShopGroup, Builds: shopBuilds("a1", "w1"), Strategy: "AllAtOnce", Want: Promoted},
		{Name: "group: the new stack beside the old one", Group: ShopGroup, Builds: shopBuilds("a2", "w2"),
			Strategy: "Canary10Percent5Minutes", Traffic: true, Want: Promoted, WantIsolation: true},
		{Name: "group: a failing worker rolls both back", Group: ShopGroup, Builds: shopBuilds("a1", "w3"),
			Strategy: "Canary10Percent5Minutes", Traffic: true, Want: RolledBack, WantReason: "ALARM", WantDecidedBy: ShopWorker},
	}
}

// Part is a chapter of the demo: stories told in order on one stack, each
// starting from what the previous one left live.
type Part struct {
	Title   string
	Stories []Story
}

// Parts is the whole demo: the demo function's stories, then the group's.
func Parts() []Part {
	return []Part{
		{Title: "One function: " + DemoFunction + " (examples/app)", Stories: Stories()},
		{Title: fmt.Sprintf("A group: %s = %s, which callers invoke, + %s, which the api calls through its own alias (examples/shop)",
			ShopGroup, ShopAPI, ShopWorker), Stories: GroupStories()},
	}
}

// member is a function's short name in its group: "api" for
// greenlight-shop-api.
func member(group, fn string) string { return strings.TrimPrefix(fn, group+"-") }

// Bundle is a group release's artifact: <function>.zip for each member
// released, in a zip of its own.
func Bundle(members map[string][]byte) ([]byte, error) {
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, fn := range slices.Sorted(maps.Keys(members)) {
		f, err := w.CreateHeader(&zip.FileHeader{Name: fn + ".zip", Method: zip.Store})
		if err != nil {
			return nil, err
		}
		if _, err := f.Write(members[fn]); err != nil {
			return nil, err
		}
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// bundle builds the story's members and bundles them, creating the members
// that do not exist yet from their builds.
func (r *Runner) bundle(ctx context.Context, story Story) ([]byte, error) {
	if story.Group != ShopGroup {
		return nil, fmt.Errorf("group %q: the demo releases only %s", story.Group, ShopGroup)
	}
	zips := map[string][]byte{}
	for _, fn := range ShopMembers {
		build, ok := story.Builds[fn]
		if !ok {
			continue
		}
		zip, err := r.MemberArtifact(ctx, shopPrograms[fn], build)
		if err != nil {
			return nil, fmt.Errorf("build %s %s: %w", fn, build, err)
		}
		f := function{name: fn}
		if fn == ShopAPI {
			f.env = map[string]string{shop.WorkerVar: ShopWorker}
		}
		if err := r.ensureFunction(ctx, f, zip); err != nil {
			return nil, err
		}
		zips[fn] = zip
	}
	return Bundle(zips)
}

// shopAnswer reads the api's answer: its builds and aliases, or, in one
// word, why there are none: the status code of a failed request ("502"
// when the worker failed it), "error" for a function error.
func shopAnswer(out *awslambda.InvokeOutput) (shop.APIAnswer, string) {
	if out.FunctionError != nil {
		return shop.APIAnswer{}, "error"
	}
	var a shop.APIAnswer
	if json.Unmarshal(out.Payload, &a) != nil || a.API == "" {
		var h shop.Health
		if json.Unmarshal(out.Payload, &h) == nil && h.StatusCode != 0 {
			return a, strconv.Itoa(h.StatusCode)
		}
		return a, "unreadable"
	}
	return a, ""
}

// byBuilds labels an answer of the api with the builds that answered it,
// api→worker; a request that failed (the worker failed it) is an error.
func byBuilds(out *awslambda.InvokeOutput) (string, bool) {
	a, failed := shopAnswer(out)
	if failed != "" {
		return failed, true
	}
	return a.API + "→" + a.Worker.Worker, false
}

// Isolation is what calls through the candidate and the live alias of the
// group's entry member answered while the release tested and baked.
type Isolation struct {
	Candidate Probe `json:"candidate"`
	Live      Probe `json:"live"`
}

// Probe counts the calls through one alias and what answered them.
type Probe struct {
	Alias   string          `json:"alias"`
	Calls   int             `json:"calls"`
	Wrong   int             `json:"wrong"`   // answered from outside the alias's stack
	Answers map[string]int  `json:"answers"` // by answer, e.g. "api a2 (green) → worker w2 (green)"
	States  map[string]int  `json:"states"`  // calls by the state they were made in
	seen    map[string]bool // state and answer pairs seen
}

// add counts a call made in state and its answer, and reports whether
// that answer is new in that state.
func (p *Probe) add(state, answer string, wrong bool) (first bool) {
	if p.Answers == nil {
		p.Answers, p.States, p.seen = map[string]int{}, map[string]int{}, map[string]bool{}
	}
	key := state + "\x00" + answer
	first = !p.seen[key]
	p.seen[key] = true
	p.Calls++
	p.Answers[answer]++
	p.States[state]++
	if wrong {
		p.Wrong++
	}
	return first
}

// probeStates are the states in which isolation is probed: the tests and
// the bake, while the candidate aliases point at green.
var probeStates = []string{testState, bakeState}

// watchIsolation calls through the entry member's candidate and live
// aliases while the release tests and bakes, the release being in state
// step. The tests may last only a fraction of a second, so from the deploy
// on it reads the state as often as it can, and calls for as long as the
// tests run, until the release is past them, handing each new state to
// sample; in the bake it calls once, and the next sample calls again.
func (r *Runner) watchIsolation(ctx context.Context, arn string, story Story, step string, start time.Time, iso *Isolation, sample func(step string) error) error {
	for {
		switch step {
		case bakeState:
			return r.probe(ctx, story, step, start, iso)
		case testState:
			if err := r.probe(ctx, story, step, start, iso); err != nil {
				return err
			}
		case deployState, noopState:
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Millisecond):
			}
		default:
			return nil
		}
		next, err := r.currentState(ctx, arn)
		if err != nil {
			return err
		}
		if next != step {
			if err := sample(next); err != nil {
				return err
			}
		}
		step = next
	}
}

// probe calls the entry member through the candidate alias and through
// the live alias at once, records the answers in iso, and prints a
// timeline line for each answer not seen before in this state and for
// every wrong one.
// An answer through the candidate alias is right when it comes from the
// story's builds through the candidate alias; one through the live alias
// when it comes through the live alias, from whatever builds live serves.
func (r *Runner) probe(ctx context.Context, story Story, state string, start time.Time, iso *Isolation) error {
	calls := []struct {
		alias  string
		probe  *Probe
		builds map[string]string // the builds that must answer; nil: any
		out    *awslambda.InvokeOutput
		err    error
	}{
		{alias: r.CandidateAlias, probe: &iso.Candidate, builds: story.Builds},
		{alias: r.LiveAlias, probe: &iso.Live},
	}
	var wg sync.WaitGroup
	for i := range calls {
		c := &calls[i]
		wg.Go(func() {
			c.out, c.err = r.Lambda.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String(ShopAPI), Qualifier: &c.alias, Payload: shopPayload})
		})
	}
	wg.Wait()
	for _, c := range calls {
		if c.err != nil {
			return fmt.Errorf("invoke %s:%s: %w", ShopAPI, c.alias, c.err)
		}
		c.probe.Alias = c.alias
		a, failed := shopAnswer(c.out)
		answer := fmt.Sprintf("api %s (%s) → worker %s (%s)", a.API, orNone(a.Alias), a.Worker.Worker, orNone(a.Worker.Alias))
		if failed != "" {
			answer = "failed: " + failed
		}
		wrong := failed != "" || a.Alias != c.alias || a.Worker.Alias != c.alias ||
			c.builds != nil && (a.API != c.builds[ShopAPI] || a.Worker.Worker != c.builds[ShopWorker])
		if c.probe.add(state, answer, wrong) || wrong {
			fmt.Fprintf(r.Out, "  %6.1fs  %-24s call %-25s → %s  [%s]\n", time.Since(start).Seconds(), state, ShopAPI+":"+c.alias, answer, mark(!wrong))
		}
	}
	return nil
}

// isolationChecks are the checks of a story that wants isolation: every
// call through each alias, in the tests and in the bake, answered from its
// own stack.
func isolationChecks(s Story, iso *Isolation) []Check {
	if iso == nil {
		iso = &Isolation{Candidate: Probe{Alias: release.DefaultCandidateAlias}, Live: Probe{Alias: release.DefaultLiveAlias}}
	}
	candidate, live := iso.Candidate.Alias, iso.Live.Alias
	// The tests may end before a call lands in them (the release's own
	// group test, which expects the candidate aliases' answers, covers
	// them then); the bake always holds calls.
	probed := func(p Probe) bool {
		return p.Calls > 0 && p.Wrong == 0 && p.States[bakeState] > 0
	}
	detail := func(p Probe) string {
		var states, answers []string
		for _, st := range probeStates {
			states = append(states, fmt.Sprintf("%d in %s", p.States[st], st))
		}
		for _, a := range slices.Sorted(maps.Keys(p.Answers)) {
			answers = append(answers, fmt.Sprintf("%s ×%d", a, p.Answers[a]))
		}
		return fmt.Sprintf("%d of %d calls right (%s): %s", p.Calls-p.Wrong, p.Calls,
			strings.Join(states, ", "), orNone(strings.Join(answers, "; ")))
	}
	return []Check{
		{Name: fmt.Sprintf("during the tests and the bake, %s:%s answers from api %s and worker %s, both via %s",
			ShopAPI, candidate, s.Builds[ShopAPI], s.Builds[ShopWorker], candidate), OK: probed(iso.Candidate), Detail: detail(iso.Candidate)},
		{Name: fmt.Sprintf("during the tests and the bake, %s:%s reaches live versions only, both via %s", ShopAPI, live, live),
			OK: probed(iso.Live), Detail: detail(iso.Live)},
	}
}

// groupChecks are the checks of a group story's notification: one for the
// group, naming it and every member, and naming the member that decided
// when the story wants one.
func groupChecks(s Story, m *Message) []Check {
	var n notice.Body
	attr := ""
	if m != nil {
		_ = json.Unmarshal([]byte(m.Body), &n)
		attr = m.Attributes[notice.AttrGroup]
	}
	var members []string
	for _, mb := range n.Members {
		members = append(members, mb.Function)
	}
	slices.Sort(members)
	cs := []Check{{
		Name: fmt.Sprintf("the notification names the group %s and its members", s.Group),
		OK:   n.Group == s.Group && attr == s.Group && slices.Equal(members, slices.Sorted(slices.Values(ShopMembers))),
		Detail: fmt.Sprintf("group %s (attribute %s), members %s", orNone(n.Group), orNone(attr),
			orNone(strings.Join(members, ", "))),
	}}
	if s.WantDecidedBy != "" {
		cs = append(cs, Check{Name: "the notification says " + s.WantDecidedBy + " decided", OK: n.DecidedBy == s.WantDecidedBy,
			Detail: "decidedBy: " + orNone(n.DecidedBy)})
	}
	return cs
}
