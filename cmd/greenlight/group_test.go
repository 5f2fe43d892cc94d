package main

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/greenlight/greenlight/internal/decision"
	"github.com/greenlight/greenlight/internal/ledger"
	"github.com/greenlight/greenlight/internal/release"
)

const (
	shopRelease = "shop-20261122T101500Z-5e1f"
	shopARN     = "arn:aws:states:eu-west-1:123456789012:execution:greenlight:g1"
)

// groupWorld is a world in which the functions of the shop group exist.
func groupWorld() *world {
	w := newWorld()
	w.functions.names = append(w.functions.names, "shop-api", "shop-worker")
	return w
}

// realZip writes a zip archive holding a bootstrap with content, and
// returns its path and bytes.
func realZip(t *testing.T, name, content string) (string, []byte) {
	t.Helper()
	body := bootstrapZip(t, content)
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, body, 0o600); err != nil {
		t.Fatal(err)
	}
	return p, body
}

// groupDoc returns the shifting group fixture changed by mutate, as JSON.
func groupDoc(t *testing.T, mutate func(*release.Document)) string {
	t.Helper()
	return fixtureDoc(t, "group-shifting.json", mutate)
}

// shopLocks are the lock records of the shop group's release while it
// shifts: shop-api changes (v3 → v4), shop-worker does not (v7).
func shopLocks(phase release.Phase) []ledger.Record {
	api := ledger.Record{
		ReleaseID: shopRelease, ExecutionARN: shopARN, Function: "shop-api", Group: "shop", Blue: "3", Green: "4",
		LiveAlias: "live", CandidateAlias: "green", Phase: phase, Weight: 0.1, Step: 1, AcquiredAt: t0, UpdatedAt: t0,
	}
	worker := api
	worker.Function, worker.Blue, worker.Green, worker.Phase, worker.Weight, worker.Step = "shop-worker", "7", "7", release.PhaseNoop, 0, 0
	return []ledger.Record{api, worker}
}

func putAll(t *testing.T, w *world, records []ledger.Record) {
	t.Helper()
	for _, r := range records {
		w.bucket.Put(t, r)
	}
}

// zipEntries reads a zip archive's entries: name to content.
func zipEntries(t *testing.T, body []byte) ([]*zip.File, map[string]string) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatalf("not a zip: %v", err)
	}
	contents := map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		contents[f.Name] = string(b)
	}
	return zr.File, contents
}

func TestReadMembers(t *testing.T) {
	api, _ := realZip(t, "api.zip", "api")
	worker, _ := realZip(t, "worker.zip", "worker")
	fake := writeZip(t) // starts like a zip, but is none
	tests := []struct {
		name  string
		flags []string
		want  string // the members' names, or the error
	}{
		{"sorted by function", []string{"shop-worker=" + worker, "shop-api=" + api}, "shop-api,shop-worker"},
		{"a path with =", []string{"shop-api=" + api}, "shop-api"},
		{"none", nil, ""},
		{"no =", []string{api}, "with --group, give FN=path"},
		{"no function", []string{"=" + api}, `"" is not a Lambda function name`},
		{"not a function name", []string{"shop/api=" + api}, `"shop/api" is not a Lambda function name`},
		{"no path", []string{"shop-api="}, "give the path of shop-api's zip"},
		{"twice", []string{"shop-api=" + api, "shop-api=" + worker}, "shop-api is given twice"},
		{"missing file", []string{"shop-api=" + filepath.Join(t.TempDir(), "nope.zip")}, "no such file"},
		{"not a zip", []string{"shop-api=" + writeFile(t, "a.txt", "hello")}, "is not a zip archive"},
		{"not a readable zip", []string{"shop-api=" + fake}, "is not a readable zip archive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			members, err := readMembers(tt.flags)
			if err != nil {
				if exitCode(err) != exitUsage {
					t.Errorf("exit code %d, want %d", exitCode(err), exitUsage)
				}
				mustContain(t, err.Error(), tt.want)
				return
			}
			if got := strings.Join(memberNames(members), ","); got != tt.want {
				t.Errorf("members %q, want %q", got, tt.want)
			}
		})
	}
	t.Run("too many", func(t *testing.T) {
		var flags []string
		for i := range release.MaxMembers + 1 {
			flags = append(flags, "fn"+string(rune('a'+i))+"="+api)
		}
		_, err := readMembers(flags)
		if err == nil || exitCode(err) != exitUsage {
			t.Fatalf("readMembers of %d members = %v, want a usage error", len(flags), err)
		}
	})
}

