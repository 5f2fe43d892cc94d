package asl

import (
	"fmt"
	"strconv"
	"strings"
)

// Path is a parsed JSONPath expression as Step Functions accepts it: it
// starts at "$" (the state's data) or "$$" (the context object) and goes on
// with .name, ['name'], [index], [start:end:step], [*], .*, ..name, [a,b]
// and filters like [?(@.price < 10 && @.ok)].
type Path struct {
	text    string
	context bool
	segs    []segment
}

type segKind int

const (
	segField segKind = iota
	segIndex
	segWildcard
	segSlice
	segUnion
	segFilter
	segDeep // recursive descent, applying inner at every level
)

type segment struct {
	kind    segKind
	name    string
	index   int
	names   []string
	indexes []int
	slice   [3]*int
	filter  *filterExpr
	inner   *segment // what segDeep selects at every level
}

// ParsePath parses a JSONPath expression.
func ParsePath(s string) (*Path, error) {
	p := &Path{text: s}
	rest, ok := strings.CutPrefix(s, "$$")
	if ok {
		p.context = true
	} else if rest, ok = strings.CutPrefix(s, "$"); !ok {
		return nil, fmt.Errorf("the path %q does not start with '$'", s)
	}
	for rest != "" {
		var seg segment
		var err error
		switch {
		case strings.HasPrefix(rest, ".."):
			seg, rest, err = parseDeep(rest[2:])
		case strings.HasPrefix(rest, ".["):
			// Jayway reads "$.[0]" and "$.[?(...)]" as "$[0]" and "$[?(...)]".
			seg, rest, err = parseBracket(rest[2:])
		case rest[0] == '.':
			seg, rest, err = parseDot(rest[1:])
		case rest[0] == '[':
			seg, rest, err = parseBracket(rest[1:])
		default:
			err = fmt.Errorf("unexpected character %q", rest[0])
		}
		if err != nil {
			return nil, fmt.Errorf("invalid JSONPath %q: %w", s, err)
		}
		p.segs = append(p.segs, seg)
	}
	return p, nil
}

func (p *Path) String() string { return p.text }

// Definite reports whether the path selects at most one value.
func (p *Path) Definite() bool {
	for _, s := range p.segs {
		if s.kind != segField && s.kind != segIndex {
			return false
		}
	}
	return true
}

// IsReference reports whether the path is a Reference Path: only names and
// indexes, so that it can be the target of ResultPath.
func (p *Path) IsReference() bool { return !p.context && p.Definite() }

// normalized renders the path the way Jayway JsonPath (and so AWS) prints it
// in messages: $['a']['b'][0].
func (p *Path) normalized() string {
	var b strings.Builder
	b.WriteString("$")
	for _, s := range p.segs {
		switch s.kind {
		case segField:
			b.WriteString("['" + s.name + "']")
		case segIndex:
			b.WriteString("[" + strconv.Itoa(s.index) + "]")
		default:
			return p.text
		}
	}
	return b.String()
}

// notFound explains, in Jayway JsonPath's words, why the definite path p
// selects nothing in data (or ctx for "$$"). A missing property at the end
// of the path, or an index out of bounds, gives "No results for path:
// $['a']['b']"; a missing property before the end stops the walk with
// "Missing property in path $['a']", naming the path up to that property.
func (p *Path) notFound(data, ctx any) string {
	cur := data
	if p.context {
		cur = ctx
	}
	var b strings.Builder
	b.WriteString("$")
	for i, s := range p.segs {
		next, ok := step(cur, s)
		if s.kind == segField {
			b.WriteString("['" + s.name + "']")
		} else {
			b.WriteString("[" + strconv.Itoa(s.index) + "]")
		}
		if !ok {
			if _, isObj := cur.(*object); isObj && s.kind == segField && i < len(p.segs)-1 {
				return "Missing property in path " + b.String()
			}
			break
		}
		cur = next
	}
	return "No results for path: " + p.normalized()
}

func nameEnd(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] == '.' || s[i] == '[' {
			return i
		}
	}
	return len(s)
}

func parseDot(s string) (segment, string, error) {
	if strings.HasPrefix(s, "*") {
		return segment{kind: segWildcard}, s[1:], nil
	}
	n := nameEnd(s)
	if n == 0 {
		return segment{}, "", fmt.Errorf("empty name after '.'")
	}
	return segment{kind: segField, name: s[:n]}, s[n:], nil
}

