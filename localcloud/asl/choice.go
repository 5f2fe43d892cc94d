package asl

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// ChoiceRule is one rule of a Choice state: a comparison of Variable, or a
// Boolean combination of rules. Top-level rules carry Next.
type ChoiceRule struct {
	Next      string
	Variable  *Path
	Operator  string // e.g. "NumericEquals", "IsPresent"
	Value     any
	ValuePath *Path
	And, Or   []*ChoiceRule
	Not       *ChoiceRule
	pattern   *regexp.Regexp
}

var comparisonKinds = map[string]string{
	"StringEquals": "string", "StringLessThan": "string", "StringGreaterThan": "string",
	"StringLessThanEquals": "string", "StringGreaterThanEquals": "string", "StringMatches": "string",
	"NumericEquals": "number", "NumericLessThan": "number", "NumericGreaterThan": "number",
	"NumericLessThanEquals": "number", "NumericGreaterThanEquals": "number",
	"BooleanEquals":   "boolean",
	"TimestampEquals": "timestamp", "TimestampLessThan": "timestamp", "TimestampGreaterThan": "timestamp",
	"TimestampLessThanEquals": "timestamp", "TimestampGreaterThanEquals": "timestamp",
	"IsNull": "boolean", "IsPresent": "boolean", "IsNumeric": "boolean", "IsString": "boolean",
	"IsBoolean": "boolean", "IsTimestamp": "boolean",
}

func (p *parser) choice(st *State, obj map[string]any, at string) {
	list, ok := obj["Choices"].([]any)
	if !ok || len(list) == 0 {
		p.addf("SCHEMA_VALIDATION_FAILED", "The field 'Choices' is required and must be a non-empty array at %s", at)
	}
	for i, x := range list {
		cat := fmt.Sprintf("%s/Choices[%d]", at, i)
		r := p.rule(x, cat, true)
		if r != nil {
			st.Choices = append(st.Choices, r)
		}
	}
	if v, ok := obj["Default"]; ok {
		s, ok := v.(string)
		if !ok || s == "" {
			p.addf("SCHEMA_VALIDATION_FAILED", "The field 'Default' must be a state name at %s/Default", at)
		}
		st.Default = s
	}
}

func (p *parser) rule(x any, at string, top bool) *ChoiceRule {
	obj, ok := fields(x)
	if !ok {
		p.addf("SCHEMA_VALIDATION_FAILED", "A choice rule must be an object at %s", at)
		return nil
	}
	r := &ChoiceRule{}
	if next, ok := obj["Next"]; ok {
		if !top {
			p.addf("SCHEMA_VALIDATION_FAILED", "Nested choice rules cannot have 'Next' at %s", at)
		}
		r.Next, _ = next.(string)
	} else if top {
		p.addf("SCHEMA_VALIDATION_FAILED", "The field 'Next' is required at %s", at)
	}
	ops := 0
	for _, k := range sortedKeys(obj) {
		v := obj[k]
		switch {
		case k == "Next" || k == "Comment":
		case k == "Variable":
			r.Variable = p.path(obj, "Variable", at)
		case k == "And" || k == "Or":
			ops++
			list, ok := v.([]any)
			if !ok || len(list) == 0 {
				p.addf("SCHEMA_VALIDATION_FAILED", "The field '%s' must be a non-empty array at %s/%s", k, at, k)
			}
			for i, sub := range list {
				if sr := p.rule(sub, fmt.Sprintf("%s/%s[%d]", at, k, i), false); sr != nil {
					if k == "And" {
						r.And = append(r.And, sr)
					} else {
						r.Or = append(r.Or, sr)
					}
				}
			}
		case k == "Not":
			ops++
			r.Not = p.rule(v, at+"/Not", false)
		case k == "Condition":
			p.addf("SCHEMA_VALIDATION_FAILED", "The field 'Condition' belongs to the JSONata query language, which is not supported at %s", at)
		case k == "Assign" || k == "Output":
			p.addf("SCHEMA_VALIDATION_FAILED", "The field '%s' is not supported: %s at %s", k, unsupported[k], at)
		default:
			op, isPath := strings.CutSuffix(k, "Path")
			kind, known := comparisonKinds[op]
			if !known || (isPath && strings.HasPrefix(op, "Is")) || (isPath && op == "StringMatches") {
				if kind2, ok := comparisonKinds[k]; ok {
					op, kind, isPath, known = k, kind2, false, true
				}
			}
			if !known {
				p.addf("SCHEMA_VALIDATION_FAILED", "The field '%s' is not supported by Step Functions at %s", k, at)
				continue
			}
			ops++
			r.Operator = op
			if isPath {
				r.ValuePath = p.path(obj, k, at)
				continue
			}
			r.Value = v
			if !valueMatchesKind(v, kind) {
				p.addf("SCHEMA_VALIDATION_FAILED", "The value for the field '%s' must be a %s at %s/%s", k, strings.ToUpper(kind), at, k)
			}
			if op == "StringMatches" {
				s, _ := v.(string)
				r.pattern = wildcardPattern(s)
			}
		}
	}
	if ops != 1 {
		p.addf("SCHEMA_VALIDATION_FAILED", "A choice rule must have exactly one comparison operator or And, Or, Not at %s", at)
	}
	if r.Operator != "" && r.Variable == nil {
		p.addf("SCHEMA_VALIDATION_FAILED", "The field 'Variable' is required at %s", at)
	}
	return r
}

