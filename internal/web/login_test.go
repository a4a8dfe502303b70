package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/hotdash/hotdash/internal/apptest"
	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/config"
	"github.com/hotdash/hotdash/internal/httpx"
)

func TestSignInSetsASafeCookieAndSignOutEndsIt(t *testing.T) {
	s := start(t)
	s.user(t, "lead@example.com", auth.Lead)
	b := s.browser(t)

	b.get("/").want(t, http.StatusSeeOther)
	b.get("/login").want(t, http.StatusOK, `<html lang="en">`, "<title>Sign in · HotDash</title>", `name="email"`)

	p := b.post("/login", url.Values{"email": {"LEAD@example.com"}, "password": {password}, "next": {"/decisions?scope=ops"}})
	if p.status != http.StatusSeeOther || p.location != "/decisions?scope=ops" {
		t.Fatalf("sign in: %d → %q", p.status, p.location)
	}
	cookie := sessionCookie(t, p.header)
	if !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.Path != "/" || cookie.Secure || cookie.Expires.IsZero() {
		t.Fatalf("session cookie %+v: want HttpOnly, SameSite=Lax, Path=/, an expiry, and not Secure over plain http", cookie)
	}
	b.get("/").want(t, http.StatusOK, `Your account: </span>lead</a>`, `<span class="tag">lead</span>`, `action="/logout"`)

	p = b.post("/logout", nil)
	if p.status != http.StatusSeeOther || p.location != "/login" {
		t.Fatalf("sign out: %d → %q", p.status, p.location)
	}
	if c := sessionCookie(t, p.header); c.MaxAge >= 0 {
		t.Fatalf("sign out kept the cookie: %+v", c)
	}
	b.get("/login").want(t, http.StatusOK, "You are signed out.")
	if p := b.get("/"); p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/login") {
		t.Fatalf("after sign out / answered %d → %q", p.status, p.location)
	}
}

func TestWrongPasswordGetsOneMessageAndThenRateLimit(t *testing.T) {
	s := start(t)
	s.user(t, "op@example.com", auth.Operator)
	b := s.browser(t)
	const msg = "The email or password is not correct."

	wrong := b.post("/login", url.Values{"email": {"op@example.com"}, "password": {"not the password"}})
	wrong.want(t, http.StatusUnauthorized, msg, `value="op@example.com"`)
	unknown := b.post("/login", url.Values{"email": {"nobody@example.com"}, "password": {password}})
	unknown.want(t, http.StatusUnauthorized, msg)
	if len(wrong.header.Values("Set-Cookie")) > 0 {
		t.Fatalf("a failed sign-in set a cookie: %v", wrong.header.Values("Set-Cookie"))
	}

	for range 4 { // five failures for the account in all
		b.post("/login", url.Values{"email": {"op@example.com"}, "password": {"guess guess guess"}}).want(t, http.StatusUnauthorized)
	}
	limited := b.post("/login", url.Values{"email": {"op@example.com"}, "password": {password}})
	limited.want(t, http.StatusTooManyRequests, "Too many failed sign-ins", "Try again in 15 minutes")
	if limited.header.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
}

func TestSignInNeverRedirectsOffSite(t *testing.T) {
	s := start(t)
	s.user(t, "op@example.com", auth.Operator)
	for _, next := range []string{"//evil.example", "https://evil.example/", `/\evil.example`, "evil.example", "/%0d%0aSet-Cookie:x", ""} {
		b := s.browser(t)
		p := b.post("/login", url.Values{"email": {"op@example.com"}, "password": {password}, "next": {next}})
		if p.status != http.StatusSeeOther {
			t.Fatalf("next=%q: status %d", next, p.status)
		}
		if p.location != "/" && !(strings.HasPrefix(p.location, "/") && !strings.HasPrefix(p.location, "//")) {
			t.Fatalf("next=%q redirected to %q", next, p.location)
		}
		if strings.Contains(next, "evil") && p.location != "/" {
			t.Fatalf("next=%q redirected to %q, want /", next, p.location)
		}
	}
	// The sign-in page keeps a local next and drops a foreign one.
	s.browser(t).get("/login?next="+url.QueryEscape("//evil.example")).want(t, http.StatusOK, `name="next" value="/"`)
}

func sessionCookie(t *testing.T, h http.Header) *http.Cookie {
	t.Helper()
	for _, c := range (&http.Response{Header: h}).Cookies() {
		if c.Name == httpx.SessionCookie {
			return c
		}
	}
	t.Fatalf("no %s cookie in %v", httpx.SessionCookie, h.Values("Set-Cookie"))
	return nil
}

// Behind a trusted reverse proxy, the failed-sign-in limit per address
// counts each person's forwarded address, not the proxy's: one address
// that keeps failing is stopped, and everyone else still signs in.
func TestBehindATrustedProxyTheAddressLimitIsPerClient(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.Options{Settings: func(s *config.Settings) { s.TrustedProxies = []string{"127.0.0.0/8", "::1"} }})
	s := &server{App: a, url: a.URL()}
	s.user(t, "op@example.com", auth.Operator)
	b := s.browser(t)
	login := func(from, email, pw string) page {
		form := url.Values{"email": {email}, "password": {pw}}
		req, err := http.NewRequest(http.MethodPost, s.url+"/login", strings.NewReader(form.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", from)
		return b.do(req)
	}
	for i := range 20 { // distinct accounts, so only the address limit applies
		login("198.51.100.1", fmt.Sprintf("guess%d@example.com", i), "wrong password").want(t, http.StatusUnauthorized)
	}
	login("198.51.100.1", "op@example.com", password).want(t, http.StatusTooManyRequests)
	if p := login("198.51.100.2", "op@example.com", password); p.status != http.StatusSeeOther {
		t.Fatalf("another person behind the same proxy could not sign in: %d", p.status)
	}
}
