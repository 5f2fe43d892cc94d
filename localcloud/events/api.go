package events

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"sort"
	"strings"

	"github.com/greenlight/greenlight/localcloud/events/pattern"
	"github.com/greenlight/greenlight/localcloud/internal/awserr"
)

type handler func(ctx context.Context, op string, body []byte) (any, error)

func (s *Service) operations() map[string]handler {
	return map[string]handler{
		"PutRule":           s.putRule,
		"DescribeRule":      s.describeRule,
		"ListRules":         s.listRules,
		"DeleteRule":        s.deleteRule,
		"EnableRule":        s.setRuleState,
		"DisableRule":       s.setRuleState,
		"PutTargets":        s.putTargets,
		"ListTargetsByRule": s.listTargetsByRule,
		"RemoveTargets":     s.removeTargets,
		"PutEvents":         s.putEvents,
		"DescribeEventBus":  s.describeEventBus,
		"TestEventPattern":  s.testEventPattern,
	}
}

// decode reads a request into v, rejecting what is not JSON.
func decode(body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		return awserr.New("SerializationException", http.StatusBadRequest, "the request is not valid JSON: "+err.Error())
	}
	return nil
}

var ruleName = regexp.MustCompile(`^[.\-_A-Za-z0-9]{1,64}$`)

func checkRuleName(name string) error {
	if !ruleName.MatchString(name) {
		return validation("1 validation error detected: Value '%s' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+ and length 1-64", name)
	}
	return nil
}

// request is the input of an operation on the default bus.
type request interface {
	// scope returns the resource that fault rules match and the event bus
	// the request names.
	scope() (resource, eventBus string)
}

// accept decodes body into in, applies the fault rules for op and checks
// that in names the default bus.
func (s *Service) accept(ctx context.Context, op string, body []byte, in request) error {
	if err := decode(body, in); err != nil {
		return err
	}
	resource, eventBus := in.scope()
	if err := s.opts.Faults.Check(ctx, signingName, op, resource); err != nil {
		return err
	}
	return checkBus(eventBus)
}

// checkBus accepts the default bus by name or ARN.
func checkBus(name string) error {
	if name == "" || name == DefaultBus || name == busARN() {
		return nil
	}
	return notFound("Event bus %s does not exist.", name)
}

var scheduleExpression = regexp.MustCompile(`^(rate\(\d+ (minute|minutes|hour|hours|day|days)\)|cron\(\S+ \S+ \S+ \S+ \S+ \S+\))$`)

type putRuleInput struct {
	Name               string
	EventPattern       string
	ScheduleExpression string
	State              string
	Description        string
	RoleArn            string
	EventBusName       string
}