// parseDeep reads what follows "..": a name, "*", or a bracket (Jayway
// accepts $..['name'], $..[0], $..[*] and $..[?(...)]).
func parseDeep(s string) (segment, string, error) {
	var inner segment
	var rest string
	var err error
	switch {
	case strings.HasPrefix(s, "*"):
		inner, rest = segment{kind: segWildcard}, s[1:]
	case strings.HasPrefix(s, "["):
		if inner, rest, err = parseBracket(s[1:]); err != nil {
			return segment{}, "", err
		}
	default:
		n := nameEnd(s)
		if n == 0 {
			return segment{}, "", fmt.Errorf("empty name after '..'")
		}
		inner, rest = segment{kind: segField, name: s[:n]}, s[n:]
	}
	return segment{kind: segDeep, inner: &inner}, rest, nil
}

// closing finds the ']' that closes a bracket, skipping quoted strings and
// nested brackets and parentheses.
func closing(s string) int {
	return scan(s, func(i, depth int) bool { return depth == 0 && s[i] == ']' })
}

func parseBracket(s string) (segment, string, error) {
	end := closing(s)
	if end < 0 {
		return segment{}, "", fmt.Errorf("missing ']'")
	}
	body, rest := strings.TrimSpace(s[:end]), s[end+1:]
	switch {
	case body == "*":
		return segment{kind: segWildcard}, rest, nil
	case strings.HasPrefix(body, "?(") && strings.HasSuffix(body, ")"):
		f, err := parseFilter(body[2 : len(body)-1])
		if err != nil {
			return segment{}, "", err
		}
		return segment{kind: segFilter, filter: f}, rest, nil
	case strings.HasPrefix(body, "'") || strings.HasPrefix(body, "\""):
		names, err := splitQuoted(body, false)
		if err != nil {
			return segment{}, "", err
		}
		if len(names) == 1 {
			return segment{kind: segField, name: names[0]}, rest, nil
		}
		return segment{kind: segUnion, names: names}, rest, nil
	case strings.Contains(body, ":"):
		parts := strings.Split(body, ":")
		if len(parts) > 3 {
			return segment{}, "", fmt.Errorf("bad slice %q", body)
		}
		var seg segment
		seg.kind = segSlice
		for i, part := range parts {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			n, err := strconv.Atoi(part)
			if err != nil {
				return segment{}, "", fmt.Errorf("bad slice %q", body)
			}
			seg.slice[i] = &n
		}
		if seg.slice[2] != nil && *seg.slice[2] == 0 {
			return segment{}, "", fmt.Errorf("slice step cannot be zero")
		}
		return seg, rest, nil
	default:
		var idx []int
		for _, part := range strings.Split(body, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(part))
			if err != nil {
				return segment{}, "", fmt.Errorf("bad index %q", body)
			}
			idx = append(idx, n)
		}
		if len(idx) == 1 {
			return segment{kind: segIndex, index: idx[0]}, rest, nil
		}
		return segment{kind: segUnion, indexes: idx}, rest, nil
	}
}

// splitQuoted splits 'a','b' into its names. A backslash keeps the
// character after it from closing the name; with unescape it is dropped,
// otherwise it stays in the name, as in the bracket notation of Step
// Functions paths: $['a\"b'] selects the key a\"b.
func splitQuoted(body string, unescape bool) ([]string, error) {
	var names []string
	for body != "" {
		q := body[0]
		if q != '\'' && q != '"' {
			return nil, fmt.Errorf("expected a quoted name in %q", body)
		}
		var b strings.Builder
		i := 1
		for ; i < len(body) && body[i] != q; i++ {
			if body[i] == '\\' && i+1 < len(body) {
				if !unescape {
					b.WriteByte(body[i])
				}
				i++
			}
			b.WriteByte(body[i])
		}
		if i >= len(body) {
			return nil, fmt.Errorf("unterminated name in %q", body)
		}
		names = append(names, b.String())
		body = strings.TrimSpace(body[i+1:])
		if body != "" {
			if body[0] != ',' {
				return nil, fmt.Errorf("expected ',' in %q", body)
			}
			body = strings.TrimSpace(body[1:])
		}
	}
	return names, nil
}

