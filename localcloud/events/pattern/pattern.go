// Package pattern compiles and matches EventBridge event patterns and SNS
// filter policies, which are one language read by the same matcher at AWS:
// exact values (an array is an OR), nested objects, "prefix", "suffix",
// "wildcard", "equals-ignore-case", "anything-but", "numeric", "exists",
// "cidr" and "$or".
//
// Both sides are flattened before they meet, as AWS flattens them: a
// pattern key "a.b" and a nested {"a":{"b":…}} name the same field, in the
// pattern and in the document alike, and arrays (arrays of arrays too) give
// a field several values. Fields matched inside objects of one array must
// come from the same element of it. A pattern with "$or" is the OR of the
// patterns it expands to.
//
// Compile checks a pattern as EventBridge does; CompilePolicy checks an SNS
// filter policy, which adds limits of its own and differs in a few
// operators. Errors carry AWS's reason text.
package pattern

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"
)

// Error is a pattern that cannot be compiled; Reason is AWS's reason text.
type Error struct{ Reason string }

// Error returns the message EventBridge's InvalidEventPatternException
// carries.
func (e *Error) Error() string { return "Event pattern is not valid. Reason: " + e.Reason }

func errorf(format string, args ...any) error { return &Error{Reason: fmt.Sprintf(format, args...)} }

// Dialect is the service whose rules a pattern is checked against.
type Dialect int

// The dialects.
const (
	EventBridge Dialect = iota // event patterns of rules and TestEventPattern
	SNS                        // subscription filter policies
)

// Pattern is a compiled event pattern: it matches a document when one of
// its branches does, and a branch matches when each of its fields does.
type Pattern struct {
	branches []branch
}

// branch is one alternative of a pattern, its fields by flattened path.
type branch map[string][]test

// test is one of the OR'd match values of a field.
type test struct {
	absent bool           // {"exists": false}: the field has no value
	match  func(any) bool // any other: one of the field's values passes
}

// Compile parses and checks an EventBridge event pattern.
func Compile(doc []byte) (*Pattern, error) { return compile(doc, EventBridge) }

// MustCompile is Compile for patterns known to be valid; it panics otherwise.
func MustCompile(doc string) *Pattern {
	p, err := Compile([]byte(doc))
	if err != nil {
		panic(err)
	}
	return p
}

func compile(doc []byte, d Dialect) (*Pattern, error) {
	root, err := parseJSON(doc)
	if err != nil {
		return nil, err
	}
	if root.kind != objectNode {
		return nil, errNotObject
	}
	c := &compiler{dialect: d}
	var rules []branch
	if err := c.object(&rules, nil, root, false); err != nil {
		return nil, err
	}
	if err := c.checkWildcardComplexity(); err != nil {
		return nil, err
	}
	return &Pattern{branches: rules}, nil
}

type compiler struct {
	dialect  Dialect
	path     string                     // the field being compiled
	wildcard map[string]map[string]bool // the wildcard texts of each path
}

// noteWildcard records a wildcard of the field being compiled, for the
// complexity check. Like AWS, only "wildcard" match values count, not the
// wildcards of "anything-but", and a wildcard given twice counts once.
func (c *compiler) noteWildcard(text string) {
	if c.wildcard == nil {
		c.wildcard = map[string]map[string]bool{}
	}
	if c.wildcard[c.path] == nil {
		c.wildcard[c.path] = map[string]bool{}
	}
	c.wildcard[c.path][text] = true
}

// reservedInOr are names AWS does not take as field names inside "$or".
var reservedInOr = map[string]bool{
	"anything-but": true, "exists": true, "prefix": true, "suffix": true, "numeric": true,
	"cidr": true, "equals-ignore-case": true, "wildcard": true, "$or": false,
}

// object compiles the members of an object pattern at path into rules,
// forking the rules at each "$or".
func (c *compiler) object(rules *[]branch, path []string, n node, inOr bool) error {
	for _, m := range n.members {
		if m.name == "$or" {
			if err := c.or(rules, path, m.value); err != nil {
				return err
			}
			continue
		}
		if inOr && reservedInOr[m.name] {
			return errorf("%s is Ruler reserved fieldName which cannot be used inside $or.", m.name)
		}
		switch m.value.kind {
		case objectNode:
			if err := c.object(rules, append(path[:len(path):len(path)], m.name), m.value, inOr); err != nil {
				return err
			}
		case arrayNode:
			name := strings.Join(append(path[:len(path):len(path)], m.name), ".")
			c.path = name
			tests, err := c.values(m.value)
			if err != nil {
				return err
			}
			if len(*rules) == 0 {
				*rules = []branch{{}}
			}
			for _, r := range *rules {
				r[name] = tests // a repeated name: the last one counts
			}
		default:
			return errorf("%q must be an object or an array", m.name)
		}
	}
	if len(n.members) == 0 {
		return errorf("Empty objects are not allowed")
	}
	return nil
}