func (s *Service) putRule(ctx context.Context, op string, body []byte) (any, error) {
	var in putRuleInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := s.opts.Faults.Check(ctx, signingName, op, in.Name); err != nil {
		return nil, err
	}
	if err := checkRuleName(in.Name); err != nil {
		return nil, err
	}
	if err := checkBus(in.EventBusName); err != nil {
		return nil, err
	}
	if in.EventPattern == "" && in.ScheduleExpression == "" {
		return nil, validation("Parameter(s) EventPattern or ScheduleExpression must be specified.")
	}
	if in.ScheduleExpression != "" && !scheduleExpression.MatchString(in.ScheduleExpression) {
		return nil, validation("Parameter ScheduleExpression is not valid.")
	}
	switch in.State {
	case "":
		in.State = "ENABLED"
	case "ENABLED", "DISABLED", "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS":
	default:
		return nil, validation("1 validation error detected: Value '%s' at 'state' failed to satisfy constraint: Member must satisfy enum value set: [ENABLED, DISABLED, ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS]", in.State)
	}
	var compiled *pattern.Pattern
	if in.EventPattern != "" {
		var err error
		if compiled, err = pattern.Compile([]byte(in.EventPattern)); err != nil {
			return nil, awserr.New("InvalidEventPatternException", http.StatusBadRequest, err.Error())
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.rules[in.Name]
	if r == nil {
		r = &rule{Name: in.Name}
		s.rules[in.Name] = r
	}
	r.EventPattern, r.ScheduleExpression, r.State = in.EventPattern, in.ScheduleExpression, in.State
	r.Description, r.RoleArn, r.compiled = in.Description, in.RoleArn, compiled
	if err := s.saveLocked(); err != nil {
		return nil, err
	}
	return map[string]string{"RuleArn": ruleARN(in.Name)}, nil
}

type ruleInput struct {
	Name         string
	EventBusName string
	Force        bool
}

func (in *ruleInput) scope() (string, string) { return in.Name, in.EventBusName }

// ruleLocked finds a rule; the caller holds s.mu.
func (s *Service) ruleLocked(name string) (*rule, error) {
	r := s.rules[name]
	if r == nil {
		return nil, notFound("Rule %s does not exist on EventBus %s.", name, DefaultBus)
	}
	return r, nil
}

type ruleOutput struct {
	Name               string
	Arn                string
	EventPattern       string `json:",omitempty"`
	ScheduleExpression string `json:",omitempty"`
	State              string
	Description        string `json:",omitempty"`
	RoleArn            string `json:",omitempty"`
	EventBusName       string
	CreatedBy          string `json:",omitempty"`
}

func (r *rule) output() ruleOutput {
	return ruleOutput{
		Name: r.Name, Arn: ruleARN(r.Name), EventPattern: r.EventPattern, ScheduleExpression: r.ScheduleExpression,
		State: r.State, Description: r.Description, RoleArn: r.RoleArn, EventBusName: DefaultBus,
	}
}

func (s *Service) describeRule(ctx context.Context, op string, body []byte) (any, error) {
	var in ruleInput
	if err := s.accept(ctx, op, body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.ruleLocked(in.Name)
	if err != nil {
		return nil, err
	}
	out := r.output()
	out.CreatedBy = "000000000000"
	return out, nil
}

type listRulesInput struct {
	NamePrefix   string
	EventBusName string
	NextToken    string
	Limit        int
}

func (in *listRulesInput) scope() (string, string) { return in.NamePrefix, in.EventBusName }

func (s *Service) listRules(ctx context.Context, op string, body []byte) (any, error) {
	var in listRulesInput
	if err := s.accept(ctx, op, body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	var names []string
	for name := range s.rules {
		if strings.HasPrefix(name, in.NamePrefix) && name > in.NextToken {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	out := struct {
		Rules     []ruleOutput
		NextToken string `json:",omitempty"`
	}{Rules: []ruleOutput{}}
	for _, name := range names {
		if in.Limit > 0 && len(out.Rules) == in.Limit {
			out.NextToken = out.Rules[len(out.Rules)-1].Name
			break
		}
		out.Rules = append(out.Rules, s.rules[name].output())
	}
	s.mu.Unlock()
	return out, nil
}

func (s *Service) deleteRule(ctx context.Context, op string, body []byte) (any, error) {
	var in ruleInput
	if err := s.accept(ctx, op, body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.rules[in.Name]
	if r == nil {
		return struct{}{}, nil // deleting a rule that is gone succeeds, as on AWS
	}
	if len(r.Targets) > 0 && !in.Force {
		return nil, validation("Rule can't be deleted since it has targets.")
	}
	delete(s.rules, in.Name)
	return struct{}{}, s.saveLocked()
}

func (s *Service) setRuleState(ctx context.Context, op string, body []byte) (any, error) {
	var in ruleInput
	if err := s.accept(ctx, op, body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.ruleLocked(in.Name)
	if err != nil {
		return nil, err
	}
	r.State = "ENABLED"
	if op == "DisableRule" {
		r.State = "DISABLED"
	}
	return struct{}{}, s.saveLocked()
}

type putTargetsInput struct {
	Rule         string
	EventBusName string
	Targets      []*Target
}

func (in *putTargetsInput) scope() (string, string) { return in.Rule, in.EventBusName }

type failedEntry struct {
	TargetID     string `json:"TargetId"`
	ErrorCode    string
	ErrorMessage string
}

type targetsOutput struct {
	FailedEntryCount int
	FailedEntries    []failedEntry
}

var targetID = regexp.MustCompile(`^[.\-_A-Za-z0-9]{1,64}$`)

func checkTarget(t *Target) error {
	switch {
	case !targetID.MatchString(t.ID):
		return validation("Target Id %q must match [\\.\\-_A-Za-z0-9]+ and be 1-64 characters long.", t.ID)
	case !strings.HasPrefix(t.Arn, "arn:"):
		return validation("Parameter %s is not valid. Reason: Provided Arn is not in correct format.", t.Arn)
	case countSet(t.Input != "", t.InputPath != "", t.InputTransformer != nil) > 1:
		return validation("Only one of Input, InputPath, or InputTransformer must be provided.")
	case t.Input != "" && !json.Valid([]byte(t.Input)):
		return validation("Input for target %s is not valid JSON text.", t.ID)
	case t.InputTransformer != nil && t.InputTransformer.InputTemplate == "":
		return validation("InputTemplate for target %s must be provided.", t.ID)
	}
	for _, path := range inputPaths(t) {
		if _, err := parsePath(path); err != nil {
			return validation("InputPath %q for target %s is not a valid JSONPath: %v", path, t.ID, err)
		}
	}
	return nil
}

func countSet(flags ...bool) int {
	n := 0
	for _, f := range flags {
		if f {
			n++
		}
	}
	return n
}

func inputPaths(t *Target) []string {
	var paths []string
	if t.InputPath != "" {
		paths = append(paths, t.InputPath)
	}
	if t.InputTransformer != nil {
		for _, p := range t.InputTransformer.InputPathsMap {
			paths = append(paths, p)
		}
	}
	return paths
}

func (s *Service) putTargets(ctx context.Context, op string, body []byte) (any, error) {
	var in putTargetsInput
	if err := s.accept(ctx, op, body, &in); err != nil {
		return nil, err
	}
	if len(in.Targets) == 0 || len(in.Targets) > 10 {
		return nil, validation("PutTargets takes 1 to 10 targets, got %d.", len(in.Targets))
	}
	for _, t := range in.Targets {
		if err := checkTarget(t); err != nil {
			return nil, err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.ruleLocked(in.Rule)
	if err != nil {
		return nil, err
	}
	for _, t := range in.Targets {
		replaced := false
		for i, old := range r.Targets {
			if old.ID == t.ID {
				r.Targets[i], replaced = t, true
			}
		}
		if !replaced {
			if len(r.Targets) == 5 {
				return nil, awserr.Errorf("LimitExceededException", http.StatusBadRequest, "The requested resource exceeds the maximum number allowed: rule %s has 5 targets.", r.Name)
			}
			r.Targets = append(r.Targets, t)
		}
	}
	return targetsOutput{FailedEntries: []failedEntry{}}, s.saveLocked()
}

type ruleTargetsInput struct {
	Rule         string
	EventBusName string
	Ids          []string
	Force        bool
}

func (in *ruleTargetsInput) scope() (string, string) { return in.Rule, in.EventBusName }

func (s *Service) listTargetsByRule(ctx context.Context, op string, body []byte) (any, error) {
	var in ruleTargetsInput
	if err := s.accept(ctx, op, body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.ruleLocked(in.Rule)
	if err != nil {
		return nil, err
	}
	return map[string][]*Target{"Targets": append([]*Target{}, r.Targets...)}, nil
}

func (s *Service) removeTargets(ctx context.Context, op string, body []byte) (any, error) {
	var in ruleTargetsInput
	if err := s.accept(ctx, op, body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.ruleLocked(in.Rule)
	if err != nil {
		return nil, err
	}
	out := targetsOutput{FailedEntries: []failedEntry{}}
	for _, id := range in.Ids {
		found := false
		kept := r.Targets[:0]
		for _, t := range r.Targets {
			if t.ID == id {
				found = true
				continue
			}
			kept = append(kept, t)
		}
		r.Targets = kept
		if !found {
			out.FailedEntryCount++
			out.FailedEntries = append(out.FailedEntries, failedEntry{TargetID: id, ErrorCode: "ResourceNotFoundException", ErrorMessage: "Target " + id + " does not exist."})
		}
	}
	return out, s.saveLocked()
}

type eventBusInput struct{ Name string }

func (in *eventBusInput) scope() (string, string) { return in.Name, in.Name }

func (s *Service) describeEventBus(ctx context.Context, op string, body []byte) (any, error) {
	var in eventBusInput
	if err := s.accept(ctx, op, body, &in); err != nil {
		return nil, err
	}
	return map[string]string{"Name": DefaultBus, "Arn": busARN()}, nil
}

type testEventPatternInput struct {
	EventPattern *string
	Event        *string
}

// eventEnvelope are the fields TestEventPattern requires of an event. AWS
// documents resources among them but does not require it.
var eventEnvelope = []string{"id", "account", "source", "time", "region", "detail-type"}

// testEventPattern answers whether a pattern matches an event, with the
// errors EventBridge gives for a pattern it would not accept in a rule.
func (s *Service) testEventPattern(ctx context.Context, op string, body []byte) (any, error) {
	var in testEventPatternInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := s.opts.Faults.Check(ctx, signingName, op, ""); err != nil {
		return nil, err
	}
	switch {
	case in.EventPattern == nil && in.Event == nil:
		return nil, validation("2 validation errors detected: Value null at 'eventPattern' failed to satisfy constraint: Member must not be null; Value null at 'event' failed to satisfy constraint: Member must not be null")
	case in.EventPattern == nil:
		return nil, validation("1 validation error detected: Value null at 'eventPattern' failed to satisfy constraint: Member must not be null")
	case in.Event == nil:
		return nil, validation("1 validation error detected: Value null at 'event' failed to satisfy constraint: Member must not be null")
	}
	compiled, err := pattern.Compile([]byte(*in.EventPattern))
	if err != nil {
		return nil, awserr.New("InvalidEventPatternException", http.StatusBadRequest, err.Error())
	}
	event, ok := decodeEvent(*in.Event)
	if !ok {
		return nil, validation("Parameter Event is not valid.")
	}
	return map[string]bool{"Result": compiled.Match(event)}, nil
}

// decodeEvent reads a TestEventPattern event: a JSON object with the
// envelope fields.
func decodeEvent(text string) (map[string]any, bool) {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var event map[string]any
	if dec.Decode(&event) != nil || event == nil {
		return nil, false
	}
	for _, f := range eventEnvelope {
		if _, ok := event[f]; !ok {
			return nil, false
		}
	}
	return event, true
}
