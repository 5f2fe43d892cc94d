package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/smithy-go"

	"github.com/greenlight/greenlight/internal/decision"
	"github.com/greenlight/greenlight/internal/decision/decisiontest"
	"github.com/greenlight/greenlight/internal/ledger"
	"github.com/greenlight/greenlight/internal/release"
)

// world is the fake AWS a command test runs against.
type world struct {
	stacks    fakeStacks
	bucket    *versionedBucket
	sfn       *fakeSFN
	functions *fakeFunctions
	alarms    fakeAlarms
	tasks     *decisiontest.Tasks
}

func newWorld() *world {
	return &world{stacks: goodStack, bucket: newBucket(), sfn: &fakeSFN{}, functions: &fakeFunctions{names: []string{"orders", "billing"}}, alarms: fakeAlarms{}, tasks: &decisiontest.Tasks{}}
}

func (w *world) clients() *awsClients {
	return &awsClients{stacks: w.stacks, objects: w.bucket, executions: w.sfn, starter: w.sfn, functions: w.functions, alarms: w.alarms, tasks: w.tasks}
}

// doc returns the shifting fixture changed by mutate, as JSON.
func doc(t *testing.T, mutate func(*release.Document)) string {
	t.Helper()
	return fixtureDoc(t, "shifting.json", mutate)
}