func valueMatchesKind(v any, kind string) bool {
	switch kind {
	case "string":
		_, ok := v.(string)
		return ok
	case "number":
		_, ok := number(v)
		return ok
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "timestamp":
		s, ok := v.(string)
		if !ok {
			return false
		}
		_, err := parseTimestamp(s)
		return err == nil
	}
	return false
}

// wildcardPattern compiles a StringMatches pattern: * matches any run of
// characters, \* and \\ are literal.
func wildcardPattern(s string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("(?s)^")
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s):
			i++
			b.WriteString(regexp.QuoteMeta(string(s[i])))
		case c == '*':
			b.WriteString(".*")
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

// parseTimestamp reads an RFC 3339 timestamp with an upper-case T and a
// time zone, as Step Functions requires.
func parseTimestamp(s string) (time.Time, error) {
	if !strings.Contains(s, "T") {
		return time.Time{}, fmt.Errorf("%q is not an ISO-8601 timestamp", s)
	}
	return time.Parse(time.RFC3339Nano, s)
}

// choiceError is a failure to evaluate a rule (a Variable that is missing).
type choiceError struct{ msg string }

func (e *choiceError) Error() string { return e.msg }

// match evaluates the rule against the state's effective input.
func (r *ChoiceRule) match(data, ctx any) (bool, error) {
	switch {
	case r.Not != nil:
		ok, err := r.Not.match(data, ctx)
		return !ok, err
	case r.And != nil:
		for _, sub := range r.And {
			ok, err := sub.match(data, ctx)
			if err != nil || !ok {
				return false, err
			}
		}
		return true, nil
	case r.Or != nil:
		for _, sub := range r.Or {
			ok, err := sub.match(data, ctx)
			if err != nil || ok {
				return ok, err
			}
		}
		return false, nil
	}
	v, found := r.Variable.Eval(data, ctx)
	if r.Operator == "IsPresent" {
		return found == r.Value.(bool), nil
	}
	if !found {
		return false, &choiceError{msg: fmt.Sprintf("Invalid path '%s': The choice state's condition path references an invalid value.", r.Variable.text)}
	}
	want := r.Value
	if r.ValuePath != nil {
		var ok bool
		if want, ok = r.ValuePath.Eval(data, ctx); !ok {
			return false, &choiceError{msg: fmt.Sprintf("Invalid path '%s': The choice state's condition path references an invalid value.", r.ValuePath.text)}
		}
	}
	switch r.Operator {
	case "IsNull":
		return (v == nil) == want.(bool), nil
	case "IsNumeric":
		_, ok := number(v)
		return ok == want.(bool), nil
	case "IsString":
		_, ok := v.(string)
		return ok == want.(bool), nil
	case "IsBoolean":
		_, ok := v.(bool)
		return ok == want.(bool), nil
	case "IsTimestamp":
		s, ok := v.(string)
		if ok {
			_, err := parseTimestamp(s)
			ok = err == nil
		}
		return ok == want.(bool), nil
	case "BooleanEquals":
		b1, ok1 := v.(bool)
		b2, ok2 := want.(bool)
		return ok1 && ok2 && b1 == b2, nil
	case "StringMatches":
		s, ok := v.(string)
		return ok && r.pattern.MatchString(s), nil
	}
	var cmp int
	switch comparisonKinds[r.Operator] {
	case "string":
		s1, ok1 := v.(string)
		s2, ok2 := want.(string)
		if !ok1 || !ok2 {
			return false, nil
		}
		cmp = strings.Compare(s1, s2)
	case "number":
		c, ok := compareNumbers(v, want)
		if !ok {
			return false, nil
		}
		cmp = c
	case "timestamp":
		s1, ok1 := v.(string)
		s2, ok2 := want.(string)
		if !ok1 || !ok2 {
			return false, nil
		}
		t1, err1 := parseTimestamp(s1)
		t2, err2 := parseTimestamp(s2)
		if err1 != nil || err2 != nil {
			return false, nil
		}
		cmp = t1.Compare(t2)
	}
	op := strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(r.Operator, "String"), "Numeric"), "Timestamp")
	switch op {
	case "Equals":
		return cmp == 0, nil
	case "LessThan":
		return cmp < 0, nil
	case "GreaterThan":
		return cmp > 0, nil
	case "LessThanEquals":
		return cmp <= 0, nil
	default:
		return cmp >= 0, nil
	}
}
