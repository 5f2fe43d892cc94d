package pattern

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// kind is the JSON type of a node.
type kind int

const (
	objectNode kind = iota
	arrayNode
	stringNode
	numberNode
	boolNode
	nullNode
)

// node is a parsed JSON value that keeps what encoding/json drops: the
// order of an object's members, duplicate names and a number's text. AWS
// reads patterns as a stream, so which error it reports first depends on
// that order.
type node struct {
	kind    kind
	text    string // a string's value, a number's or literal's text
	members []member
	items   []node
}

type member struct {
	name  string
	value node
}

// parseJSON reads the first JSON value of doc; what follows it is ignored,
// as AWS ignores it. Syntax errors read like those of the JSON parser AWS
// uses, whose messages its API passes on.
func parseJSON(doc []byte) (node, error) {
	p := &parser{s: string(doc)}
	p.space()
	if p.i == len(p.s) {
		return node{}, errNotObject
	}
	return p.value()
}

var errNotObject = &Error{Reason: "Filter is not an object"}

type parser struct {
	s string
	i int
}

func (p *parser) space() {
	for p.i < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.i]) >= 0 {
		p.i++
	}
}

func (p *parser) fail(format string, args ...any) error {
	return &Error{Reason: fmt.Sprintf(format, args...)}
}

// unexpected describes the character at p.i as the parser AWS uses does.
func (p *parser) unexpected(expecting string) error {
	if p.i >= len(p.s) {
		return p.fail("Unexpected end-of-input: %s", expecting)
	}
	r, _ := utf8.DecodeRuneInString(p.s[p.i:])
	return p.fail("Unexpected character (%s): %s", charDesc(r), expecting)
}

// charDesc names a character as the parser AWS uses does in its messages.
func charDesc(r rune) string {
	switch {
	case unicode.IsControl(r):
		return fmt.Sprintf("(CTRL-CHAR, code %d)", r)
	case r > 255:
		return fmt.Sprintf("'%c' (code %d / 0x%x)", r, r, r)
	}
	return fmt.Sprintf("'%c' (code %d)", r, r)
}

func (p *parser) value() (node, error) {
	p.space()
	if p.i >= len(p.s) {
		return node{}, p.fail("Unexpected end-of-input: expected a value")
	}
	switch c := p.s[p.i]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"':
		s, err := p.str()
		return node{kind: stringNode, text: s}, err
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	}
	if r, _ := utf8.DecodeRuneInString(p.s[p.i:]); identifierStart(r) {
		return p.word()
	}
	return node{}, p.unexpected("expected a valid value " + validValues)
}

// validValues lists what may start a JSON value, as AWS's parser words it.
const validValues = "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')"

// word reads a literal: true, false or null. Anything else that starts
// like a name is an unrecognized token, as long as it goes on like one.
func (p *parser) word() (node, error) {
	start := p.i
	for p.i < len(p.s) {
		r, size := utf8.DecodeRuneInString(p.s[p.i:])
		if !identifierPart(r) {
			break
		}
		p.i += size
	}
	switch word := p.s[start:p.i]; word {
	case "true", "false":
		return node{kind: boolNode, text: word}, nil
	case "null":
		return node{kind: nullNode, text: word}, nil
	default:
		return node{}, p.fail("Unrecognized token '%s': was expecting %s", word, validValues)
	}
}

// identifierStart and identifierPart approximate the Java identifier
// characters by which AWS's parser tells a bad token from a bad character.
func identifierStart(r rune) bool {
	return unicode.IsLetter(r) || r == '_' || unicode.In(r, unicode.Sc, unicode.Pc, unicode.Nl)
}

func identifierPart(r rune) bool {
	return identifierStart(r) || unicode.IsDigit(r) || unicode.In(r, unicode.Mn, unicode.Mc)
}

