package sns

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/greenlight/greenlight/localcloud/events/pattern"
	"github.com/greenlight/greenlight/localcloud/internal/awserr"
	"github.com/greenlight/greenlight/localcloud/internal/uuid"
)

const xmlns = "http://sns.amazonaws.com/doc/2010-03-31/"

func invalidParameter(format string, args ...any) error {
	return awserr.New("InvalidParameter", http.StatusBadRequest, "Invalid parameter: "+fmt.Sprintf(format, args...))
}

func invalidParameterValue(format string, args ...any) error {
	return awserr.Errorf("InvalidParameterValue", http.StatusBadRequest, format, args...)
}

func notFound(what string) error {
	return awserr.New("NotFound", http.StatusNotFound, what+" does not exist")
}

type handler func(r *http.Request, form url.Values) (any, error)

func (s *Service) actions() map[string]handler {
	return map[string]handler{
		"CreateTopic":               s.createTopic,
		"DeleteTopic":               s.deleteTopic,
		"ListTopics":                s.listTopics,
		"GetTopicAttributes":        s.getTopicAttributes,
		"SetTopicAttributes":        s.setTopicAttributes,
		"Subscribe":                 s.subscribe,
		"Unsubscribe":               s.unsubscribe,
		"ListSubscriptions":         s.listSubscriptions,
		"ListSubscriptionsByTopic":  s.listSubscriptions,
		"GetSubscriptionAttributes": s.getSubscriptionAttributes,
		"SetSubscriptionAttributes": s.setSubscriptionAttributes,
		"Publish":                   s.publish,
	}
}

// resource names what an action is about, for fault rules.
func resource(form url.Values) string {
	for _, name := range []string{"TopicArn", "SubscriptionArn", "TargetArn", "Name"} {
		if v := form.Get(name); v != "" {
			return v
		}
	}
	return ""
}

// ServeHTTP answers one query-protocol request.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	requestID := uuid.New()
	if err := r.ParseForm(); err != nil {
		writeError(w, requestID, awserr.New("MalformedQueryString", http.StatusBadRequest, err.Error()))
		return
	}
	action := r.Form.Get("Action")
	h, ok := s.actions()[action]
	if !ok {
		writeError(w, requestID, awserr.Errorf("InvalidAction", http.StatusBadRequest, "The action %q is not valid for this endpoint.", action))
		return
	}
	if err := s.opts.Faults.Check(r.Context(), signingName, action, resource(r.Form)); err != nil {
		writeError(w, requestID, err)
		return
	}
	result, err := h(r, r.Form)
	if err != nil {
		writeError(w, requestID, err)
		return
	}
	resp := struct {
		XMLName   xml.Name
		Xmlns     string `xml:"xmlns,attr"`
		Result    any
		RequestID string `xml:"ResponseMetadata>RequestId"`
	}{XMLName: xml.Name{Local: action + "Response"}, Xmlns: xmlns, Result: result, RequestID: requestID}
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("X-Amzn-RequestId", requestID)
	fmt.Fprint(w, xml.Header)
	_ = xml.NewEncoder(w).Encode(resp)
}

func writeError(w http.ResponseWriter, requestID string, err error) {
	ae, ok := awserr.As(err)
	if !ok {
		ae = awserr.New("InternalError", http.StatusInternalServerError, err.Error())
	}
	side := "Sender"
	if ae.ServerSide() {
		side = "Receiver"
	}
	doc := struct {
		XMLName   xml.Name `xml:"ErrorResponse"`
		Xmlns     string   `xml:"xmlns,attr"`
		Type      string   `xml:"Error>Type"`
		Code      string   `xml:"Error>Code"`
		Message   string   `xml:"Error>Message"`
		RequestID string   `xml:"RequestId"`
	}{Xmlns: xmlns, Type: side, Code: ae.Code, Message: ae.Message, RequestID: requestID}
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("X-Amzn-RequestId", requestID)
	w.WriteHeader(ae.Status)
	fmt.Fprint(w, xml.Header)
	_ = xml.NewEncoder(w).Encode(doc)
}

