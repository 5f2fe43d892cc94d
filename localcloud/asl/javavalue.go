package asl

import (
	"encoding/json"
	"math"
	"math/big"
	"strings"
)

// Some intrinsic functions work on the data as Java objects, the way
// Jackson reads JSON into them: objects become maps, arrays lists, integers
// Integer, Long or BigInteger by size, other numbers Double. Their equality
// and hash codes decide what States.ArrayUnique keeps and in what order.

// javaEqual reports whether a and b are equal as the Java objects they
// become: maps ignore key order, and an integer never equals a Double, so
// 1 and 1.0 differ.
func javaEqual(a, b any) bool {
	return equalWith(a, b, func(a, b any) bool {
		x, okX := a.(json.Number)
		y, okY := b.(json.Number)
		if okX && okY && isWhole(x) != isWhole(y) {
			return false
		}
		return sameNumber(a, b)
	})
}

// isWhole reports whether n is written as an integer, which Jackson reads
// as Integer, Long or BigInteger rather than Double.
func isWhole(n json.Number) bool { return !strings.ContainsAny(string(n), ".eE") }

// javaHash is the hashCode of the Java object v becomes.
func javaHash(v any) uint32 {
	switch t := v.(type) {
	case nil:
		return 0
	case bool:
		if t {
			return 1231
		}
		return 1237
	case string:
		return javaStringHash(t)
	case json.Number:
		return javaNumberHash(t)
	case []any:
		h := uint32(1)
		for _, x := range t {
			h = 31*h + javaHash(x)
		}
		return h
	case *object:
		var h uint32
		for i, k := range t.keys {
			h += javaStringHash(k) ^ javaHash(t.vals[i])
		}
		return h
	}
	return 0
}

// javaNumberHash is the hashCode of an Integer, Long, BigInteger or Double.
func javaNumberHash(n json.Number) uint32 {
	if !isWhole(n) {
		f, _ := n.Float64()
		bits := math.Float64bits(f)
		return uint32(bits ^ bits>>32)
	}
	b, ok := new(big.Int).SetString(string(n), 10)
	switch {
	case !ok:
		return 0
	case b.IsInt64() && b.Int64() == int64(int32(b.Int64())):
		return uint32(int32(b.Int64()))
	case b.IsInt64():
		v := uint64(b.Int64())
		return uint32(v ^ v>>32)
	}
	// BigInteger: 31*h + each 32-bit word of the magnitude, high word
	// first, times the sign.
	var h uint32
	words := new(big.Int).Abs(b).Bytes()
	for len(words)%4 != 0 {
		words = append([]byte{0}, words...)
	}
	for i := 0; i < len(words); i += 4 {
		word := uint32(words[i])<<24 | uint32(words[i+1])<<16 | uint32(words[i+2])<<8 | uint32(words[i+3])
		h = 31*h + word
	}
	return uint32(int32(h) * int32(b.Sign()))
}
