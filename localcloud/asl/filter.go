package asl

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// filterExpr is a JSONPath filter: comparisons of @-relative paths and
// literals joined by && and ||. && binds tighter, as in Jayway JsonPath.
type filterExpr struct {
	or [][]comparison // any of all of
}

type comparison struct {
	left, right operand
	op          string         // "" tests that left exists
	re          *regexp.Regexp // for "=~"
}

// parseRegexLiteral reads a Jayway regular expression literal, /pattern/
// with an optional i flag. Jayway matches the whole string.
func parseRegexLiteral(s string) (*regexp.Regexp, error) {
	end := strings.LastIndexByte(s, '/')
	if !strings.HasPrefix(s, "/") || end < 1 {
		return nil, fmt.Errorf("bad regular expression %s", s)
	}
	pattern, flags := s[1:end], s[end+1:]
	prefix := ""
	if strings.Contains(flags, "i") {
		prefix = "(?i)"
	}
	return regexp.Compile(prefix + "^(?:" + pattern + ")$")
}

type operand struct {
	path    *Path // relative to the current node when set
	literal any
}

func parseFilter(s string) (*filterExpr, error) {
	f := &filterExpr{}
	for _, alt := range splitTop(s, "||") {
		var all []comparison
		for _, part := range splitTop(alt, "&&") {
			c, err := parseComparison(strings.TrimSpace(part))
			if err != nil {
				return nil, err
			}
			all = append(all, c)
		}
		f.or = append(f.or, all)
	}
	return f, nil
}

// splitTop splits s on sep outside quotes and parentheses.
func splitTop(s, sep string) []string {
	var out []string
	for {
		i := scan(s, func(i, depth int) bool { return depth == 0 && strings.HasPrefix(s[i:], sep) })
		if i < 0 {
			return append(out, s)
		}
		out = append(out, s[:i])
		s = s[i+len(sep):]
	}
}

// filterOps are Jayway JsonPath's filter operators that Step Functions
// accepts; the word operators need spaces around them.
var filterOps = []string{"==", "!=", "<=", ">=", "=~", "<", ">", " nin ", " in "}

// operatorAt returns the comparison operator s starts with, or "".
func operatorAt(s string) string {
	for _, op := range filterOps {
		if strings.HasPrefix(s, op) {
			return strings.TrimSpace(op)
		}
	}
	return ""
}

func parseComparison(s string) (comparison, error) {
	for len(s) > 1 && s[0] == '(' && s[len(s)-1] == ')' {
		s = strings.TrimSpace(s[1 : len(s)-1])
	}
	if s == "" {
		return comparison{}, fmt.Errorf("empty filter")
	}
	// An operator is found at any depth outside quotes: a filter has no
	// nested expressions.
	var op string
	i := scan(s, func(i, _ int) bool {
		op = operatorAt(s[i:])
		return op != ""
	})
	if i >= 0 {
		l, err := parseOperand(strings.TrimSpace(s[:i]))
		if err != nil {
			return comparison{}, err
		}
		rest := strings.TrimSpace(s[i:])[len(op):]
		if op == "=~" {
			re, err := parseRegexLiteral(strings.TrimSpace(rest))
			if err != nil {
				return comparison{}, err
			}
			return comparison{left: l, op: op, re: re}, nil
		}
		r, err := parseOperand(strings.TrimSpace(rest))
		if err != nil {
			return comparison{}, err
		}
		return comparison{left: l, right: r, op: op}, nil
	}
	l, err := parseOperand(s)
	if err != nil {
		return comparison{}, err
	}
	if l.path == nil {
		return comparison{}, fmt.Errorf("filter %q tests no path", s)
	}
	return comparison{left: l}, nil
}

func parseOperand(s string) (operand, error) {
	if strings.HasPrefix(s, "@") {
		p, err := ParsePath("$" + s[1:])
		if err != nil {
			return operand{}, err
		}
		return operand{path: p}, nil
	}
	if strings.HasPrefix(s, "'") {
		names, err := splitQuoted(s, true)
		if err != nil || len(names) != 1 {
			return operand{}, fmt.Errorf("bad string literal %s", s)
		}
		return operand{literal: names[0]}, nil
	}
	v, err := decodeJSON([]byte(s))
	if err != nil {
		return operand{}, fmt.Errorf("bad filter operand %q", s)
	}
	return operand{literal: v}, nil
}

func (o operand) value(node any) (any, bool) {
	if o.path == nil {
		return o.literal, true
	}
	return o.path.Eval(node, nil)
}

func (f *filterExpr) match(node any) bool {
	for _, all := range f.or {
		ok := true
		for _, c := range all {
			if !c.match(node) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func (c comparison) match(node any) bool {
	l, ok := c.left.value(node)
	if !ok {
		return false
	}
	switch c.op {
	case "":
		// Jayway's existence check: the property is there, whatever its
		// value.
		return true
	case "=~":
		s, ok := l.(string)
		return ok && c.re.MatchString(s)
	}
	r, ok := c.right.value(node)
	if !ok {
		return false
	}
	switch c.op {
	case "in", "nin":
		list, ok := r.([]any)
		if !ok {
			return false
		}
		found := false
		for _, x := range list {
			if equalJSON(l, x) {
				found = true
				break
			}
		}
		return found == (c.op == "in")
	case "==":
		return equalJSON(l, r)
	case "!=":
		return !equalJSON(l, r)
	}
	var cmp int
	if n, ok := compareNumbers(l, r); ok {
		cmp = n
	} else if ls, ok := l.(string); ok {
		rs, ok := r.(string)
		if !ok {
			return false
		}
		cmp = strings.Compare(ls, rs)
	} else {
		return false
	}
	switch c.op {
	case "<":
		return cmp < 0
	case "<=":
		return cmp <= 0
	case ">":
		return cmp > 0
	default:
		return cmp >= 0
	}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
