package sns

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssns "github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sns/types"

	"github.com/greenlight/greenlight/localcloud/events/pattern"
)

func TestAttributeFiltering(t *testing.T) {
	tests := []struct {
		name, policy string
		attrs        map[string]Attribute
		want         bool
	}{
		{"string", `{"k":["v"]}`, map[string]Attribute{"k": {"String", "v"}}, true},
		{"string array element", `{"k":["v"]}`, map[string]Attribute{"k": {"String.Array", `["u","v"]`}}, true},
		{"string array number", `{"k":[{"numeric":[">",1]}]}`, map[string]Attribute{"k": {"String.Array", `["u",2]`}}, true},
		{"number against a numeric rule", `{"k":[{"numeric":["=",1.5]}]}`, map[string]Attribute{"k": {"Number", "15e-1"}}, true},
		{"number against a string", `{"k":["5"]}`, map[string]Attribute{"k": {"Number", "5"}}, false},
		{"string against a numeric rule", `{"k":[{"numeric":["=",5]}]}`, map[string]Attribute{"k": {"String", "5"}}, false},
		{"binary takes no part", `{"k":[{"exists":true}]}`, map[string]Attribute{"k": {"Binary", "AQI="}}, false},
		{"quote matched double-escaped", `{"k":["a\\\"b"]}`, map[string]Attribute{"k": {"String", `a"b`}}, true},
		{"quote not escaped", `{"k":["a\"b"]}`, map[string]Attribute{"k": {"String", `a"b`}}, false},
		{"number array, one value not excluded", `{"k":[{"anything-but":[100,500]}]}`, map[string]Attribute{"k": {"Number.Array", `[100, 50]`}}, true},
		{"number array, every value excluded", `{"k":[{"anything-but":[100,500]}]}`, map[string]Attribute{"k": {"Number.Array", `[100, 500]`}}, false},
		{"number array range", `{"k":[{"numeric":[">",60]}]}`, map[string]Attribute{"k": {"Number.Array", `[10, 70]`}}, true},
		{"string array not JSON", `{"k":[{"exists":false}]}`, map[string]Attribute{"k": {"String.Array", `[oops`}}, false},
		{"string array not an array", `{"other":[{"exists":false}]}`, map[string]Attribute{"k": {"String.Array", `"v"`}}, false},
		{"string array null", `{"other":[{"exists":false}]}`, map[string]Attribute{"k": {"String.Array", `null`}}, false},
		{"empty string array", `{"k":[{"exists":false}]}`, map[string]Attribute{"k": {"String.Array", `[]`}}, true},
		{"backslash matched double-escaped", `{"k":[{"prefix":"c:\\\\"}]}`, map[string]Attribute{"k": {"String", `c:\x`}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := pattern.CompilePolicy([]byte(tt.policy), pattern.MessageAttributes)
			if err != nil {
				t.Fatal(err)
			}
			doc, ok := attributeDocument(tt.attrs)
			if got := ok && p.Match(doc); got != tt.want {
				t.Errorf("%s against %v = %t, want %t", tt.policy, tt.attrs, got, tt.want)
			}
		})
	}
}

func TestInvalidStringArrayIsPublishedButFilteredOut(t *testing.T) {
	f := start(t, "")
	ctx := context.Background()
	arn := f.topic(t, "arrays")
	plain, err := f.client.Subscribe(ctx, &awssns.SubscribeInput{TopicArn: &arn, Protocol: aws.String("local"), Endpoint: aws.String("plain"),
		ReturnSubscriptionArn: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.client.Subscribe(ctx, &awssns.SubscribeInput{TopicArn: &arn, Protocol: aws.String("local"), Endpoint: aws.String("filtered"),
		Attributes: map[string]string{"FilterPolicy": `{"other":[{"exists":false}]}`}}); err != nil {
		t.Fatal(err)
	}
	_, err = f.client.Publish(ctx, &awssns.PublishInput{TopicArn: &arn, Message: aws.String("m"),
		MessageAttributes: map[string]types.MessageAttributeValue{"k": {DataType: aws.String("String.Array"), StringValue: aws.String("[oops")}}})
	if err != nil {
		t.Fatal(err)
	}
	inbox := f.svc.Inbox(arn)
	if len(inbox) != 1 || len(inbox[0].DeliveredTo) != 1 || inbox[0].DeliveredTo[0] != aws.ToString(plain.SubscriptionArn) {
		t.Errorf("inbox = %+v, want the message delivered to %s only", inbox, aws.ToString(plain.SubscriptionArn))
	}
}

func TestNumberArrayIsPublishedAndMatched(t *testing.T) {
	f := start(t, "")
	ctx := context.Background()
	arn := f.topic(t, "prices")
	sub, err := f.client.Subscribe(ctx, &awssns.SubscribeInput{TopicArn: &arn, Protocol: aws.String("local"), Endpoint: aws.String("prices"),
		Attributes: map[string]string{"FilterPolicy": `{"price":[{"anything-but":[100,500]}]}`}, ReturnSubscriptionArn: true})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.client.Publish(ctx, &awssns.PublishInput{TopicArn: &arn, Message: aws.String("m"),
		MessageAttributes: map[string]types.MessageAttributeValue{"price": {DataType: aws.String("Number.Array"), StringValue: aws.String("[100, 50]")}}})
	if err != nil {
		t.Fatal(err)
	}
	if inbox := f.svc.Inbox(arn); len(inbox) != 1 || len(inbox[0].DeliveredTo) != 1 || inbox[0].DeliveredTo[0] != aws.ToString(sub.SubscriptionArn) {
		t.Errorf("inbox = %+v, want the message delivered to %s", inbox, aws.ToString(sub.SubscriptionArn))
	}
}

func TestBodyFiltering(t *testing.T) {
	tests := []struct {
		name, policy, body string
		want               bool
	}{
		{"object", `{"k":["v"]}`, `{"k":"v"}`, true},
		{"absent field in an object", `{"k":[{"exists":false}]}`, `{"j":1}`, true},
		{"not JSON", `{"k":[{"exists":false}]}`, `plain text`, false},
		{"a JSON string", `{"k":[{"exists":false}]}`, `"text"`, false},
		{"a JSON array", `{"k":[{"exists":false}]}`, `[{"j":1}]`, false},
		{"null", `{"k":[{"exists":false}]}`, `null`, false},
		{"what follows the object is ignored", `{"k":["v"]}`, `{"k":"v"} more`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := pattern.CompilePolicy([]byte(tt.policy), pattern.MessageBody)
			if err != nil {
				t.Fatal(err)
			}
			doc, ok := bodyDocument(tt.body)
			if got := ok && p.Match(doc); got != tt.want {
				t.Errorf("%s against %s = %t, want %t", tt.policy, tt.body, got, tt.want)
			}
		})
	}
}
