package cloudwatch

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
)

// series is a metric-math value: a time series keyed by period start
// (Unix nanoseconds), or a scalar when scalar is set.
type series struct {
	points map[int64]float64
	scalar *float64
}

func scalarOf(v float64) series { return series{scalar: &v} }

// node is a parsed metric-math expression.
type node interface {
	eval(env *mathEnv) (series, error)
}

// mathEnv holds what an expression is evaluated against: the series of the
// other queries by id and every period start of the requested range.
type mathEnv struct {
	vars map[string]series
	grid []int64
}

type (
	numNode float64
	refNode string
	negNode struct{ x node }
	binNode struct {
		op   string
		l, r node
	}
	callNode struct {
		fn   string
		args []node
	}
)

func (n numNode) eval(*mathEnv) (series, error) { return scalarOf(float64(n)), nil }

func (n refNode) eval(env *mathEnv) (series, error) {
	s, ok := env.vars[string(n)]
	if !ok {
		return series{}, fmt.Errorf("unknown metric id %q", string(n))
	}
	return s, nil
}

func (n negNode) eval(env *mathEnv) (series, error) {
	x, err := n.x.eval(env)
	if err != nil {
		return series{}, err
	}
	return combine(x, scalarOf(-1), func(a, b float64) (float64, bool) { return a * b, true }), nil
}

var binOps = map[string]func(a, b float64) (float64, bool){
	"+": func(a, b float64) (float64, bool) { return a + b, true },
	"-": func(a, b float64) (float64, bool) { return a - b, true },
	"*": func(a, b float64) (float64, bool) { return a * b, true },
	"/": func(a, b float64) (float64, bool) {
		if b == 0 {
			return 0, false // AWS drops points divided by zero
		}
		return a / b, true
	},
	">":   func(a, b float64) (float64, bool) { return bool01(a > b), true },
	"<":   func(a, b float64) (float64, bool) { return bool01(a < b), true },
	">=":  func(a, b float64) (float64, bool) { return bool01(a >= b), true },
	"<=":  func(a, b float64) (float64, bool) { return bool01(a <= b), true },
	"==":  func(a, b float64) (float64, bool) { return bool01(a == b), true },
	"!=":  func(a, b float64) (float64, bool) { return bool01(a != b), true },
	"AND": func(a, b float64) (float64, bool) { return bool01(a != 0 && b != 0), true },
	"OR":  func(a, b float64) (float64, bool) { return bool01(a != 0 || b != 0), true },
}

