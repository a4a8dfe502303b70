package httpx

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"time"

	"github.com/hotdash/hotdash/internal/auth"
)

// Kind says how a route answers: JSON for the API, HTML for pages.
type Kind int

// Route kinds.
const (
	API Kind = iota
	Page
)

// Route is one registered endpoint.
type Route struct {
	Pattern    string
	Permission auth.Permission
	Kind       Kind
}

// Authenticator resolves credentials to a principal.
type Authenticator interface {
	SessionPrincipal(ctx context.Context, token string) (auth.Principal, error)
	TokenPrincipal(ctx context.Context, token string) (auth.Principal, error)
}

// PageErrorRenderer draws an error page (the web package provides it).
type PageErrorRenderer func(w http.ResponseWriter, r *http.Request, e *Error)

// SessionCookie is the name of the sign-in cookie.
const SessionCookie = "hotdash_session"

// Router is an http.ServeMux on which every route states its kind and the
// permission it needs, enforced before the handler runs.
type Router struct {
	mux       *http.ServeMux
	routes    []Route
	auth      Authenticator
	logger    *slog.Logger
	metrics   *Metrics
	pageError PageErrorRenderer
}

// NewRouter returns a Router. pageError may be nil until pages exist; errors
// on pages then fall back to plain text.
func NewRouter(a Authenticator, logger *slog.Logger, m *Metrics) *Router {
	return &Router{mux: http.NewServeMux(), auth: a, logger: logger, metrics: m}
}

// SetPageErrorRenderer sets how page routes show errors.
func (rt *Router) SetPageErrorRenderer(f PageErrorRenderer) { rt.pageError = f }

// Handle registers h for pattern ("METHOD /path/{var}").
func (rt *Router) Handle(pattern string, kind Kind, perm auth.Permission, h http.Handler) {
	rt.routes = append(rt.routes, Route{Pattern: pattern, Permission: perm, Kind: kind})
	rt.mux.Handle(pattern, rt.guard(pattern, kind, perm, h))
}

// API registers a JSON endpoint.
func (rt *Router) API(pattern string, perm auth.Permission, h http.HandlerFunc) {
	rt.Handle(pattern, API, perm, h)
}

// Page registers an HTML endpoint.
func (rt *Router) Page(pattern string, perm auth.Permission, h http.HandlerFunc) {
	rt.Handle(pattern, Page, perm, h)
}

// Routes lists every registered route (the permission test walks them all).
func (rt *Router) Routes() []Route { return append([]Route(nil), rt.routes...) }

// Fail answers a request with err in the route kind's form.
func (rt *Router) Fail(w http.ResponseWriter, r *http.Request, kind Kind, err error) {
	if kind == API {
		WriteError(w, r, err)
		return
	}
	p := Problem(err)
	if p.Status >= 500 {
		Logger(r.Context()).Error("request failed", "error", err)
	}
	if rt.pageError == nil {
		http.Error(w, p.Message, p.Status)
		return
	}
	rt.pageError(w, r, p)
}

// guard wraps a route with its labels, sign-in and permission check.
func (rt *Router) guard(pattern string, kind Kind, perm auth.Permission, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rec, ok := w.(*recorder); ok {
			rec.route = pattern
		}
		p, signedIn, err := rt.authenticate(r)
		if err != nil {
			rt.Fail(w, r, kind, err)
			return
		}
		if signedIn {
			r = r.WithContext(WithPrincipal(r.Context(), p))
			if rec, ok := w.(*recorder); ok {
				rec.principal = p.Name
			}
		}
		switch {
		case perm == auth.Public:
		case !signedIn:
			rt.unauthenticated(w, r, kind)
			return
		case !p.Can(perm):
			rt.Fail(w, r, kind, NewError(http.StatusForbidden, "forbidden", p.Refusal(perm)))
			return
		}
		h.ServeHTTP(w, r)
	})
}

// authenticate reads a bearer token or the session cookie. A bad bearer
// token is an error (the client meant to authenticate); a stale cookie just
// means nobody is signed in.
func (rt *Router) authenticate(r *http.Request) (auth.Principal, bool, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		token, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return auth.Principal{}, false, NewError(http.StatusUnauthorized, "unauthenticated", "use an Authorization: Bearer <token> header")
		}
		p, err := rt.auth.TokenPrincipal(r.Context(), strings.TrimSpace(token))
		if errors.Is(err, auth.ErrUnauthenticated) {
			return auth.Principal{}, false, NewError(http.StatusUnauthorized, "unauthenticated", "the API token is not valid (unknown or revoked)")
		}
		return p, err == nil, err
	}
	c, err := r.Cookie(SessionCookie)
	if err != nil || c.Value == "" {
		return auth.Principal{}, false, nil
	}
	p, err := rt.auth.SessionPrincipal(r.Context(), c.Value)
	if errors.Is(err, auth.ErrUnauthenticated) {
		return auth.Principal{}, false, nil
	}
	return p, err == nil, err
}

