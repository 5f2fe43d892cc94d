package pattern

import (
	"sort"
	"strings"
)

// maxWildcardComplexity is the complexity at which AWS rejects the
// wildcards of one field. The complexity of a field's wildcards is the most
// wildcard prefixes (a wildcard cut after any of its characters, such as
// "a*", "a*b" and "a*bc" for "a*bc") that one value can match all at once,
// summed over the field's distinct wildcards: the partial matches a matcher
// keeps alive while it reads that value.
//
// AWS documents the rule but not the number. Recorded answers place it:
// "/Users/*/dir/dir/dir/dir/dir/doc.txt" (7) is accepted, as are four
// wildcards "*.bif", "*.tiff", "*.tif" and "*.svs" on one field (8), and
// two "*/datasync/*.bif"-like ones (8); "*:*:*:*:*:event-bus/*" (11) and
// four "*/datasync/*.bif"-like wildcards (16) are rejected.
const maxWildcardComplexity = 10

// errTooComplex is AWS's answer to wildcards that are too complex.
var errTooComplex = errorf("Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character")

// checkWildcardComplexity rejects a pattern any of whose fields has
// wildcards of too high a complexity.
func (c *compiler) checkWildcardComplexity() error {
	for _, texts := range c.wildcard {
		var globs [][]globToken
		for text := range texts {
			tokens, err := globTokens(text)
			if err != nil {
				return err
			}
			globs = append(globs, tokens)
		}
		if wildcardComplexity(globs, maxWildcardComplexity) >= maxWildcardComplexity {
			return errTooComplex
		}
	}
	return nil
}

// globToken is one character of a wildcard: a literal byte or a star.
type globToken struct {
	star bool
	b    byte
}

// globTokens reads a wildcard into its tokens, "\*" and "\\" being
// literals.
func globTokens(s string) ([]globToken, error) {
	parts, err := wildcardParts(s)
	if err != nil {
		return nil, err
	}
	var tokens []globToken
	for i, p := range parts {
		if i > 0 {
			tokens = append(tokens, globToken{star: true})
		}
		for j := 0; j < len(p); j++ {
			tokens = append(tokens, globToken{b: p[j]})
		}
	}
	return tokens, nil
}

// globState is the set of prefixes of each wildcard that match the value
// read so far: prefix k of wildcard w is w's first k tokens.
type globState []map[int]bool

// wildcardComplexity is the most wildcard prefixes one value matches at
// once, found by reading every value that can make a difference (each
// byte of the wildcards and one byte none of them has) breadth first over
// the sets of prefixes they lead to. It stops counting at limit.
func wildcardComplexity(globs [][]globToken, limit int) int {
	alphabet := map[byte]bool{0: true}
	for _, g := range globs {
		for _, t := range g {
			if !t.star {
				alphabet[t.b] = true
			}
		}
	}
	start := make(globState, len(globs))
	for i, g := range globs {
		start[i] = closeStars(g, map[int]bool{0: true})
	}
	seen := map[string]bool{start.key(): true}
	queue := []globState{start}
	most := 0
	for len(queue) > 0 && len(seen) < 10000 {
		state := queue[0]
		queue = queue[1:]
		if n := state.prefixes(); n > most {
			most = n
		}
		if most >= limit {
			return most
		}
		for b := range alphabet {
			next := state.read(globs, b)
			if k := next.key(); next.prefixes() > 0 && !seen[k] {
				seen[k] = true
				queue = append(queue, next)
			}
		}
	}
	return most
}

// read moves every live prefix on by one byte of the value.
func (s globState) read(globs [][]globToken, b byte) globState {
	next := make(globState, len(s))
	for i, g := range globs {
		set := map[int]bool{}
		for k := range s[i] {
			if k > 0 && g[k-1].star {
				set[k] = true // the star takes the byte
			}
			if k < len(g) && !g[k].star && g[k].b == b {
				set[k+1] = true
			}
		}
		next[i] = closeStars(g, set)
	}
	return next
}

// closeStars adds the prefixes that end in a star matching nothing.
func closeStars(g []globToken, set map[int]bool) map[int]bool {
	for k := 0; k < len(g); k++ {
		if set[k] && g[k].star {
			set[k+1] = true
		}
	}
	return set
}

// prefixes counts the live prefixes that are not empty.
func (s globState) prefixes() int {
	n := 0
	for _, set := range s {
		n += len(set)
		if set[0] {
			n--
		}
	}
	return n
}

// key identifies a state.
func (s globState) key() string {
	var b strings.Builder
	for _, set := range s {
		ks := make([]int, 0, len(set))
		for k := range set {
			ks = append(ks, k)
		}
		sort.Ints(ks)
		for _, k := range ks {
			b.WriteString(string(rune('0' + k)))
		}
		b.WriteByte('|')
	}
	return b.String()
}
