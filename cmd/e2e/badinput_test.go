package e2e

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/greenlight/greenlight/cmd/internal/demo"
)

// badCase is one file of testdata/bad-inputs: a few "name: value" header
// lines, a blank line, then the body.
//
//	kind      console: the body is an execution input started with StartExecution
//	          event:   the body is a forged or replayed S3 event started the same way
//	          upload:  the body is the manifest (none when empty) uploaded before the artifact
//	error     the error the notification must name
//	artifact  the artifact the case refers to: v2 (default) or text (not a zip)
//	delete    true: the artifact's version is deleted before the execution starts
//	replay    true: the key is uploaded again and the first version deleted;
//	          the body's {{versionId}} is the deleted first version
//	function  the function an upload is for (default: the harness's target)
//
// The body's {{pad:N}} becomes N letters x, for inputs too large to keep
// in a file; its {{bucket}}, {{function}}, {{outsider}}, {{key}}, {{versionId}},
// {{otherVersionId}}, {{size}} and {{sha256}} are replaced before use.
type badCase struct {
	name, kind, wantError string
	header                map[string]string
	body                  string
}

// padding is the {{pad:N}} of a case body.
var padding = regexp.MustCompile(`\{\{pad:([0-9]+)\}\}`)

func loadBadCases(t *testing.T) []badCase {
	t.Helper()
	files, err := filepath.Glob("testdata/bad-inputs/*.case")
	if err != nil || len(files) == 0 {
		t.Fatalf("no bad inputs in testdata/bad-inputs (%v)", err)
	}
	var cases []badCase
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		head, body, ok := strings.Cut(string(raw), "\n\n")
		if !ok {
			t.Fatalf("%s: no blank line between the header and the body", f)
		}
		body = padding.ReplaceAllStringFunc(strings.TrimSpace(body), func(m string) string {
			n, _ := strconv.Atoi(padding.FindStringSubmatch(m)[1])
			return strings.Repeat("x", n)
		})
		c := badCase{name: strings.TrimSuffix(filepath.Base(f), ".case"), header: map[string]string{}, body: body}
		sc := bufio.NewScanner(strings.NewReader(head))
		for sc.Scan() {
			line := sc.Text()
			if strings.HasPrefix(line, "#") {
				continue
			}
			k, v, ok := strings.Cut(line, ":")
			if !ok {
				t.Fatalf("%s: header line %q is not name: value", f, line)
			}
			c.header[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
		c.kind, c.wantError = c.header["kind"], c.header["error"]
		if c.kind != "console" && c.kind != "event" && c.kind != "upload" || c.wantError == "" {
			t.Fatalf("%s: kind %q, error %q", f, c.kind, c.wantError)
		}
		cases = append(cases, c)
	}
	return cases
}

// TestBadInputs starts one release per malformed input, all at once, and
// checks that each ends as a failed release naming the expected error, with a
// notification, and without touching the live alias.
func TestBadInputs(t *testing.T) {
	cases := loadBadCases(t)
	b := newHarness(t)
	fn := functionPrefix + "bad"
	blue := b.createFunction(t, fn)
	outsider := "greenlight-outsider"
	b.createFunction(t, outsider)
	liveBefore, revBefore := b.alias(t, fn, "live")
	other := b.put(t, "fixtures/other.zip", artifact(t, "v2"))

	// Objects the cases refer to are uploaded while the upload rule is
	// disabled, so that only the case's own input starts an execution.
	rules := b.uploadRules(t)
	b.setRules(t, rules, false)
	arns := map[string]string{}
	var uploads []string
	var direct []badCase
	uploadCase := map[string]string{}
	for _, c := range cases {
		zip := artifact(t, "v2")
		if c.header["artifact"] == "text" {
			zip = []byte("this is not a zip file\n")
		}
		target := fn
		if f := c.header["function"]; f != "" {
			target = strings.ReplaceAll(f, "{{outsider}}", outsider)
		}
		key := "releases/" + target + "/" + c.name + ".zip"
		if c.kind == "upload" {
			uploads = append(uploads, key)
			uploadCase[key] = c.name
			continue
		}
		version := b.put(t, key, zip)
		if c.header["replay"] == "true" {
			b.put(t, key, zip)
		}
		if c.header["delete"] == "true" {
			b.deleteVersion(t, key, version)
		}
		sum := sha256.Sum256(zip)
		r := strings.NewReplacer("{{bucket}}", b.bucket, "{{function}}", fn, "{{outsider}}", outsider, "{{key}}", key,
			"{{versionId}}", version, "{{otherVersionId}}", other, "{{size}}", strconv.Itoa(len(zip)),
			"{{sha256}}", base64.StdEncoding.EncodeToString(sum[:]))
		c.body = r.Replace(c.body)
		direct = append(direct, c)
	}
	b.setRules(t, rules, true)
	// Uploads go through the rule, as a user's would.
	for _, c := range cases {
		if c.kind != "upload" {
			continue
		}
		target := fn
		if f := c.header["function"]; f != "" {
			target = strings.ReplaceAll(f, "{{outsider}}", outsider)
		}
		zip := artifact(t, "v2")
		if c.header["artifact"] == "text" {
			zip = []byte("this is not a zip file\n")
		}
		if c.body != "" {
			b.put(t, "releases/"+target+"/"+c.name+".json", []byte(c.body))
		}
		b.put(t, "releases/"+target+"/"+c.name+".zip", zip)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	started, err := b.executions(ctx, uploads...)
	if err != nil {
		t.Fatal(err)
	}
	for key, arn := range started {
		arns[uploadCase[key]] = arn
	}
	for _, c := range direct {
		arns[c.name] = b.start(t, c.body)
	}

	var mu sync.Mutex
	rejected, untouched := 0, 0
	t.Run("cases", func(t *testing.T) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				t.Parallel()
				e := b.check(t, arns[c.name], demo.Expect{Function: fn, Blue: blue})
				for _, v := range e.Violations {
					t.Errorf("invariant: %s", v)
				}
				got := ""
				if e.Notification != nil {
					got = notificationError(e.Notification.Body)
				}
				ok := e.Status == "FAILED" && got == c.wantError
				if !ok {
					t.Errorf("ended %s (%s), notification error %q, want FAILED with %s; path %s", e.Status, e.Error, got, c.wantError, strings.Join(e.Path, " → "))
				}
				live, rev := b.alias(t, fn, "live")
				mu.Lock()
				defer mu.Unlock()
				if ok {
					rejected++
				}
				if live == liveBefore && rev == revBefore {
					untouched++
				} else {
					t.Errorf("live alias changed: %s (revision %s) → %s (revision %s)", liveBefore, revBefore, live, rev)
				}
			})
		}
	})
	fmt.Printf("bad-inputs: cases=%d rejected=%d untouched=%d\n", len(cases), rejected, untouched)
	if len(cases) < 40 || rejected != len(cases) || untouched != len(cases) {
		t.Errorf("bad-inputs: cases=%d rejected=%d untouched=%d", len(cases), rejected, untouched)
	}
}