func (rt *Router) unauthenticated(w http.ResponseWriter, r *http.Request, kind Kind) {
	if kind == Page && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		next := r.URL.EscapedPath()
		if r.URL.RawQuery != "" {
			next += "?" + r.URL.RawQuery
		}
		http.Redirect(w, r, "/login?next="+url.QueryEscape(next), http.StatusSeeOther)
		return
	}
	rt.Fail(w, r, kind, NewError(http.StatusUnauthorized, "unauthenticated", "sign in first"))
}

// ServeHTTP runs the middleware chain around the mux.
func (rt *Router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	id := requestIDFrom(r.Header.Get("X-Request-Id"))
	logger := rt.logger.With("request_id", id)
	ctx := context.WithValue(context.WithValue(r.Context(), requestIDKey, id), loggerKey, logger)
	r = r.WithContext(ctx)
	w.Header().Set("X-Request-Id", id)
	setSecurityHeaders(w.Header())
	rec := &recorder{ResponseWriter: w, status: http.StatusOK, route: "unmatched"}
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			logger.Error("panic serving request", "panic", v, "stack", string(debug.Stack()))
			if !rec.wrote {
				rt.Fail(rec, r, kindOf(r), NewError(http.StatusInternalServerError, "internal", "something went wrong on our side"))
			}
		}
		rt.finish(rec, r, start)
	}()
	if h, pattern := rt.mux.Handler(r); pattern == "" {
		rt.unmatched(rec, r, h)
		return
	}
	rt.mux.ServeHTTP(rec, r)
}

// unmatched answers a request no route matched (404, or 405 with Allow) in
// the form its path calls for, instead of ServeMux's plain text.
func (rt *Router) unmatched(w http.ResponseWriter, r *http.Request, h http.Handler) {
	probe := &statusProbe{header: http.Header{}}
	h.ServeHTTP(probe, r)
	if allow := probe.header.Get("Allow"); allow != "" {
		w.Header().Set("Allow", allow)
	}
	if probe.status == http.StatusMethodNotAllowed {
		rt.Fail(w, r, kindOf(r), NewError(http.StatusMethodNotAllowed, "method_not_allowed", r.Method+" is not allowed here"))
		return
	}
	rt.Fail(w, r, kindOf(r), NewError(http.StatusNotFound, "not_found", "there is nothing at "+r.URL.Path))
}

// statusProbe records the status a handler chose and discards its body.
type statusProbe struct {
	header http.Header
	status int
}

func (p *statusProbe) Header() http.Header         { return p.header }
func (p *statusProbe) Write(b []byte) (int, error) { return len(b), nil }
func (p *statusProbe) WriteHeader(status int)      { p.status = status }

func kindOf(r *http.Request) Kind {
	if strings.HasPrefix(r.URL.Path, "/api/") {
		return API
	}
	return Page
}

// finish writes the access log line and the request metrics. It logs the
// path without its query string: query strings can carry secrets (a setup
// link's token) and customer text.
func (rt *Router) finish(rec *recorder, r *http.Request, start time.Time) {
	d := time.Since(start)
	rt.metrics.observe(rec.route, r.Method, rec.status, d)
	level := slog.LevelInfo
	if rec.status >= 500 {
		level = slog.LevelError
	}
	Logger(r.Context()).Log(r.Context(), level, "request",
		"method", r.Method, "route", rec.route, "path", r.URL.Path, "status", rec.status,
		"bytes", rec.bytes, "duration_ms", float64(d.Microseconds())/1000, "principal", rec.principal,
		"remote", r.RemoteAddr)
}

func setSecurityHeaders(h http.Header) {
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
}

// recorder notes what a handler wrote, for the log and metrics.
type recorder struct {
	http.ResponseWriter
	status    int
	bytes     int
	wrote     bool
	route     string
	principal string
}

func (r *recorder) WriteHeader(status int) {
	if !r.wrote {
		r.status, r.wrote = status, true
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(b []byte) (int, error) {
	r.wrote = true
	n, err := r.ResponseWriter.Write(b)
	r.bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer (for
// flushing server-sent events and lifting their write deadline).
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
