package localcloud

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	awssns "github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/smithy-go"

	"github.com/greenlight/greenlight/localcloud/bus"
	"github.com/greenlight/greenlight/localcloud/events"
	"github.com/greenlight/greenlight/localcloud/internal/testenv"
	"github.com/greenlight/greenlight/localcloud/sns"
)

// ConformanceDirVar names the folder of AWS conformance cases when it is
// not ../shared/aws-conformance beside the repository.
const ConformanceDirVar = "AWS_CONFORMANCE_DIR"

// knownDifferencesFile lists the conformance cases the local cloud answers
// differently from AWS, each with the reason.
const knownDifferencesFile = "testdata/aws-conformance-known.json"

// conformanceDir finds the shared conformance cases.
func conformanceDir(t *testing.T) string {
	t.Helper()
	if dir := os.Getenv(ConformanceDirVar); dir != "" {
		return dir
	}
	// localcloud/ is one level below the repository root, and the shared
	// folder sits beside the repository's.
	dir, err := filepath.Abs(filepath.Join("..", "..", "shared", "aws-conformance"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); err != nil {
		testenv.Missing(t, "the AWS conformance cases are not at %s (set %s)", dir, ConformanceDirVar)
	}
	return dir
}

// eventCase is one recorded TestEventPattern call.
type eventCase struct {
	ID          string `json:"id"`
	PatternText string `json:"pattern_text"`
	EventText   string `json:"event_text"`
	Expect      string `json:"expect"` // match, nomatch or invalid
	AWSError    string `json:"aws_error"`
}

// snsCase is one recorded filter policy check.
type snsCase struct {
	ID         string          `json:"id"`
	Policy     json.RawMessage `json:"policy"`
	PolicyText string          `json:"policy_text"`
	Scope      string          `json:"scope"`
	API        string          `json:"api"`
	Message    *string         `json:"message"`
	Attributes map[string]struct {
		DataType    string
		StringValue string
	} `json:"attributes"`
	Expect   string `json:"expect"` // delivered, filtered, invalid or accepted
	AWSError string `json:"aws_error"`
}

func readCases[T any](t *testing.T, dir string, dirs ...string) map[string]T {
	t.Helper()
	out := map[string]T{}
	for _, d := range dirs {
		files, err := filepath.Glob(filepath.Join(dir, d, "*.json"))
		if err != nil {
			t.Fatal(err)
		}
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var c T
			if err := json.Unmarshal(data, &c); err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			out[d+"/"+strings.TrimSuffix(filepath.Base(file), ".json")] = c
		}
	}
	return out
}

// tally counts a suite's outcomes.
type tally struct{ passed, failed, known int }

// record counts a case's outcome: a difference fails the test unless it is
// a known one.
func (c *tally) record(t *testing.T, known map[string]string, id, problem string) {
	t.Helper()
	reason, isKnown := known[id]
	switch {
	case problem == "" && isKnown:
		c.passed++
		t.Logf("%s: listed as a known difference (%s) but now answers like AWS", id, reason)
	case problem == "":
		c.passed++
	case isKnown:
		c.known++
	default:
		c.failed++
		t.Errorf("%s: %s", id, problem)
	}
}

// TestAWSConformance puts the event patterns AWS's TestEventPattern
// answered through the local EventBridge API, and the SNS filter policies
// through real subscriptions, and holds the answers to AWS's.
func TestAWSConformance(t *testing.T) {
	dir := conformanceDir(t)
	var known map[string]string
	data, err := os.ReadFile(knownDifferencesFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &known); err != nil {
		t.Fatalf("%s: %v", knownDifferencesFile, err)
	}
	ev := conformEvents(t, dir, known)
	sn := conformSNS(t, dir, known)
	fmt.Printf("aws-conformance: events passed=%d failed=%d known=%d sns passed=%d failed=%d known=%d\n",
		ev.passed, ev.failed, ev.known, sn.passed, sn.failed, sn.known)
}

