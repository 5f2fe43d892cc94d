package pattern

import "fmt"

// Scope is what an SNS filter policy is applied to.
type Scope string

// The filter policy scopes.
const (
	MessageAttributes Scope = "MessageAttributes" // the message's attributes, the default
	MessageBody       Scope = "MessageBody"       // the message's JSON body
)

// SNS's limits on a filter policy.
const (
	maxPolicyKeys         = 5
	maxPolicyCombinations = 150
)

// CompilePolicy parses and checks an SNS subscription filter policy for a
// scope. An error's Reason is the text SNS puts after "Invalid parameter: "
// (and "Attributes Reason: " when the policy came with Subscribe).
func CompilePolicy(doc []byte, scope Scope) (*Pattern, error) {
	root, err := parseJSON(doc)
	if err == nil && root.kind != objectNode {
		err = errNotObject
	}
	var p *Pattern
	if err == nil {
		p, err = compile(doc, SNS)
	}
	if err != nil {
		return nil, &Error{Reason: "FilterPolicy: " + err.(*Error).Reason}
	}
	if scope == MessageAttributes && nested(root) {
		return nil, &Error{Reason: "Filter policy scope MessageAttributes does not support nested filter policy"}
	}
	if len(root.members) > maxPolicyKeys {
		return nil, &Error{Reason: fmt.Sprintf("FilterPolicy: Filter policy can not have more than %d keys", maxPolicyKeys)}
	}
	if combinations(root, 1) > maxPolicyCombinations {
		return nil, &Error{Reason: "FilterPolicy: Filter policy is too complex"}
	}
	return p, nil
}

// nested reports whether a policy has a key whose value is an object.
func nested(n node) bool {
	for _, m := range n.members {
		if m.name == "$or" {
			for _, alt := range m.value.items {
				if nested(alt) {
					return true
				}
			}
			continue
		}
		if m.value.kind == objectNode {
			return true
		}
	}
	return false
}

// combinations counts a policy's combinations as SNS documents it: the
// product of the number of values of each key, a key nested at depth d
// counting d times its values, and "$or" adding up its alternatives.
func combinations(n node, depth int) int {
	total := 1
	for _, m := range n.members {
		switch {
		case m.name == "$or":
			sum := 0
			for _, alt := range m.value.items {
				sum += combinations(alt, depth)
			}
			total *= sum
		case m.value.kind == objectNode:
			total *= combinations(m.value, depth+1)
		default:
			total *= len(m.value.items) * depth
		}
		if total > 1<<20 {
			return total
		}
	}
	return total
}