// Eval applies the path to data (for "$") or ctx (for "$$"). A definite path
// returns the value it selects and whether it exists. Any other path returns
// the list of values it matches (possibly empty) and true.
func (p *Path) Eval(data, ctx any) (any, bool) {
	root := data
	if p.context {
		root = ctx
	}
	if p.Definite() {
		cur := root
		for _, s := range p.segs {
			var ok bool
			if cur, ok = step(cur, s); !ok {
				return nil, false
			}
		}
		return cur, true
	}
	nodes := []any{root}
	for _, s := range p.segs {
		var next []any
		for _, n := range nodes {
			next = append(next, selectAll(n, s)...)
		}
		nodes = next
	}
	if nodes == nil {
		nodes = []any{}
	}
	return nodes, true
}

func step(v any, s segment) (any, bool) {
	switch s.kind {
	case segField:
		o, ok := v.(*object)
		if !ok {
			return nil, false
		}
		return o.get(s.name)
	case segIndex:
		a, ok := v.([]any)
		if !ok {
			return nil, false
		}
		i := s.index
		if i < 0 {
			i += len(a)
		}
		if i < 0 || i >= len(a) {
			return nil, false
		}
		return a[i], true
	}
	return nil, false
}

func children(v any) []any {
	switch t := v.(type) {
	case *object:
		return t.vals
	case []any:
		return t
	}
	return nil
}

func selectAll(v any, s segment) []any {
	switch s.kind {
	case segField, segIndex:
		if x, ok := step(v, s); ok {
			return []any{x}
		}
		return nil
	case segWildcard:
		return children(v)
	case segUnion:
		var out []any
		for _, n := range s.names {
			out = append(out, selectAll(v, segment{kind: segField, name: n})...)
		}
		for _, i := range s.indexes {
			out = append(out, selectAll(v, segment{kind: segIndex, index: i})...)
		}
		return out
	case segSlice:
		a, ok := v.([]any)
		if !ok {
			return nil
		}
		return sliceOf(a, s.slice)
	case segFilter:
		var out []any
		for _, c := range children(v) {
			if s.filter.match(c) {
				out = append(out, c)
			}
		}
		return out
	case segDeep:
		var out []any
		var walk func(any)
		walk = func(n any) {
			out = append(out, selectAll(n, *s.inner)...)
			for _, c := range children(n) {
				walk(c)
			}
		}
		walk(v)
		return out
	}
	return nil
}

func sliceOf(a []any, sl [3]*int) []any {
	n := len(a)
	stepBy := 1
	if sl[2] != nil {
		stepBy = *sl[2]
	}
	clamp := func(p *int, def int) int {
		if p == nil {
			return def
		}
		i := *p
		if i < 0 {
			i += n
		}
		return max(0, min(i, n))
	}
	var out []any
	if stepBy > 0 {
		for i := clamp(sl[0], 0); i < clamp(sl[1], n); i += stepBy {
			out = append(out, a[i])
		}
		return out
	}
	start := n - 1
	if sl[0] != nil {
		start = min(clamp(sl[0], 0), n-1)
	}
	end := -1
	if sl[1] != nil {
		end = clamp(sl[1], 0)
	}
	for i := start; i > end; i += stepBy {
		out = append(out, a[i])
	}
	return out
}

// setPath stores value at a Reference Path inside data, creating objects on
// the way, and returns the new root.
func setPath(data any, p *Path, value any) (any, error) {
	if len(p.segs) == 0 {
		return value, nil
	}
	var set func(cur any, segs []segment) (any, error)
	set = func(cur any, segs []segment) (any, error) {
		s := segs[0]
		switch s.kind {
		case segField:
			o, ok := cur.(*object)
			if cur == nil {
				o, ok = newObject(1), true
			}
			if !ok {
				return nil, fmt.Errorf("the path %s references a field of a %s", p.text, typeName(cur))
			}
			if len(segs) == 1 {
				o.set(s.name, value)
				return o, nil
			}
			old, _ := o.get(s.name)
			child, err := set(old, segs[1:])
			if err != nil {
				return nil, err
			}
			o.set(s.name, child)
			return o, nil
		case segIndex:
			a, ok := cur.([]any)
			i := s.index
			if ok && i < 0 {
				i += len(a)
			}
			if !ok || i < 0 || i >= len(a) {
				return nil, fmt.Errorf("the path %s references a missing array element", p.text)
			}
			if len(segs) == 1 {
				a[i] = value
				return a, nil
			}
			child, err := set(a[i], segs[1:])
			if err != nil {
				return nil, err
			}
			a[i] = child
			return a, nil
		}
		return nil, fmt.Errorf("the path %s is not a reference path", p.text)
	}
	return set(data, p.segs)
}
