// Package alias lets a Lambda function written in Go call the other functions
// of its service through the alias it was itself invoked through.
//
// greenlight releases a group of functions as one: each member has a live
// alias (what callers invoke) and a candidate alias (the version under test).
// If every member calls its peers through the alias it was invoked through,
// the two stacks never mix: a test that enters through the candidate alias
// reaches only candidate versions of every member, and callers of the live
// alias reach only live versions.
//
//	out, err := client.Invoke(ctx, &lambda.InvokeInput{
//		FunctionName: aws.String(alias.Peer(ctx, os.Getenv("WORKER_FUNCTION"))),
//		Payload:      payload,
//	})
//
// Lambda tells a function how it was invoked in the invoked function ARN of
// its context, arn:aws:lambda:region:account:function:name[:qualifier], the
// qualifier being the alias or version the caller named. Other runtimes read
// the same ARN, split it on ':' and take the eighth field when there is one:
// context.invokedFunctionArn in Node.js, context.invoked_function_arn in
// Python, context.getInvokedFunctionArn() in Java.
//
// The package imports only the standard library and aws-lambda-go's
// lambdacontext, so it adds nothing to a function's binary but a few lines.
package alias

import (
	"context"
	"strings"

	"github.com/aws/aws-lambda-go/lambdacontext"
)

// latest is the qualifier of the unpublished version, which callers reach
// when they name no qualifier at all.
const latest = "$LATEST"

// Of returns the qualifier the running function was invoked through: an
// alias ("live", "green"), or a version number when the caller named a
// version. It returns "" when the function was invoked unqualified or as
// $LATEST, and when ctx carries no invoked function ARN (outside Lambda) or
// one that is not a Lambda function ARN.
//
// A version number says which version of this function runs; it means
// nothing for another function, whose versions are numbered on their own.
// Use IsVersion to tell the two apart.
func Of(ctx context.Context) string {
	lc, ok := lambdacontext.FromContext(ctx)
	if !ok {
		return ""
	}
	return qualifierOf(lc.InvokedFunctionArn)
}

// Peer returns what to pass as FunctionName to invoke function, the name,
// partial ARN (account:function:name) or ARN of another member of the
// service, through the alias the running function was invoked through.
//
// function comes back unchanged when it is empty or already names a
// qualifier (the caller chose one), when the running function was invoked
// unqualified or as $LATEST, and when it was invoked through a version: a
// version number of this function is no version of the peer, so Peer does
// not pass it on.
func Peer(ctx context.Context, function string) string {
	q := Of(ctx)
	if q == "" || IsVersion(q) || function == "" || qualified(function) {
		return function
	}
	return function + ":" + q
}

// IsVersion reports whether qualifier is a version number rather than an
// alias. Lambda refuses alias names made only of digits, so the two never
// overlap.
func IsVersion(qualifier string) bool {
	if qualifier == "" {
		return false
	}
	for _, r := range qualifier {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// qualifierOf returns the qualifier of a Lambda function ARN,
// arn:partition:lambda:region:account:function:name:qualifier, or "" when
// it has none, names $LATEST, or is no function ARN.
func qualifierOf(arn string) string {
	fields := strings.Split(arn, ":")
	if len(fields) != 8 || fields[0] != "arn" || fields[2] != "lambda" || fields[5] != "function" || fields[6] == "" {
		return ""
	}
	if q := fields[7]; q != latest {
		return q
	}
	return ""
}

// qualified reports whether a function reference, as FunctionName takes it
// (name, account:function:name or arn:…:function:name, each with an optional
// ":qualifier"), already names a qualifier.
func qualified(function string) bool {
	fields := strings.Split(function, ":")
	switch {
	case fields[0] == "arn":
		return len(fields) > 7
	case len(fields) > 1 && fields[1] == "function":
		return len(fields) > 3
	default:
		return len(fields) > 1
	}
}