func TestBuildBundle(t *testing.T) {
	_, api := realZip(t, "api.zip", "api")
	_, worker := realZip(t, "worker.zip", "worker")
	members := []memberZip{{function: "shop-api", body: api}, {function: "shop-worker", body: worker}}
	body, err := buildBundle(members)
	if err != nil {
		t.Fatal(err)
	}
	files, contents := zipEntries(t, body)
	if len(files) != 2 || files[0].Name != "shop-api.zip" || files[1].Name != "shop-worker.zip" {
		t.Fatalf("entries %v, want shop-api.zip, shop-worker.zip", contents)
	}
	for _, f := range files {
		if f.Method != zip.Store {
			t.Errorf("%s: method %d, want stored (%d)", f.Name, f.Method, zip.Store)
		}
		if !f.Modified.Equal(bundleTime) {
			t.Errorf("%s: modified %v, want %v", f.Name, f.Modified, bundleTime)
		}
	}
	if contents["shop-api.zip"] != string(api) || contents["shop-worker.zip"] != string(worker) {
		t.Error("an entry does not hold its member's zip as it is")
	}
	// The same members give the same bytes, whenever they are bundled.
	again, err := buildBundle([]memberZip{{function: "shop-api", body: bytes.Clone(api)}, {function: "shop-worker", body: bytes.Clone(worker)}})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(body, again) {
		t.Error("two bundles of the same members differ")
	}
	if other, _ := buildBundle(members[:1]); bytes.Equal(body, other) {
		t.Error("bundles of different members are equal")
	}
}

// countingTasks counts the task tokens answered.
type countingTasks struct {
	decision.Responder
	mu   sync.Mutex
	sent int
}

func (c *countingTasks) SendTaskSuccess(ctx context.Context, in *sfn.SendTaskSuccessInput, opts ...func(*sfn.Options)) (*sfn.SendTaskSuccessOutput, error) {
	c.mu.Lock()
	c.sent++
	c.mu.Unlock()
	return c.Responder.SendTaskSuccess(ctx, in, opts...)
}

