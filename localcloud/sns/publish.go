package sns

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/greenlight/greenlight/localcloud/bus"
	"github.com/greenlight/greenlight/localcloud/internal/uuid"
)

// maxMessageBytes is SNS's limit on a message with its attributes.
const maxMessageBytes = 256 * 1024

func (s *Service) publish(_ *http.Request, form url.Values) (any, error) {
	arn := form.Get("TopicArn")
	if arn == "" {
		arn = form.Get("TargetArn")
	}
	attrs := map[string]bus.MessageAttribute{}
	for i := 1; ; i++ {
		prefix := fmt.Sprintf("MessageAttributes.entry.%d.", i)
		name, ok := form[prefix+"Name"]
		if !ok {
			break
		}
		value := form.Get(prefix + "Value.StringValue")
		if value == "" {
			value = form.Get(prefix + "Value.BinaryValue")
		}
		attrs[name[0]] = bus.MessageAttribute{DataType: form.Get(prefix + "Value.DataType"), StringValue: value}
	}
	id, err := s.publishMessage(arn, form.Get("Subject"), form.Get("Message"), form.Get("MessageStructure"), attrs)
	if err != nil {
		return nil, err
	}
	return &struct {
		XMLName   xml.Name `xml:"PublishResult"`
		MessageId string
	}{MessageId: id}, nil
}

// Publish publishes a message from another local service (the Step
// Functions sns:publish integration).
func (s *Service) Publish(_ context.Context, topicARN, subject, message string, attributes map[string]bus.MessageAttribute) (string, error) {
	return s.publishMessage(topicARN, subject, message, "", attributes)
}

func checkAttributes(attrs map[string]bus.MessageAttribute) error {
	if len(attrs) > 10 {
		return invalidParameterValue("Number of message attributes [%d] exceeds the allowed maximum [10].", len(attrs))
	}
	for name, a := range attrs {
		base, _, _ := strings.Cut(a.DataType, ".")
		switch {
		case name == "" || strings.HasPrefix(strings.ToLower(name), "aws.") || strings.HasPrefix(strings.ToLower(name), "amazon."):
			return invalidParameterValue("The message attribute name %q is reserved or empty.", name)
		case a.StringValue == "":
			return invalidParameterValue("The message attribute '%s' must contain non-empty message attribute value.", name)
		case base == "Number":
			if _, err := strconv.ParseFloat(a.StringValue, 64); err != nil && !arrayType(a.DataType) {
				return invalidParameterValue("The message attribute '%s' has an invalid numeric value '%s'.", name, a.StringValue)
			}
		case base != "String" && base != "Binary":
			return invalidParameterValue("The message attribute '%s' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.", name)
		}
	}
	return nil
}

func checkSubject(subject string) error {
	if len(subject) > 100 {
		return invalidParameter("Subject must be less than 100 characters long")
	}
	for _, r := range subject {
		if r > unicode.MaxASCII || unicode.IsControl(r) {
			return invalidParameter("Subject must be ASCII text without line breaks or control characters")
		}
	}
	return nil
}

// publishMessage validates, records the message in the topic's inbox and
// delivers it to the subscriptions whose filter policy accepts it.
func (s *Service) publishMessage(topicARN, subject, message, structure string, attrs map[string]bus.MessageAttribute) (string, error) {
	if message == "" {
		return "", invalidParameter("Empty message")
	}
	if err := checkSubject(subject); err != nil {
		return "", err
	}
	if err := checkAttributes(attrs); err != nil {
		return "", err
	}
	size := len(message)
	for name, a := range attrs {
		size += len(name) + len(a.DataType) + len(a.StringValue)
	}
	if size > maxMessageBytes {
		return "", invalidParameter("Message too long")
	}
	msg := Message{
		MessageID: uuid.New(), TopicARN: topicARN, Subject: subject, Message: message,
		Timestamp: s.opts.Clock.Now().UTC(),
	}
	if len(attrs) > 0 {
		msg.Attributes = map[string]Attribute{}
		for name, a := range attrs {
			msg.Attributes[name] = Attribute{DataType: a.DataType, StringValue: a.StringValue}
		}
	}
	perProtocol := map[string]string{}
	if structure == "json" {
		var raw map[string]any
		if err := json.Unmarshal([]byte(message), &raw); err != nil {
			return "", invalidParameter("Message Structure - JSON message body failed to parse")
		}
		for k, v := range raw {
			if text, ok := v.(string); ok {
				perProtocol[k] = text
			}
		}
		if _, ok := perProtocol["default"]; !ok {
			return "", invalidParameter("Message Structure - No default entry in JSON message body")
		}
		msg.Message = perProtocol["default"]
	}

	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return "", errClosed
	}
	t, err := s.topicLocked(topicARN)
	if err != nil {
		s.mu.Unlock()
		return "", err
	}
	var deliveries []*subscription
	for _, sub := range t.Subscriptions {
		if !sub.accepts(msg) {
			continue
		}
		msg.DeliveredTo = append(msg.DeliveredTo, sub.ARN)
		if !sub.Pending && (sub.Protocol == "http" || sub.Protocol == "https") {
			deliveries = append(deliveries, sub)
		}
	}
	t.Inbox = append(t.Inbox, msg)
	if over := len(t.Inbox) - s.opts.InboxLimit; over > 0 {
		t.Inbox = append([]Message(nil), t.Inbox[over:]...)
	}
	err = s.saveLocked()
	if err == nil {
		// Counted under the lock, so that Close, which waits for them,
		// knows of every delivery it did not refuse.
		s.inflight.Add(len(deliveries))
	}
	s.mu.Unlock()
	if err != nil {
		return "", err
	}

	for _, sub := range deliveries {
		body := msg.Message
		if text, ok := perProtocol[sub.Protocol]; ok {
			body = text
		}
		go func() {
			defer s.inflight.Done()
			s.post(sub.ARN, sub.Endpoint, sub.Attributes["RawMessageDelivery"] == "true", msg, body)
		}()
	}
	return msg.MessageID, nil
}