// uploadRules are the EventBridge rules that start a release on an upload.
func (b *harness) uploadRules(t *testing.T) []string {
	t.Helper()
	eb := eventbridge.NewFromConfig(b.local.Config())
	out, err := eb.ListRules(context.Background(), &eventbridge.ListRulesInput{})
	if err != nil {
		t.Fatalf("list rules: %v", err)
	}
	var names []string
	for _, r := range out.Rules {
		if strings.Contains(aws.ToString(r.EventPattern), "releases/") {
			names = append(names, aws.ToString(r.Name))
		}
	}
	if len(names) == 0 {
		t.Fatal("no EventBridge rule matches uploads under releases/")
	}
	return names
}

func (b *harness) setRules(t *testing.T, names []string, enabled bool) {
	t.Helper()
	eb := eventbridge.NewFromConfig(b.local.Config())
	for _, n := range names {
		var err error
		if enabled {
			_, err = eb.EnableRule(context.Background(), &eventbridge.EnableRuleInput{Name: aws.String(n)})
		} else {
			_, err = eb.DisableRule(context.Background(), &eventbridge.DisableRuleInput{Name: aws.String(n)})
		}
		if err != nil {
			t.Fatalf("enable=%v rule %s: %v", enabled, n, err)
		}
	}
}

func (b *harness) deleteVersion(t *testing.T, key, version string) {
	t.Helper()
	if _, err := b.s3.DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: &b.bucket, Key: &key, VersionId: &version}); err != nil {
		t.Fatalf("delete s3://%s/%s?versionId=%s: %v", b.bucket, key, version, err)
	}
}

// notificationError is the error name a notification's body gives.
func notificationError(body string) string {
	var n struct {
		Error string `json:"error"`
	}
	if json.Unmarshal([]byte(body), &n) != nil {
		return ""
	}
	return n.Error
}