func (p *parser) object() (node, error) {
	p.i++ // {
	n := node{kind: objectNode}
	p.space()
	if p.i < len(p.s) && p.s[p.i] == '}' {
		p.i++
		return n, nil
	}
	for {
		p.space()
		if p.i >= len(p.s) || p.s[p.i] != '"' {
			return n, p.unexpected("was expecting double-quote to start field name")
		}
		name, err := p.str()
		if err != nil {
			return n, err
		}
		p.space()
		if p.i >= len(p.s) || p.s[p.i] != ':' {
			return n, p.unexpected("was expecting a colon to separate field name and value")
		}
		p.i++
		v, err := p.value()
		if err != nil {
			return n, err
		}
		n.members = append(n.members, member{name, v})
		p.space()
		if p.i < len(p.s) && p.s[p.i] == '}' {
			p.i++
			return n, nil
		}
		if p.i >= len(p.s) || p.s[p.i] != ',' {
			return n, p.unexpected("was expecting comma to separate Object entries")
		}
		p.i++
	}
}

func (p *parser) array() (node, error) {
	p.i++ // [
	n := node{kind: arrayNode}
	p.space()
	if p.i < len(p.s) && p.s[p.i] == ']' {
		p.i++
		return n, nil
	}
	for {
		v, err := p.value()
		if err != nil {
			return n, err
		}
		n.items = append(n.items, v)
		p.space()
		if p.i < len(p.s) && p.s[p.i] == ']' {
			p.i++
			return n, nil
		}
		if p.i >= len(p.s) || p.s[p.i] != ',' {
			return n, p.unexpected("was expecting comma to separate Array entries")
		}
		p.i++
	}
}

// str reads a string, with the errors the parser AWS uses gives for a bad
// escape or a control character left unescaped.
func (p *parser) str() (string, error) {
	start := p.i
	p.i++ // "
	escaped := false
	for p.i < len(p.s) {
		r, size := utf8.DecodeRuneInString(p.s[p.i:])
		switch {
		case r == '"':
			p.i++
			raw := p.s[start:p.i]
			if !escaped {
				return raw[1 : len(raw)-1], nil
			}
			var s string
			if err := json.Unmarshal([]byte(raw), &s); err != nil {
				return "", p.fail("Invalid string value: %s", raw)
			}
			return s, nil
		case r == '\\':
			escaped = true
			if err := p.escape(); err != nil {
				return "", err
			}
			continue
		case r < 0x20:
			return "", p.fail("Illegal unquoted character (%s): has to be escaped using backslash to be included in string value", charDesc(r))
		}
		p.i += size
	}
	return "", p.fail("Unexpected end-of-input: was expecting closing quote for a string value")
}

// escape checks the escape sequence at p.i and moves past it.
func (p *parser) escape() error {
	p.i++ // \
	if p.i >= len(p.s) {
		return p.fail("Unexpected end-of-input in character escape sequence")
	}
	r, size := utf8.DecodeRuneInString(p.s[p.i:])
	p.i += size
	switch {
	case strings.ContainsRune(`"\/bfnrt`, r):
		return nil
	case r != 'u':
		return p.fail("Unrecognized character escape %s", charDesc(r))
	}
	for n := 0; n < 4; n++ {
		if p.i >= len(p.s) {
			return p.fail("Unexpected end-of-input in character escape sequence")
		}
		h, size := utf8.DecodeRuneInString(p.s[p.i:])
		if !strings.ContainsRune("0123456789abcdefABCDEF", h) {
			return p.fail("Unexpected character (%s): expected a hex-digit for character escape sequence", charDesc(h))
		}
		p.i += size
	}
	return nil
}

func (p *parser) number() (node, error) {
	start := p.i
	for p.i < len(p.s) && strings.IndexByte("+-0123456789.eE", p.s[p.i]) >= 0 {
		p.i++
	}
	text := p.s[start:p.i]
	if _, err := strconv.ParseFloat(text, 64); err != nil {
		return node{}, p.fail("Invalid numeric value: %s", text)
	}
	return node{kind: numberNode, text: text}, nil
}

// numeric reports whether n is a number, and its value.
func (n node) numeric() (float64, bool) {
	if n.kind != numberNode {
		return 0, false
	}
	f, err := strconv.ParseFloat(n.text, 64)
	return f, err == nil
}
