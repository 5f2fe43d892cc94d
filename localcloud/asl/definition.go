package asl

import (
	"fmt"
	"strings"
	"time"
)

// Machine is a validated state machine definition, ready to run.
type Machine struct {
	program
	// TimeoutSeconds bounds a whole execution; 0 means no limit.
	TimeoutSeconds int64
	// Definition is the JSON text the machine was parsed from.
	Definition string
}

// program is a StartAt and its States: the machine itself, a Parallel
// branch or a Map's item processor.
type program struct {
	StartAt string
	States  map[string]*State
}

// State is one parsed state. Only the fields of its Type are set.
type State struct {
	Name string
	Type string
	Next string
	End  bool

	InputPath, OutputPath, ResultPath *optPath
	Parameters, ResultSelector        *template
	Result                            any
	HasResult                         bool

	// Task
	Resource                               string
	TimeoutSeconds, HeartbeatSeconds       int64
	TimeoutSecondsPath, HeartbeatSecsPath  *Path
	Retry                                  []Retrier
	Catch                                  []Catcher
	hasTimeoutSeconds, hasHeartbeatSeconds bool

	// Choice
	Choices []*ChoiceRule
	Default string

	// Wait
	Seconds       int64
	SecondsPath   *Path
	Timestamp     time.Time
	TimestampPath *Path
	hasSeconds    bool
	hasTimestamp  bool

	// Fail
	Error, Cause         string
	ErrorPath, CausePath *dynString

	// Parallel
	Branches []*program

	// Map
	Processor                      *program
	Distributed                    bool
	ItemsPath                      *Path
	ItemSelector                   *template
	MaxConcurrency                 int64
	MaxConcurrencyPath             *Path
	ToleratedFailureCount          int64
	ToleratedFailurePercentage     float64
	ToleratedFailureCountPath      *Path
	ToleratedFailurePercentagePath *Path
	hasTolCount, hasTolPct         bool
}

// optPath is an InputPath/OutputPath/ResultPath: a path, or null.
type optPath struct {
	null bool
	path *Path
}

// dynString is an ErrorPath or CausePath: a reference path or an intrinsic.
type dynString struct {
	text string
	path *Path
	call *intrinsic
}

// Retrier is one entry of a Retry field.
type Retrier struct {
	ErrorEquals     []string
	IntervalSeconds int64
	MaxAttempts     int64
	BackoffRate     float64
	MaxDelaySeconds int64
	FullJitter      bool
}

// Catcher is one entry of a Catch field.
type Catcher struct {
	ErrorEquals []string
	Next        string
	ResultPath  *optPath
}

var stateFields = map[string][]string{
	"Pass":     {"Next", "End", "InputPath", "OutputPath", "ResultPath", "Parameters", "Result"},
	"Task":     {"Next", "End", "InputPath", "OutputPath", "ResultPath", "Parameters", "ResultSelector", "Resource", "TimeoutSeconds", "TimeoutSecondsPath", "HeartbeatSeconds", "HeartbeatSecondsPath", "Retry", "Catch", "Credentials"},
	"Choice":   {"InputPath", "OutputPath", "Choices", "Default"},
	"Wait":     {"Next", "End", "InputPath", "OutputPath", "Seconds", "SecondsPath", "Timestamp", "TimestampPath"},
	"Succeed":  {"InputPath", "OutputPath"},
	"Fail":     {"Error", "ErrorPath", "Cause", "CausePath"},
	"Parallel": {"Next", "End", "InputPath", "OutputPath", "ResultPath", "Parameters", "ResultSelector", "Branches", "Retry", "Catch"},
	"Map": {"Next", "End", "InputPath", "OutputPath", "ResultPath", "Parameters", "ResultSelector", "ItemsPath", "ItemSelector", "ItemProcessor", "Iterator",
		"MaxConcurrency", "MaxConcurrencyPath", "ToleratedFailureCount", "ToleratedFailureCountPath", "ToleratedFailurePercentage", "ToleratedFailurePercentagePath",
		"Retry", "Catch", "Label", "ItemReader", "ResultWriter", "ItemBatcher"},
}

