package notify

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
	"time"
)

// Outcome is what one try to deliver produced.
type Outcome struct {
	// Status is the receiver's HTTP status or SMTP reply code (0: no
	// answer).
	Status int
	// Err is nil when the message was delivered. Its text never holds a
	// secret: notifiers build it from redacted parts.
	Err error
	// Retry says another try could succeed (a network error, a timeout,
	// 408, 429, 5xx, an SMTP 4xx).
	Retry bool
	// RetryAfter is the wait the receiver asked for (Retry-After), 0 when
	// it asked for none.
	RetryAfter time.Duration
}

// Delivered reports whether the try succeeded.
func (o Outcome) Delivered() bool { return o.Err == nil }

// maxRetryAfter caps the wait a receiver may ask for.
const maxRetryAfter = time.Hour

// bodySnippet is how much of an error response is kept for last_error.
const bodySnippet = 200

// httpOutcome classifies an HTTP answer: 2xx delivered; 408, 429 and 5xx
// retried (honouring Retry-After); anything else refused for good. service
// names the receiver in the error ("slack").
func httpOutcome(resp *http.Response, service string, r redactor, now time.Time) Outcome {
	code := resp.StatusCode
	if code >= 200 && code < 300 {
		return Outcome{Status: code}
	}
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, bodySnippet+1))
	msg := fmt.Sprintf("%s answered %d %s", service, code, http.StatusText(code))
	if s := oneLine(string(snippet), bodySnippet); s != "" {
		msg += ": " + s
	}
	out := Outcome{Status: code, Err: errors.New(r.String(msg))}
	switch {
	case code == http.StatusTooManyRequests:
		out.Retry, out.RetryAfter = true, retryAfter(resp.Header.Get("Retry-After"), now)
	case code == http.StatusRequestTimeout, code >= 500:
		out.Retry = true
		if code == http.StatusServiceUnavailable {
			out.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), now)
		}
	}
	return out
}

// transportOutcome classifies an error that left no answer: retried,
// except a certificate the receiver's name does not verify against (a
// setup problem no retry fixes). The URL in a *url.Error is dropped.
func transportOutcome(err error, service string, r redactor) Outcome {
	var cert *tls.CertificateVerificationError
	retry := !errors.As(err, &cert)
	return Outcome{Err: errors.New(r.String(service + ": " + describe(err))), Retry: retry}
}

// smtpOutcome classifies an SMTP error: a 4xx reply is retried, a 5xx
// reply refused; errors without a reply are retried unless they are
// setup problems (permanentError).
func smtpOutcome(err error, r redactor) Outcome {
	if err == nil {
		return Outcome{Status: 250}
	}
	msg := errors.New(r.String("smtp: " + describe(err)))
	var tp *textproto.Error
	if errors.As(err, &tp) {
		return Outcome{Status: tp.Code, Err: msg, Retry: tp.Code >= 400 && tp.Code < 500}
	}
	var perm permanentError
	var cert *tls.CertificateVerificationError
	return Outcome{Err: msg, Retry: !errors.As(err, &perm) && !errors.As(err, &cert)}
}

// permanentError marks a failure no retry can fix (a relay without TLS).
type permanentError struct{ msg string }

func (e permanentError) Error() string { return e.msg }

// retryAfter reads a Retry-After header: seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.Atoi(v); err == nil {
		d = time.Duration(secs) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), maxRetryAfter)
}

// backoff is the wait before the try after the attempt-th one failed:
// base doubling each time up to ceiling, with "equal jitter" (half fixed,
// half random) so that many deliveries failing together do not come back
// together. jitter returns a number in [0, 1).
func backoff(attempt int, base, ceiling time.Duration, jitter func() float64) time.Duration {
	d := base
	for i := 1; i < attempt && d < ceiling; i++ {
		d *= 2
	}
	d = min(d, ceiling)
	return d/2 + time.Duration(jitter()*float64(d/2))
}
