package asl

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"
)

// JSON values inside the engine are the types encoding/json produces with
// UseNumber: nil, bool, string, json.Number, []any, and *object for objects
// so that their keys keep their order.
// json.Number keeps integers exact and prints numbers as they were written.

// decodeJSON parses exactly one JSON value; objects become *object and
// keep the order of their keys.
func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	v, err := decodeValue(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("unexpected data after the JSON value")
	}
	return v, nil
}

// decodeValue reads the next value from dec's tokens.
func decodeValue(dec *json.Decoder) (any, error) {
	t, err := dec.Token()
	if err != nil {
		return nil, err
	}
	d, ok := t.(json.Delim)
	if !ok {
		return t, nil
	}
	if d == '[' {
		a := []any{}
		for dec.More() {
			v, err := decodeValue(dec)
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		}
		_, err := dec.Token() // ']'
		return a, err
	}
	// The decoder only hands out '[' and '{' here: closers end the loops.
	o := newObject(4)
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return nil, err
		}
		v, err := decodeValue(dec)
		if err != nil {
			return nil, err
		}
		// A repeated key keeps its first place and its last value, as
		// Jackson's ObjectNode does.
		o.set(k.(string), v)
	}
	_, err = dec.Token() // '}'
	return o, err
}

// encodeJSON renders v compactly, without HTML escaping, as AWS does;
// objects keep their key order.
func encodeJSON(v any) string {
	var b strings.Builder
	writeJSONAs(&b, v, false)
	return b.String()
}

// writeJSONAs writes v as compact JSON with keys in their order. With java,
// numbers are printed as Java prints them (States.JsonToString); otherwise
// as they were read.
func writeJSONAs(b *strings.Builder, v any, java bool) {
	switch t := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(t))
	case string:
		writeJSONString(b, t)
	case json.Number:
		if java {
			b.WriteString(javaNumber(t))
		} else {
			b.WriteString(string(t))
		}
	case float64:
		if java {
			b.WriteString(javaDouble(t))
			return
		}
		out, err := json.Marshal(t)
		if err != nil {
			b.WriteString("null")
			return
		}
		b.Write(out)
	case []any:
		b.WriteByte('[')
		for i, x := range t {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSONAs(b, x, java)
		}
		b.WriteByte(']')
	case *object:
		b.WriteByte('{')
		for i, k := range t.keys {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSONString(b, k)
			b.WriteByte(':')
			writeJSONAs(b, t.vals[i], java)
		}
		b.WriteByte('}')
	default:
		// Anything else the engine builds by hand.
		out, err := json.Marshal(v)
		if err != nil {
			b.WriteString("null")
			return
		}
		b.Write(out)
	}
}

// writeJSONString quotes s as Jackson, the JSON library of Step Functions,
// does: '"' and '\\' are escaped, control characters become \b, \t, \n,
// \f, \r or \u00XX with upper-case hex digits, and every other character,
// U+2028 and U+2029 included, is written as it is. Bytes that are not UTF-8
// become U+FFFD, as when Java decodes them.
func writeJSONString(b *strings.Builder, s string) {
	const hex = "0123456789ABCDEF"
	b.WriteByte('"')
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r >= 0x20:
			b.WriteRune(r) // utf8.RuneError for a bad byte
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\f':
			b.WriteString(`\f`)
		case r == '\r':
			b.WriteString(`\r`)
		default:
			b.WriteString(`\u00`)
			b.WriteByte(hex[r>>4])
			b.WriteByte(hex[r&0xF])
		}
	}
	b.WriteByte('"')
}

// deepCopy copies maps and slices so that a state cannot alter another
// state's data through shared references.
func deepCopy(v any) any {
	switch t := v.(type) {
	case *object:
		return t.clone()
	case []any:
		s := make([]any, len(t))
		for i, x := range t {
			s[i] = deepCopy(x)
		}
		return s
	default:
		return v
	}
}

// number reports the value of a JSON number.
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case json.Number:
		f, err := n.Float64()
		return f, err == nil || errors.Is(err, strconv.ErrRange)
	case float64:
		return n, true
	case int:
		return float64(n), true
	}
	return 0, false
}

// integer reports the value of a JSON number that is a whole number.
func integer(v any) (int64, bool) {
	f, ok := number(v)
	if !ok || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, false
	}
	return int64(f), true
}

// numberValue makes a JSON number from an integer.
func intValue(i int64) json.Number { return json.Number(strconv.FormatInt(i, 10)) }

// compareNumbers orders two JSON numbers exactly.
func compareNumbers(a, b any) (int, bool) {
	x, ok1 := bigOf(a)
	y, ok2 := bigOf(b)
	if !ok1 || !ok2 {
		return 0, false
	}
	return x.Cmp(y), true
}

func bigOf(v any) (*big.Float, bool) {
	switch n := v.(type) {
	case json.Number:
		f, _, err := big.ParseFloat(string(n), 10, 200, big.ToNearestEven)
		return f, err == nil
	case float64:
		return big.NewFloat(n), !math.IsNaN(n)
	}
	return nil, false
}

// equalJSON compares two JSON values; numbers compare by value.
func equalJSON(a, b any) bool { return equalWith(a, b, sameNumber) }

// sameNumber reports whether two JSON numbers have the same value.
func sameNumber(a, b any) bool {
	c, ok := compareNumbers(a, b)
	return ok && c == 0
}

// equalWith compares two JSON values, objects without regard to key order
// (as Java's Map.equals), numbers by sameNum.
func equalWith(a, b any, sameNum func(a, b any) bool) bool {
	switch x := a.(type) {
	case *object:
		y, ok := b.(*object)
		if !ok || x.len() != y.len() {
			return false
		}
		for i, k := range x.keys {
			w, ok := y.get(k)
			if !ok || !equalWith(x.vals[i], w, sameNum) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equalWith(x[i], y[i], sameNum) {
				return false
			}
		}
		return true
	case json.Number, float64:
		return sameNum(a, b)
	default:
		return a == b
	}
}

// typeName names a JSON value's type for error messages.
func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case json.Number, float64:
		return "number"
	case []any:
		return "array"
	default:
		return "object"
	}
}
