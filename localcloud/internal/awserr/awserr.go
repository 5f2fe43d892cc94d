// Package awserr holds the one error type every service of the local cloud
// answers a failed request with: an AWS error code (the "__type" of a JSON
// protocol, the <Code> of a query or REST-XML one, the X-Amzn-ErrorType
// header of restJson1), the HTTP status it goes out with and the human
// message, as AWS documents them for the operation. Injected faults (package
// fault) are of this type too. Each service keeps its own wire encoding;
// this type only carries the values to it, and lets other services read the
// code and status back through bus.APIError.
package awserr

import (
	"errors"
	"fmt"
	"net/http"
)

// Error is an AWS API error as a service answers it.
type Error struct {
	Code    string // e.g. "ValidationException", "NoSuchKey"
	Status  int    // the HTTP status of the response
	Message string // the text of the "message" member or <Message> element
	// Reason is the "Reason" member a few errors carry beside the message,
	// such as Lambda's TooManyRequestsException naming the limit it hit;
	// empty for most.
	Reason string
}

// New returns the error code answered with status and message.
func New(code string, status int, message string) *Error {
	return &Error{Code: code, Status: status, Message: message}
}

// Errorf is New with a message formatted as by fmt.Sprintf.
func Errorf(code string, status int, format string, args ...any) *Error {
	return New(code, status, fmt.Sprintf(format, args...))
}

// Error returns "code: message".
func (e *Error) Error() string { return e.Code + ": " + e.Message }

// ErrorCode returns the AWS error code.
func (e *Error) ErrorCode() string { return e.Code }

// HTTPStatus returns the HTTP status the error is answered with.
func (e *Error) HTTPStatus() int { return e.Status }

// ServerSide reports whether the error is the service's fault (a 5xx
// status) rather than the caller's: the "Receiver" or "Service" type some
// protocols write beside the code.
func (e *Error) ServerSide() bool { return e.Status >= http.StatusInternalServerError }

// coded is an error that carries an AWS code and status of its own: another
// service's failure handed back through bus.APIError.
type coded interface {
	error
	ErrorCode() string
	HTTPStatus() int
}

// As finds the AWS error err answers with. An *Error in err's chain is
// returned as it is; an error in the chain that carries a code and status of
// its own becomes an *Error with err's text as the message. As reports false
// for any other error, which a service answers as its internal error.
func As(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	var c coded
	if errors.As(err, &c) {
		return &Error{Code: c.ErrorCode(), Status: c.HTTPStatus(), Message: err.Error()}, true
	}
	return nil, false
}