// unsupported names fields the engine refuses rather than run wrongly.
var unsupported = map[string]string{
	"Assign":       "variables (Assign) are not supported; remove the field",
	"Arguments":    "the field belongs to the JSONata query language, which is not supported",
	"Output":       "the field belongs to the JSONata query language, which is not supported",
	"Items":        "the field belongs to the JSONata query language, which is not supported",
	"ItemReader":   "Map ItemReader (reading items from S3) is not supported",
	"ResultWriter": "Map ResultWriter (writing results to S3) is not supported",
	"ItemBatcher":  "Map ItemBatcher is not supported",
}

// parser collects every problem of a definition, as CreateStateMachine does.
type parser struct {
	problems []string
}

func (p *parser) addf(code, format string, args ...any) {
	p.problems = append(p.problems, code+": "+fmt.Sprintf(format, args...))
}

// Parse reads and validates a state machine definition. A problem is
// reported as a *DefinitionError listing every problem found.
func Parse(definition []byte) (*Machine, error) {
	raw, err := decodeJSON(definition)
	if err != nil {
		return nil, &DefinitionError{Problems: []string{"INVALID_JSON_DESCRIPTION: " + err.Error()}}
	}
	top, ok := fields(raw)
	if !ok {
		return nil, &DefinitionError{Problems: []string{"SCHEMA_VALIDATION_FAILED: the definition must be a JSON object"}}
	}
	p := &parser{}
	m := &Machine{Definition: string(definition)}
	for k := range top {
		switch k {
		case "StartAt", "States", "Comment", "Version", "TimeoutSeconds":
		case "QueryLanguage":
			p.queryLanguage(top[k], "")
		default:
			if why, ok := unsupported[k]; ok {
				p.addf("SCHEMA_VALIDATION_FAILED", "The field '%s' is not supported: %s at /", k, why)
			} else {
				p.addf("SCHEMA_VALIDATION_FAILED", "The field '%s' is not supported by Step Functions at /", k)
			}
		}
	}
	if v, ok := top["TimeoutSeconds"]; ok {
		n, ok := integer(v)
		if !ok || n < 0 {
			p.addf("SCHEMA_VALIDATION_FAILED", "TimeoutSeconds must be a non-negative integer at /TimeoutSeconds")
		}
		m.TimeoutSeconds = n
	}
	if v, ok := top["Version"]; ok && v != "1.0" {
		p.addf("SCHEMA_VALIDATION_FAILED", "The value of the field 'Version' must be \"1.0\" at /Version")
	}
	if prog := p.program(top, ""); prog != nil {
		m.program = *prog
	}
	if len(p.problems) > 0 {
		return nil, &DefinitionError{Problems: p.problems}
	}
	return m, nil
}

func (p *parser) queryLanguage(v any, where string) {
	switch v {
	case "JSONPath":
	case "JSONata":
		p.addf("SCHEMA_VALIDATION_FAILED", "The field 'QueryLanguage' is set to JSONata, which is not supported; use JSONPath at %s/QueryLanguage", where)
	default:
		p.addf("SCHEMA_VALIDATION_FAILED", "The value of the field 'QueryLanguage' must be JSONPath or JSONata at %s/QueryLanguage", where)
	}
}