func (c *compiler) or(rules *[]branch, path []string, n node) error {
	if n.kind != arrayNode {
		return errorf("It must be an Array followed with $or.")
	}
	before := *rules
	var after []branch
	for _, alt := range n.items {
		if alt.kind != objectNode {
			return errorf("Only JSON object is allowed in array of $or relationship.")
		}
		forked := make([]branch, 0, len(before))
		for _, r := range before {
			forked = append(forked, r.clone())
		}
		if len(forked) == 0 {
			forked = []branch{{}}
		}
		if err := c.object(&forked, path, alt, true); err != nil {
			return err
		}
		after = append(after, forked...)
	}
	if len(n.items) < 2 {
		return errorf("There must have at least 2 Objects in $or relationship.")
	}
	*rules = after
	return nil
}

func (b branch) clone() branch {
	out := make(branch, len(b))
	for k, v := range b {
		out[k] = v
	}
	return out
}

// values compiles the array of match values of a field.
func (c *compiler) values(n node) ([]test, error) {
	var tests []test
	for _, v := range n.items {
		switch v.kind {
		case objectNode:
			t, err := c.expression(v)
			if err != nil {
				return nil, err
			}
			tests = append(tests, t)
		case arrayNode:
			return nil, errorf("Match value must be String, number, true, false, or null")
		default:
			tests = append(tests, test{match: equals(v)})
		}
	}
	if len(tests) == 0 {
		return nil, errorf("Empty arrays are not allowed")
	}
	return tests, nil
}

// expression compiles a match expression such as {"prefix": "us-"}.
func (c *compiler) expression(n node) (test, error) {
	if len(n.members) == 0 {
		return test{}, errorf("Match expression name not found")
	}
	op, arg := n.members[0].name, n.members[0].value
	one := func(t test, err error) (test, error) {
		if err == nil && len(n.members) > 1 {
			if op == "numeric" || op == "anything-but" {
				return test{}, errorf("Too many elements in numeric expression")
			}
			return test{}, errorf("Only one key allowed in match expression")
		}
		return t, err
	}
	switch op {
	case "exists":
		if arg.kind != boolNode {
			return test{}, errorf("exists match pattern must be either true or false.")
		}
		if arg.text == "false" {
			return one(test{absent: true}, nil)
		}
		return one(test{match: func(any) bool { return true }}, nil)
	case "prefix", "suffix":
		f, err := affix(op, arg)
		return one(test{match: f}, err)
	case "equals-ignore-case":
		if arg.kind != stringNode {
			return test{}, errorf("equals-ignore-case match pattern must be a string")
		}
		return one(test{match: foldEquals(arg.text)}, nil)
	case "wildcard":
		if c.dialect == SNS {
			break
		}
		if arg.kind != stringNode {
			return test{}, errorf("wildcard match pattern must be a string")
		}
		f, err := wildcard(arg.text)
		c.noteWildcard(arg.text)
		return one(test{match: f}, err)
	case "numeric":
		f, err := numeric(arg, c.dialect == EventBridge)
		return one(test{match: f}, err)
	case "cidr":
		if arg.kind != stringNode {
			return test{}, errorf("prefix match pattern must be a string")
		}
		f, err := cidr(arg.text)
		return one(test{match: f}, err)
	case "anything-but":
		f, err := c.anythingBut(arg)
		if err != nil {
			return test{}, err
		}
		return one(test{match: func(v any) bool { return !f(v) }}, nil)
	}
	return test{}, errorf("Unrecognized match type %s", op)
}

// affix compiles prefix and suffix on a string or on
// {"equals-ignore-case": string}.
func affix(op string, arg node) (func(any) bool, error) {
	fold := false
	if arg.kind == objectNode && len(arg.members) == 1 && arg.members[0].name == "equals-ignore-case" {
		arg, fold = arg.members[0].value, true
	}
	if arg.kind != stringNode {
		return nil, errorf("%s match pattern must be a string", op)
	}
	return affixTest(op == "prefix", arg.text, fold), nil
}

func affixTest(prefix bool, s string, fold bool) func(any) bool {
	has := strings.HasSuffix
	if prefix {
		has = strings.HasPrefix
	}
	if fold {
		s = strings.ToLower(s)
	}
	return func(v any) bool {
		g, ok := v.(string)
		if !ok {
			return false
		}
		if fold {
			g = strings.ToLower(g)
		}
		return has(g, s)
	}
}

