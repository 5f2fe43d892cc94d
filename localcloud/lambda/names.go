package lambda

import (
	"regexp"
	"strings"

	"github.com/greenlight/greenlight/localcloud/bus"
	"github.com/greenlight/greenlight/localcloud/internal/awserr"
)

const latest = "$LATEST"

var (
	namePattern      = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)
	qualifierPattern = regexp.MustCompile(`^(\$LATEST|[a-zA-Z0-9_-]{1,128})$`)
	versionPattern   = regexp.MustCompile(`^[0-9]+$`)
	aliasPattern     = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,128}$`)
)

// functionARN is the unqualified ARN of the named function.
func functionARN(name string) string {
	return "arn:aws:lambda:" + bus.Region + ":" + bus.Account + ":function:" + name
}

// qualifiedARN is the ARN of a version or alias; an empty qualifier gives
// the unqualified ARN.
func qualifiedARN(name, qualifier string) string {
	if qualifier == "" {
		return functionARN(name)
	}
	return functionARN(name) + ":" + qualifier
}

// parseFunctionRef splits what callers pass as FunctionName (a name, a name
// with ":qualifier", a partial ARN "account:function:name[:qualifier]" or a
// full ARN) into the function name and the qualifier it carries.
func parseFunctionRef(ref string) (name, qualifier string, err error) {
	parts := strings.Split(ref, ":")
	hasQualifier := false
	switch {
	case len(parts) >= 7 && parts[0] == "arn":
		if len(parts) > 8 || !strings.HasPrefix(parts[1], "aws") || parts[2] != "lambda" || parts[5] != "function" {
			return "", "", badFunctionName(ref)
		}
		name = parts[6]
		if hasQualifier = len(parts) == 8; hasQualifier {
			qualifier = parts[7]
		}
	case len(parts) >= 3 && parts[1] == "function":
		if len(parts) > 4 || !versionPattern.MatchString(parts[0]) {
			return "", "", badFunctionName(ref)
		}
		name = parts[2]
		if hasQualifier = len(parts) == 4; hasQualifier {
			qualifier = parts[3]
		}
	case len(parts) <= 2:
		name = parts[0]
		if hasQualifier = len(parts) == 2; hasQualifier {
			qualifier = parts[1]
		}
	default:
		return "", "", badFunctionName(ref)
	}
	if !namePattern.MatchString(name) {
		return "", "", badFunctionName(ref)
	}
	if hasQualifier && !qualifierPattern.MatchString(qualifier) {
		return "", "", badFunctionName(ref)
	}
	return name, qualifier, nil
}

// resolveRef combines the qualifier carried by a function reference with an
// explicit Qualifier parameter; AWS refuses the two when they disagree.
func resolveRef(ref, explicit string) (name, qualifier string, err error) {
	name, qualifier, err = parseFunctionRef(ref)
	if err != nil {
		return "", "", err
	}
	if explicit == "" {
		return name, qualifier, nil
	}
	if !qualifierPattern.MatchString(explicit) {
		return "", "", apiErr(codeValidation, "1 validation error detected: Value '%s' at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: (|[a-zA-Z0-9$_-]+)", explicit)
	}
	if qualifier != "" && qualifier != explicit {
		return "", "", apiErr(codeInvalidParameter, "The derived qualifier from the function name does not match the specified qualifier.")
	}
	return name, explicit, nil
}

func badFunctionName(ref string) *awserr.Error {
	return apiErr(codeValidation, "1 validation error detected: Value '%s' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?", ref)
}
