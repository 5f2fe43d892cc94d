package cloudwatch

import (
	"errors"
	"net/http"

	"github.com/greenlight/greenlight/localcloud/bus"
	"github.com/greenlight/greenlight/localcloud/fault"
)

// errorKind is a CloudWatch error: the Smithy shape the SDK decodes, the
// code the query protocol uses for it, and its HTTP status.
type errorKind struct {
	shape  string // Smithy shape name, the "__type" of CBOR and JSON errors
	code   string // awsQueryError code
	status int
}

var (
	errNotFound           = errorKind{"ResourceNotFound", "ResourceNotFound", http.StatusNotFound}
	errDashboardNotFound  = errorKind{"DashboardNotFoundError", "ResourceNotFound", http.StatusNotFound}
	errInvalidParam       = errorKind{"InvalidParameterValueException", "InvalidParameterValue", http.StatusBadRequest}
	errInvalidCombination = errorKind{"InvalidParameterCombinationException", "InvalidParameterCombination", http.StatusBadRequest}
	errMissingParam       = errorKind{"MissingRequiredParameterException", "MissingParameter", http.StatusBadRequest}
	errLimitExceeded      = errorKind{"LimitExceededFault", "LimitExceeded", http.StatusBadRequest}
	errInvalidNextToken   = errorKind{"InvalidNextToken", "InvalidNextToken", http.StatusBadRequest}
	errDashboardInput     = errorKind{"DashboardInvalidInputError", "InvalidParameterInput", http.StatusBadRequest}
	errInvalidAction      = errorKind{"InvalidAction", "InvalidAction", http.StatusBadRequest}
	errMalformed          = errorKind{"SerializationException", "MalformedQueryString", http.StatusBadRequest}
	errInternal           = errorKind{"InternalServiceFault", "InternalServiceError", http.StatusInternalServerError}
)

// apiError is an error answered to the client in its protocol.
type apiError struct {
	kind errorKind
	msg  string
}

func (e *apiError) Error() string { return e.kind.code + ": " + e.msg }

// ErrorCode returns the query-protocol error code.
func (e *apiError) ErrorCode() string { return e.kind.code }

// HTTPStatus returns the HTTP status of the error.
func (e *apiError) HTTPStatus() int { return e.kind.status }

var _ bus.APIError = (*apiError)(nil)

func invalidParam(msg string) error { return &apiError{kind: errInvalidParam, msg: msg} }
func missingParam(msg string) error { return &apiError{kind: errMissingParam, msg: msg} }

// asAPIError turns any error into the kind to answer: an API error keeps its
// kind, an injected fault its own code and status, anything else is internal.
func asAPIError(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	var fe *fault.Error
	if errors.As(err, &fe) {
		return &apiError{kind: errorKind{shape: fe.Code, code: fe.Code, status: fe.Status}, msg: fe.Message}
	}
	return &apiError{kind: errInternal, msg: err.Error()}
}

// faultType is "Sender" for client errors and "Receiver" for server errors,
// as the query protocol and the x-amzn-query-error header say it.
func (e *apiError) faultType() string {
	if e.kind.status >= 500 {
		return "Receiver"
	}
	return "Sender"
}