// checkNumber refuses an anything-but number EventBridge cannot compare.
func (c *compiler) checkNumber(n node) error {
	if f, _ := n.numeric(); c.dialect == EventBridge && !inNumericRange(f) {
		return errNumericRange
	}
	return nil
}

func foldEquals(s string) func(any) bool {
	return func(v any) bool { g, ok := v.(string); return ok && strings.EqualFold(g, s) }
}

// anythingBut compiles what anything-but excludes.
func (c *compiler) anythingBut(arg node) (func(any) bool, error) {
	switch arg.kind {
	case stringNode:
		return equals(arg), nil
	case numberNode:
		return equals(arg), c.checkNumber(arg)
	case arrayNode:
		var tests []func(any) bool
		strs, nums := false, false
		for _, v := range arg.items {
			switch v.kind {
			case stringNode:
				strs = true
			case numberNode:
				nums = true
				if err := c.checkNumber(v); err != nil {
					return nil, err
				}
			default:
				return nil, errorf("Inside anything but list, start|null|boolean is not supported.")
			}
			tests = append(tests, equals(v))
		}
		if strs == nums {
			return nil, errorf("Inside anything but list, either all values are number or string, mixed type is not supported")
		}
		return anyOf(tests), nil
	case objectNode:
		if len(arg.members) == 0 {
			return nil, errorf("Anything-But expression name not found")
		}
		op, inner := arg.members[0].name, arg.members[0].value
		f, err := c.anythingButOperator(op, inner)
		if err == nil && len(arg.members) > 1 {
			return nil, errorf("Only one key allowed in match expression")
		}
		return f, err
	}
	return nil, errorf("Value of anything-but must be an array or single string/number value.")
}

func (c *compiler) anythingButOperator(op string, inner node) (func(any) bool, error) {
	var one func(string) (func(any) bool, error)
	mustBe := "prefix/suffix match pattern must be a string"
	switch {
	case op == "equals-ignore-case":
		switch inner.kind {
		case stringNode:
			return foldEquals(inner.text), nil
		case arrayNode:
			var tests []func(any) bool
			for _, v := range inner.items {
				if v.kind != stringNode {
					return nil, errorf("Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.")
				}
				tests = append(tests, foldEquals(v.text))
			}
			return anyOf(tests), nil
		}
		return nil, errorf("Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.")
	case op == "prefix" || (op == "suffix" && c.dialect != SNS):
		if c.dialect == SNS {
			mustBe = op + " match pattern must be a string"
		}
		one = func(s string) (func(any) bool, error) {
			if s == "" {
				return nil, errorf("Null prefix/suffix not allowed")
			}
			return affixTest(op == "prefix", s, false), nil
		}
	case op == "wildcard" && c.dialect != SNS:
		mustBe = "wildcard match pattern must be a string"
		one = wildcard
	default:
		return nil, errorf("Unsupported anything-but pattern: %s", op)
	}
	if c.dialect == SNS && inner.kind != stringNode {
		// SNS takes one prefix, as its message for a prefix that is not
		// a string ("prefix match pattern must be a string") shows: it
		// reads anything-but as EventBridge did before lists of them.
		return nil, errorf("%s", mustBe)
	}
	switch inner.kind {
	case stringNode:
		return one(inner.text)
	case arrayNode:
		var tests []func(any) bool
		for _, v := range inner.items {
			if v.kind != stringNode {
				return nil, errorf("%s", mustBe)
			}
			t, err := one(v.text)
			if err != nil {
				return nil, err
			}
			tests = append(tests, t)
		}
		if len(tests) == 0 {
			return nil, errorf("Empty arrays are not allowed")
		}
		return anyOf(tests), nil
	case objectNode:
		return nil, errorf("Value of anything-but must be an array or single string/number value.")
	}
	return nil, errorf("%s", mustBe)
}

func anyOf(tests []func(any) bool) func(any) bool {
	return func(v any) bool {
		for _, t := range tests {
			if t(v) {
				return true
			}
		}
		return false
	}
}

