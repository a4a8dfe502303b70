package notify

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"time"
)

// userAgent identifies HotDash to receivers.
const userAgent = "HotDash-Notify/1"

// poster sends JSON to one HTTP endpoint and classifies the answer.
type poster struct {
	client  *http.Client
	url     string
	service string
	redact  redactor
}

// post sends body with extra headers and classifies the answer.
func (p poster) post(ctx context.Context, body []byte, header http.Header, now time.Time) Outcome {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url, bytes.NewReader(body))
	if err != nil {
		// The URL was checked when the endpoint was built; never quote it.
		return Outcome{Err: errors.New(p.service + ": cannot build the request (is the URL valid?)")}
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", userAgent)
	resp, err := p.client.Do(req)
	if err != nil {
		return transportOutcome(err, p.service, p.redact)
	}
	defer func() {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		_ = resp.Body.Close()
	}()
	return httpOutcome(resp, p.service, p.redact, now)
}

// checkHTTPURL reports whether raw is an absolute http(s) URL.
func checkHTTPURL(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}
