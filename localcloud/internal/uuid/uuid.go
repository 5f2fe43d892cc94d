// Package uuid makes the random identifiers the local cloud hands out where
// AWS hands out UUIDs: request ids, revision ids, message ids, execution
// names and task tokens.
package uuid

import (
	"crypto/rand"
	"encoding/hex"
)

// New returns a random (version 4, RFC 9562) UUID in its canonical form,
// 8-4-4-4-12 lower-case hex digits.
func New() string {
	var b [16]byte
	_, _ = rand.Read(b[:])  // crypto/rand.Read never returns an error
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // variant 10
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
