package sns

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awssns "github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/smithy-go"

	"github.com/greenlight/greenlight/localcloud/bus"
	"github.com/greenlight/greenlight/localcloud/fault"
)

type fixture struct {
	svc    *Service
	server *httptest.Server
	client *awssns.Client
	faults *fault.Injector
}

func start(t *testing.T, dir string) *fixture {
	t.Helper()
	f := &fixture{faults: &fault.Injector{}}
	svc, err := New(Options{Dir: dir, Faults: f.faults, InboxLimit: 3})
	if err != nil {
		t.Fatal(err)
	}
	f.svc = svc
	f.server = httptest.NewServer(svc)
	t.Cleanup(func() { f.server.Close(); svc.Close() })
	f.client = awssns.New(awssns.Options{
		BaseEndpoint: aws.String(f.server.URL),
		Region:       bus.Region,
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
	return f
}

func (f *fixture) topic(t *testing.T, name string) string {
	t.Helper()
	out, err := f.client.CreateTopic(context.Background(), &awssns.CreateTopicInput{Name: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.TopicArn)
}

// errorMessage is the message of an AWS API error, or "".
func errorMessage(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorMessage()
	}
	return ""
}

func errorCode(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	return ""
}

func TestTopics(t *testing.T) {
	f := start(t, "")
	ctx := context.Background()
	arn := f.topic(t, "greenlight-notifications")
	if arn != "arn:aws:sns:us-east-1:000000000000:greenlight-notifications" {
		t.Errorf("topic ARN = %s", arn)
	}
	if again := f.topic(t, "greenlight-notifications"); again != arn {
		t.Errorf("CreateTopic is not idempotent: %s then %s", arn, again)
	}
	policy := `{"Version":"2012-10-17","Statement":[]}`
	if _, err := f.client.SetTopicAttributes(ctx, &awssns.SetTopicAttributesInput{TopicArn: &arn, AttributeName: aws.String("Policy"), AttributeValue: &policy}); err != nil {
		t.Fatal(err)
	}
	attrs, err := f.client.GetTopicAttributes(ctx, &awssns.GetTopicAttributesInput{TopicArn: &arn})
	if err != nil {
		t.Fatal(err)
	}
	if attrs.Attributes["Policy"] != policy || attrs.Attributes["TopicArn"] != arn {
		t.Errorf("attributes = %v", attrs.Attributes)
	}
	list, err := f.client.ListTopics(ctx, &awssns.ListTopicsInput{})
	if err != nil || len(list.Topics) != 1 || aws.ToString(list.Topics[0].TopicArn) != arn {
		t.Errorf("ListTopics = %+v, %v", list, err)
	}
	if _, err := f.client.DeleteTopic(ctx, &awssns.DeleteTopicInput{TopicArn: &arn}); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		call func() error
		code string
	}{
		{"attributes of a deleted topic", func() error {
			_, err := f.client.GetTopicAttributes(ctx, &awssns.GetTopicAttributesInput{TopicArn: &arn})
			return err
		}, "NotFound"},
		{"publish to a deleted topic", func() error {
			_, err := f.client.Publish(ctx, &awssns.PublishInput{TopicArn: &arn, Message: aws.String("x")})
			return err
		}, "NotFound"},
		{"bad topic name", func() error {
			_, err := f.client.CreateTopic(ctx, &awssns.CreateTopicInput{Name: aws.String("a b")})
			return err
		}, "InvalidParameter"},
		{"policy that is not JSON", func() error {
			a := f.topic(t, "other")
			_, err := f.client.SetTopicAttributes(ctx, &awssns.SetTopicAttributesInput{TopicArn: &a, AttributeName: aws.String("Policy"), AttributeValue: aws.String("{")})
			return err
		}, "InvalidParameter"},
		{"unknown protocol", func() error {
			a := f.topic(t, "other")
			_, err := f.client.Subscribe(ctx, &awssns.SubscribeInput{TopicArn: &a, Protocol: aws.String("pigeon"), Endpoint: aws.String("x")})
			return err
		}, "InvalidParameter"},
		{"bad filter policy", func() error {
			a := f.topic(t, "other")
			_, err := f.client.Subscribe(ctx, &awssns.SubscribeInput{TopicArn: &a, Protocol: aws.String("local"), Endpoint: aws.String("x"),
				Attributes: map[string]string{"FilterPolicy": `{"event":"promoted"}`}})
			return err
		}, "InvalidParameter"},
		{"empty message", func() error {
			a := f.topic(t, "other")
			_, err := f.client.Publish(ctx, &awssns.PublishInput{TopicArn: &a, Message: aws.String("")})
			return err
		}, "InvalidParameter"},
		{"number attribute that is not a number", func() error {
			a := f.topic(t, "other")
			_, err := f.client.Publish(ctx, &awssns.PublishInput{TopicArn: &a, Message: aws.String("x"), MessageAttributes: map[string]types.MessageAttributeValue{
				"weight": {DataType: aws.String("Number"), StringValue: aws.String("ten")}}})
			return err
		}, "InvalidParameterValue"},
		{"json structure without default", func() error {
			a := f.topic(t, "other")
			_, err := f.client.Publish(ctx, &awssns.PublishInput{TopicArn: &a, Message: aws.String(`{"email":"x"}`), MessageStructure: aws.String("json")})
			return err
		}, "InvalidParameter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if code := errorCode(tt.call()); code != tt.code {
				t.Errorf("error code %q, want %q", code, tt.code)
			}
		})
	}
}