// accepts applies the subscription's filter policy to the message's
// attributes or, with FilterPolicyScope MessageBody, to its JSON body.
func (sub *subscription) accepts(msg Message) bool {
	if sub.filter == nil {
		return true
	}
	if sub.Attributes["FilterPolicyScope"] == "MessageBody" {
		body, ok := bodyDocument(msg.Message)
		return ok && sub.filter.Match(body)
	}
	doc, ok := attributeDocument(msg.Attributes)
	return ok && sub.filter.Match(doc)
}

// bodyDocument reads a message body for a MessageBody filter policy. A body
// that is not a JSON object is turned away by every such policy, even one
// of absent fields only: AWS counts these messages in
// NumberOfNotificationsFilteredOut-InvalidMessageBody. As with a String.Array
// attribute, what follows the object is ignored.
func bodyDocument(message string) (map[string]any, bool) {
	dec := json.NewDecoder(strings.NewReader(message))
	dec.UseNumber()
	var body map[string]any
	err := dec.Decode(&body)
	return body, err == nil && body != nil
}

// attributeDocument is the document a MessageAttributes filter policy is
// matched against: a String attribute is a string, a Number attribute a
// number and a String.Array or Number.Array attribute the values of its
// JSON array (AWS's numeric matching documents a Number.Array attribute
// "[100, 50]"). Binary attributes take no part.
//
// SNS publishes a message whose array attribute is not a JSON array, but
// every subscription that filters on message attributes turns it away (AWS
// counts these in NumberOfNotificationsFilteredOut-InvalidAttributes); ok
// is false for such a message.
//
// AWS documents that a policy must double-escape a double quote or a
// backslash to match it in a String attribute ("Filter policy constraints
// in Amazon SNS"): SNS writes the attribute's value into the document as
// JSON text, so the policy meets the value with those characters escaped.
func attributeDocument(attrs map[string]Attribute) (doc map[string]any, ok bool) {
	doc = map[string]any{}
	for name, a := range attrs {
		switch {
		case arrayType(a.DataType):
			list, valid := jsonArray(a.StringValue)
			if !valid {
				return nil, false
			}
			doc[name] = list
		case strings.HasPrefix(a.DataType, "Number"):
			if _, err := strconv.ParseFloat(a.StringValue, 64); err == nil {
				doc[name] = json.Number(a.StringValue)
			}
		case strings.HasPrefix(a.DataType, "String"):
			doc[name] = jsonEscaper.Replace(a.StringValue)
		}
	}
	return doc, true
}

// arrayType reports whether an attribute's value is a JSON array of values.
func arrayType(dataType string) bool {
	return dataType == "String.Array" || dataType == "Number.Array"
}

// jsonArray reads an array attribute's value, which must be a JSON
// array. What follows the array is ignored, as AWS's JSON parser ignores
// what follows a document's first value.
func jsonArray(text string) ([]any, bool) {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var list []any
	err := dec.Decode(&list)
	return list, err == nil && list != nil
}

