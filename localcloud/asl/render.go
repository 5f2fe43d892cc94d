package asl

import (
	"encoding/json"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// Step Functions runs on the JVM and its data model is Jackson's: a number
// written with a fraction or an exponent is a double, any other number an
// integer of arbitrary size. Where AWS turns values into text (States.Format,
// States.JsonToString, the values quoted in error causes) the text follows
// Java: doubles print as Double.toString does (1.0, 1.0E10, 1.0E-5) and
// objects and arrays placed into a States.Format template print as Java's
// Map and List do ({a=1, b=[x, y]}). The recorded executions of the
// context-object test show the latter: "{Id=arn:..., Name=...}".

// javaNumber renders a JSON number as Step Functions does.
func javaNumber(n json.Number) string {
	s := string(n)
	if !strings.ContainsAny(s, ".eE") {
		// An integer keeps every digit; "-0" is the integer 0.
		if b, ok := new(big.Int).SetString(s, 10); ok {
			return b.String()
		}
		return s
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !math.IsInf(f, 0) {
		return s
	}
	return javaDouble(f)
}

// javaDouble renders f as Java's Double.toString: plain notation with at
// least one fractional digit for magnitudes in [1e-3, 1e7), otherwise
// computerized scientific notation such as 1.0E10 or 1.234E-5.
func javaDouble(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	if a := math.Abs(f); a >= 1e-3 && a < 1e7 {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(f, 'e', -1, 64) // e.g. 1.2345e+10, 1e-05
	mant, exp, _ := strings.Cut(s, "e")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	e, _ := strconv.Atoi(exp)
	return mant + "E" + strconv.Itoa(e)
}

// formatArg renders a value placed into a States.Format template, or quoted
// in an error cause: strings as they are, numbers as Java prints them,
// objects and arrays as Java's Map.toString and List.toString.
func formatArg(v any) string {
	var b strings.Builder
	writeJavaString(&b, v)
	return b.String()
}

func writeJavaString(b *strings.Builder, v any) {
	switch t := v.(type) {
	case string:
		b.WriteString(t)
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(t))
	case json.Number:
		b.WriteString(javaNumber(t))
	case float64:
		b.WriteString(javaDouble(t))
	case []any:
		b.WriteByte('[')
		for i, x := range t {
			if i > 0 {
				b.WriteString(", ")
			}
			writeJavaString(b, x)
		}
		b.WriteByte(']')
	case *object:
		b.WriteByte('{')
		for i, k := range t.keys {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(k)
			b.WriteByte('=')
			writeJavaString(b, t.vals[i])
		}
		b.WriteByte('}')
	default:
		b.WriteString(encodeJSON(v))
	}
}

// encodeJava renders v as compact JSON the way Step Functions serializes
// it for States.JsonToString: keys in their order, no spaces, numbers as Java
// prints them.
func encodeJava(v any) string {
	var b strings.Builder
	writeJSONAs(&b, v, true)
	return b.String()
}

// javaRound rounds f half up, as Java's Math.round does: 2.5 is 3 and
// -2.5 is -2.
func javaRound(f float64) float64 { return math.Floor(f + 0.5) }
