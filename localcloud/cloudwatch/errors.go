package cloudwatch

import (
	"net/http"

	"github.com/greenlight/greenlight/localcloud/internal/awserr"
)

// Error codes answered by the service: the names of CloudWatch's Smithy
// error shapes, which the JSON and CBOR protocols write as "__type" and the
// SDKs match their typed errors on.
const (
	codeNotFound           = "ResourceNotFound"
	codeDashboardNotFound  = "DashboardNotFoundError"
	codeInvalidParam       = "InvalidParameterValueException"
	codeInvalidCombination = "InvalidParameterCombinationException"
	codeMissingParam       = "MissingRequiredParameterException"
	codeLimitExceeded      = "LimitExceededFault"
	codeInvalidNextToken   = "InvalidNextToken"
	codeDashboardInput     = "DashboardInvalidInputError"
	codeInvalidAction      = "InvalidAction"
	codeMalformed          = "SerializationException"
	codeInternal           = "InternalServiceFault"
)

// errorKind is what the protocols need to know of a code beyond its name:
// the HTTP status and the code the query protocol (and the
// X-Amzn-Query-Error header) uses for it.
type errorKind struct {
	status    int
	queryCode string
}

var kinds = map[string]errorKind{
	codeNotFound:           {http.StatusNotFound, "ResourceNotFound"},
	codeDashboardNotFound:  {http.StatusNotFound, "ResourceNotFound"},
	codeInvalidParam:       {http.StatusBadRequest, "InvalidParameterValue"},
	codeInvalidCombination: {http.StatusBadRequest, "InvalidParameterCombination"},
	codeMissingParam:       {http.StatusBadRequest, "MissingParameter"},
	codeLimitExceeded:      {http.StatusBadRequest, "LimitExceeded"},
	codeInvalidNextToken:   {http.StatusBadRequest, "InvalidNextToken"},
	codeDashboardInput:     {http.StatusBadRequest, "InvalidParameterInput"},
	codeInvalidAction:      {http.StatusBadRequest, "InvalidAction"},
	codeMalformed:          {http.StatusBadRequest, "MalformedQueryString"},
	codeInternal:           {http.StatusInternalServerError, "InternalServiceError"},
}

// apiErr returns the error code answered with its status and msg.
func apiErr(code, msg string) *awserr.Error {
	return awserr.New(code, kinds[code].status, msg)
}

func invalidParam(msg string) error { return apiErr(codeInvalidParam, msg) }
func missingParam(msg string) error { return apiErr(codeMissingParam, msg) }

// queryCode is the query protocol's name for code; a code the service does
// not know of (an injected fault's) keeps its name.
func queryCode(code string) string {
	if k, ok := kinds[code]; ok {
		return k.queryCode
	}
	return code
}

// asAPIError turns any error into the AWS error to answer: an AWS error (the
// service's own, an injected fault) as it is, anything else as internal.
func asAPIError(err error) *awserr.Error {
	if ae, ok := awserr.As(err); ok {
		return ae
	}
	return apiErr(codeInternal, err.Error())
}

// faultType is "Sender" for client errors and "Receiver" for server errors,
// as the query protocol and the X-Amzn-Query-Error header say it.
func faultType(e *awserr.Error) string {
	if e.ServerSide() {
		return "Receiver"
	}
	return "Sender"
}
