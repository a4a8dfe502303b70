package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/httpx"
)

// loginPage is what the sign-in form shows.
type loginPage struct {
	Email string
	Next  string
	// Error is the one message a failed attempt gets (never which of
	// email or password was wrong).
	Error string
	// NoUsers is set on a fresh install, where nobody can sign in yet.
	NoUsers bool
}

func (h *Handler) loginForm(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.URL.Query().Get("next"))
	if _, ok := httpx.PrincipalFrom(r.Context()); ok {
		seeOther(w, r, next)
		return
	}
	h.renderLogin(w, r, http.StatusOK, loginPage{Next: next})
}

func (h *Handler) renderLogin(w http.ResponseWriter, r *http.Request, status int, p loginPage) {
	if n, err := h.Auth.CountUsers(r.Context()); err == nil && n == 0 {
		p.NoUsers = true
	}
	h.render(w, r, status, "login", view{Title: "Sign in", Bare: true, Page: p})
}

func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	p := loginPage{Email: strings.TrimSpace(r.PostForm.Get("email")), Next: safeNext(r.PostForm.Get("next"))}
	sess, _, err := h.Auth.Login(r.Context(), auth.Attempt{
		Email: p.Email, Password: r.PostForm.Get("password"),
		RemoteAddr: r.RemoteAddr, UserAgent: r.UserAgent(),
	})
	var limited *auth.RateLimitedError
	switch {
	case errors.As(err, &limited):
		prob := httpx.Problem(err)
		w.Header().Set("Retry-After", strconv.Itoa(prob.RetryAfter))
		p.Error = "Too many failed sign-ins. Try again in " + waitText(limited.RetryAfter) + "."
		h.renderLogin(w, r, http.StatusTooManyRequests, p)
		return
	case errors.Is(err, auth.ErrBadCredentials):
		p.Error = "The email or password is not correct."
		h.renderLogin(w, r, http.StatusUnauthorized, p)
		return
	case err != nil:
		h.fail(w, r, err)
		return
	}
	h.startSession(w, sess)
	seeOther(w, r, p.Next)
}

func (h *Handler) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(httpx.SessionCookie); err == nil && c.Value != "" {
		if err := h.Auth.Logout(r.Context(), c.Value); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	h.endSession(w)
	h.setFlash(w, "ok", "You are signed out.")
	seeOther(w, r, "/login")
}

// safeNext returns where to go after signing in: next when it is a path on
// this site, "/" otherwise, so the sign-in page cannot be used to send
// people to another site ("//evil.example", "/\evil.example",
// "https://evil.example").
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, `/\`) {
		return "/"
	}
	if strings.ContainsAny(next, "\\\r\n\t") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/"
	}
	return next
}

// waitText says how long to wait, rounded up: "40 seconds", "1 minute",
// "10 minutes".
func waitText(d time.Duration) string {
	if d < time.Minute {
		return plural(int((d+time.Second-1)/time.Second), "second")
	}
	return plural(int((d+time.Minute-1)/time.Minute), "minute")
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return strconv.Itoa(n) + " " + unit + "s"
}

// capitalize upper-cases the first letter of an ASCII sentence.
func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
