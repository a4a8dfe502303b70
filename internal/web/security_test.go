package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/decisionlog"
)

// TestCrossOriginFormPostsAreRefused plays a page on another site that makes
// a signed-in operator's browser post the new-decision form: the browser
// sends the session cookie, and HotDash must refuse the request and write
// nothing. The same post from HotDash's own origin works.
func TestCrossOriginFormPostsAreRefused(t *testing.T) {
	s := start(t)
	s.user(t, "op@example.com", auth.Operator)
	b := s.browser(t)
	b.signIn("op@example.com")
	form := url.Values{"scope": {"ops"}, "actor": {"op@example.com"}, "action": {"forged"}, "rationale": {"csrf"}}
	post := func(headers map[string]string) page {
		req, err := http.NewRequest(http.MethodPost, s.url+"/decisions/new", strings.NewReader(form.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		return b.do(req)
	}
	for _, h := range []map[string]string{
		{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
		{"Origin": "https://evil.example"},
	} {
		p := post(h)
		if p.status != http.StatusForbidden {
			t.Fatalf("cross-origin post with %v answered %d", h, p.status)
		}
		// The refusal is HotDash's own error page, saying why and linking
		// the troubleshooting topic, not Go's plain text.
		p.want(t, http.StatusForbidden, "came from another site", `href="/help?topic=error-403"`)
	}
	// The API answers with its JSON error.
	req, err := http.NewRequest(http.MethodPost, s.url+"/api/v1/decisions", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if p := b.do(req); p.status != http.StatusForbidden || !strings.Contains(p.body, `"code":"cross_origin"`) {
		t.Fatalf("cross-origin API post answered %d: %s", p.status, p.body)
	}
	if n, _ := s.Decisions.Count(context.Background(), decisionlog.Filter{Action: "forged"}); n != 0 {
		t.Fatalf("a cross-origin post logged %d decisions", n)
	}
	if p := post(map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": s.url}); p.status != http.StatusSeeOther {
		t.Fatalf("same-origin post answered %d\n%s", p.status, p.body)
	}
}

// TestSignInSecretsNeverReachTheLog walks first-run setup, a failed and a
// successful sign-in, and a signed-in page view, then searches the server's
// log for the password, the setup token and the session cookie.
func TestSignInSecretsNeverReachTheLog(t *testing.T) {
	s := start(t)
	link := s.SetupLink()
	token := link[strings.Index(link, "token=")+len("token="):]
	const pw = "first admin's long password"
	b := s.browser(t)
	b.get("/setup?token="+url.QueryEscape(token)).want(t, http.StatusOK)
	p := b.post("/setup?token="+url.QueryEscape(token), url.Values{"token": {token}, "email": {"first@example.com"},
		"name": {"First"}, "password": {pw}, "confirm": {pw}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("setup answered %d\n%s", p.status, p.body)
	}
	other := s.browser(t)
	other.post("/login", url.Values{"email": {"first@example.com"}, "password": {"wrong " + pw}}).want(t, http.StatusUnauthorized)
	if p := other.post("/login", url.Values{"email": {"first@example.com"}, "password": {pw}}); p.status != http.StatusSeeOther {
		t.Fatalf("sign in answered %d", p.status)
	}
	other.get("/").want(t, http.StatusOK)
	u, _ := url.Parse(s.url)
	var cookie string
	for _, c := range other.c.Jar.Cookies(u) {
		cookie = c.Value
	}
	logs := s.Logs.String()
	if !strings.Contains(logs, `"route":"POST /login"`) || cookie == "" {
		t.Fatalf("nothing to check: no sign-in logged or no cookie (%q)", cookie)
	}
	for name, secret := range map[string]string{"password": pw, "setup token": token, "session cookie": cookie} {
		if strings.Contains(logs, secret) {
			t.Errorf("the log contains the %s", name)
		}
	}
}