func bool01(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func (n binNode) eval(env *mathEnv) (series, error) {
	l, err := n.l.eval(env)
	if err != nil {
		return series{}, err
	}
	r, err := n.r.eval(env)
	if err != nil {
		return series{}, err
	}
	return combine(l, r, binOps[n.op]), nil
}

// combine applies f point by point; a series with a scalar applies it to
// every point, two series keep the timestamps they share.
func combine(l, r series, f func(a, b float64) (float64, bool)) series {
	if l.scalar != nil && r.scalar != nil {
		if v, ok := f(*l.scalar, *r.scalar); ok {
			return scalarOf(v)
		}
		return series{points: map[int64]float64{}} // a constant divided by zero has no points
	}
	out := series{points: map[int64]float64{}}
	keys := l.points
	if l.scalar != nil {
		keys = r.points
	}
	for t := range keys {
		a, ok := at(l, t)
		if !ok {
			continue
		}
		b, ok := at(r, t)
		if !ok {
			continue
		}
		if v, ok := f(a, b); ok {
			out.points[t] = v
		}
	}
	return out
}

// at is the value of s at period start t.
func at(s series, t int64) (float64, bool) {
	if s.scalar != nil {
		return *s.scalar, true
	}
	v, ok := s.points[t]
	return v, ok
}

func (n callNode) eval(env *mathEnv) (series, error) {
	args := make([]series, len(n.args))
	for i, a := range n.args {
		s, err := a.eval(env)
		if err != nil {
			return series{}, err
		}
		args[i] = s
	}
	switch n.fn {
	case "IF":
		if len(args) != 2 && len(args) != 3 {
			return series{}, fmt.Errorf("IF takes 2 or 3 arguments, got %d", len(args))
		}
		cond := args[0]
		if cond.scalar != nil {
			cond = fill(series{points: map[int64]float64{}}, *cond.scalar, env.grid)
		}
		out := series{points: map[int64]float64{}}
		for t, c := range cond.points {
			branch := 1
			if c == 0 {
				branch = 2
			}
			if branch >= len(args) {
				continue
			}
			if v, ok := at(args[branch], t); ok {
				out.points[t] = v
			}
		}
		return out, nil
	case "FILL":
		if len(args) != 2 || args[0].scalar != nil || args[1].scalar == nil {
			return series{}, fmt.Errorf("FILL takes a time series and a number")
		}
		return fill(args[0], *args[1].scalar, env.grid), nil
	case "ABS":
		if len(args) != 1 {
			return series{}, fmt.Errorf("ABS takes 1 argument, got %d", len(args))
		}
		return combine(args[0], scalarOf(0), func(a, _ float64) (float64, bool) { return math.Abs(a), true }), nil
	}
	return series{}, fmt.Errorf("unsupported function %s; IF, FILL and ABS are supported", n.fn)
}

func fill(s series, v float64, grid []int64) series {
	out := series{points: make(map[int64]float64, len(grid))}
	for _, t := range grid {
		out.points[t] = v
	}
	for t, x := range s.points {
		out.points[t] = x
	}
	return out
}

// parseExpr parses a metric-math expression: numbers, query ids, + - * /,
// comparisons, AND, OR, parentheses, unary minus and IF, FILL, ABS.
func parseExpr(src string) (node, error) {
	p := &parser{toks: tokenize(src)}
	n, err := p.or()
	if err != nil {
		return nil, fmt.Errorf("expression %q: %w", src, err)
	}
	if p.pos != len(p.toks) {
		return nil, fmt.Errorf("expression %q: unexpected %q", src, p.toks[p.pos])
	}
	return n, nil
}

// refs lists the query ids an expression uses.
func refs(n node) []string {
	switch n := n.(type) {
	case refNode:
		return []string{string(n)}
	case negNode:
		return refs(n.x)
	case binNode:
		return append(refs(n.l), refs(n.r)...)
	case callNode:
		var out []string
		for _, a := range n.args {
			out = append(out, refs(a)...)
		}
		return out
	}
	return nil
}

func tokenize(s string) []string {
	var toks []string
	for i := 0; i < len(s); {
		c := rune(s[i])
		switch {
		case unicode.IsSpace(c):
			i++
		case strings.ContainsRune("<>=!", c):
			if i+1 < len(s) && s[i+1] == '=' {
				toks = append(toks, s[i:i+2])
				i += 2
			} else {
				toks = append(toks, s[i:i+1])
				i++
			}
		case unicode.IsLetter(c) || unicode.IsDigit(c) || c == '_' || c == '.':
			j := i
			for j < len(s) && (unicode.IsLetter(rune(s[j])) || unicode.IsDigit(rune(s[j])) || s[j] == '_' || s[j] == '.') {
				j++
			}
			toks = append(toks, s[i:j])
			i = j
		default:
			toks = append(toks, s[i:i+1])
			i++
		}
	}
	return toks
}

type parser struct {
	toks []string
	pos  int
}

func (p *parser) peek() string {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return ""
}

func (p *parser) next() string {
	t := p.peek()
	p.pos++
	return t
}

// binary parses a left-associative chain of the given operators over sub.
func (p *parser) binary(sub func() (node, error), ops ...string) (node, error) {
	l, err := sub()
	if err != nil {
		return nil, err
	}
	for {
		op := strings.ToUpper(p.peek())
		found := false
		for _, o := range ops {
			found = found || op == o
		}
		if !found {
			return l, nil
		}
		p.next()
		r, err := sub()
		if err != nil {
			return nil, err
		}
		l = binNode{op: op, l: l, r: r}
	}
}

func (p *parser) or() (node, error)  { return p.binary(p.and, "OR") }
func (p *parser) and() (node, error) { return p.binary(p.cmp, "AND") }
func (p *parser) cmp() (node, error) {
	return p.binary(p.sum, ">", "<", ">=", "<=", "==", "!=")
}
func (p *parser) sum() (node, error)  { return p.binary(p.term, "+", "-") }
func (p *parser) term() (node, error) { return p.binary(p.unary, "*", "/") }

func (p *parser) unary() (node, error) {
	if p.peek() == "-" {
		p.next()
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		return negNode{x}, nil
	}
	return p.primary()
}

func (p *parser) primary() (node, error) {
	t := p.next()
	switch {
	case t == "":
		return nil, fmt.Errorf("unexpected end")
	case t == "(":
		n, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.next() != ")" {
			return nil, fmt.Errorf("missing )")
		}
		return n, nil
	case t[0] >= '0' && t[0] <= '9' || t[0] == '.':
		v, err := strconv.ParseFloat(t, 64)
		if err != nil {
			return nil, fmt.Errorf("bad number %q", t)
		}
		return numNode(v), nil
	case unicode.IsLetter(rune(t[0])):
		if p.peek() != "(" {
			return refNode(t), nil
		}
		p.next()
		call := callNode{fn: strings.ToUpper(t)}
		for p.peek() != ")" {
			a, err := p.or()
			if err != nil {
				return nil, err
			}
			call.args = append(call.args, a)
			if p.peek() == "," {
				p.next()
			} else if p.peek() != ")" {
				return nil, fmt.Errorf("expected , or ) in %s(...)", t)
			}
		}
		p.next()
		return call, nil
	}
	return nil, fmt.Errorf("unexpected %q", t)
}