func TestDeployGroup(t *testing.T) {
	api, apiZip := realZip(t, "api.zip", "api")
	worker, workerZip := realZip(t, "worker.zip", "worker")
	t.Run("bundles the members, uploads the manifest, then the bundle", func(t *testing.T) {
		w := groupWorld()
		var res deployResult
		runJSON(t, w.clients(), &res, "deploy", "--group", "shop", "-a", "shop-worker="+worker, "-a", "shop-api="+api,
			"--build", "7", "--strategy", "AllAtOnce", "--member", "shop-worker", "--memory", "512", "-o", "json")
		if want := "releases/shop/7.json,releases/shop/7.zip"; strings.Join(w.bucket.puts, ",") != want {
			t.Errorf("uploads %v, want %s", w.bucket.puts, want)
		}
		manifest := w.bucket.object(t, "releases/shop/7.json")
		assertJSONEqual(t, manifest, `{"strategy":{"name":"AllAtOnce"},"configuration":{"shop-worker":{"memorySize":512}}}`)
		m, err := release.ParseGroupManifest([]byte(manifest))
		if err != nil || *m.MemberConfiguration["shop-worker"].MemorySize != 512 {
			t.Errorf("the deployer reads the manifest as %+v (%v)", m, err)
		}
		_, contents := zipEntries(t, []byte(w.bucket.object(t, "releases/shop/7.zip")))
		if len(contents) != 2 || contents["shop-api.zip"] != string(apiZip) || contents["shop-worker.zip"] != string(workerZip) {
			t.Errorf("bundle holds %d entries, want shop-api.zip and shop-worker.zip as given", len(contents))
		}
		if res.Group != "shop" || res.Function != "" || strings.Join(res.Members, ",") != "shop-api,shop-worker" || res.Key != "releases/shop/7.zip" || res.ManifestKey != "releases/shop/7.json" {
			t.Errorf("result %+v", res)
		}
	})
	t.Run("the same members give the same bundle, whatever their order", func(t *testing.T) {
		var keys []string
		for _, order := range [][]string{{"shop-api=" + api, "shop-worker=" + worker}, {"shop-worker=" + worker, "shop-api=" + api}} {
			w := groupWorld()
			args := []string{"deploy", "--group", "shop"}
			for _, a := range order {
				args = append(args, "-a", a)
			}
			if _, errOut, code := run(t, w.clients(), args...); code != exitOK {
				t.Fatalf("exit code %d: %s", code, errOut)
			}
			keys = append(keys, w.bucket.puts...)
		}
		if len(keys) != 2 || keys[0] != keys[1] || !strings.HasPrefix(keys[0], "releases/shop/20261122T101700Z-") {
			t.Errorf("uploads %v, want one key twice, without a manifest", keys)
		}
	})
	t.Run("configuration only starts the release", func(t *testing.T) {
		w := groupWorld()
		manifest := writeFile(t, "m.json", `{"hook":"smoke","configuration":{"shop-api":{"timeout":30}}}`)
		out := runOK(t, w.clients(), "deploy", "--group", "shop", "--member", "shop-worker", "--set-env", "MODE=b", "-m", manifest)
		if len(w.bucket.puts) != 0 || len(w.sfn.started) != 1 {
			t.Fatalf("uploads %v, started %v", w.bucket.puts, w.sfn.started)
		}
		assertJSONEqual(t, w.sfn.started[0], `{"group":"shop","hook":"smoke","configuration":{"shop-api":{"timeout":30},"shop-worker":{"environment":{"set":{"MODE":"b"}}}}}`)
		in, err := release.ParseConsole([]byte(w.sfn.started[0]))
		if err != nil || in.Group != "shop" || in.MemberConfiguration["shop-worker"].Environment.Set["MODE"] != "b" {
			t.Errorf("the deployer reads the input as %+v (%v)", in, err)
		}
		mustContain(t, out, "started started-1")
	})
	t.Run("wait prints each member's versions", func(t *testing.T) {
		w := groupWorld()
		exec := &fakeExecution{arn: "g1", input: s3Input("releases/shop/7.zip", "v1"), start: t0.Add(2 * time.Minute), status: sfntypes.ExecutionStatusSucceeded, runningPolls: 1,
			output: groupDoc(t, func(d *release.Document) { d.State.Phase, d.State.Weight = release.PhasePromoted, 1 })}
		w.sfn.appear, w.sfn.appearAfter = exec, 1
		out := runOK(t, w.clients(), "deploy", "--group", "shop", "-a", "shop-api="+api, "--build", "7", "--wait")
		mustContain(t, out, "release "+shopRelease+" promoted after 6m00s\n  shop-api: v3 → v4\n  shop-worker: v7 (unchanged)")
	})
	t.Run("wait for a rollback exits 1", func(t *testing.T) {
		w := groupWorld()
		w.sfn.next = &fakeExecution{arn: "g2", start: t0.Add(2 * time.Minute), status: sfntypes.ExecutionStatusFailed, runningPolls: 1,
			errName: "RolledBack", output: "", events: []sfntypes.HistoryEvent{
				entered(sfntypes.HistoryEventTypeFailStateEntered, "Rolled back", t0.Add(3*time.Minute), groupDoc(t, func(d *release.Document) {
					d.State.Phase, d.State.Weight = release.PhaseRolledBack, 0
				})),
			}}
		out, errOut, code := run(t, w.clients(), "deploy", "--group", "shop", "--member", "shop-api", "--timeout", "20", "--wait")
		if code != exitFailed {
			t.Fatalf("exit code %d, want %d: %s", code, exitFailed, errOut)
		}
		mustContain(t, out, "started g2", "release "+shopRelease+" rolledBack after", "  shop-api: v3 → v4")
	})

	sameMember := writeFile(t, "same.json", `{"configuration":{"shop-api":{"timeout":30}}}`)
	badMember := writeFile(t, "bad.json", `{"configuration":{"shop-api":{"memorySize":64}}}`)
	functionManifest := writeFile(t, "fn.json", `{"configuration":{"timeout":30}}`)
	for _, tt := range []struct {
		name string
		args []string
		want string
		code int
	}{
		{"group and function", []string{"--group", "shop", "-f", "orders", "-a", "shop-api=" + api}, "--group and --function", exitUsage},
		{"bad group name", []string{"--group", "shop/x", "-a", "shop-api=" + api}, `--group "shop/x" is not a group name`, exitUsage},
		{"artifact without =", []string{"--group", "shop", "-a", api}, "with --group, give FN=path", exitUsage},
		{"member twice", []string{"--group", "shop", "-a", "shop-api=" + api, "-a", "shop-api=" + worker}, "shop-api is given twice", exitUsage},
		{"not a readable zip", []string{"--group", "shop", "-a", "shop-api=" + writeZip(t)}, "is not a readable zip archive", exitUsage},
		{"missing zip", []string{"--group", "shop", "-a", "shop-api=nope.zip"}, "no such file", exitUsage},
		{"configuration without member", []string{"--group", "shop", "--memory", "256"}, "name it with --member FN", exitUsage},
		{"member without configuration", []string{"--group", "shop", "-a", "shop-api=" + api, "--member", "shop-api"}, "give the configuration flags that change it", exitUsage},
		{"member without group", []string{"-f", "orders", "--member", "orders", "--memory", "256"}, "--member names a member of a group", exitUsage},
		{"bad member name", []string{"--group", "shop", "--member", "a:b", "--memory", "256"}, `--member "a:b" is not a Lambda function name`, exitUsage},
		{"nothing to release", []string{"--group", "shop"}, "give --artifact FN=path, configuration flags with --member FN", exitUsage},
		{"strategy only", []string{"--group", "shop", "-s", "AllAtOnce"}, "nothing to release", exitUsage},
		{"build without artifact", []string{"--group", "shop", "--member", "shop-api", "--memory", "256", "--build", "7"}, "--build names an uploaded artifact", exitUsage},
		{"manifest and flags configure one member", []string{"--group", "shop", "-m", sameMember, "--member", "shop-api", "--memory", "256"}, "use one or the other", exitUsage},
		{"a function's manifest", []string{"--group", "shop", "-a", "shop-api=" + api, "-m", functionManifest}, "--manifest", exitUsage},
		{"bad member configuration", []string{"--group", "shop", "--member", "shop-api", "--memory", "64"}, "memorySize 64 is not in Lambda's range", exitFailed},
		{"bad member configuration in the manifest", []string{"--group", "shop", "-a", "shop-api=" + api, "-m", badMember}, "configuration of shop-api: configuration.memorySize 64", exitFailed},
		{"unknown member", []string{"--group", "shop", "-a", "payments=" + api}, "function payments does not exist", exitNotFound},
		{"unknown configured member", []string{"--group", "shop", "--member", "payments", "--memory", "256"}, "function payments does not exist", exitNotFound},
		{"several zips without a group", []string{"-f", "orders", "-a", api, "-a", worker}, "--artifact is given 2 times", exitUsage},
	} {
		t.Run(tt.name, func(t *testing.T) {
			assertDeployRefused(t, groupWorld(), tt.args, tt.want, tt.code)
		})
	}
}

