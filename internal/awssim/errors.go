package awssim

import (
	"fmt"
	"net/http"
	"regexp"
	"sync"
)

// Error is an AWS error response: a code, a message and an HTTP status,
// written in the shape of the service's protocol.
type Error struct {
	Code    string
	Message string
	Status  int
	// Receiver marks faults on AWS's side (query protocols' <Type>).
	Receiver bool
	// QueryCode is the awsQueryCompatible error code of JSON services that
	// used to speak query (SQS), sent in the x-amzn-query-error header.
	QueryCode string
	// Fields are extra elements of REST-XML error bodies (e.g. BucketName).
	Fields map[string]string
	// Extra are extra members of JSON error bodies (e.g. DynamoDB's Item
	// and CancellationReasons).
	Extra map[string]any
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// errorf returns an Error with a formatted message.
func errorf(status int, code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Status: status}
}

// Common errors.
func errValidation(format string, args ...any) *Error {
	return errorf(http.StatusBadRequest, "ValidationError", format, args...)
}

func errInvalidParameter(code, format string, args ...any) *Error {
	return errorf(http.StatusBadRequest, code, format, args...)
}

func errMissingParameter(name string) *Error {
	return errorf(http.StatusBadRequest, "MissingParameter", "The request must contain the parameter %s", name)
}

func errAccessDenied(format string, args ...any) *Error {
	return errorf(http.StatusForbidden, "AccessDenied", format, args...)
}

// Throttling errors as each family of services answers them.
var (
	throttleQuery   = &Error{Code: "Throttling", Message: "Rate exceeded", Status: http.StatusBadRequest}
	throttleEC2     = &Error{Code: "RequestLimitExceeded", Message: "Request limit exceeded.", Status: http.StatusServiceUnavailable}
	throttleJSON    = &Error{Code: "ThrottlingException", Message: "Rate exceeded", Status: http.StatusBadRequest}
	throttleREST    = &Error{Code: "TooManyRequestsException", Message: "Rate exceeded", Status: http.StatusTooManyRequests}
	throttleS3      = &Error{Code: "SlowDown", Message: "Please reduce your request rate.", Status: http.StatusServiceUnavailable}
	internalFailure = &Error{Code: "InternalFailure", Message: "The request processing has failed because of an unknown error, exception or failure.", Status: http.StatusInternalServerError, Receiver: true}
	internalS3      = &Error{Code: "InternalError", Message: "We encountered an internal error. Please try again.", Status: http.StatusInternalServerError, Receiver: true}
)

// throttleError returns the throttling error def answers.
func (def *serviceDef) throttleError() *Error {
	if def.Throttle != nil {
		return def.Throttle
	}
	switch def.Protocol {
	case protoEC2:
		return throttleEC2
	case protoJSON10, protoJSON11, protoRPCCBOR:
		return throttleJSON
	case protoRESTJSON:
		return throttleREST
	case protoRESTXML:
		return throttleS3
	default:
		return throttleQuery
	}
}

// serverError returns the 5xx error def answers.
func (def *serviceDef) serverError() *Error {
	if def.Protocol == protoRESTXML {
		return internalS3
	}
	return internalFailure
}

// authError returns the error def answers for an unknown or inactive
// access key, or a bad signature.
func (def *serviceDef) authError(badSignature bool) *Error {
	if badSignature {
		return errorf(http.StatusForbidden, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.")
	}
	switch def.Protocol {
	case protoRESTXML:
		return errorf(http.StatusForbidden, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.")
	case protoEC2:
		return errorf(http.StatusUnauthorized, "AuthFailure", "AWS was not able to validate the provided access credentials")
	case protoJSON10, protoJSON11, protoRESTJSON, protoRPCCBOR:
		return errorf(http.StatusBadRequest, "UnrecognizedClientException", "The security token included in the request is invalid.")
	default:
		return errorf(http.StatusForbidden, "InvalidClientTokenId", "The security token included in the request is invalid.")
	}
}

// lazyRegexp returns a function that compiles expr the first time it is
// called, so that the simulator costs nothing until it is used.
func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}