func (p *parser) program(obj map[string]any, where string) *program {
	prog := &program{States: map[string]*State{}}
	start, ok := obj["StartAt"].(string)
	if !ok {
		p.addf("SCHEMA_VALIDATION_FAILED", "The field 'StartAt' is required at %s/", where)
	}
	prog.StartAt = start
	states, ok := fields(obj["States"])
	if !ok || len(states) == 0 {
		p.addf("SCHEMA_VALIDATION_FAILED", "The field 'States' is required and must be a non-empty object at %s/", where)
		return nil
	}
	names := sortedKeys(states)
	for _, name := range names {
		at := where + "/States/" + name
		if len(name) > 80 {
			p.addf("SCHEMA_VALIDATION_FAILED", "State names must be at most 80 characters at %s", at)
		}
		so, ok := fields(states[name])
		if !ok {
			p.addf("SCHEMA_VALIDATION_FAILED", "A state must be a JSON object at %s", at)
			continue
		}
		if st := p.state(name, so, at); st != nil {
			prog.States[name] = st
		}
	}
	if _, present := obj["StartAt"]; present && states[start] == nil {
		p.addf("MISSING_TRANSITION_TARGET", "Missing 'Next' target: %s at %s/StartAt", start, where)
	}
	// Every transition must name a state of this program.
	for _, name := range names {
		st := prog.States[name]
		if st == nil {
			continue
		}
		for _, t := range st.transitions() {
			if _, ok := states[t.target]; !ok {
				p.addf("MISSING_TRANSITION_TARGET", "Missing 'Next' target: %s at %s/States/%s/%s", t.target, where, name, t.field)
			}
		}
	}
	if states[start] != nil {
		seen := map[string]bool{}
		var walk func(string)
		walk = func(n string) {
			if seen[n] || prog.States[n] == nil {
				seen[n] = true
				return
			}
			seen[n] = true
			for _, t := range prog.States[n].transitions() {
				walk(t.target)
			}
		}
		walk(start)
		for _, name := range names {
			if !seen[name] {
				p.addf("MISSING_TRANSITION_TARGET", "State \"%s\" is not reachable. at %s/States/%s", name, where, name)
			}
		}
	}
	return prog
}

type transition struct{ target, field string }

func (s *State) transitions() []transition {
	var out []transition
	if s.Next != "" {
		out = append(out, transition{s.Next, "Next"})
	}
	for i, c := range s.Catch {
		out = append(out, transition{c.Next, fmt.Sprintf("Catch[%d]/Next", i)})
	}
	for i, c := range s.Choices {
		out = append(out, transition{c.Next, fmt.Sprintf("Choices[%d]/Next", i)})
	}
	if s.Default != "" {
		out = append(out, transition{s.Default, "Default"})
	}
	return out
}

func (p *parser) state(name string, obj map[string]any, at string) *State {
	typ, _ := obj["Type"].(string)
	allowed, ok := stateFields[typ]
	if !ok {
		p.addf("SCHEMA_VALIDATION_FAILED", "The field 'Type' must be one of Pass, Task, Choice, Wait, Succeed, Fail, Parallel, Map at %s/Type", at)
		return nil
	}
	st := &State{Name: name, Type: typ}
	for _, k := range sortedKeys(obj) {
		switch {
		case k == "Type" || k == "Comment":
		case k == "QueryLanguage":
			p.queryLanguage(obj[k], at)
		case unsupported[k] != "":
			p.addf("SCHEMA_VALIDATION_FAILED", "The field '%s' is not supported: %s at %s", k, unsupported[k], at)
		case !contains(allowed, k):
			p.addf("SCHEMA_VALIDATION_FAILED", "The field '%s' is not supported by Step Functions at %s", k, at)
		}
	}
	p.flow(st, obj, at)
	st.InputPath = p.optPath(obj, "InputPath", at, false)
	st.OutputPath = p.optPath(obj, "OutputPath", at, false)
	st.ResultPath = p.optPath(obj, "ResultPath", at, true)
	st.Parameters = p.template(obj, "Parameters", at)
	st.ResultSelector = p.template(obj, "ResultSelector", at)
	if r, ok := obj["Result"]; ok {
		st.Result, st.HasResult = r, true
	}
	p.retryCatch(st, obj, at)
	switch typ {
	case "Task":
		p.task(st, obj, at)
	case "Choice":
		p.choice(st, obj, at)
	case "Wait":
		p.wait(st, obj, at)
	case "Fail":
		p.fail(st, obj, at)
	case "Parallel":
		branches, ok := obj["Branches"].([]any)
		if !ok || len(branches) == 0 {
			p.addf("SCHEMA_VALIDATION_FAILED", "The field 'Branches' is required and must be a non-empty array at %s", at)
		}
		for i, b := range branches {
			bo, ok := fields(b)
			if !ok {
				p.addf("SCHEMA_VALIDATION_FAILED", "A branch must be an object at %s/Branches[%d]", at, i)
				continue
			}
			p.nested(bo, fmt.Sprintf("%s/Branches[%d]", at, i))
			if prog := p.program(bo, fmt.Sprintf("%s/Branches[%d]", at, i)); prog != nil {
				st.Branches = append(st.Branches, prog)
			}
		}
	case "Map":
		p.mapState(st, obj, at)
	}
	return st
}