func TestGroupRecords(t *testing.T) {
	shop := shopLocks(release.PhaseShifting)
	orders := lockRecord(release.PhaseShifting)
	other := shop[1]
	other.ExecutionARN = "other"
	tests := []struct {
		name    string
		all     []ledger.Record
		group   string
		arn     string
		want    string // the functions picked, or the error
		notFoun bool
	}{
		{"a group's members, sorted", []ledger.Record{shop[1], orders, shop[0]}, "shop", "", "shop-api,shop-worker", false},
		{"the execution's members only", []ledger.Record{shop[0], other}, "shop", shopARN, "shop-api", false},
		{"no such group", []ledger.Record{orders}, "shop", "", "no release of group shop is running", true},
		{"a function is no group", []ledger.Record{orders}, "orders", "", "no release of group orders is running", true},
		{"two releases at once", []ledger.Record{shop[0], other}, "shop", "", "held by 2 releases", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := groupRecords(tt.all, tt.group, tt.arn)
			if err != nil {
				mustContain(t, err.Error(), tt.want)
				if (exitCode(err) == exitNotFound) != tt.notFoun {
					t.Errorf("exit code %d", exitCode(err))
				}
				return
			}
			var names []string
			for _, r := range got {
				names = append(names, r.Function)
			}
			if strings.Join(names, ",") != tt.want {
				t.Errorf("picked %v, want %s", names, tt.want)
			}
		})
	}
}