// jsonEscaper escapes what SNS escapes in a String attribute's value.
var jsonEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`)

// envelope is the JSON document SNS posts to HTTP endpoints. The local
// cloud has no signing certificate, so it is not signed.
type envelope struct {
	Type              string                       `json:"Type"`
	MessageID         string                       `json:"MessageId"`
	TopicArn          string                       `json:"TopicArn"`
	Subject           string                       `json:"Subject,omitempty"`
	Message           string                       `json:"Message"`
	Timestamp         string                       `json:"Timestamp"`
	SignatureVersion  string                       `json:"SignatureVersion"`
	UnsubscribeURL    string                       `json:"UnsubscribeURL"`
	MessageAttributes map[string]envelopeAttribute `json:"MessageAttributes,omitempty"`
}

type envelopeAttribute struct {
	Type  string `json:"Type"`
	Value string `json:"Value"`
}

// Envelope returns the SNS notification document for a message, as posted
// to HTTP subscriptions.
func Envelope(msg Message, subscriptionARN, body string) ([]byte, error) {
	env := envelope{
		Type: "Notification", MessageID: msg.MessageID, TopicArn: msg.TopicARN, Subject: msg.Subject, Message: body,
		Timestamp: msg.Timestamp.Format("2006-01-02T15:04:05.000Z"), SignatureVersion: "1",
		UnsubscribeURL: "?Action=Unsubscribe&SubscriptionArn=" + url.QueryEscape(subscriptionARN),
	}
	if len(msg.Attributes) > 0 {
		env.MessageAttributes = map[string]envelopeAttribute{}
		for name, a := range msg.Attributes {
			env.MessageAttributes[name] = envelopeAttribute{Type: a.DataType, Value: a.StringValue}
		}
	}
	return json.Marshal(env)
}

// postAttempts bounds the retries of an endpoint that fails.
const postAttempts = 3

func (s *Service) post(subscriptionARN, endpoint string, raw bool, msg Message, body string) {
	payload := []byte(body)
	if !raw {
		var err error
		if payload, err = Envelope(msg, subscriptionARN, body); err != nil {
			s.opts.Logger.Error("encode notification", "subscription", subscriptionARN, "err", err)
			return
		}
	}
	for attempt := 1; ; attempt++ {
		err := s.postOnce(endpoint, subscriptionARN, raw, msg, payload)
		if err == nil {
			return
		}
		if attempt == postAttempts {
			s.opts.Logger.Error("deliver message", "subscription", subscriptionARN, "endpoint", endpoint, "message", msg.MessageID, "err", err)
			return
		}
		select {
		case <-s.opts.Clock.After(time.Duration(attempt) * 200 * time.Millisecond):
		case <-s.ctx.Done():
			return
		}
	}
}

func (s *Service) postOnce(endpoint, subscriptionARN string, raw bool, msg Message, payload []byte) error {
	req, err := http.NewRequestWithContext(s.ctx, http.MethodPost, endpoint, bytes.NewReader(payload))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "text/plain; charset=UTF-8")
	req.Header.Set("User-Agent", "Amazon Simple Notification Service Agent")
	req.Header.Set("x-amz-sns-message-type", "Notification")
	req.Header.Set("x-amz-sns-message-id", msg.MessageID)
	req.Header.Set("x-amz-sns-topic-arn", msg.TopicARN)
	req.Header.Set("x-amz-sns-subscription-arn", subscriptionARN)
	if raw {
		req.Header.Set("x-amz-sns-rawdelivery", "true")
	}
	resp, err := s.opts.HTTPClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("endpoint answered %s", resp.Status)
	}
	return nil
}

// InboxHandler serves the inboxes as JSON: GET ?topic=<ARN or name> returns
// {"topicArn": ..., "messages": [...]} (oldest first); without topic it
// returns every topic's inbox as {"topics": {<ARN>: [...]}}.
func (s *Service) InboxHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Method != http.MethodGet {
			w.WriteHeader(http.StatusMethodNotAllowed)
			json.NewEncoder(w).Encode(map[string]string{"error": "use GET"})
			return
		}
		arn := r.URL.Query().Get("topic")
		if arn == "" {
			s.mu.Lock()
			all := map[string][]Message{}
			for _, t := range s.topics {
				all[t.ARN] = append([]Message{}, t.Inbox...)
			}
			s.mu.Unlock()
			json.NewEncoder(w).Encode(map[string]any{"topics": all})
			return
		}
		if !strings.HasPrefix(arn, "arn:") {
			arn = TopicARN(arn)
		}
		s.mu.Lock()
		t := s.topics[arn]
		var messages []Message
		if t != nil {
			messages = append([]Message{}, t.Inbox...)
		}
		s.mu.Unlock()
		if t == nil {
			w.WriteHeader(http.StatusNotFound)
			json.NewEncoder(w).Encode(map[string]string{"error": "topic " + arn + " does not exist"})
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"topicArn": arn, "messages": messages})
	})
}