// entries reads a query map such as Attributes.entry.N.key / .value.
func entries(form url.Values, prefix, key, value string) map[string]string {
	out := map[string]string{}
	for i := 1; ; i++ {
		k, ok := form[fmt.Sprintf("%s.%d.%s", prefix, i, key)]
		if !ok {
			return out
		}
		out[k[0]] = form.Get(fmt.Sprintf("%s.%d.%s", prefix, i, value))
	}
}

type entry struct {
	Key   string `xml:"key"`
	Value string `xml:"value"`
}

func attributeEntries(m map[string]string) []entry {
	out := make([]entry, 0, len(m))
	for k, v := range m {
		out = append(out, entry{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

var topicName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}(\.fifo)?$`)

// topicAttributes are the topic attributes a caller may set.
var topicAttributes = map[string]bool{
	"Policy": true, "DisplayName": true, "DeliveryPolicy": true, "KmsMasterKeyId": true, "TracingConfig": true,
	"SignatureVersion": true, "FifoTopic": true, "ContentBasedDeduplication": true, "ArchivePolicy": true,
	"DataProtectionPolicy": true, "FifoThroughputScope": true,
	"HTTPSuccessFeedbackRoleArn": true, "HTTPFailureFeedbackRoleArn": true, "HTTPSuccessFeedbackSampleRate": true,
	"LambdaSuccessFeedbackRoleArn": true, "LambdaFailureFeedbackRoleArn": true, "LambdaSuccessFeedbackSampleRate": true,
	"SQSSuccessFeedbackRoleArn": true, "SQSFailureFeedbackRoleArn": true, "SQSSuccessFeedbackSampleRate": true,
}

func checkTopicAttribute(name, value string) error {
	if !topicAttributes[name] {
		return invalidParameter("AttributeName")
	}
	if (name == "Policy" || name == "DeliveryPolicy" || name == "DataProtectionPolicy") && value != "" && !json.Valid([]byte(value)) {
		return invalidParameter("%s: the policy is not valid JSON", name)
	}
	return nil
}

func (s *Service) createTopic(_ *http.Request, form url.Values) (any, error) {
	name := form.Get("Name")
	if !topicName.MatchString(name) {
		return nil, invalidParameter("Topic Name")
	}
	attrs := entries(form, "Attributes.entry", "key", "value")
	for k, v := range attrs {
		if err := checkTopicAttribute(k, v); err != nil {
			return nil, err
		}
	}
	arn := TopicARN(name)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.topics[arn] == nil {
		s.topics[arn] = &topic{ARN: arn, Attributes: attrs}
		if err := s.saveLocked(); err != nil {
			return nil, err
		}
	}
	return &struct {
		XMLName  xml.Name `xml:"CreateTopicResult"`
		TopicArn string
	}{TopicArn: arn}, nil
}

// topicLocked finds a topic; the caller holds s.mu.
func (s *Service) topicLocked(arn string) (*topic, error) {
	t := s.topics[arn]
	if t == nil {
		return nil, notFound("Topic")
	}
	return t, nil
}

func (s *Service) deleteTopic(_ *http.Request, form url.Values) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.topics, form.Get("TopicArn")) // deleting a deleted topic succeeds, as on AWS
	return nil, s.saveLocked()
}

func (s *Service) listTopics(_ *http.Request, form url.Values) (any, error) {
	type member struct{ TopicArn string }
	out := &struct {
		XMLName   xml.Name `xml:"ListTopicsResult"`
		Topics    []member `xml:"Topics>member"`
		NextToken string   `xml:",omitempty"`
	}{}
	s.mu.Lock()
	defer s.mu.Unlock()
	after := form.Get("NextToken")
	for _, t := range s.sortedTopicsLocked() {
		if t.ARN <= after {
			continue
		}
		if len(out.Topics) == 100 {
			out.NextToken = out.Topics[len(out.Topics)-1].TopicArn
			break
		}
		out.Topics = append(out.Topics, member{t.ARN})
	}
	return out, nil
}

func (s *Service) getTopicAttributes(_ *http.Request, form url.Values) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.topicLocked(form.Get("TopicArn"))
	if err != nil {
		return nil, err
	}
	confirmed, pending := 0, 0
	for _, sub := range t.Subscriptions {
		if sub.Pending {
			pending++
		} else {
			confirmed++
		}
	}
	attrs := map[string]string{
		"TopicArn":                t.ARN,
		"Owner":                   accountOf(t.ARN),
		"DisplayName":             "",
		"SubscriptionsConfirmed":  strconv.Itoa(confirmed),
		"SubscriptionsPending":    strconv.Itoa(pending),
		"SubscriptionsDeleted":    "0",
		"Policy":                  defaultPolicy(t.ARN),
		"EffectiveDeliveryPolicy": `{"http":{"defaultHealthyRetryPolicy":{"minDelayTarget":20,"maxDelayTarget":20,"numRetries":3,"numMaxDelayRetries":0,"numNoDelayRetries":0,"numMinDelayRetries":0,"backoffFunction":"linear"},"disableSubscriptionOverrides":false}}`,
	}
	for k, v := range t.Attributes {
		attrs[k] = v
	}
	return &struct {
		XMLName    xml.Name `xml:"GetTopicAttributesResult"`
		Attributes []entry  `xml:"Attributes>entry"`
	}{Attributes: attributeEntries(attrs)}, nil
}

func accountOf(arn string) string {
	parts := strings.Split(arn, ":")
	if len(parts) < 5 {
		return ""
	}
	return parts[4]
}

func defaultPolicy(arn string) string {
	return `{"Version":"2008-10-17","Id":"__default_policy_ID","Statement":[{"Sid":"__default_statement_ID","Effect":"Allow",` +
		`"Principal":{"AWS":"*"},"Action":["SNS:Publish","SNS:Subscribe","SNS:GetTopicAttributes"],"Resource":"` + arn + `",` +
		`"Condition":{"StringEquals":{"AWS:SourceOwner":"` + accountOf(arn) + `"}}}]}`
}

func (s *Service) setTopicAttributes(_ *http.Request, form url.Values) (any, error) {
	name, value := form.Get("AttributeName"), form.Get("AttributeValue")
	if err := checkTopicAttribute(name, value); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.topicLocked(form.Get("TopicArn"))
	if err != nil {
		return nil, err
	}
	if t.Attributes == nil {
		t.Attributes = map[string]string{}
	}
	t.Attributes[name] = value
	return nil, s.saveLocked()
}

// protocols says how each subscription protocol's endpoint must look.
var protocols = map[string]func(endpoint string) bool{
	"http":        func(e string) bool { return strings.HasPrefix(e, "http://") },
	"https":       func(e string) bool { return strings.HasPrefix(e, "https://") },
	"email":       func(e string) bool { return strings.Contains(e, "@") },
	"email-json":  func(e string) bool { return strings.Contains(e, "@") },
	"sms":         func(e string) bool { return e != "" },
	"sqs":         func(e string) bool { return strings.HasPrefix(e, "arn:aws:sqs:") },
	"lambda":      func(e string) bool { return strings.HasPrefix(e, "arn:aws:lambda:") },
	"firehose":    func(e string) bool { return strings.HasPrefix(e, "arn:aws:firehose:") },
	"application": func(e string) bool { return strings.HasPrefix(e, "arn:aws:sns:") },
	"local":       func(e string) bool { return true },
}

// subscriptionAttributes are the subscription attributes a caller may set.
var subscriptionAttributes = map[string]bool{
	"FilterPolicy": true, "FilterPolicyScope": true, "RawMessageDelivery": true, "DeliveryPolicy": true,
	"RedrivePolicy": true, "SubscriptionRoleArn": true, "ReplayPolicy": true,
}

// checkSubscriptionAttribute checks a subscription attribute a caller sets.
// Subscribe words a bad value's reason "Attributes Reason: …", as it does
// for a bad filter policy; SetSubscriptionAttributes gives the reason alone.
func checkSubscriptionAttribute(name, value string, subscribe bool) error {
	reason := ""
	switch {
	case !subscriptionAttributes[name]:
		return invalidParameter("AttributeName")
	case name == "FilterPolicyScope" && value != "MessageAttributes" && value != "MessageBody":
		reason = fmt.Sprintf("FilterPolicyScope: Invalid value [%s]. Please use either MessageBody or MessageAttributes", value)
	case name == "RawMessageDelivery" && value != "true" && value != "false":
		reason = fmt.Sprintf("RawMessageDelivery: Invalid value [%s]. Must be true or false.", value)
	default:
		return nil
	}
	if subscribe {
		return invalidParameter("Attributes Reason: %s", reason)
	}
	return invalidParameter("%s", reason)
}

// policyScope is the scope a subscription's filter policy applies to.
func policyScope(attrs map[string]string) pattern.Scope {
	if attrs["FilterPolicyScope"] == string(pattern.MessageBody) {
		return pattern.MessageBody
	}
	return pattern.MessageAttributes
}

// compileFilter compiles the subscription's filter policy for its scope.
// Its error is SNS's InvalidParameter; Subscribe words the reason
// differently from SetSubscriptionAttributes.
func (sub *subscription) compileFilter(subscribe bool) error {
	sub.filter = nil
	p := sub.Attributes["FilterPolicy"]
	if p == "" {
		return nil
	}
	f, err := pattern.CompilePolicy([]byte(p), policyScope(sub.Attributes))
	if err != nil {
		var perr *pattern.Error
		if !errors.As(err, &perr) {
			return err
		}
		if subscribe {
			return invalidParameter("Attributes Reason: %s", perr.Reason)
		}
		return invalidParameter("%s", perr.Reason)
	}
	sub.filter = f
	return nil
}

type subscriptionMember struct {
	SubscriptionArn string
	Owner           string
	Protocol        string
	Endpoint        string
	TopicArn        string
}

func (sub *subscription) member(topicARN string) subscriptionMember {
	arn := sub.ARN
	if sub.Pending {
		arn = "PendingConfirmation"
	}
	return subscriptionMember{SubscriptionArn: arn, Owner: accountOf(topicARN), Protocol: sub.Protocol, Endpoint: sub.Endpoint, TopicArn: topicARN}
}

func (s *Service) subscribe(_ *http.Request, form url.Values) (any, error) {
	protocol, endpoint := form.Get("Protocol"), form.Get("Endpoint")
	valid, ok := protocols[protocol]
	if !ok {
		return nil, invalidParameter("Invalid protocol type: %s", protocol)
	}
	if !valid(endpoint) {
		return nil, invalidParameter("Invalid parameter: Endpoint %q for protocol %s", endpoint, protocol)
	}
	attrs := entries(form, "Attributes.entry", "key", "value")
	for k, v := range attrs {
		if err := checkSubscriptionAttribute(k, v, true); err != nil {
			return nil, err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.topicLocked(form.Get("TopicArn"))
	if err != nil {
		return nil, err
	}
	var sub *subscription
	for _, existing := range t.Subscriptions {
		if existing.Protocol == protocol && existing.Endpoint == endpoint {
			sub = existing
		}
	}
	if sub == nil {
		sub = &subscription{
			ARN: t.ARN + ":" + uuid.New(), Protocol: protocol, Endpoint: endpoint,
			// Email needs a person to confirm; nothing here can, so it stays
			// pending and its messages are read from the inbox.
			Pending: protocol == "email" || protocol == "email-json",
		}
		t.Subscriptions = append(t.Subscriptions, sub)
	}
	if len(attrs) > 0 {
		candidate := &subscription{Attributes: attrs}
		if err := candidate.compileFilter(true); err != nil {
			return nil, err
		}
		sub.Attributes, sub.filter = attrs, candidate.filter
	}
	if err := s.saveLocked(); err != nil {
		return nil, err
	}
	arn := sub.ARN
	if sub.Pending && form.Get("ReturnSubscriptionArn") != "true" {
		arn = "pending confirmation"
	}
	return &struct {
		XMLName         xml.Name `xml:"SubscribeResult"`
		SubscriptionArn string
	}{SubscriptionArn: arn}, nil
}

// subscriptionLocked finds a subscription and its topic; the caller holds s.mu.
func (s *Service) subscriptionLocked(arn string) (*topic, *subscription, error) {
	for _, t := range s.topics {
		for _, sub := range t.Subscriptions {
			if sub.ARN == arn {
				return t, sub, nil
			}
		}
	}
	return nil, nil, notFound("Subscription")
}

func (s *Service) unsubscribe(_ *http.Request, form url.Values) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, sub, err := s.subscriptionLocked(form.Get("SubscriptionArn"))
	if err != nil {
		return nil, err
	}
	kept := t.Subscriptions[:0]
	for _, other := range t.Subscriptions {
		if other != sub {
			kept = append(kept, other)
		}
	}
	t.Subscriptions = kept
	return nil, s.saveLocked()
}

func (s *Service) listSubscriptions(_ *http.Request, form url.Values) (any, error) {
	byTopic := form.Get("Action") == "ListSubscriptionsByTopic"
	s.mu.Lock()
	defer s.mu.Unlock()
	topics := s.sortedTopicsLocked()
	if byTopic {
		t, err := s.topicLocked(form.Get("TopicArn"))
		if err != nil {
			return nil, err
		}
		topics = []*topic{t}
	}
	var members []subscriptionMember
	for _, t := range topics {
		for _, sub := range t.Subscriptions {
			members = append(members, sub.member(t.ARN))
		}
	}
	name := "ListSubscriptionsResult"
	if byTopic {
		name = "ListSubscriptionsByTopicResult"
	}
	return &struct {
		XMLName       xml.Name
		Subscriptions []subscriptionMember `xml:"Subscriptions>member"`
	}{XMLName: xml.Name{Local: name}, Subscriptions: members}, nil
}

func (s *Service) getSubscriptionAttributes(_ *http.Request, form url.Values) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, sub, err := s.subscriptionLocked(form.Get("SubscriptionArn"))
	if err != nil {
		return nil, err
	}
	attrs := map[string]string{
		"SubscriptionArn":              sub.ARN,
		"TopicArn":                     t.ARN,
		"Owner":                        accountOf(t.ARN),
		"Protocol":                     sub.Protocol,
		"Endpoint":                     sub.Endpoint,
		"PendingConfirmation":          strconv.FormatBool(sub.Pending),
		"ConfirmationWasAuthenticated": strconv.FormatBool(!sub.Pending),
		"RawMessageDelivery":           "false",
	}
	for k, v := range sub.Attributes {
		attrs[k] = v
	}
	if attrs["FilterPolicy"] != "" && attrs["FilterPolicyScope"] == "" {
		attrs["FilterPolicyScope"] = "MessageAttributes"
	}
	return &struct {
		XMLName    xml.Name `xml:"GetSubscriptionAttributesResult"`
		Attributes []entry  `xml:"Attributes>entry"`
	}{Attributes: attributeEntries(attrs)}, nil
}

func (s *Service) setSubscriptionAttributes(_ *http.Request, form url.Values) (any, error) {
	name, value := form.Get("AttributeName"), form.Get("AttributeValue")
	if err := checkSubscriptionAttribute(name, value, false); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, sub, err := s.subscriptionLocked(form.Get("SubscriptionArn"))
	if err != nil {
		return nil, err
	}
	attrs := map[string]string{}
	for k, v := range sub.Attributes {
		attrs[k] = v
	}
	if value == "" {
		delete(attrs, name)
	} else {
		attrs[name] = value
	}
	candidate := &subscription{Attributes: attrs}
	if err := candidate.compileFilter(false); err != nil {
		return nil, err
	}
	sub.Attributes, sub.filter = attrs, candidate.filter
	return nil, s.saveLocked()
}
