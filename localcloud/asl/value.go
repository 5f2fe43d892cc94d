package asl

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"math/big"
	"strconv"
)

// JSON values inside the engine are the types encoding/json produces with
// UseNumber: nil, bool, string, json.Number, []any and map[string]any.
// json.Number keeps integers exact and prints numbers as they were written.

// decodeJSON parses exactly one JSON value.
func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("unexpected data after the JSON value")
	}
	return v, nil
}

// encodeJSON renders v compactly, without HTML escaping, as AWS does.
func encodeJSON(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Values inside the engine come from JSON and always encode.
		return "null"
	}
	return string(bytes.TrimRight(buf.Bytes(), "\n"))
}

// deepCopy copies maps and slices so that a state cannot alter another
// state's data through shared references.
func deepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, x := range t {
			m[k] = deepCopy(x)
		}
		return m
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
func equalJSON(a, b any) bool {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !equalJSON(v, w) {
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
			if !equalJSON(x[i], y[i]) {
				return false
			}
		}
		return true
	case json.Number, float64:
		c, ok := compareNumbers(a, b)
		return ok && c == 0
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
