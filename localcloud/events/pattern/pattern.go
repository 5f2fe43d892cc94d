// Package pattern compiles and matches EventBridge event patterns, the
// content filter that also serves as SNS's filter policy language: exact
// values (an array is an OR), nested objects, "prefix", "suffix",
// "wildcard", "equals-ignore-case", "anything-but", "numeric", "exists",
// "cidr" and "$or".
package pattern

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/netip"
	"sort"
	"strings"
)

// Error is a pattern that cannot be compiled; its message says why.
type Error struct{ Reason string }

func (e *Error) Error() string { return "Event pattern is not valid. Reason: " + e.Reason }

func errorf(format string, args ...any) error { return &Error{Reason: fmt.Sprintf(format, args...)} }

// Pattern is a compiled event pattern. A document matches when every field
// of the pattern matches and, when the pattern has "$or", one of its
// alternatives matches too.
type Pattern struct {
	fields []field
	or     [][]*Pattern // each "$or" array: one of its patterns must match
}

type field struct {
	name   string
	nested *Pattern  // the field holds an object pattern
	leaves []matcher // the field holds an array of matchers (an OR)
}

// matcher tests one leaf. exists matchers look at presence only; the others
// test the field's values (each element when the field is an array).
type matcher struct {
	exists *bool
	test   func(v any) bool
}

// Compile parses a pattern document.
func Compile(doc []byte) (*Pattern, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var raw any
	if err := dec.Decode(&raw); err != nil {
		return nil, errorf("the pattern is not valid JSON: %v", err)
	}
	if dec.More() {
		return nil, errorf("the pattern has trailing data after the JSON object")
	}
	obj, ok := raw.(map[string]any)
	if !ok {
		return nil, errorf("the pattern must be a JSON object")
	}
	return compileObject(obj, "")
}

// MustCompile is Compile for patterns known to be valid; it panics otherwise.
func MustCompile(doc string) *Pattern {
	p, err := Compile([]byte(doc))
	if err != nil {
		panic(err)
	}
	return p
}

func compileObject(obj map[string]any, path string) (*Pattern, error) {
	if len(obj) == 0 {
		return nil, errorf("%s: an empty object matches nothing", where(path))
	}
	p := &Pattern{}
	names := make([]string, 0, len(obj))
	for name := range obj {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		sub := join(path, name)
		switch v := obj[name].(type) {
		case map[string]any:
			nested, err := compileObject(v, sub)
			if err != nil {
				return nil, err
			}
			p.fields = append(p.fields, field{name: name, nested: nested})
		case []any:
			if name == "$or" {
				alts, err := compileOr(v, sub)
				if err != nil {
					return nil, err
				}
				p.or = append(p.or, alts)
				continue
			}
			leaves, err := compileLeaves(v, sub)
			if err != nil {
				return nil, err
			}
			p.fields = append(p.fields, field{name: name, leaves: leaves})
		default:
			return nil, errorf("%s: match criteria must be an array or an object, not %s", sub, describe(v))
		}
	}
	return p, nil
}