func TestGroupOperators(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wait    decision.Wait
		answer  decision.Kind
		alias   string // the version shop-api's live alias is set to; "" none
		written func(r ledger.Record) bool
		out     []string
	}{
		{"rollback a group", []string{"rollback", "--group", "shop", "--reason", "latency"}, decision.Bake, decision.Rollback, "3",
			func(r ledger.Record) bool { return r.Halt != nil && r.Halt.Reason == "latency" },
			[]string{"shop-api: live alias serves v3 at 100%", "shop-worker: not changed by this release, serves v7",
				"group shop: release " + shopRelease + " halted (latency); it ends as rolled back now"}},
		{"rollback through a member", []string{"rollback", "-f", "shop-worker"}, decision.Approval, decision.Rollback, "3",
			func(r ledger.Record) bool { return r.Halt != nil },
			[]string{"group shop: release " + shopRelease + " halted (operator rollback)"}},
		{"promote through a member", []string{"promote", "-f", "shop-api"}, decision.Bake, decision.Promote, "4",
			func(r ledger.Record) bool { return r.Promote != nil && r.Halt == nil },
			[]string{"shop-api: live alias serves v4 at 100%", "group shop: release " + shopRelease + " ends as promoted now"}},
		{"approve a group", []string{"approve", "--group", "shop", "--reason", "fine"}, decision.Approval, decision.Approve, "",
			func(r ledger.Record) bool {
				return r.Approved != nil && r.Approved.Reason == "fine" && r.Approved.Step == 1
			},
			[]string{"group shop: release " + shopRelease + ": step 2 approved by greenlight-cli"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := groupWorld()
			records := shopLocks(release.PhaseShifting)
			for i := range records {
				records[i].Wait = &ledger.Wait{For: tt.wait, Token: "tok", Step: 1}
			}
			putAll(t, w, records)
			w.bucket.Put(t, lockRecord(release.PhaseShifting)) // another release, left alone
			tasks := &countingTasks{Responder: w.tasks}
			c := w.clients()
			c.tasks = tasks
			mustContain(t, runOK(t, c, tt.args...), tt.out...)
			for _, fn := range []string{"shop-api", "shop-worker"} {
				if r, _ := w.bucket.Record(t, fn); !tt.written(r) {
					t.Errorf("%s: record %+v does not carry the decision", fn, r)
				}
			}
			if r, _ := w.bucket.Record(t, "orders"); r.Halt != nil || r.Promote != nil || r.Approved != nil {
				t.Errorf("the release of orders was changed: %+v", r)
			}
			switch {
			case tt.alias == "" && len(w.functions.updates) != 0:
				t.Errorf("%d alias updates, want none", len(w.functions.updates))
			case tt.alias != "":
				// Only the member the release changes moves.
				assertPointed(t, w.functions, "shop-api", "live", tt.alias)
			}
			if d, ok := w.tasks.Answer("tok"); !ok || d.Decision != tt.answer || tasks.sent != 1 {
				t.Errorf("answer %+v (sent %d times), want %s once", d, tasks.sent, tt.answer)
			}
		})
	}
}

func TestGroupOperatorRefusals(t *testing.T) {
	halted := shopLocks(release.PhaseShifting)
	halted[0].Halt = &ledger.Action{Reason: "alarm shop-api-5xx", By: "guard", At: t0}
	promoted := shopLocks(release.PhasePromoted)
	deployed := shopLocks(release.PhaseDeployed)
	for _, tt := range []struct {
		name    string
		records []ledger.Record
		args    []string
		code    int
		want    string
	}{
		{"promote a halted group", halted, []string{"promote", "--group", "shop"}, exitFailed,
			"group shop: release " + shopRelease + " was not promoted: the release of shop-api is already halted (rolling back) by guard"},
		{"approve a halted group", halted, []string{"approve", "-f", "shop-worker"}, exitFailed, "is halted and rolling back (member shop-api)"},
		{"roll back a promoted group", promoted, []string{"rollback", "--group", "shop"}, exitFailed, "group shop: release " + shopRelease + " is already promoted"},
		{"promote before the tests", deployed, []string{"promote", "-f", "shop-worker"}, exitFailed, "has not passed its tests yet (phase deployed) (member shop-api)"},
		{"approve a group that does not wait", shopLocks(release.PhaseShifting), []string{"approve", "--group", "shop"}, exitFailed, "is not waiting for approval (member shop-api)"},
		{"no such group", nil, []string{"rollback", "--group", "shop"}, exitNotFound, "no release of group shop is running"},
		{"function and group", nil, []string{"promote", "-f", "shop-api", "--group", "shop"}, exitUsage, "--function and --group: give one"},
		{"neither", nil, []string{"approve"}, exitUsage, "--function or --group is required"},
		{"bad group", nil, []string{"rollback", "--group", "a:b"}, exitUsage, `--group "a:b" is not a group name`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := groupWorld()
			putAll(t, w, tt.records)
			_, errOut, code := run(t, w.clients(), tt.args...)
			if code != tt.code {
				t.Errorf("exit code %d, want %d: %s", code, tt.code, errOut)
			}
			mustContain(t, errOut, tt.want)
			if len(w.functions.updates) != 0 {
				t.Errorf("alias moved on a refused command")
			}
			for _, r := range tt.records {
				got, _ := w.bucket.Record(t, r.Function)
				if (got.Halt == nil) != (r.Halt == nil) || got.Promote != nil || got.Approved != nil {
					t.Errorf("%s: record changed on a refused command: %+v", r.Function, got)
				}
			}
		})
	}
}