// equals compiles an exact value. A number equals the same number written
// another way (5, 5.0, 5e0); an IP address the same address written another
// way.
func equals(n node) func(any) bool {
	switch n.kind {
	case stringNode:
		s := n.text
		if addr, err := netip.ParseAddr(s); err == nil {
			return func(v any) bool {
				g, ok := v.(string)
				if !ok {
					return false
				}
				if g == s {
					return true
				}
				other, err := netip.ParseAddr(g)
				return err == nil && other == addr
			}
		}
		return func(v any) bool { g, ok := v.(string); return ok && g == s }
	case numberNode:
		f, _ := n.numeric()
		text := n.text
		return func(v any) bool {
			switch g := v.(type) {
			case json.Number:
				if string(g) == text {
					return true
				}
				h, err := g.Float64()
				return err == nil && h == f
			case float64:
				return g == f
			}
			return false
		}
	case boolNode:
		b := n.text == "true"
		return func(v any) bool { g, ok := v.(bool); return ok && g == b }
	}
	return func(v any) bool { return v == nil }
}

// number returns a document value as a number, if it is one.
func number(v any) (float64, bool) {
	switch g := v.(type) {
	case json.Number:
		f, err := g.Float64()
		return f, err == nil
	case float64:
		return g, true
	}
	return 0, false
}

// numeric compiles ["=", 5] and ranges such as [">", 0, "<=", 5], checking
// them in the order AWS reads them.
//
// EventBridge compares numbers from -5.0e9 to 5.0e9 only, as it documents:
// it refuses a bound beyond them, and an event's number beyond them meets
// no numeric rule. SNS documents numeric matching for values from -1e9 to
// 1e9, but documents no error for a policy whose bound lies beyond and no
// recorded answer shows one, so its bounds are not limited.
func numeric(arg node, limited bool) (func(any) bool, error) {
	if arg.kind != arrayNode {
		return nil, errorf("Value of numeric must be an array.")
	}
	items := arg.items
	at := func(i int) (node, bool) {
		if i < len(items) {
			return items[i], true
		}
		return node{}, false
	}
	first, ok := at(0)
	if !ok || first.kind != stringNode {
		text := "]"
		if ok {
			text = first.text
		}
		return nil, errorf("Invalid member in numeric match: %s", text)
	}
	op := first.text
	val, ok := at(1)
	num, isNum := val.numeric()
	name := op
	if op == "=" {
		name = "equals"
	}
	switch op {
	case "=", ">", ">=", "<", "<=":
		if !ok || !isNum {
			return nil, errorf("Value of %s must be numeric", name)
		}
	default:
		return nil, errorf("Unrecognized numeric range operator: %s", op)
	}
	if op == "=" || op == "<" || op == "<=" || len(items) == 2 {
		if len(items) > 2 {
			return nil, errorf("Too many elements in numeric expression")
		}
		if limited && !inNumericRange(num) {
			return nil, errNumericRange
		}
		return bound(op, num, limited), nil
	}
	second := items[2]
	if second.kind != stringNode {
		return nil, errorf("Bad value in numeric range: %s", second.text)
	}
	top := second.text
	if top != "<" && top != "<=" {
		return nil, errorf("Bad numeric range operator: %s", top)
	}
	upper, ok := at(3)
	upperNum, isNum := upper.numeric()
	if !ok || !isNum {
		return nil, errorf("Value of %s must be numeric", top)
	}
	if len(items) > 4 {
		return nil, errorf("Too many terms in numeric range expression")
	}
	if num >= upperNum {
		return nil, errorf("Bottom must be less than top")
	}
	if limited && (!inNumericRange(num) || !inNumericRange(upperNum)) {
		return nil, errNumericRange
	}
	low, high := bound(op, num, limited), bound(top, upperNum, limited)
	return func(v any) bool { return low(v) && high(v) }, nil
}

// maxNumeric is the largest magnitude EventBridge compares numerically.
const maxNumeric = 5.0e9

// errNumericRange is AWS's answer to a number it cannot compare.
var errNumericRange = errorf("Value must be between -5.0E9 and 5.0E9, inclusive")

func inNumericRange(f float64) bool { return f >= -maxNumeric && f <= maxNumeric }

// bound compiles one comparison; a limited one holds for no value beyond
// the numbers EventBridge compares.
func bound(op string, n float64, limited bool) func(any) bool {
	return func(v any) bool {
		g, ok := number(v)
		if !ok || limited && !inNumericRange(g) {
			return false
		}
		switch op {
		case "=":
			return g == n
		case ">":
			return g > n
		case ">=":
			return g >= n
		case "<":
			return g < n
		}
		return g <= n
	}
}

