// Package awserr holds the error the local cloud's services answer a client
// with when a request fails on the service side: an AWS error code (the
// "__type" of a JSON protocol or the <Code> of a query or REST-XML one), the
// HTTP status it goes out with and the human message. Each service keeps its
// own wire encoding; this type only carries the three values to it and lets
// other services, through bus.APIError, read the code and status back.
package awserr

import "fmt"

// Error is an AWS API error as a service answers it.
type Error struct {
	Code    string // e.g. "ValidationException", "NoSuchKey"
	Status  int    // the HTTP status of the response
	Message string // the text of the "message" member or <Message> element
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