func TestStatusGroup(t *testing.T) {
	now := t0.Add(2 * time.Minute)
	records := shopLocks(release.PhaseShifting)
	for i := range records {
		records[i].Wait = &ledger.Wait{For: decision.Approval, Step: 1, Since: t0.Add(time.Minute)}
	}
	st := statusReport{
		InProgress: append([]ledger.Record{lockRecord(release.PhaseShifting)}, records...),
		Last: []releaseReport{{
			ReleaseID: shopRelease, Function: "shop", Group: "shop", Outcome: outcomePromoted, StartedAt: t0.Add(-time.Hour), DurationSeconds: 360,
			Members: []memberReport{{Function: "shop-api", Blue: "2", Green: "3", Released: true}, {Function: "shop-worker", Blue: "7", Green: "7"}},
		}},
	}
	var out bytes.Buffer
	if err := statusText(&out, st, now); err != nil {
		t.Fatal(err)
	}
	want := `In progress:
FUNCTION       RELEASE                       PHASE     TRAFFIC ON GREEN   VERSIONS        RUNNING FOR  REQUEST
orders         orders-20261122T101500Z-c469  shifting  [█░░░░░░░░░]  10%  v3 → v4         2m00s        -
group shop     shop-20261122T101500Z-5e1f    shifting  [█░░░░░░░░░]  10%  -               2m00s        waiting for approval of step 2 for 1m00s (greenlight approve --group shop)
  shop-api                                   shifting  [█░░░░░░░░░]  10%  v3 → v4                      waiting for approval of step 2 for 1m00s (greenlight approve --group shop)
  shop-worker                                noop      -                  v7 (unchanged)               waiting for approval of step 2 for 1m00s (greenlight approve --group shop)

Last release:
FUNCTION       RELEASE                     OUTCOME   STARTED               DURATION  VERSIONS
group shop     shop-20261122T101500Z-5e1f  promoted  2026-11-22T09:15:00Z  6m00s     -
  shop-api                                                                           v2 → v3
  shop-worker                                                                        v7 (unchanged)
`
	if out.String() != want {
		t.Errorf("status:\n%s\nwant:\n%s", out.String(), want)
	}
}

func TestInProgress(t *testing.T) {
	shop := shopLocks(release.PhaseShifting)
	orders := lockRecord(release.PhaseShifting)
	all := []ledger.Record{orders, shop[0], shop[1]}
	for name, want := range map[string]string{
		"":            "orders,shop-api,shop-worker",
		"orders":      "orders",
		"shop":        "shop-api,shop-worker",
		"shop-worker": "shop-api,shop-worker",
		"billing":     "",
	} {
		var got []string
		for _, r := range inProgress(all, name) {
			got = append(got, r.Function)
		}
		if strings.Join(got, ",") != want {
			t.Errorf("inProgress(%q) = %v, want %s", name, got, want)
		}
	}
}

