package lambda

import (
	"encoding/json"
	"net/http"

	"github.com/greenlight/greenlight/localcloud/internal/awserr"
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
	codeUnknownOperation = "UnknownOperationException"
)

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
	codeUnknownOperation: http.StatusNotFound,
}

// apiErr returns the Lambda error code with its HTTP status. Callers of the
// in-process Invoker see it through bus.APIError, with the same codes as SDK
// clients.
func apiErr(code, format string, args ...any) *awserr.Error {
	return awserr.Errorf(code, statusByCode[code], format, args...)
}

func notFound(arn string) *awserr.Error {
	return apiErr(codeNotFound, "Function not found: %s", arn)
}

// writeError answers err as a restJson1 Lambda error. An AWS error (the
// service's own, an injected fault, another service's) keeps its code;
// anything else is a ServiceException.
func writeError(w http.ResponseWriter, err error) {
	ae, ok := awserr.As(err)
	if !ok {
		ae = apiErr(codeService, "%s", err.Error())
	}
	body := map[string]string{"Type": "User", "message": ae.Message}
	if ae.ServerSide() {
		body["Type"] = "Service"
	}
	if ae.Reason != "" {
		body["Reason"] = ae.Reason
	}
	w.Header().Set("X-Amzn-ErrorType", ae.Code)
	writeJSON(w, ae.Status, body)
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