// endpoint is an HTTP subscriber.
type endpoint struct {
	got chan *http.Request
}

func newEndpoint(t *testing.T) (*endpoint, string) {
	e := &endpoint{got: make(chan *http.Request, 8)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		e.got <- r
	}))
	t.Cleanup(srv.Close)
	return e, srv.URL + "/hook"
}

func (e *endpoint) next(t *testing.T) (*http.Request, []byte) {
	t.Helper()
	select {
	case r := <-e.got:
		body, _ := io.ReadAll(r.Body)
		return r, body
	case <-time.After(5 * time.Second):
		t.Fatal("no delivery")
		return nil, nil
	}
}

func (e *endpoint) none(t *testing.T) {
	t.Helper()
	select {
	case r := <-e.got:
		t.Fatalf("unexpected delivery %s", r.Header.Get("x-amz-sns-message-id"))
	case <-time.After(100 * time.Millisecond):
	}
}

func TestPublishDeliversAndFilters(t *testing.T) {
	f := start(t, "")
	ctx := context.Background()
	arn := f.topic(t, "releases")
	all, allURL := newEndpoint(t)
	rolledBack, rolledBackURL := newEndpoint(t)
	body, bodyURL := newEndpoint(t)
	if _, err := f.client.Subscribe(ctx, &awssns.SubscribeInput{TopicArn: &arn, Protocol: aws.String("http"), Endpoint: &allURL}); err != nil {
		t.Fatal(err)
	}
	sub, err := f.client.Subscribe(ctx, &awssns.SubscribeInput{TopicArn: &arn, Protocol: aws.String("http"), Endpoint: &rolledBackURL,
		Attributes: map[string]string{"FilterPolicy": `{"event":["rolledBack"],"weight":[{"numeric":[">=",0.1]}],"functions":["orders"]}`}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.client.Subscribe(ctx, &awssns.SubscribeInput{TopicArn: &arn, Protocol: aws.String("http"), Endpoint: &bodyURL,
		Attributes: map[string]string{"FilterPolicy": `{"release":{"phase":[{"prefix":"rolled"}]}}`, "FilterPolicyScope": "MessageBody", "RawMessageDelivery": "true"}}); err != nil {
		t.Fatal(err)
	}
	email, err := f.client.Subscribe(ctx, &awssns.SubscribeInput{TopicArn: &arn, Protocol: aws.String("email"), Endpoint: aws.String("ops@example.com")})
	if err != nil || aws.ToString(email.SubscriptionArn) != "pending confirmation" {
		t.Errorf("email subscription = %v, %v", aws.ToString(email.SubscriptionArn), err)
	}

	attrs := map[string]types.MessageAttributeValue{
		"event":     {DataType: aws.String("String"), StringValue: aws.String("rolledBack")},
		"weight":    {DataType: aws.String("Number"), StringValue: aws.String("0.25")},
		"functions": {DataType: aws.String("String.Array"), StringValue: aws.String(`["orders","pay"]`)},
	}
	message := `{"event":"rolledBack","release":{"phase":"rolledBack"}}`
	pub, err := f.client.Publish(ctx, &awssns.PublishInput{TopicArn: &arn, Subject: aws.String("orders rolled back"), Message: &message, MessageAttributes: attrs})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range []*endpoint{all, rolledBack} {
		r, got := e.next(t)
		var env map[string]any
		if err := json.Unmarshal(got, &env); err != nil {
			t.Fatal(err)
		}
		if env["Type"] != "Notification" || env["MessageId"] != aws.ToString(pub.MessageId) || env["Message"] != message ||
			env["Subject"] != "orders rolled back" || env["TopicArn"] != arn || r.Header.Get("x-amz-sns-message-type") != "Notification" {
			t.Errorf("envelope = %s", got)
		}
		if a := env["MessageAttributes"].(map[string]any)["weight"].(map[string]any); a["Type"] != "Number" || a["Value"] != "0.25" {
			t.Errorf("weight attribute = %v", a)
		}
	}
	if r, got := body.next(t); string(got) != message || r.Header.Get("x-amz-sns-rawdelivery") != "true" {
		t.Errorf("raw delivery = %s", got)
	}

	promoted := `{"event":"promoted","release":{"phase":"promoted"}}`
	if _, err := f.client.Publish(ctx, &awssns.PublishInput{TopicArn: &arn, Message: &promoted, MessageAttributes: map[string]types.MessageAttributeValue{
		"event": {DataType: aws.String("String"), StringValue: aws.String("promoted")},
	}}); err != nil {
		t.Fatal(err)
	}
	all.next(t)
	rolledBack.none(t)
	body.none(t)

	inbox := f.svc.Inbox(arn)
	if len(inbox) != 2 || inbox[0].Subject != "orders rolled back" || inbox[0].Attributes["functions"].DataType != "String.Array" ||
		len(inbox[0].DeliveredTo) != 4 || len(inbox[1].DeliveredTo) != 2 {
		t.Errorf("inbox = %+v", inbox)
	}
	if inbox[0].DeliveredTo[1] != aws.ToString(sub.SubscriptionArn) {
		t.Errorf("delivered to %v, want %s second", inbox[0].DeliveredTo, aws.ToString(sub.SubscriptionArn))
	}
}

func TestSubscriptions(t *testing.T) {
	f := start(t, "")
	ctx := context.Background()
	arn := f.topic(t, "releases")
	sub, err := f.client.Subscribe(ctx, &awssns.SubscribeInput{TopicArn: &arn, Protocol: aws.String("local"), Endpoint: aws.String("cli")})
	if err != nil {
		t.Fatal(err)
	}
	subARN := aws.ToString(sub.SubscriptionArn)
	again, err := f.client.Subscribe(ctx, &awssns.SubscribeInput{TopicArn: &arn, Protocol: aws.String("local"), Endpoint: aws.String("cli")})
	if err != nil || aws.ToString(again.SubscriptionArn) != subARN {
		t.Errorf("Subscribe is not idempotent: %v, %v", aws.ToString(again.SubscriptionArn), err)
	}
	if _, err := f.client.SetSubscriptionAttributes(ctx, &awssns.SetSubscriptionAttributesInput{SubscriptionArn: &subARN,
		AttributeName: aws.String("FilterPolicy"), AttributeValue: aws.String(`{"event":[{"anything-but":"started"}]}`)}); err != nil {
		t.Fatal(err)
	}
	got, err := f.client.GetSubscriptionAttributes(ctx, &awssns.GetSubscriptionAttributesInput{SubscriptionArn: &subARN})
	if err != nil || got.Attributes["FilterPolicyScope"] != "MessageAttributes" || got.Attributes["Protocol"] != "local" {
		t.Errorf("GetSubscriptionAttributes = %v, %v", got.Attributes, err)
	}
	_, err = f.client.SetSubscriptionAttributes(ctx, &awssns.SetSubscriptionAttributesInput{SubscriptionArn: &subARN,
		AttributeName: aws.String("FilterPolicyScope"), AttributeValue: aws.String("Everything")})
	if want := "Invalid parameter: FilterPolicyScope: Invalid value [Everything]. Please use either MessageBody or MessageAttributes"; errorMessage(err) != want {
		t.Errorf("bad scope: %v, want %q", err, want)
	}
	_, err = f.client.Subscribe(ctx, &awssns.SubscribeInput{TopicArn: &arn, Protocol: aws.String("local"), Endpoint: aws.String("x"),
		Attributes: map[string]string{"RawMessageDelivery": "yes"}})
	if want := "Invalid parameter: Attributes Reason: RawMessageDelivery: Invalid value [yes]. Must be true or false."; errorMessage(err) != want {
		t.Errorf("bad raw delivery: %v, want %q", err, want)
	}
	for _, list := range []func() ([]types.Subscription, error){
		func() ([]types.Subscription, error) {
			out, err := f.client.ListSubscriptions(ctx, &awssns.ListSubscriptionsInput{})
			return out.Subscriptions, err
		},
		func() ([]types.Subscription, error) {
			out, err := f.client.ListSubscriptionsByTopic(ctx, &awssns.ListSubscriptionsByTopicInput{TopicArn: &arn})
			return out.Subscriptions, err
		},
	} {
		subs, err := list()
		if err != nil || len(subs) != 1 || aws.ToString(subs[0].SubscriptionArn) != subARN || aws.ToString(subs[0].Endpoint) != "cli" {
			t.Errorf("list = %+v, %v", subs, err)
		}
	}
	if _, err := f.client.Unsubscribe(ctx, &awssns.UnsubscribeInput{SubscriptionArn: &subARN}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.client.Unsubscribe(ctx, &awssns.UnsubscribeInput{SubscriptionArn: &subARN}); errorCode(err) != "NotFound" {
		t.Errorf("second unsubscribe: %v", err)
	}
}

func TestInboxPersistsAndIsBounded(t *testing.T) {
	dir := t.TempDir()
	f := start(t, dir)
	arn := f.topic(t, "releases")
	for _, m := range []string{"one", "two", "three", "four"} {
		if _, err := f.svc.Publish(context.Background(), arn, "subject "+m, m, map[string]bus.MessageAttribute{"event": {DataType: "String", StringValue: m}}); err != nil {
			t.Fatal(err)
		}
	}
	g := start(t, dir)
	inbox := g.svc.Inbox(arn)
	if len(inbox) != 3 || inbox[0].Message != "two" || inbox[2].Message != "four" {
		t.Fatalf("inbox after restart = %+v, want two..four", inbox)
	}

	srv := httptest.NewServer(g.svc.InboxHandler())
	defer srv.Close()
	for _, topic := range []string{arn, "releases"} {
		resp, err := http.Get(srv.URL + "?topic=" + topic)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			TopicARN string    `json:"topicArn"`
			Messages []Message `json:"messages"`
		}
		err = json.NewDecoder(resp.Body).Decode(&doc)
		resp.Body.Close()
		if err != nil || doc.TopicARN != arn || len(doc.Messages) != 3 || doc.Messages[2].Attributes["event"].StringValue != "four" {
			t.Errorf("inbox handler for %s = %+v, %v", topic, doc, err)
		}
	}
	resp, err := http.Get(srv.URL + "?topic=missing")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("missing topic: status %d", resp.StatusCode)
	}
}

func TestInjectedFault(t *testing.T) {
	f := start(t, "")
	arn := f.topic(t, "releases")
	if err := f.faults.Add(fault.Rule{Service: "sns", Operation: "Publish", Match: "releases", Code: "InternalError", Status: 500, Count: 1}); err != nil {
		t.Fatal(err)
	}
	_, err := f.client.Publish(context.Background(), &awssns.PublishInput{TopicArn: &arn, Message: aws.String("x")},
		func(o *awssns.Options) { o.RetryMaxAttempts = 1 })
	if code := errorCode(err); code != "InternalError" {
		t.Errorf("injected fault: %v", err)
	}
	if len(f.svc.Inbox(arn)) != 0 {
		t.Error("a failed publish reached the inbox")
	}
}

func TestClosedServiceRefusesMessages(t *testing.T) {
	f := start(t, "")
	arn := f.topic(t, "releases")
	if err := f.svc.Close(); err != nil {
		t.Fatal(err)
	}
	_, err := f.svc.Publish(context.Background(), arn, "subject", "late", nil)
	var ae bus.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "InternalError" {
		t.Errorf("Publish after Close = %v, want an InternalError", err)
	}
	if inbox := f.svc.Inbox(arn); len(inbox) != 0 {
		t.Errorf("a message published after Close reached the inbox: %+v", inbox)
	}
}

func TestFilterPolicyErrors(t *testing.T) {
	f := start(t, "")
	ctx := context.Background()
	arn := f.topic(t, "policies")
	nested := `{"a":{"b":["x"]}}`
	_, err := f.client.Subscribe(ctx, &awssns.SubscribeInput{TopicArn: &arn, Protocol: aws.String("local"), Endpoint: aws.String("x"),
		Attributes: map[string]string{"FilterPolicy": nested}})
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorMessage() != "Invalid parameter: Attributes Reason: Filter policy scope MessageAttributes does not support nested filter policy" {
		t.Errorf("Subscribe with a nested policy = %v", err)
	}
	out, err := f.client.Subscribe(ctx, &awssns.SubscribeInput{TopicArn: &arn, Protocol: aws.String("local"), Endpoint: aws.String("x"),
		Attributes: map[string]string{"FilterPolicy": nested, "FilterPolicyScope": "MessageBody"}, ReturnSubscriptionArn: true})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.client.SetSubscriptionAttributes(ctx, &awssns.SetSubscriptionAttributesInput{SubscriptionArn: out.SubscriptionArn,
		AttributeName: aws.String("FilterPolicyScope"), AttributeValue: aws.String("MessageAttributes")})
	if !errors.As(err, &api) || api.ErrorMessage() != "Invalid parameter: Filter policy scope MessageAttributes does not support nested filter policy" {
		t.Errorf("scope that does not fit the policy = %v", err)
	}
}