func TestGroupHistoryAndStatus(t *testing.T) {
	w := groupWorld()
	promotedGroup := groupDoc(t, func(d *release.Document) { d.State.Phase, d.State.Weight = release.PhasePromoted, 1 })
	w.sfn.execs = []*fakeExecution{
		{arn: "g2", input: `{"group":"shop","configuration":{"shop-worker":{"timeout":9}}}`, start: t0, status: sfntypes.ExecutionStatusSucceeded, output: promotedGroup},
		{arn: "g1", input: s3Input("releases/shop/7.zip", "v7"), start: t0.Add(-time.Hour), status: sfntypes.ExecutionStatusSucceeded, output: promotedGroup},
		succeededExec(t, "orders-1", t0.Add(-2*time.Hour)),
	}
	t.Run("history", func(t *testing.T) {
		out := runOK(t, w.clients(), "history", "--group", "shop")
		want := `RELEASE                     STARTED               DURATION  OUTCOME   VERSIONS        STRATEGY
shop-20261122T101500Z-5e1f  2026-11-22T10:15:00Z  6m00s     promoted  -               Canary10Percent5Minutes
  shop-api                                                            v3 → v4
  shop-worker                                                         v7 (unchanged)
shop-20261122T101500Z-5e1f  2026-11-22T09:15:00Z  6m00s     promoted  -               Canary10Percent5Minutes
  shop-api                                                            v3 → v4
  shop-worker                                                         v7 (unchanged)
`
		if out != want {
			t.Errorf("history:\n%s\nwant:\n%s", out, want)
		}
	})
	t.Run("history json", func(t *testing.T) {
		var reports []releaseReport
		runJSON(t, w.clients(), &reports, "history", "-f", "shop", "-n", "1", "-o", "json")
		if len(reports) != 1 || reports[0].Group != "shop" || len(reports[0].Members) != 2 || !reports[0].Members[0].Released || reports[0].Members[1].Released {
			t.Errorf("reports %+v", reports)
		}
	})
	t.Run("status", func(t *testing.T) {
		out := runOK(t, w.clients(), "status", "--group", "shop")
		mustContain(t, out, "No release in progress.", "group shop     shop-20261122T101500Z-5e1f  promoted", "  shop-api", "v3 → v4")
		if strings.Count(out, "group shop") != 1 || strings.Contains(out, "orders") {
			t.Errorf("status of the group shows another release, or the group twice:\n%s", out)
		}
	})
}

func TestWatchGroup(t *testing.T) {
	w := groupWorld()
	exec := &fakeExecution{arn: shopARN, input: `{"group":"shop","artifact":{"key":"releases/shop/7.zip"}}`, start: t0, status: sfntypes.ExecutionStatusFailed, runningPolls: 2,
		errName: "RolledBack", runningEvents: 1, events: []sfntypes.HistoryEvent{
			entered(sfntypes.HistoryEventTypeTaskStateEntered, "Wait for approval", t0.Add(time.Minute), groupDoc(t, nil)),
			entered(sfntypes.HistoryEventTypeFailStateEntered, "Rolled back", t0.Add(3*time.Minute), groupDoc(t, func(d *release.Document) {
				d.State.Phase, d.State.Weight = release.PhaseRolledBack, 0
			})),
		}}
	w.sfn.execs = []*fakeExecution{exec, succeededExec(t, "orders-1", t0.Add(-time.Hour))}
	records := shopLocks(release.PhaseShifting)
	for i := range records {
		records[i].Wait = &ledger.Wait{For: decision.Approval, Step: 0, Since: t0.Add(time.Minute)}
	}
	putAll(t, w, records)
	w.alarms["shop-api-5xx"] = "ALARM"
	// A member's --function follows the group's release.
	out, errOut, code := run(t, w.clients(), "watch", "-f", "shop-worker")
	if code != exitFailed {
		t.Fatalf("exit code %d, want %d: %s", code, exitFailed, errOut)
	}
	mustContain(t, out,
		"group    shop  release "+shopRelease+"  RUNNING",
		"traffic  [██░░░░░░░░░░░░░░░░░░]  10%\nmember   shop-api     v3 → v4\nmember   shop-worker  v7 (unchanged)\n",
		"alarms   shop-latency OK, shop-api-5xx ALARM, greenlight-"+shopRelease+"-shop-api-errors OK\n",
		"greenlight approve --group shop",
		"release "+shopRelease+" rolledBack after 6m00s: RolledBack\n  shop-api: v3 → v4\n  shop-worker: v7 (unchanged)")
}
