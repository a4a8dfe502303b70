package httpx

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/store"
	"github.com/hotdash/hotdash/internal/validation"
)

// Error is an HTTP-facing error: a status, a stable machine-readable code and
// a message meant for people.
type Error struct {
	Status  int
	Code    string
	Message string
	Fields  map[string]string
	// RetryAfter, when set, is sent as the Retry-After header (seconds).
	RetryAfter int
}

func (e *Error) Error() string { return e.Message }

// NewError returns an *Error.
func NewError(status int, code, message string) *Error {
	return &Error{Status: status, Code: code, Message: message}
}

// CrossOrigin is the error for a request another site sent to HotDash
// (a form or script elsewhere), which the server refuses before any
// handler sees it.
func CrossOrigin() *Error {
	return NewError(http.StatusForbidden, "cross_origin",
		"This request came from another site (cross-origin request detected), so HotDash refused it. Open HotDash at its own address and try again.")
}

// Problem maps any error to what the client is told. It is the one place
// where domain errors become HTTP statuses; anything unrecognised is a 500
// whose details stay in the server log.
func Problem(err error) *Error {
	var he *Error
	var verrs validation.Errors
	var rl *auth.RateLimitedError
	switch {
	case errors.As(err, &he):
		return he
	case errors.As(err, &verrs):
		return &Error{Status: http.StatusUnprocessableEntity, Code: "invalid", Message: "some fields are not valid", Fields: verrs}
	case errors.As(err, &rl):
		secs := int(rl.RetryAfter.Seconds() + 0.999)
		return &Error{Status: http.StatusTooManyRequests, Code: "rate_limited", Message: rl.Error(), RetryAfter: secs}
	case errors.Is(err, store.ErrNotFound):
		return &Error{Status: http.StatusNotFound, Code: "not_found", Message: "not found"}
	case errors.Is(err, store.ErrConflict):
		return &Error{Status: http.StatusConflict, Code: "conflict", Message: err.Error()}
	case errors.Is(err, auth.ErrBadCredentials), errors.Is(err, auth.ErrUnauthenticated):
		return &Error{Status: http.StatusUnauthorized, Code: "unauthenticated", Message: err.Error()}
	case errors.Is(err, auth.ErrSetupDone):
		return &Error{Status: http.StatusConflict, Code: "setup_done", Message: err.Error()}
	case errors.Is(err, auth.ErrSetupLinkInvalid):
		return &Error{Status: http.StatusGone, Code: "setup_link_invalid", Message: err.Error()}
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return &Error{Status: http.StatusServiceUnavailable, Code: "timeout", Message: "the request took too long; try again"}
	}
	return &Error{Status: http.StatusInternalServerError, Code: "internal", Message: "something went wrong on our side; the request id in the X-Request-Id header finds it in the server log"}
}

// envelope is the JSON error body: {"error":{"code","message","fields"}}.
type envelope struct {
	Error envelopeBody `json:"error"`
}

type envelopeBody struct {
	Code      string            `json:"code"`
	Message   string            `json:"message"`
	Fields    map[string]string `json:"fields,omitempty"`
	RequestID string            `json:"request_id,omitempty"`
}

// WriteError sends err as the JSON error envelope, logging it when it is a
// server fault.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	p := Problem(err)
	if p.Status >= 500 {
		Logger(r.Context()).Error("request failed", "error", err)
	}
	if p.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="hotdash"`)
	}
	if p.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(p.RetryAfter))
	}
	WriteJSON(w, p.Status, envelope{Error: envelopeBody{
		Code: p.Code, Message: p.Message, Fields: p.Fields, RequestID: RequestID(r.Context()),
	}})
}
