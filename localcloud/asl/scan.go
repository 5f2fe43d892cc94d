package asl

// scan walks s the way paths, filters and intrinsic arguments nest: it
// skips quoted strings ('...' or "...", with backslash escapes) and counts
// the brackets and parentheses that are open. It returns the first index i,
// outside quotes, for which at(i, depth) is true, or -1; depth is the
// nesting before s[i] (it goes below zero after an unmatched closer).
func scan(s string, at func(i, depth int) bool) int {
	depth := 0
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == '\\' {
				i++
			} else if c == quote {
				quote = 0
			}
			continue
		case c == '\'' || c == '"':
			quote = c
			continue
		}
		if at(i, depth) {
			return i
		}
		switch c {
		case '[', '(':
			depth++
		case ']', ')':
			depth--
		}
	}
	return -1
}
