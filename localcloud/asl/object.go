package asl

import (
	"slices"
	"unicode/utf16"
)

// object is a JSON object that keeps its keys in order. Step Functions holds
// JSON in Jackson ObjectNodes, which are LinkedHashMaps: a decoded object
// keeps the order its keys were written in, setting an existing key keeps
// its place and a new key goes last. That order shows wherever AWS turns an
// object into text (States.JsonToString, States.Format, the input quoted in
// an error cause, the history) and in what wildcards select.
//
// Objects inside the engine are small, so lookups scan the keys; an index
// is built once an object grows past a handful of keys.
type object struct {
	keys  []string
	vals  []any
	index map[string]int // nil while the object is small
}

// indexAbove is the size from which an object keeps a key index.
const indexAbove = 8

// newObject returns an empty object with room for n keys.
func newObject(n int) *object {
	return &object{keys: make([]string, 0, n), vals: make([]any, 0, n)}
}

// len reports the number of keys.
func (o *object) len() int { return len(o.keys) }

// find returns the position of key k, or -1.
func (o *object) find(k string) int {
	if o.index != nil {
		if i, ok := o.index[k]; ok {
			return i
		}
		return -1
	}
	for i, x := range o.keys {
		if x == k {
			return i
		}
	}
	return -1
}

// get returns the value of key k and whether it is present.
func (o *object) get(k string) (any, bool) {
	if i := o.find(k); i >= 0 {
		return o.vals[i], true
	}
	return nil, false
}

// set stores v under k: in place when k is present, last otherwise.
func (o *object) set(k string, v any) {
	if i := o.find(k); i >= 0 {
		o.vals[i] = v
		return
	}
	o.keys = append(o.keys, k)
	o.vals = append(o.vals, v)
	switch {
	case o.index != nil:
		o.index[k] = len(o.keys) - 1
	case len(o.keys) > indexAbove:
		o.index = make(map[string]int, len(o.keys)*2)
		for i, x := range o.keys {
			o.index[x] = i
		}
	}
}

// clone copies the object and, deeply, its values.
func (o *object) clone() *object {
	c := &object{keys: append([]string(nil), o.keys...), vals: make([]any, len(o.vals))}
	for i, v := range o.vals {
		c.vals[i] = deepCopy(v)
	}
	if o.index != nil {
		c.index = make(map[string]int, len(o.index))
		for k, i := range o.index {
			c.index[k] = i
		}
	}
	return c
}

// fields returns a map of an object's keys to their values, for code that
// reads an object by name and does not care about order (the definition
// parser). The values are shared, not copied.
func fields(v any) (map[string]any, bool) {
	o, ok := v.(*object)
	if !ok {
		return nil, false
	}
	m := make(map[string]any, len(o.keys))
	for i, k := range o.keys {
		m[k] = o.vals[i]
	}
	return m, true
}

// objectOf builds an object from key/value pairs, in that order; it is a
// convenience for objects the engine itself creates.
func objectOf(kv ...any) *object {
	o := newObject(len(kv) / 2)
	for i := 0; i+1 < len(kv); i += 2 {
		o.set(kv[i].(string), kv[i+1])
	}
	return o
}

// javaHashOrder returns keys in the order a java.util.HashMap that was
// given them one by one, with its default capacity, iterates them: by
// bucket (the spread String.hashCode masked by the table size, which
// doubles whenever the map is more than three quarters full), and within a
// bucket in insertion order. Step Functions builds some objects in such a
// map, and their keys come out in this order: the fields a payload
// template computes (keys ending in ".$") and the result of
// States.JsonMerge.
func javaHashOrder(keys []string) []string {
	hashes := make([]uint32, len(keys))
	for i, k := range keys {
		hashes[i] = javaStringHash(k)
	}
	out := make([]string, len(keys))
	for i, at := range hashOrder(hashes) {
		out[i] = keys[at]
	}
	return out
}

// hashOrder returns the positions of distinct elements, given their Java
// hash codes in insertion order, in the order a java.util.HashMap or
// HashSet with the default capacity iterates them.
func hashOrder(hashes []uint32) []int {
	size := 16
	for float64(len(hashes)) > 0.75*float64(size) {
		size *= 2
	}
	type entry struct{ bucket, pos int }
	entries := make([]entry, len(hashes))
	for i, h := range hashes {
		h ^= h >> 16
		entries[i] = entry{bucket: int(h & uint32(size-1)), pos: i}
	}
	slices.SortStableFunc(entries, func(a, b entry) int { return a.bucket - b.bucket })
	out := make([]int, len(entries))
	for i, e := range entries {
		out[i] = e.pos
	}
	return out
}

// javaStringHash is Java's String.hashCode: s[0]*31^(n-1) + ... over the
// UTF-16 code units of s, in 32-bit arithmetic.
func javaStringHash(s string) uint32 {
	var h uint32
	for _, r := range s {
		if r >= 0x10000 {
			hi, lo := utf16.EncodeRune(r)
			h = 31*h + uint32(hi)
			h = 31*h + uint32(lo)
			continue
		}
		h = 31*h + uint32(r)
	}
	return h
}