// fixtureDoc returns the release document in testdata/name changed by
// mutate, as JSON.
func fixtureDoc(t *testing.T, name string, mutate func(*release.Document)) string {
	t.Helper()
	var d release.Document
	if err := json.Unmarshal([]byte(fixture(t, name)), &d); err != nil {
		t.Fatal(err)
	}
	if mutate != nil {
		mutate(&d)
	}
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func promoted(d *release.Document) {
	d.State.Phase, d.State.Weight = release.PhasePromoted, 1
}

// s3Input is the EventBridge event an upload of key (version) produces.
func s3Input(key, version string) string {
	return `{"detail-type":"Object Created","source":"aws.s3","detail":{"bucket":{"name":"` + testBucket +
		`"},"object":{"key":"` + key + `","version-id":"` + version + `"}}}`
}

// succeededExec is a finished, promoted release of orders.
func succeededExec(t *testing.T, arn string, start time.Time) *fakeExecution {
	return &fakeExecution{arn: arn, input: fixture(t, "s3-event.json"), start: start, status: sfntypes.ExecutionStatusSucceeded, output: doc(t, promoted)}
}

// rolledBackExec is a release of orders that the alarm rolled back.
func rolledBackExec(t *testing.T, arn, input string, start time.Time, runningPolls int) *fakeExecution {
	d := fixture(t, "rolled-back.json")
	return &fakeExecution{
		arn: arn, input: input, start: start, status: sfntypes.ExecutionStatusFailed, runningPolls: runningPolls,
		errName: "RolledBack", cause: "the release was rolled back",
		events: []sfntypes.HistoryEvent{
			entered(sfntypes.HistoryEventTypeTaskStateEntered, "Shift traffic", start.Add(time.Second), doc(t, nil)),
			entered(sfntypes.HistoryEventTypeTaskStateEntered, "Bake", start.Add(time.Minute), doc(t, nil)),
			entered(sfntypes.HistoryEventTypeTaskStateEntered, "Notify rolled back", start.Add(2*time.Minute), `{"event":"rolledBack","release":`+d+`}`),
			entered(sfntypes.HistoryEventTypeFailStateEntered, "Rolled back", start.Add(3*time.Minute), d),
		},
	}
}

func writeZip(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "app.zip")
	if err := os.WriteFile(p, []byte("PK\x03\x04 a zip"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRoot(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string
	}{
		{"no arguments shows help", nil, exitOK, "Exit codes:"},
		{"unknown command", []string{"deplyo"}, exitUsage, `unknown command or argument "deplyo"`},
		{"unknown flag", []string{"status", "--fnction", "x"}, exitUsage, "unknown flag: --fnction"},
		{"stray argument", []string{"status", "orders"}, exitUsage, `unknown command or argument "orders"`},
		{"bad output format", []string{"status", "-o", "yaml"}, exitUsage, `--output "yaml"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := run(t, newWorld().clients(), tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit code %d, want %d\n%s%s", code, tt.wantCode, out, errOut)
			}
			mustContain(t, out+errOut, tt.wantOut)
		})
	}
}

func TestHelpHasExamples(t *testing.T) {
	for _, c := range []string{"deploy", "status", "watch", "history", "rollback", "promote"} {
		t.Run(c, func(t *testing.T) {
			out, _, code := run(t, nil, c, "--help")
			if code != exitOK {
				t.Fatalf("exit code %d", code)
			}
			mustContain(t, out, "Examples:", "greenlight "+c, "--stack")
		})
	}
}

func TestEnvironmentErrors(t *testing.T) {
	missing := newWorld()
	missing.stacks = fakeStacks{}
	tests := []struct {
		name    string
		clients *awsClients
		want    string
	}{
		{"no credentials", nil, "no AWS credentials"},
		{"stack not deployed", missing.clients(), `stack "greenlight" is not deployed`},
		{"not a greenlight stack", (&world{stacks: fakeStacks{outputs: map[string]string{"TopicArn": "x"}}}).clients(), "no output ArtifactBucketName, StateMachineArn"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errOut, code := run(t, tt.clients, "status")
			if code != exitEnvironment {
				t.Errorf("exit code %d, want %d: %s", code, exitEnvironment, errOut)
			}
			mustContain(t, errOut, tt.want)
		})
	}
}

func TestDeploy(t *testing.T) {
	zip := writeZip(t)
	t.Run("uploads the manifest, then the zip", func(t *testing.T) {
		w := newWorld()
		out, errOut, code := run(t, w.clients(), "deploy", "-f", "orders", "-a", zip, "--build", "42", "--strategy", "AllAtOnce")
		if code != exitOK {
			t.Fatalf("exit code %d: %s", code, errOut)
		}
		if want := []string{"releases/orders/42.json", "releases/orders/42.zip"}; strings.Join(w.bucket.puts, ",") != strings.Join(want, ",") {
			t.Errorf("uploads %v, want %v", w.bucket.puts, want)
		}
		assertJSONEqual(t, w.bucket.object(t, "releases/orders/42.json"), `{"strategy":{"name":"AllAtOnce"}}`)
		mustContain(t, out, "uploaded s3://greenlight-artifacts/releases/orders/42.zip (version v2)")
	})
	t.Run("default build id and no manifest", func(t *testing.T) {
		w := newWorld()
		out, errOut, code := run(t, w.clients(), "deploy", "-f", "orders", "-a", zip, "-o", "json")
		if code != exitOK {
			t.Fatalf("exit code %d: %s", code, errOut)
		}
		var res deployResult
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatalf("output is not JSON: %v\n%s", err, out)
		}
		if !strings.HasPrefix(res.Key, "releases/orders/20261122T101700Z-") || res.ManifestKey != "" || len(w.bucket.puts) != 1 {
			t.Errorf("result %+v, uploads %v", res, w.bucket.puts)
		}
	})
	t.Run("wait for a promotion", func(t *testing.T) {
		w := newWorld()
		w.sfn.execs = []*fakeExecution{succeededExec(t, "old", t0.Add(-time.Hour))}
		exec := succeededExec(t, "new", t0.Add(2*time.Minute))
		// One poll while deploy looks for it, one while it follows it.
		exec.input, exec.runningPolls = s3Input("releases/orders/42.zip", "v1"), 2
		exec.events = []sfntypes.HistoryEvent{entered(sfntypes.HistoryEventTypeTaskStateEntered, "Run tests", t0.Add(2*time.Minute), doc(t, nil))}
		w.sfn.appear, w.sfn.appearAfter = exec, 2
		out, errOut, code := run(t, w.clients(), "deploy", "-f", "orders", "-a", zip, "--build", "42", "--wait")
		if code != exitOK {
			t.Fatalf("exit code %d: %s", code, errOut)
		}
		mustContain(t, out, "step     Run tests", "release orders-20261122T101500Z-c469 promoted after 6m00s (green v4, blue v3)")
	})
	t.Run("wait for a rollback", func(t *testing.T) {
		w := newWorld()
		w.sfn.execs = []*fakeExecution{rolledBackExec(t, "new", s3Input("releases/orders/42.zip", "v1"), t0.Add(2*time.Minute), 0)}
		out, errOut, code := run(t, w.clients(), "deploy", "-f", "orders", "-a", zip, "--build", "42", "--wait", "-o", "json")
		if code != exitFailed {
			t.Fatalf("exit code %d, want %d: %s", code, exitFailed, errOut)
		}
		var res deployResult
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatalf("output is not JSON: %v\n%s", err, out)
		}
		if res.Release == nil || res.Release.Outcome != outcomeRolledBack || res.Release.Error != "AlarmBreachedError" {
			t.Errorf("release %+v", res.Release)
		}
		mustContain(t, errOut, "release orders-20261122T101500Z-c469 rolledBack: AlarmBreachedError: greenlight-orders-errors is in ALARM")
	})
	t.Run("wait for a rollback, text", func(t *testing.T) {
		w := newWorld()
		w.sfn.execs = []*fakeExecution{rolledBackExec(t, "new", s3Input("releases/orders/42.zip", "v1"), t0.Add(2*time.Minute), 0)}
		out, errOut, code := run(t, w.clients(), "deploy", "-f", "orders", "-a", zip, "--build", "42", "--wait")
		if code != exitFailed {
			t.Fatalf("exit code %d, want %d: %s", code, exitFailed, errOut)
		}
		mustContain(t, out, "release orders-20261122T101500Z-c469 rolledBack after")
		if errOut != "" {
			t.Errorf("the closing line on stdout told the outcome, yet stderr repeats it:\n%s", errOut)
		}
	})
	t.Run("wait but nothing starts", func(t *testing.T) {
		w := newWorld()
		w.sfn.execs = []*fakeExecution{rolledBackExec(t, "other", s3Input("releases/orders/41.zip", "v9"), t0.Add(2*time.Minute), 0)}
		_, errOut, code := run(t, w.clients(), "deploy", "-f", "orders", "-a", zip, "--build", "42", "--wait")
		if code != exitEnvironment {
			t.Fatalf("exit code %d, want %d: %s", code, exitEnvironment, errOut)
		}
		mustContain(t, errOut, "no release started for s3://greenlight-artifacts/releases/orders/42.zip")
	})
	t.Run("configuration with the artifact goes in the manifest", func(t *testing.T) {
		w := newWorld()
		_, errOut, code := run(t, w.clients(), "deploy", "-f", "orders", "-a", zip, "--build", "42",
			"--set-env", "FEATURE=b", "--unset-env", "DEBUG", "--memory", "512", "--no-layers", "--log-level", "WARN")
		if code != exitOK {
			t.Fatalf("exit code %d: %s", code, errOut)
		}
		assertJSONEqual(t, w.bucket.object(t, "releases/orders/42.json"),
			`{"configuration":{"environment":{"set":{"FEATURE":"b"},"unset":["DEBUG"]},"memorySize":512,"layers":[],"logging":{"applicationLogLevel":"WARN"}}}`)
		if len(w.sfn.started) != 0 {
			t.Errorf("started %v besides the upload", w.sfn.started)
		}
	})
	t.Run("configuration only starts the release", func(t *testing.T) {
		w := newWorld()
		manifest := writeFile(t, "m.json", `{"strategy":"AllAtOnce","hook":"smoke"}`)
		out, errOut, code := run(t, w.clients(), "deploy", "-f", "orders", "--set-env", "FEATURE=b", "-m", manifest, "-o", "json")
		if code != exitOK {
			t.Fatalf("exit code %d: %s", code, errOut)
		}
		if len(w.bucket.puts) != 0 || len(w.sfn.started) != 1 {
			t.Fatalf("uploads %v, started %v", w.bucket.puts, w.sfn.started)
		}
		assertJSONEqual(t, w.sfn.started[0], `{"function":"orders","strategy":"AllAtOnce","hook":"smoke","configuration":{"environment":{"set":{"FEATURE":"b"}}}}`)
		input, err := release.ParseConsole([]byte(w.sfn.started[0]))
		if err != nil {
			t.Fatalf("the workflow would refuse the input: %v", err)
		}
		if input.Configuration.Environment.Set["FEATURE"] != "b" {
			t.Errorf("parsed input %+v", input)
		}
		var res deployResult
		if err := json.Unmarshal([]byte(out), &res); err != nil || res.ExecutionARN != "started-1" || res.Key != "" {
			t.Errorf("result %+v (%v)\n%s", res, err, out)
		}
	})
	t.Run("configuration only, wait for a rollback", func(t *testing.T) {
		w := newWorld()
		w.sfn.next = rolledBackExec(t, "config", "", t0.Add(2*time.Minute), 1)
		out, errOut, code := run(t, w.clients(), "deploy", "-f", "orders", "--memory", "1024", "--wait")
		if code != exitFailed {
			t.Fatalf("exit code %d, want %d: %s", code, exitFailed, errOut)
		}
		mustContain(t, out, "started config", "release orders-20261122T101500Z-c469 rolledBack after")
	})
	configManifest := writeFile(t, "config.json", `{"configuration":{"timeout":30}}`)
	badConfigManifest := writeFile(t, "bad.json", `{"configuration":{"timeout":0,"memorySize":64}}`)
	caseManifest := writeFile(t, "case.json", `{"Strategy":"AllAtOnce"}`)
	notZip := filepath.Join(t.TempDir(), "app.txt")
	if err := os.WriteFile(notZip, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		args []string
		want string
		code int
	}{
		{"no function", []string{"-a", zip}, "--function is required", exitUsage},
		{"nothing to release", []string{"-f", "orders"}, "nothing to release", exitUsage},
		{"nothing to release, strategy only", []string{"-f", "orders", "-s", "AllAtOnce"}, "nothing to release", exitUsage},
		{"build without artifact", []string{"-f", "orders", "--set-env", "AB=c", "--build", "42"}, "--build names an uploaded artifact", exitUsage},
		{"memory too small", []string{"-f", "orders", "--memory", "64"}, "memorySize 64 is not in Lambda's range 128 to 10240", exitFailed},
		{"every problem at once", []string{"-f", "orders", "-a", zip, "--memory", "64", "--timeout", "901", "--set-env", "AWS_REGION=x", "--set-env", "novalue"},
			"--set-env \"novalue\": use NAME=VALUE", exitFailed},
		{"variable set twice", []string{"-f", "orders", "--set-env", "FEATURE=a", "--set-env", "FEATURE=b"}, "--set-env FEATURE is given twice", exitFailed},
		{"variable unset twice", []string{"-f", "orders", "--unset-env", "DEBUG", "--unset-env", "DEBUG"}, `configuration.environment.unset: "DEBUG" is listed twice`, exitFailed},
		{"function as an ARN", []string{"-f", "arn:aws:lambda:us-east-1:123456789012:function:orders", "-a", zip}, "give the function's name alone", exitUsage},
		{"strategy step misspelt", []string{"-f", "orders", "-a", zip, "-s", `{"steps":[{"percent":10,"bakeSecond":600}]}`}, `unknown field "bakeSecond"`, exitUsage},
		{"approval on AllAtOnce", []string{"-f", "orders", "-a", zip, "-s", `{"name":"AllAtOnce","approval":true}`}, "no step below 100 % to approve", exitUsage},
		{"manifest key in another case", []string{"-f", "orders", "-a", zip, "-m", caseManifest}, `did you mean "strategy"?`, exitUsage},
		{"layers and no layers", []string{"-f", "orders", "--layer", "arn:aws:lambda:us-east-1:123456789012:layer:x:1", "--no-layers"}, "use one or the other", exitFailed},
		{"empty log level", []string{"-f", "orders", "--log-level", ""}, "--log-level: give a value", exitFailed},
		{"manifest and flags both configure", []string{"-f", "orders", "-m", configManifest, "--memory", "256"}, "use one or the other", exitUsage},
		{"bad configuration in the manifest", []string{"-f", "orders", "-a", zip, "-m", badConfigManifest}, "configuration.timeout 0 is not in Lambda's range", exitFailed},
		{"missing artifact", []string{"-f", "orders", "-a", "nope.zip"}, "no such file", exitUsage},
		{"not a zip", []string{"-f", "orders", "-a", notZip}, "is not a zip archive", exitUsage},
		{"bad strategy", []string{"-f", "orders", "-a", zip, "-s", "Fast"}, `strategy "Fast" is not one of`, exitUsage},
		{"missing manifest", []string{"-f", "orders", "-a", zip, "-m", "nope.json"}, "--manifest", exitUsage},
		{"bad build", []string{"-f", "orders", "-a", zip, "--build", "a/b"}, `--build "a/b"`, exitUsage},
		{"unknown function", []string{"-f", "payments", "-a", zip}, "function payments does not exist", exitNotFound},
	} {
		t.Run(tt.name, func(t *testing.T) {
			assertDeployRefused(t, newWorld(), tt.args, tt.want, tt.code)
		})
	}
}

// assertDeployRefused runs deploy with args in w, which must exit with code
// and say want, having uploaded and started nothing.
func assertDeployRefused(t *testing.T, w *world, args []string, want string, code int) {
	t.Helper()
	_, errOut, got := run(t, w.clients(), append([]string{"deploy"}, args...)...)
	if got != code {
		t.Errorf("exit code %d, want %d: %s", got, code, errOut)
	}
	mustContain(t, errOut, want)
	if len(w.bucket.puts) != 0 || len(w.sfn.started) != 0 {
		t.Errorf("uploaded %v, started %v on bad input", w.bucket.puts, w.sfn.started)
	}
}

func lockRecord(phase release.Phase) ledger.Record {
	return ledger.Record{
		ReleaseID: "orders-20261122T101500Z-c469", ExecutionARN: "running", Function: "orders", Blue: "3", Green: "4",
		LiveAlias: "live", CandidateAlias: "green", Phase: phase, Weight: 0.1, Step: 1, AcquiredAt: t0, UpdatedAt: t0,
	}
}

func TestRequest(t *testing.T) {
	now := t0.Add(3 * time.Minute)
	gate := &ledger.Wait{For: decision.Approval, Step: 1, Since: t0.Add(time.Minute)}
	approval := func(step int) *ledger.Approval {
		return &ledger.Approval{Action: ledger.Action{By: "greenlight-cli:alice"}, Step: step}
	}
	tests := []struct {
		name   string
		change func(*ledger.Record)
		want   string
	}{
		{"nothing", func(*ledger.Record) {}, "-"},
		{"halted", func(r *ledger.Record) { r.Halt = &ledger.Action{By: "guard", Reason: "alarm orders-5xx"} }, "halt by guard: alarm orders-5xx"},
		{"promote requested", func(r *ledger.Record) { r.Promote = &ledger.Action{By: "greenlight-cli:bob"} }, "promote by greenlight-cli:bob"},
		{"baking", func(r *ledger.Record) { r.Wait = &ledger.Wait{For: decision.Bake, Step: 1, Since: t0} }, "-"},
		{"waiting for approval", func(r *ledger.Record) { r.Wait = gate },
			"waiting for approval of step 2 for 2m00s (greenlight approve -f orders)"},
		{"waiting, an earlier step approved", func(r *ledger.Record) { r.Wait, r.Approved = gate, approval(0) },
			"waiting for approval of step 2 for 2m00s (greenlight approve -f orders)"},
		{"approved", func(r *ledger.Record) { r.Wait, r.Approved = gate, approval(1) }, "step 2 approved by greenlight-cli:alice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := lockRecord(release.PhaseShifting)
			tt.change(&r)
			if got := request(r, now); got != tt.want {
				t.Errorf("request = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestStatus(t *testing.T) {
	w := newWorld()
	w.bucket.Put(t, lockRecord(release.PhaseShifting))
	billing := succeededExec(t, "billing-1", t0.Add(-2*time.Hour))
	billing.input = s3Input("releases/billing/7.zip", "v7")
	billing.output = doc(t, func(d *release.Document) {
		promoted(d)
		d.Function, d.ReleaseID = "billing", "billing-20261122T081500Z-77"
	})
	w.sfn.execs = []*fakeExecution{
		rolledBackExec(t, "running", fixture(t, "s3-event.json"), t0, 5),
		succeededExec(t, "orders-old", t0.Add(-time.Hour)),
		billing,
	}
	t.Run("text", func(t *testing.T) {
		out, errOut, code := run(t, w.clients(), "status")
		if code != exitOK {
			t.Fatalf("exit code %d: %s", code, errOut)
		}
		mustContain(t, out, "In progress:", "orders    orders-20261122T101500Z-c469  shifting  [█░░░░░░░░░]  10%  v3 → v4", "2m00s",
			"Last release:", "billing   billing-20261122T081500Z-77   promoted", "orders    orders-20261122T101500Z-c469  running")
	})
	t.Run("json for one function", func(t *testing.T) {
		out, errOut, code := run(t, w.clients(), "status", "-f", "orders", "-o", "json")
		if code != exitOK {
			t.Fatalf("exit code %d: %s", code, errOut)
		}
		var st statusReport
		if err := json.Unmarshal([]byte(out), &st); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, out)
		}
		if len(st.InProgress) != 1 || len(st.Last) != 1 || st.Last[0].ExecutionARN != "running" {
			t.Errorf("status %+v", st)
		}
	})
	t.Run("unknown function", func(t *testing.T) {
		_, errOut, code := run(t, w.clients(), "status", "-f", "payments")
		if code != exitNotFound {
			t.Errorf("exit code %d, want %d: %s", code, exitNotFound, errOut)
		}
		mustContain(t, errOut, "no releases of payments found")
	})
	t.Run("nothing in progress", func(t *testing.T) {
		empty := newWorld()
		out, _, code := run(t, empty.clients(), "status")
		if code != exitOK {
			t.Fatalf("exit code %d", code)
		}
		mustContain(t, out, "No release in progress.")
	})
}

func TestHistory(t *testing.T) {
	w := newWorld()
	billing := succeededExec(t, "billing-1", t0)
	billing.input = s3Input("releases/billing/7.zip", "v7")
	w.sfn.execs = []*fakeExecution{
		billing,
		rolledBackExec(t, "orders-2", fixture(t, "s3-event.json"), t0.Add(-time.Hour), 0),
		succeededExec(t, "orders-1", t0.Add(-2*time.Hour)),
	}
	t.Run("table", func(t *testing.T) {
		out, errOut, code := run(t, w.clients(), "history", "-f", "orders")
		if code != exitOK {
			t.Fatalf("exit code %d: %s", code, errOut)
		}
		want := `RELEASE                       STARTED               DURATION  OUTCOME     VERSIONS  STRATEGY
orders-20261122T101500Z-c469  2026-11-22T09:15:00Z  6m00s     rolledBack  v3 → v4   Canary10Percent5Minutes
orders-20261122T101500Z-c469  2026-11-22T08:15:00Z  6m00s     promoted    v3 → v4   Canary10Percent5Minutes
`
		if out != want {
			t.Errorf("history:\n%s\nwant:\n%s", out, want)
		}
	})
	t.Run("json with limit", func(t *testing.T) {
		out, _, code := run(t, w.clients(), "history", "-f", "orders", "-n", "1", "-o", "json")
		if code != exitOK {
			t.Fatalf("exit code %d", code)
		}
		var reports []releaseReport
		if err := json.Unmarshal([]byte(out), &reports); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, out)
		}
		if len(reports) != 1 || reports[0].ExecutionARN != "orders-2" || reports[0].Outcome != outcomeRolledBack {
			t.Errorf("reports %+v", reports)
		}
	})
	for _, tt := range []struct {
		name string
		args []string
		code int
	}{
		{"unknown function", []string{"-f", "payments"}, exitNotFound},
		{"no function", nil, exitUsage},
		{"bad limit", []string{"-f", "orders", "-n", "0"}, exitUsage},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, errOut, code := run(t, w.clients(), append([]string{"history"}, tt.args...)...)
			if code != tt.code {
				t.Errorf("exit code %d, want %d: %s", code, tt.code, errOut)
			}
		})
	}
}

func TestWatch(t *testing.T) {
	t.Run("follows the running release to its end", func(t *testing.T) {
		w := newWorld()
		w.alarms["orders-5xx"] = cwtypes.StateValueOk
		w.alarms["greenlight-orders-errors"] = cwtypes.StateValueAlarm
		w.sfn.execs = []*fakeExecution{rolledBackExec(t, "e1", fixture(t, "s3-event.json"), t0, 3)}
		// While running, history ends at the Bake state, which recorded
		// its wait in the lock record.
		w.sfn.execs[0].runningEvents = 2
		baking := lockRecord(release.PhaseShifting)
		baking.ExecutionARN = "e1"
		baking.Wait = &ledger.Wait{For: decision.Bake, Step: 0, Since: t0.Add(time.Minute)}
		w.bucket.Put(t, baking)
		out, errOut, code := run(t, w.clients(), "watch")
		if code != exitFailed {
			t.Fatalf("exit code %d, want %d: %s", code, exitFailed, errOut)
		}
		mustContain(t, out, "step     Bake  (step 1/2, Canary10Percent5Minutes)", "greenlight-orders-errors ALARM", "next     promote in 4m00s",
			"release orders-20261122T101500Z-c469 rolledBack after 6m00s")
		if n := strings.Count(out, "function orders"); n != 1 {
			t.Errorf("an unchanged frame was printed %d times, want once:\n%s", n, out)
		}
		if errOut != "" {
			t.Errorf("the closing line on stdout told the outcome, yet stderr repeats it:\n%s", errOut)
		}
	})
	for _, tt := range []struct {
		name  string
		args  []string
		execs func(t *testing.T) []*fakeExecution
		code  int
		want  string
	}{
		{"nothing running", nil, func(t *testing.T) []*fakeExecution { return []*fakeExecution{succeededExec(t, "done", t0)} }, exitNotFound, "no release is running"},
		{"other function running", []string{"-f", "billing"}, func(t *testing.T) []*fakeExecution {
			return []*fakeExecution{rolledBackExec(t, "e1", fixture(t, "s3-event.json"), t0, 9)}
		}, exitNotFound, "no release of billing is running"},
		{"several running", nil, func(t *testing.T) []*fakeExecution {
			return []*fakeExecution{
				rolledBackExec(t, "e1", fixture(t, "s3-event.json"), t0, 9),
				rolledBackExec(t, "e2", s3Input("releases/billing/7.zip", "v"), t0, 9),
			}
		}, exitUsage, "releases of orders, billing are running: choose one with --function"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld()
			w.sfn.execs = tt.execs(t)
			_, errOut, code := run(t, w.clients(), append([]string{"watch"}, tt.args...)...)
			if code != tt.code {
				t.Errorf("exit code %d, want %d: %s", code, tt.code, errOut)
			}
			mustContain(t, errOut, tt.want)
		})
	}
}

func TestRollback(t *testing.T) {
	t.Run("restores blue, then halts", func(t *testing.T) {
		w := newWorld()
		w.bucket.Put(t, lockRecord(release.PhaseShifting))
		out, errOut, code := run(t, w.clients(), "rollback", "-f", "orders", "--reason", "latency")
		if code != exitOK {
			t.Fatalf("exit code %d: %s", code, errOut)
		}
		assertPointed(t, w.functions, "orders", "live", "3")
		r, _ := w.bucket.Record(t, "orders")
		if r.Halt == nil || r.Halt.Reason != "latency" || !strings.HasPrefix(r.Halt.By, "greenlight-cli") || !r.Halt.At.Equal(t0.Add(2*time.Minute)) {
			t.Errorf("halt %+v", r.Halt)
		}
		mustContain(t, out, "orders: live alias serves v3 at 100%", "halted (latency)")
	})
	t.Run("first release has no blue to restore", func(t *testing.T) {
		w := newWorld()
		first := lockRecord(release.PhaseTested)
		first.Blue = ""
		w.bucket.Put(t, first)
		out, _, code := run(t, w.clients(), "rollback", "-f", "orders")
		if code != exitOK || len(w.functions.updates) != 0 {
			t.Fatalf("exit code %d, alias updates %d", code, len(w.functions.updates))
		}
		mustContain(t, out, "halted before it served traffic")
	})
	for _, tt := range []struct {
		name   string
		record *ledger.Record
		alias  error
		code   int
		want   string
		// halted: the halt stays recorded, so the release rolls back at
		// its next verify even when moving the traffic failed here.
		halted bool
	}{
		{"no release running", nil, nil, exitNotFound, "no release of orders is running", false},
		{"already promoted", ptr(lockRecord(release.PhasePromoted)), nil, exitFailed, "is already promoted", false},
		{"promoted by an operator", ptr(promoteRequested()), nil, exitFailed, "was not rolled back: the release of orders is already being promoted by greenlight-cli:ops", false},
		{"alias update fails", ptr(lockRecord(release.PhaseShifting)), &smithy.GenericAPIError{Code: "ResourceNotFoundException", Message: "alias live"}, exitFailed, "point orders:live at version 3", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld()
			w.functions.err = tt.alias
			if tt.record != nil {
				w.bucket.Put(t, *tt.record)
			}
			_, errOut, code := run(t, w.clients(), "rollback", "-f", "orders")
			if code != tt.code {
				t.Errorf("exit code %d, want %d: %s", code, tt.code, errOut)
			}
			mustContain(t, errOut, tt.want)
			r, ok := w.bucket.Record(t, "orders")
			if halted := ok && r.Halt != nil; halted != tt.halted {
				t.Errorf("halt recorded = %v, want %v (%+v)", halted, tt.halted, r.Halt)
			}
		})
	}
}

func TestPromote(t *testing.T) {
	t.Run("sends green 100 %, then requests promotion", func(t *testing.T) {
		w := newWorld()
		w.bucket.Put(t, lockRecord(release.PhaseShifting))
		out, errOut, code := run(t, w.clients(), "promote", "-f", "orders")
		if code != exitOK {
			t.Fatalf("exit code %d: %s", code, errOut)
		}
		assertPointed(t, w.functions, "orders", "live", "4")
		if r, _ := w.bucket.Record(t, "orders"); r.Promote == nil {
			t.Error("promote request not written")
		}
		mustContain(t, out, "orders: live alias serves v4 at 100%")
	})
	halted := lockRecord(release.PhaseShifting)
	halted.Halt = &ledger.Action{Reason: "alarm", By: "guard"}
	first := lockRecord(release.PhaseTested)
	first.Blue = ""
	rolledBack := lockRecord(release.PhaseRolledBack)
	rolledBack.Halt = &ledger.Action{Reason: "operator rollback", By: "greenlight-cli:ops"}
	for _, tt := range []struct {
		name   string
		record *ledger.Record
		code   int
		want   string
	}{
		{"no release running", nil, exitNotFound, "no release of orders is running"},
		{"halted", &halted, exitFailed, "was not promoted: the release of orders is already halted (rolling back) by guard"},
		{"halted and already rolled back", &rolledBack, exitFailed, "was not promoted: the release of orders is already halted (rolling back) by greenlight-cli:ops"},
		{"first release", &first, exitFailed, "is a first release"},
		{"not tested yet", ptr(lockRecord(release.PhaseDeployed)), exitFailed, "has not passed its tests yet (phase deployed)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld()
			if tt.record != nil {
				w.bucket.Put(t, *tt.record)
			}
			_, errOut, code := run(t, w.clients(), "promote", "-f", "orders")
			if code != tt.code {
				t.Errorf("exit code %d, want %d: %s", code, tt.code, errOut)
			}
			mustContain(t, errOut, tt.want)
			if len(w.functions.updates) != 0 {
				t.Errorf("alias moved on a refused promote")
			}
		})
	}
}

func promoteRequested() ledger.Record {
	r := lockRecord(release.PhaseShifting)
	r.Promote = &ledger.Action{Reason: "operator promote", By: "greenlight-cli:ops", At: t0}
	return r
}

// TestPromoteAndRollbackAtOnce: of a promote and a rollback issued at the
// same moment exactly one wins; the other fails naming the winner, and only
// the winner moves the live alias.
func TestPromoteAndRollbackAtOnce(t *testing.T) {
	for i := range 50 {
		w := newWorld()
		w.bucket.Put(t, lockRecord(release.PhaseShifting))
		type result struct {
			cmd, stdout, stderr string
			code                int
		}
		results := make(chan result, 2)
		for _, cmd := range []string{"promote", "rollback"} {
			go func() {
				out, errOut, code := run(t, w.clients(), cmd, "-f", "orders")
				results <- result{cmd, out, errOut, code}
			}()
		}
		a, b := <-results, <-results
		won, lost := a, b
		if b.code == exitOK {
			won, lost = b, a
		}
		if won.code != exitOK || lost.code != exitFailed {
			t.Fatalf("run %d: %s exit %d (%s), %s exit %d (%s): want one success and one failure",
				i, a.cmd, a.code, a.stderr, b.cmd, b.code, b.stderr)
		}
		mustContain(t, lost.stderr, "was not "+map[string]string{"promote": "promoted", "rollback": "rolled back"}[lost.cmd]+": ")
		wantVersion := map[string]string{"promote": "4", "rollback": "3"}[won.cmd]
		assertPointed(t, w.functions, "orders", "live", wantVersion)
		r, _ := w.bucket.Record(t, "orders")
		if (r.Halt != nil) == (r.Promote != nil) {
			t.Fatalf("run %d: record carries halt %v and promote %v, want exactly the winner's", i, r.Halt, r.Promote)
		}
	}
}

// TestDecisionsEndTheWait: rollback, promote and approve answer the task
// token of a release waiting in its bake or approval, so that it acts now.
func TestDecisionsEndTheWait(t *testing.T) {
	tests := []struct {
		name string
		args []string
		wait decision.Wait
		want decision.Kind
		out  string
	}{
		{"rollback ends the bake", []string{"rollback", "-f", "orders"}, decision.Bake, decision.Rollback, "ends as rolled back now"},
		{"promote ends the bake", []string{"promote", "-f", "orders"}, decision.Bake, decision.Promote, "ends as promoted now"},
		{"rollback rejects an approval", []string{"rollback", "-f", "orders"}, decision.Approval, decision.Rollback, "ends as rolled back now"},
		{"approve", []string{"approve", "-f", "orders", "--reason", "fine"}, decision.Approval, decision.Approve, "step 2 approved by greenlight-cli"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld()
			r := lockRecord(release.PhaseShifting)
			r.Wait = &ledger.Wait{For: tt.wait, Token: "tok", Step: 1}
			w.bucket.Put(t, r)
			out, errOut, code := run(t, w.clients(), tt.args...)
			if code != exitOK {
				t.Fatalf("exit code %d: %s", code, errOut)
			}
			d, ok := w.tasks.Answer("tok")
			if !ok || d.Decision != tt.want || !strings.HasPrefix(d.By, "greenlight-cli") {
				t.Errorf("answer %+v (sent %v), want %s by the operator", d, ok, tt.want)
			}
			mustContain(t, out, tt.out)
		})
	}
	t.Run("a bake that already ended is fine", func(t *testing.T) {
		w := newWorld()
		r := lockRecord(release.PhaseShifting)
		r.Wait = &ledger.Wait{For: decision.Bake, Token: "tok"}
		w.bucket.Put(t, r)
		w.tasks.Closed = map[string]bool{"tok": true}
		if _, errOut, code := run(t, w.clients(), "rollback", "-f", "orders"); code != exitOK {
			t.Fatalf("exit code %d: %s", code, errOut)
		}
	})
}

func TestApprove(t *testing.T) {
	baking := lockRecord(release.PhaseShifting)
	baking.Wait = &ledger.Wait{For: decision.Bake, Token: "tok"}
	halted := lockRecord(release.PhaseShifting)
	halted.Wait = &ledger.Wait{For: decision.Approval, Token: "tok"}
	halted.Halt = &ledger.Action{Reason: "alarm", By: "guard"}
	for _, tt := range []struct {
		name   string
		record *ledger.Record
		code   int
		want   string
	}{
		{"no release running", nil, exitNotFound, "no release of orders is running"},
		{"baking", &baking, exitFailed, "is not waiting for approval"},
		{"not waiting", ptr(lockRecord(release.PhaseShifting)), exitFailed, "is not waiting for approval"},
		{"halted", &halted, exitFailed, "is halted and rolling back"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld()
			if tt.record != nil {
				w.bucket.Put(t, *tt.record)
			}
			_, errOut, code := run(t, w.clients(), "approve", "-f", "orders")
			if code != tt.code {
				t.Errorf("exit code %d, want %d: %s", code, tt.code, errOut)
			}
			mustContain(t, errOut, tt.want)
			if _, ok := w.tasks.Answer("tok"); ok {
				t.Error("a refused approval answered the token")
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func assertPointed(t *testing.T, f *fakeFunctions, fn, alias, version string) {
	t.Helper()
	if len(f.updates) != 1 {
		t.Fatalf("%d alias updates, want 1", len(f.updates))
	}
	u := f.updates[0]
	if aws.ToString(u.FunctionName) != fn || aws.ToString(u.Name) != alias || aws.ToString(u.FunctionVersion) != version {
		t.Errorf("UpdateAlias(%s:%s -> %s), want %s:%s -> %s", aws.ToString(u.FunctionName), aws.ToString(u.Name), aws.ToString(u.FunctionVersion), fn, alias, version)
	}
	if u.RoutingConfig == nil || u.RoutingConfig.AdditionalVersionWeights == nil || len(u.RoutingConfig.AdditionalVersionWeights) != 0 {
		t.Errorf("routing not cleared: %+v", u.RoutingConfig)
	}
}

func TestExitCode(t *testing.T) {
	tests := []struct {
		err  error
		want int
	}{
		{nil, exitOK},
		{errors.New("boom"), exitFailed},
		{usagef("bad"), exitUsage},
		{notFoundf("gone"), exitNotFound},
		{environmentf("no creds"), exitEnvironment},
		{&releaseFailedError{ReleaseID: "r", Outcome: "rolledBack"}, exitFailed},
		{&operatorError{Release: "r", Reason: "x"}, exitFailed},
		{wrap(notFoundf("gone")), exitNotFound},
		{&reportedError{err: &releaseFailedError{ReleaseID: "r", Outcome: "rolledBack"}}, exitFailed},
	}
	for _, tt := range tests {
		if got := exitCode(tt.err); got != tt.want {
			t.Errorf("exitCode(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
}

func wrap(err error) error { return &wrapped{err} }

type wrapped struct{ err error }

func (w *wrapped) Error() string { return "context: " + w.err.Error() }
func (w *wrapped) Unwrap() error { return w.err }

// interruptingSFN interrupts the command while DescribeExecution is under
// way, as an operator's Ctrl-C does, and notes a call cut short by it.
type interruptingSFN struct {
	*fakeSFN
	interrupt context.CancelFunc
	cut       bool
}

func (f *interruptingSFN) DescribeExecution(ctx context.Context, in *sfn.DescribeExecutionInput, opts ...func(*sfn.Options)) (*sfn.DescribeExecutionOutput, error) {
	f.interrupt()
	if ctx.Err() != nil {
		f.cut = true
	}
	return f.fakeSFN.DescribeExecution(ctx, in, opts...)
}

func TestFollowInterruptedBetweenPolls(t *testing.T) {
	w := newWorld()
	w.sfn.execs = []*fakeExecution{rolledBackExec(t, "e1", fixture(t, "s3-event.json"), t0, 9)}
	ctx, interrupt := context.WithCancel(context.Background())
	defer interrupt()
	api := &interruptingSFN{fakeSFN: w.sfn, interrupt: interrupt}
	c := w.clients()
	c.executions = api
	a := newReleaseApp(nil)
	a.now, a.poll = func() time.Time { return t0 }, time.Hour
	var out bytes.Buffer
	_, err := a.follow(ctx, &session{awsClients: c}, "e1", true, &out)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("follow = %v, want %v", err, context.Canceled)
	}
	if api.cut {
		t.Error("the interrupt cancelled a call in flight; it should end the watch between polls")
	}
}

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