// cidr compiles an IP address block.
func cidr(s string) (func(any) bool, error) {
	addr, bits, ok := strings.Cut(s, "/")
	if !ok || strings.Contains(bits, "/") {
		return nil, errorf("Malformed CIDR, one '/' required")
	}
	n, err := strconv.Atoi(bits)
	if err != nil {
		return nil, errorf("Malformed CIDR, mask bits must be an integer")
	}
	ip, err := netip.ParseAddr(addr)
	if err != nil || ip.Zone() != "" {
		return nil, errorf("Nonstandard IP address: %s", addr)
	}
	if n < 0 || n > ip.BitLen() {
		return nil, errorf("Malformed CIDR, mask bits must be between 0 and %d", ip.BitLen())
	}
	block := netip.PrefixFrom(ip, n).Masked()
	return func(v any) bool {
		g, ok := v.(string)
		if !ok {
			return false
		}
		a, err := netip.ParseAddr(g)
		return err == nil && block.Contains(a.Unmap())
	}, nil
}

// wildcard compiles "releases/*.zip": "*" is any run of characters, "\*" a
// literal star and "\\" a literal backslash.
func wildcard(s string) (func(any) bool, error) {
	parts, err := wildcardParts(s)
	if err != nil {
		return nil, err
	}
	return func(v any) bool {
		g, ok := v.(string)
		return ok && globMatch(parts, g)
	}, nil
}

// wildcardParts splits a wildcard into the literal runs between its stars.
func wildcardParts(s string) ([]string, error) {
	var parts []string
	var cur strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			if i+1 == len(s) || (s[i+1] != '*' && s[i+1] != '\\') {
				return nil, errorf("Invalid escape character at pos %d", i+1)
			}
			i++
			cur.WriteByte(s[i])
		case '*':
			if i > 0 && s[i-1] == '*' && (i < 2 || s[i-2] != '\\') {
				return nil, errorf("Consecutive wildcard characters at pos %d", i)
			}
			parts = append(parts, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	return append(parts, cur.String()), nil
}

func globMatch(parts []string, g string) bool {
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
}

// Match reports whether a document (as decoded by encoding/json into any,
// with or without UseNumber) matches the pattern.
func (p *Pattern) Match(doc any) bool {
	fields := flatten(doc)
	for _, b := range p.branches {
		if b.match(fields) {
			return true
		}
	}
	return false
}

// MatchJSON decodes a JSON document and matches it.
func (p *Pattern) MatchJSON(doc []byte) (bool, error) {
	v, err := decodeDocument(doc)
	if err != nil {
		return false, err
	}
	return p.Match(v), nil
}

func decodeDocument(doc []byte) (any, error) {
	dec := json.NewDecoder(strings.NewReader(string(doc)))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	return v, err
}

// leaf is one value of a flattened document, with the array elements it
// sits in.
type leaf struct {
	value any
	in    []position
}

// position is an element of one array of the document.
type position struct{ array, index int }

// flatten lists a document's values by dotted path.
func flatten(doc any) map[string][]leaf {
	out := map[string][]leaf{}
	arrays := 0
	var walk func(v any, path string, in []position)
	walk = func(v any, path string, in []position) {
		switch v := v.(type) {
		case map[string]any:
			for k, sub := range v {
				name := k
				if path != "" {
					name = path + "." + k
				}
				walk(sub, name, in)
			}
		case []any:
			arrays++
			id := arrays
			for i, item := range v {
				walk(item, path, append(in[:len(in):len(in)], position{id, i}))
			}
		default:
			if path != "" {
				out[path] = append(out[path], leaf{v, in})
			}
		}
	}
	walk(doc, "", nil)
	return out
}

// match finds values for every field of the branch that come from the same
// element of each array they share.
func (b branch) match(fields map[string][]leaf) bool {
	names := make([]string, 0, len(b))
	for name := range b {
		names = append(names, name)
	}
	sort.Strings(names)
	chosen := map[int]int{} // array → element
	var try func(i int) bool
	try = func(i int) bool {
		if i == len(names) {
			return true
		}
		values := fields[names[i]]
		for _, t := range b[names[i]] {
			if t.absent {
				if len(values) == 0 && try(i+1) {
					return true
				}
				continue
			}
			for _, l := range values {
				if !consistent(chosen, l.in) || !t.match(l.value) {
					continue
				}
				var added []int
				for _, p := range l.in {
					if _, ok := chosen[p.array]; !ok {
						chosen[p.array] = p.index
						added = append(added, p.array)
					}
				}
				ok := try(i + 1)
				for _, a := range added {
					delete(chosen, a)
				}
				if ok {
					return true
				}
			}
		}
		return false
	}
	return try(0)
}

func consistent(chosen map[int]int, in []position) bool {
	for _, p := range in {
		if i, ok := chosen[p.array]; ok && i != p.index {
			return false
		}
	}
	return true
}