// nested checks the top-level fields of a branch or item processor.
func (p *parser) nested(obj map[string]any, at string) {
	for k, v := range obj {
		switch k {
		case "StartAt", "States", "Comment", "ProcessorConfig":
		case "QueryLanguage":
			p.queryLanguage(v, at)
		default:
			p.addf("SCHEMA_VALIDATION_FAILED", "The field '%s' is not supported by Step Functions at %s", k, at)
		}
	}
}

func (p *parser) flow(st *State, obj map[string]any, at string) {
	next, hasNext := obj["Next"]
	end, hasEnd := obj["End"]
	switch st.Type {
	case "Choice", "Succeed", "Fail":
		return
	}
	if hasNext {
		s, ok := next.(string)
		if !ok || s == "" {
			p.addf("SCHEMA_VALIDATION_FAILED", "The field 'Next' must be a state name at %s/Next", at)
		}
		st.Next = s
	}
	if hasEnd {
		b, ok := end.(bool)
		if !ok {
			p.addf("SCHEMA_VALIDATION_FAILED", "The field 'End' must be a boolean at %s/End", at)
		}
		st.End = b
	}
	switch {
	case hasNext && st.End:
		p.addf("SCHEMA_VALIDATION_FAILED", "Only one of 'Next' or 'End' can be set at %s", at)
	case !hasNext && !st.End:
		p.addf("MISSING_TRANSITION_TARGET", "State \"%s\" has neither 'Next' nor 'End' set to true at %s", st.Name, at)
	}
}

func (p *parser) optPath(obj map[string]any, field, at string, reference bool) *optPath {
	v, ok := obj[field]
	if !ok {
		return nil
	}
	if v == nil {
		return &optPath{null: true}
	}
	s, ok := v.(string)
	if !ok {
		p.addf("SCHEMA_VALIDATION_FAILED", "The value for the field '%s' must be a STRING at %s/%s", field, at, field)
		return nil
	}
	path, err := ParsePath(s)
	if err != nil {
		p.addf("INVALID_JSON_PATH", "Invalid JSON path in field '%s': %v at %s/%s", field, err, at, field)
		return nil
	}
	if reference && !path.IsReference() {
		p.addf("INVALID_REFERENCE_PATH", "The value for the field '%s' must be a valid Reference Path at %s/%s", field, at, field)
		return nil
	}
	return &optPath{path: path}
}

func (p *parser) path(obj map[string]any, field, at string) *Path {
	v, ok := obj[field]
	if !ok {
		return nil
	}
	s, ok := v.(string)
	if !ok {
		p.addf("SCHEMA_VALIDATION_FAILED", "The value for the field '%s' must be a STRING at %s/%s", field, at, field)
		return nil
	}
	path, err := ParsePath(s)
	if err != nil {
		p.addf("INVALID_JSON_PATH", "Invalid JSON path in field '%s': %v at %s/%s", field, err, at, field)
		return nil
	}
	return path
}

func (p *parser) template(obj map[string]any, field, at string) *template {
	v, ok := obj[field]
	if !ok {
		return nil
	}
	if _, ok := fields(v); !ok && field != "Parameters" {
		p.addf("SCHEMA_VALIDATION_FAILED", "The value for the field '%s' must be an OBJECT at %s/%s", field, at, field)
		return nil
	}
	t, err := compileTemplate(v, at+"/"+field)
	if err != nil {
		p.addf("SCHEMA_VALIDATION_FAILED", "%v", err)
		return nil
	}
	return t
}

func (p *parser) nonNegInt(obj map[string]any, field, at string) (int64, bool) {
	v, ok := obj[field]
	if !ok {
		return 0, false
	}
	n, isInt := integer(v)
	if !isInt || n < 0 {
		p.addf("SCHEMA_VALIDATION_FAILED", "The value for the field '%s' must be a non-negative integer at %s/%s", field, at, field)
	}
	return n, true
}