func conformEvents(t *testing.T, dir string, known map[string]string) tally {
	svc, err := events.New(events.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(svc)
	t.Cleanup(func() { srv.Close(); svc.Close() })
	client := eventbridge.New(eventbridge.Options{
		BaseEndpoint: aws.String(srv.URL),
		Region:       bus.Region,
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
	cases := readCases[eventCase](t, dir, "events", "events-extra")
	var c tally
	for _, id := range sortedKeys(cases) {
		k := cases[id]
		out, err := client.TestEventPattern(context.Background(), &eventbridge.TestEventPatternInput{
			EventPattern: aws.String(k.PatternText), Event: aws.String(k.EventText),
		})
		problem := ""
		switch {
		case k.Expect == "invalid":
			var api smithy.APIError
			switch {
			case !errors.As(err, &api):
				problem = fmt.Sprintf("want InvalidEventPatternException, got %v", err)
			case api.ErrorCode() != "InvalidEventPatternException" || firstLine(api.ErrorMessage()) != k.AWSError:
				problem = fmt.Sprintf("want %q, got %s: %q", k.AWSError, api.ErrorCode(), api.ErrorMessage())
			}
		case err != nil:
			problem = fmt.Sprintf("want %s, got %v", k.Expect, err)
		case out.Result != (k.Expect == "match"):
			problem = fmt.Sprintf("want %s, got Result=%t", k.Expect, out.Result)
		}
		c.record(t, known, id, problem)
	}
	return c
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

func sortedKeys[T any](m map[string]T) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func conformSNS(t *testing.T, dir string, known map[string]string) tally {
	svc, err := sns.New(sns.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(svc)
	inbox := httptest.NewServer(svc.InboxHandler())
	t.Cleanup(func() { srv.Close(); inbox.Close(); svc.Close() })
	client := awssns.New(awssns.Options{
		BaseEndpoint: aws.String(srv.URL),
		Region:       bus.Region,
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
	ctx := context.Background()
	cases := readCases[snsCase](t, dir, "sns")
	var c tally
	for i, id := range sortedKeys(cases) {
		k := cases[id]
		topic, err := client.CreateTopic(ctx, &awssns.CreateTopicInput{Name: aws.String(fmt.Sprintf("conformance-%d", i))})
		if err != nil {
			t.Fatal(err)
		}
		policy := k.PolicyText
		if policy == "" {
			policy = string(k.Policy)
		}
		attrs := map[string]string{"FilterPolicy": policy, "FilterPolicyScope": k.Scope}
		var subARN string
		if k.API == "Subscribe" {
			out, err := client.Subscribe(ctx, &awssns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("local"),
				Endpoint: aws.String("conformance"), Attributes: attrs, ReturnSubscriptionArn: true})
			if out != nil {
				subARN = aws.ToString(out.SubscriptionArn)
			}
			c.record(t, known, id, snsOutcome(ctx, client, inbox.URL, k, topic.TopicArn, subARN, err))
			continue
		}
		out, err := client.Subscribe(ctx, &awssns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("local"),
			Endpoint: aws.String("conformance"), ReturnSubscriptionArn: true})
		if err != nil {
			t.Fatal(err)
		}
		subARN = aws.ToString(out.SubscriptionArn)
		if _, err = client.SetSubscriptionAttributes(ctx, &awssns.SetSubscriptionAttributesInput{SubscriptionArn: &subARN,
			AttributeName: aws.String("FilterPolicyScope"), AttributeValue: aws.String(k.Scope)}); err != nil {
			t.Fatal(err)
		}
		_, err = client.SetSubscriptionAttributes(ctx, &awssns.SetSubscriptionAttributesInput{SubscriptionArn: &subARN,
			AttributeName: aws.String("FilterPolicy"), AttributeValue: &policy})
		c.record(t, known, id, snsOutcome(ctx, client, inbox.URL, k, topic.TopicArn, subARN, err))
	}
	return c
}

// snsOutcome compares what SNS did with a policy (err is the answer to the
// call that set it) and, when a message comes with the case, whether the
// subscription took it, to what AWS did.
func snsOutcome(ctx context.Context, client *awssns.Client, inbox string, k snsCase, topic *string, sub string, err error) string {
	if k.Expect == "invalid" {
		var api smithy.APIError
		switch {
		case !errors.As(err, &api):
			return fmt.Sprintf("want InvalidParameter, got %v", err)
		case api.ErrorCode() != "InvalidParameter" || api.ErrorMessage() != k.AWSError:
			return fmt.Sprintf("want %q, got %s: %q", k.AWSError, api.ErrorCode(), api.ErrorMessage())
		}
		return ""
	}
	if err != nil {
		return fmt.Sprintf("want the policy accepted, got %v", err)
	}
	if k.Expect == "accepted" {
		return ""
	}
	in := &awssns.PublishInput{TopicArn: topic, Message: k.Message}
	if len(k.Attributes) > 0 {
		in.MessageAttributes = map[string]snstypes.MessageAttributeValue{}
		for name, a := range k.Attributes {
			in.MessageAttributes[name] = snstypes.MessageAttributeValue{DataType: aws.String(a.DataType), StringValue: aws.String(a.StringValue)}
		}
	}
	if _, err := client.Publish(ctx, in); err != nil {
		return fmt.Sprintf("publish: %v", err)
	}
	resp, err := http.Get(inbox + "?topic=" + aws.ToString(topic))
	if err != nil {
		return fmt.Sprintf("inbox: %v", err)
	}
	defer resp.Body.Close()
	var box struct{ Messages []sns.Message }
	if err := json.NewDecoder(resp.Body).Decode(&box); err != nil {
		return fmt.Sprintf("inbox: %v", err)
	}
	messages := box.Messages
	if len(messages) == 0 {
		return "the message did not reach the topic's inbox"
	}
	delivered := false
	for _, to := range messages[len(messages)-1].DeliveredTo {
		delivered = delivered || to == sub
	}
	if got := map[bool]string{true: "delivered", false: "filtered"}[delivered]; got != k.Expect {
		return fmt.Sprintf("want %s, got %s", k.Expect, got)
	}
	return ""
}
