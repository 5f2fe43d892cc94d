package lambda

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/greenlight/greenlight/localcloud/bus"
	"github.com/greenlight/greenlight/localcloud/fault"
)

// Error codes answered by the service, as AWS Lambda names them.
const (
	codeNotFound         = "ResourceNotFoundException"
	codeConflict         = "ResourceConflictException"
	codeInvalidParameter = "InvalidParameterValueException"
	codeValidation       = "ValidationException"
	codePrecondition     = "PreconditionFailedException"
	codeTooManyRequests  = "TooManyRequestsException"
	codeStorageExceeded  = "CodeStorageExceededException"
	codeRequestTooLarge  = "RequestTooLargeException"
	codeService          = "ServiceException"
)

// APIError is a Lambda API failure: an AWS error code, the HTTP status it is
// answered with and a message. It implements bus.APIError, so callers of the
// in-process Invoker see the same codes as SDK clients.
type APIError struct {
	Code    string
	Status  int
	Message string
	// Reason is set on TooManyRequestsException, as AWS does.
	Reason string
}

var _ bus.APIError = (*APIError)(nil)

func (e *APIError) Error() string { return e.Code + ": " + e.Message }

// ErrorCode returns the AWS error code.
func (e *APIError) ErrorCode() string { return e.Code }

// HTTPStatus returns the HTTP status of the error.
func (e *APIError) HTTPStatus() int { return e.Status }

var statusByCode = map[string]int{
	codeNotFound:         http.StatusNotFound,
	codeConflict:         http.StatusConflict,
	codeInvalidParameter: http.StatusBadRequest,
	codeValidation:       http.StatusBadRequest,
	codePrecondition:     http.StatusPreconditionFailed,
	codeTooManyRequests:  http.StatusTooManyRequests,
	codeStorageExceeded:  http.StatusBadRequest,
	codeRequestTooLarge:  http.StatusRequestEntityTooLarge,
	codeService:          http.StatusInternalServerError,
}

func apiErr(code, format string, args ...any) *APIError {
	return &APIError{Code: code, Status: statusByCode[code], Message: fmt.Sprintf(format, args...)}
}

func notFound(arn string) *APIError {
	return apiErr(codeNotFound, "Function not found: %s", arn)
}

// writeError answers err as a restJson1 Lambda error. Errors that carry an
// AWS code (an injected fault, an APIError) keep it; anything else is a
// ServiceException.
func writeError(w http.ResponseWriter, err error) {
	var coded bus.APIError
	code, status, msg, reason := codeService, http.StatusInternalServerError, err.Error(), ""
	var api *APIError
	switch {
	case errors.As(err, &api):
		code, status, msg, reason = api.Code, api.Status, api.Message, api.Reason
	case errors.As(err, &coded):
		code, status = coded.ErrorCode(), coded.HTTPStatus()
		var injected *fault.Error
		if errors.As(err, &injected) {
			msg = injected.Message
		}
	}
	body := map[string]string{"Type": "User", "message": msg}
	if status >= 500 {
		body["Type"] = "Service"
	}
	if reason != "" {
		body["Reason"] = reason
	}
	w.Header().Set("X-Amzn-ErrorType", code)
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"Type":"Service","message":"encode response"}`)
		w.Header().Set("X-Amzn-ErrorType", codeService)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