func (p *parser) errorEquals(v any, at string) []string {
	list, ok := v.([]any)
	if !ok || len(list) == 0 {
		p.addf("SCHEMA_VALIDATION_FAILED", "The field 'ErrorEquals' is required and must be a non-empty array at %s", at)
		return nil
	}
	out := make([]string, 0, len(list))
	for _, x := range list {
		s, ok := x.(string)
		if !ok {
			p.addf("SCHEMA_VALIDATION_FAILED", "ErrorEquals must hold strings at %s/ErrorEquals", at)
			continue
		}
		out = append(out, s)
	}
	for i, s := range out {
		if s == ErrAll && (len(out) > 1 || i != 0) {
			p.addf("SCHEMA_VALIDATION_FAILED", "States.ALL must appear alone in ErrorEquals at %s/ErrorEquals", at)
		}
	}
	return out
}

func (p *parser) retryCatch(st *State, obj map[string]any, at string) {
	if v, ok := obj["Retry"]; ok {
		list, ok := v.([]any)
		if !ok {
			p.addf("SCHEMA_VALIDATION_FAILED", "The field 'Retry' must be an array at %s/Retry", at)
		}
		for i, x := range list {
			rat := fmt.Sprintf("%s/Retry[%d]", at, i)
			ro, ok := fields(x)
			if !ok {
				p.addf("SCHEMA_VALIDATION_FAILED", "A retrier must be an object at %s", rat)
				continue
			}
			r := Retrier{IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2}
			for _, k := range sortedKeys(ro) {
				switch k {
				case "ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate", "MaxDelaySeconds", "JitterStrategy", "Comment":
				default:
					p.addf("SCHEMA_VALIDATION_FAILED", "The field '%s' is not supported by Step Functions at %s", k, rat)
				}
			}
			r.ErrorEquals = p.errorEquals(ro["ErrorEquals"], rat)
			if n, ok := p.nonNegInt(ro, "IntervalSeconds", rat); ok {
				if n < 1 {
					p.addf("SCHEMA_VALIDATION_FAILED", "IntervalSeconds must be at least 1 at %s/IntervalSeconds", rat)
				}
				r.IntervalSeconds = n
			}
			if n, ok := p.nonNegInt(ro, "MaxAttempts", rat); ok {
				r.MaxAttempts = n
			}
			if n, ok := p.nonNegInt(ro, "MaxDelaySeconds", rat); ok {
				r.MaxDelaySeconds = n
			}
			if v, ok := ro["BackoffRate"]; ok {
				f, isNum := number(v)
				if !isNum || f < 1 {
					p.addf("SCHEMA_VALIDATION_FAILED", "BackoffRate must be a number not less than 1.0 at %s/BackoffRate", rat)
				}
				r.BackoffRate = f
			}
			if v, ok := ro["JitterStrategy"]; ok {
				switch v {
				case "FULL":
					r.FullJitter = true
				case "NONE":
				default:
					p.addf("SCHEMA_VALIDATION_FAILED", "JitterStrategy must be FULL or NONE at %s/JitterStrategy", rat)
				}
			}
			st.Retry = append(st.Retry, r)
		}
	}
	if v, ok := obj["Catch"]; ok {
		list, ok := v.([]any)
		if !ok {
			p.addf("SCHEMA_VALIDATION_FAILED", "The field 'Catch' must be an array at %s/Catch", at)
		}
		for i, x := range list {
			cat := fmt.Sprintf("%s/Catch[%d]", at, i)
			co, ok := fields(x)
			if !ok {
				p.addf("SCHEMA_VALIDATION_FAILED", "A catcher must be an object at %s", cat)
				continue
			}
			for _, k := range sortedKeys(co) {
				switch k {
				case "ErrorEquals", "Next", "ResultPath", "Comment":
				default:
					p.addf("SCHEMA_VALIDATION_FAILED", "The field '%s' is not supported: %s at %s", k, orDefault(unsupported[k], "unknown field"), cat)
				}
			}
			c := Catcher{ErrorEquals: p.errorEquals(co["ErrorEquals"], cat)}
			c.Next, _ = co["Next"].(string)
			if c.Next == "" {
				p.addf("SCHEMA_VALIDATION_FAILED", "The field 'Next' is required at %s", cat)
			}
			c.ResultPath = p.optPath(co, "ResultPath", cat, true)
			st.Catch = append(st.Catch, c)
		}
	}
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func (p *parser) task(st *State, obj map[string]any, at string) {
	r, ok := obj["Resource"].(string)
	if !ok || !strings.HasPrefix(r, "arn:") {
		p.addf("SCHEMA_VALIDATION_FAILED", "The field 'Resource' must be an ARN at %s/Resource", at)
	}
	st.Resource = r
	st.TimeoutSeconds, st.hasTimeoutSeconds = p.nonNegInt(obj, "TimeoutSeconds", at)
	st.HeartbeatSeconds, st.hasHeartbeatSeconds = p.nonNegInt(obj, "HeartbeatSeconds", at)
	if st.hasTimeoutSeconds && st.TimeoutSeconds == 0 {
		p.addf("SCHEMA_VALIDATION_FAILED", "TimeoutSeconds must be greater than 0 at %s/TimeoutSeconds", at)
	}
	if st.hasHeartbeatSeconds && st.HeartbeatSeconds == 0 {
		p.addf("SCHEMA_VALIDATION_FAILED", "HeartbeatSeconds must be greater than 0 at %s/HeartbeatSeconds", at)
	}
	st.TimeoutSecondsPath = p.path(obj, "TimeoutSecondsPath", at)
	st.HeartbeatSecsPath = p.path(obj, "HeartbeatSecondsPath", at)
	if st.hasTimeoutSeconds && st.TimeoutSecondsPath != nil {
		p.addf("SCHEMA_VALIDATION_FAILED", "Only one of 'TimeoutSeconds' or 'TimeoutSecondsPath' can be set at %s", at)
	}
	if st.hasHeartbeatSeconds && st.HeartbeatSecsPath != nil {
		p.addf("SCHEMA_VALIDATION_FAILED", "Only one of 'HeartbeatSeconds' or 'HeartbeatSecondsPath' can be set at %s", at)
	}
	if st.hasTimeoutSeconds && st.hasHeartbeatSeconds && st.HeartbeatSeconds >= st.TimeoutSeconds {
		p.addf("SCHEMA_VALIDATION_FAILED", "HeartbeatSeconds must be smaller than TimeoutSeconds at %s/HeartbeatSeconds", at)
	}
}

func (p *parser) wait(st *State, obj map[string]any, at string) {
	set := 0
	if n, ok := p.nonNegInt(obj, "Seconds", at); ok {
		st.Seconds, st.hasSeconds = n, true
		set++
	}
	if v, ok := obj["Timestamp"]; ok {
		set++
		s, _ := v.(string)
		ts, err := parseTimestamp(s)
		if err != nil {
			p.addf("SCHEMA_VALIDATION_FAILED", "The value for the field 'Timestamp' must be a valid ISO-8601 timestamp at %s/Timestamp", at)
		}
		st.Timestamp, st.hasTimestamp = ts, true
	}
	if st.SecondsPath = p.path(obj, "SecondsPath", at); st.SecondsPath != nil {
		set++
	}
	if st.TimestampPath = p.path(obj, "TimestampPath", at); st.TimestampPath != nil {
		set++
	}
	if set != 1 {
		p.addf("SCHEMA_VALIDATION_FAILED", "A Wait state must have exactly one of 'Seconds', 'SecondsPath', 'Timestamp' or 'TimestampPath' at %s", at)
	}
}

func (p *parser) fail(st *State, obj map[string]any, at string) {
	for _, f := range []struct {
		plain, path string
		dst         *string
		dyn         **dynString
	}{{"Error", "ErrorPath", &st.Error, &st.ErrorPath}, {"Cause", "CausePath", &st.Cause, &st.CausePath}} {
		v, hasPlain := obj[f.plain]
		if hasPlain {
			s, ok := v.(string)
			if !ok {
				p.addf("SCHEMA_VALIDATION_FAILED", "The value for the field '%s' must be a STRING at %s/%s", f.plain, at, f.plain)
			}
			*f.dst = s
		}
		pv, hasPath := obj[f.path]
		if !hasPath {
			continue
		}
		if hasPlain {
			p.addf("SCHEMA_VALIDATION_FAILED", "Only one of '%s' or '%s' can be set at %s", f.plain, f.path, at)
		}
		s, _ := pv.(string)
		d := &dynString{text: s}
		var err error
		if isIntrinsic(s) {
			d.call, err = parseIntrinsic(s)
		} else if d.path, err = ParsePath(s); err == nil && !d.path.Definite() {
			err = fmt.Errorf("not a reference path")
		}
		if err != nil {
			p.addf("SCHEMA_VALIDATION_FAILED", "The value for the field '%s' must be a valid Reference Path or intrinsic function: %v at %s/%s", f.path, err, at, f.path)
			continue
		}
		*f.dyn = d
	}
}

func (p *parser) mapState(st *State, obj map[string]any, at string) {
	proc, field := obj["ItemProcessor"], "ItemProcessor"
	if proc == nil {
		proc, field = obj["Iterator"], "Iterator"
	}
	if obj["ItemProcessor"] != nil && obj["Iterator"] != nil {
		p.addf("SCHEMA_VALIDATION_FAILED", "Only one of 'ItemProcessor' or 'Iterator' can be set at %s", at)
	}
	po, ok := fields(proc)
	if !ok {
		p.addf("SCHEMA_VALIDATION_FAILED", "The field 'ItemProcessor' is required at %s", at)
	} else {
		pat := at + "/" + field
		p.nested(po, pat)
		if cfg, ok := fields(po["ProcessorConfig"]); ok {
			for k, v := range cfg {
				switch k {
				case "Mode":
					switch v {
					case "DISTRIBUTED":
						st.Distributed = true
					case "INLINE":
					default:
						p.addf("SCHEMA_VALIDATION_FAILED", "ProcessorConfig Mode must be INLINE or DISTRIBUTED at %s/ProcessorConfig/Mode", pat)
					}
				case "ExecutionType":
					if v != "STANDARD" && v != "EXPRESS" {
						p.addf("SCHEMA_VALIDATION_FAILED", "ProcessorConfig ExecutionType must be STANDARD or EXPRESS at %s/ProcessorConfig/ExecutionType", pat)
					}
				default:
					p.addf("SCHEMA_VALIDATION_FAILED", "The field '%s' is not supported by Step Functions at %s/ProcessorConfig", k, pat)
				}
			}
		}
		st.Processor = p.program(po, pat)
	}
	st.ItemsPath = p.path(obj, "ItemsPath", at)
	st.ItemSelector = p.template(obj, "ItemSelector", at)
	if st.ItemSelector != nil && st.Parameters != nil {
		p.addf("SCHEMA_VALIDATION_FAILED", "Only one of 'ItemSelector' or 'Parameters' can be set at %s", at)
	}
	if st.ItemSelector == nil {
		st.ItemSelector, st.Parameters = st.Parameters, nil
	}
	if n, ok := p.nonNegInt(obj, "MaxConcurrency", at); ok {
		st.MaxConcurrency = n
	}
	st.MaxConcurrencyPath = p.path(obj, "MaxConcurrencyPath", at)
	if _, ok := obj["MaxConcurrency"]; ok && st.MaxConcurrencyPath != nil {
		p.addf("SCHEMA_VALIDATION_FAILED", "Only one of 'MaxConcurrency' or 'MaxConcurrencyPath' can be set at %s", at)
	}
	if n, ok := p.nonNegInt(obj, "ToleratedFailureCount", at); ok {
		st.ToleratedFailureCount, st.hasTolCount = n, true
	}
	if v, ok := obj["ToleratedFailurePercentage"]; ok {
		f, isNum := number(v)
		if !isNum || f < 0 || f > 100 {
			p.addf("SCHEMA_VALIDATION_FAILED", "ToleratedFailurePercentage must be between 0 and 100 at %s/ToleratedFailurePercentage", at)
		}
		st.ToleratedFailurePercentage, st.hasTolPct = f, true
	}
	st.ToleratedFailureCountPath = p.path(obj, "ToleratedFailureCountPath", at)
	st.ToleratedFailurePercentagePath = p.path(obj, "ToleratedFailurePercentagePath", at)
	if !st.Distributed && (st.hasTolCount || st.hasTolPct || st.ToleratedFailureCountPath != nil || st.ToleratedFailurePercentagePath != nil) {
		p.addf("SCHEMA_VALIDATION_FAILED", "The ToleratedFailure fields are only allowed in DISTRIBUTED mode at %s", at)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