func compileOr(alts []any, path string) ([]*Pattern, error) {
	if len(alts) < 2 {
		return nil, errorf("%s: $or needs at least two alternatives", path)
	}
	out := make([]*Pattern, 0, len(alts))
	for i, alt := range alts {
		obj, ok := alt.(map[string]any)
		if !ok {
			return nil, errorf("%s[%d]: each $or alternative must be an object", path, i)
		}
		p, err := compileObject(obj, path)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

func compileLeaves(values []any, path string) ([]matcher, error) {
	if len(values) == 0 {
		return nil, errorf("%s: empty arrays are not allowed", path)
	}
	out := make([]matcher, 0, len(values))
	for _, v := range values {
		m, err := compileLeaf(v, path)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

func compileLeaf(v any, path string) (matcher, error) {
	switch v := v.(type) {
	case nil, string, bool, json.Number:
		want := normalize(v)
		return matcher{test: func(got any) bool { return equal(got, want) }}, nil
	case map[string]any:
		if len(v) != 1 {
			return matcher{}, errorf("%s: a match expression has exactly one operator, got %d", path, len(v))
		}
		for op, arg := range v {
			return compileOperator(op, arg, path)
		}
	}
	return matcher{}, errorf("%s: unsupported match value %s", path, describe(v))
}

func compileOperator(op string, arg any, path string) (matcher, error) {
	switch op {
	case "exists":
		b, ok := arg.(bool)
		if !ok {
			return matcher{}, errorf("%s: exists takes true or false", path)
		}
		return matcher{exists: &b}, nil
	case "prefix", "suffix":
		test, err := affix(op, arg, path)
		return matcher{test: test}, err
	case "equals-ignore-case":
		s, ok := arg.(string)
		if !ok {
			return matcher{}, errorf("%s: equals-ignore-case takes a string", path)
		}
		return matcher{test: func(got any) bool { g, ok := got.(string); return ok && strings.EqualFold(g, s) }}, nil
	case "wildcard":
		s, ok := arg.(string)
		if !ok {
			return matcher{}, errorf("%s: wildcard takes a string", path)
		}
		glob, err := compileWildcard(s, path)
		if err != nil {
			return matcher{}, err
		}
		return matcher{test: func(got any) bool { g, ok := got.(string); return ok && glob(g) }}, nil
	case "numeric":
		test, err := compileNumeric(arg, path)
		return matcher{test: test}, err
	case "cidr":
		s, ok := arg.(string)
		if !ok {
			return matcher{}, errorf("%s: cidr takes a string", path)
		}
		prefix, err := netip.ParsePrefix(s)
		if err != nil {
			return matcher{}, errorf("%s: %q is not a CIDR block", path, s)
		}
		return matcher{test: func(got any) bool {
			g, ok := got.(string)
			if !ok {
				return false
			}
			addr, err := netip.ParseAddr(g)
			return err == nil && prefix.Contains(addr)
		}}, nil
	case "anything-but":
		inner, err := compileAnythingBut(arg, path)
		if err != nil {
			return matcher{}, err
		}
		return matcher{test: func(got any) bool { return !inner(got) }}, nil
	}
	return matcher{}, errorf("%s: unrecognized match type %s", path, op)
}

// affix compiles prefix and suffix, either on a string or on
// {"equals-ignore-case": string}.
func affix(op string, arg any, path string) (func(any) bool, error) {
	fold := false
	if obj, ok := arg.(map[string]any); ok && len(obj) == 1 {
		arg, fold = obj["equals-ignore-case"], true
	}
	s, ok := arg.(string)
	if !ok {
		return nil, errorf("%s: %s takes a string or {\"equals-ignore-case\": string}", path, op)
	}
	if fold {
		s = strings.ToLower(s)
	}
	has := strings.HasPrefix
	if op == "suffix" {
		has = strings.HasSuffix
	}
	return func(got any) bool {
		g, ok := got.(string)
		if !ok {
			return false
		}
		if fold {
			g = strings.ToLower(g)
		}
		return has(g, s)
	}, nil
}

// compileAnythingBut returns the test of what anything-but excludes.
func compileAnythingBut(arg any, path string) (func(any) bool, error) {
	switch a := arg.(type) {
	case string, json.Number:
		want := normalize(a)
		return func(got any) bool { return equal(got, want) }, nil
	case []any:
		if len(a) == 0 {
			return nil, errorf("%s: anything-but needs at least one value", path)
		}
		var tests []func(any) bool
		for _, v := range a {
			switch v.(type) {
			case string, json.Number:
			default:
				return nil, errorf("%s: anything-but lists only strings or numbers", path)
			}
			want := normalize(v)
			tests = append(tests, func(got any) bool { return equal(got, want) })
		}
		return anyOf(tests), nil
	case map[string]any:
		if len(a) != 1 {
			return nil, errorf("%s: anything-but takes one operator", path)
		}
		for op, inner := range a {
			switch op {
			case "prefix", "suffix", "equals-ignore-case", "wildcard":
				if list, ok := inner.([]any); ok {
					var tests []func(any) bool
					for _, item := range list {
						m, err := compileOperator(op, item, path)
						if err != nil {
							return nil, err
						}
						tests = append(tests, m.test)
					}
					return anyOf(tests), nil
				}
				m, err := compileOperator(op, inner, path)
				if err != nil {
					return nil, err
				}
				return m.test, nil
			}
			return nil, errorf("%s: anything-but does not support %s", path, op)
		}
	}
	return nil, errorf("%s: anything-but takes a value, an array of values or an operator", path)
}

func anyOf(tests []func(any) bool) func(any) bool {
	return func(got any) bool {
		for _, t := range tests {
			if t(got) {
				return true
			}
		}
		return false
	}
}

// compileNumeric compiles ["=", 5] and range expressions such as
// [">", 0, "<=", 5].
func compileNumeric(arg any, path string) (func(any) bool, error) {
	list, ok := arg.([]any)
	if !ok || len(list) == 0 || len(list)%2 != 0 || len(list) > 4 {
		return nil, errorf("%s: numeric takes an operator and a number, or a lower and an upper bound", path)
	}
	type bound struct {
		op string
		n  float64
	}
	var bounds []bound
	lower, upper := false, false
	for i := 0; i < len(list); i += 2 {
		op, ok := list[i].(string)
		num, isNum := list[i+1].(json.Number)
		if !ok || !isNum {
			return nil, errorf("%s: numeric expects operator, number pairs", path)
		}
		n, err := num.Float64()
		if err != nil {
			return nil, errorf("%s: %s is not a number", path, num)
		}
		switch op {
		case "=":
			if len(list) != 2 {
				return nil, errorf("%s: numeric \"=\" stands alone", path)
			}
		case ">", ">=":
			if lower {
				return nil, errorf("%s: numeric has two lower bounds", path)
			}
			lower = true
		case "<", "<=":
			if upper {
				return nil, errorf("%s: numeric has two upper bounds", path)
			}
			upper = true
		default:
			return nil, errorf("%s: unknown numeric operator %q", path, op)
		}
		bounds = append(bounds, bound{op, n})
	}
	return func(got any) bool {
		g, ok := got.(float64)
		if !ok {
			return false
		}
		for _, b := range bounds {
			var ok bool
			switch b.op {
			case "=":
				ok = g == b.n
			case ">":
				ok = g > b.n
			case ">=":
				ok = g >= b.n
			case "<":
				ok = g < b.n
			case "<=":
				ok = g <= b.n
			}
			if !ok {
				return false
			}
		}
		return true
	}, nil
}

// compileWildcard turns "releases/*.zip" into a matcher; "\*" is a literal
// star and "\\" a literal backslash.
func compileWildcard(s, path string) (func(string) bool, error) {
	var parts []string // literal runs between stars
	var cur strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			if i+1 == len(s) || (s[i+1] != '*' && s[i+1] != '\\') {
				return nil, errorf("%s: wildcard %q has an invalid escape", path, s)
			}
			i++
			cur.WriteByte(s[i])
		case '*':
			if i > 0 && s[i-1] == '*' {
				return nil, errorf("%s: wildcard %q has consecutive stars", path, s)
			}
			parts = append(parts, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	parts = append(parts, cur.String())
	return func(g string) bool {
		if len(parts) == 1 {
			return g == parts[0]
		}
		if !strings.HasPrefix(g, parts[0]) {
			return false
		}
		g = g[len(parts[0]):]
		last := parts[len(parts)-1]
		for _, mid := range parts[1 : len(parts)-1] {
			i := strings.Index(g, mid)
			if i < 0 {
				return false
			}
			g = g[i+len(mid):]
		}
		return len(g) >= len(last) && strings.HasSuffix(g, last)
	}, nil
}

// normalize turns pattern literals into the types encoding/json decodes
// documents into.
func normalize(v any) any {
	if n, ok := v.(json.Number); ok {
		f, err := n.Float64()
		if err != nil {
			return math.NaN() // matches nothing
		}
		return f
	}
	return v
}

func equal(got, want any) bool {
	switch w := want.(type) {
	case nil:
		return got == nil
	case string:
		g, ok := got.(string)
		return ok && g == w
	case float64:
		g, ok := got.(float64)
		return ok && g == w
	case bool:
		g, ok := got.(bool)
		return ok && g == w
	}
	return false
}

// Match reports whether a document (as decoded by encoding/json into any)
// matches the pattern.
func (p *Pattern) Match(doc any) bool {
	obj, _ := doc.(map[string]any)
	for _, f := range p.fields {
		v, present := obj[f.name]
		if !f.match(v, present) {
			return false
		}
	}
	for _, alts := range p.or {
		if !anyPattern(alts, doc) {
			return false
		}
	}
	return true
}

// MatchJSON decodes a JSON document and matches it.
func (p *Pattern) MatchJSON(doc []byte) (bool, error) {
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		return false, err
	}
	return p.Match(v), nil
}

func anyPattern(alts []*Pattern, doc any) bool {
	for _, alt := range alts {
		if alt.Match(doc) {
			return true
		}
	}
	return false
}

func (f *field) match(v any, present bool) bool {
	if f.nested != nil {
		// An array of objects matches when one of its objects does.
		if list, ok := v.([]any); ok {
			for _, item := range list {
				if f.nested.Match(item) {
					return true
				}
			}
			return false
		}
		return f.nested.Match(v)
	}
	values := []any{v}
	if list, ok := v.([]any); ok {
		values = list
	}
	for _, m := range f.leaves {
		if m.exists != nil {
			if *m.exists == (present && !isObject(v)) {
				return true
			}
			continue
		}
		if !present {
			continue
		}
		for _, val := range values {
			if m.test(val) {
				return true
			}
		}
	}
	return false
}

func isObject(v any) bool {
	_, ok := v.(map[string]any)
	return ok
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func where(path string) string {
	if path == "" {
		return "the pattern"
	}
	return path
}

func describe(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case []any:
		return "an array"
	}
	return "an object"
}
