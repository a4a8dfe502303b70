package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/hotdash/hotdash/internal/auth"
)

func TestAdminPagesAreForbiddenToOperators(t *testing.T) {
	s := start(t)
	s.user(t, "admin@example.com", auth.Admin)
	s.user(t, "op@example.com", auth.Operator)
	b := s.browser(t)
	b.signIn("op@example.com")

	home := b.get("/")
	home.want(t, http.StatusOK)
	if strings.Contains(home.body, `href="/admin/users"`) || strings.Contains(home.body, `href="/admin/tokens"`) {
		t.Fatal("an operator's navigation links the admin pages")
	}
	for _, path := range []string{"/admin/users", "/admin/tokens"} {
		b.get(path).want(t, http.StatusForbidden, "403 Forbidden", "your role (operator) may not do this", `<nav class="app-nav"`)
	}
	b.post("/admin/users", url.Values{"email": {"x@example.com"}, "role": {"admin"}, "password": {password}}).want(t, http.StatusForbidden)
	b.post("/admin/tokens", url.Values{"name": {"x"}, "role": {"admin"}}).want(t, http.StatusForbidden)
	b.post("/admin/users/1/role", url.Values{"role": {"operator"}}).want(t, http.StatusForbidden)
	if n, _ := s.Auth.CountUsers(t.Context()); n != 2 {
		t.Fatalf("%d users, want 2", n)
	}
}

func TestAdminManagesUsers(t *testing.T) {
	s := start(t)
	admin := s.user(t, "admin@example.com", auth.Admin)
	b := s.browser(t)
	b.signIn("admin@example.com")

	b.get("/admin/users").want(t, http.StatusOK, "admin@example.com", "Add a user", `aria-current="page">Users`)
	b.post("/admin/users", url.Values{"email": {"not-an-email"}, "name": {"Li <em>"}, "role": {"operator"}, "password": {"short"}}).
		want(t, http.StatusUnprocessableEntity, "is not an email address", "must be at least 10 characters", `value="Li &lt;em&gt;"`)

	p := b.post("/admin/users", url.Values{"email": {"li@example.com"}, "name": {"Li"}, "role": {"lead"}, "password": {password}})
	if p.status != http.StatusSeeOther || p.location != "/admin/users" {
		t.Fatalf("create: %d → %q\n%s", p.status, p.location, p.body)
	}
	list := b.get("/admin/users")
	list.want(t, http.StatusOK, "Added li@example.com as lead.", "li@example.com")
	li := userID(t, list.body, "li@example.com")

	b.post(fmt.Sprintf("/admin/users/%d/role", admin.ID), url.Values{"role": {"lead"}}).
		want(t, http.StatusUnprocessableEntity, "Nothing changed for admin@example.com", "HotDash needs at least one active admin")
	b.post(fmt.Sprintf("/admin/users/%d/status", admin.ID), url.Values{"disabled": {"true"}}).
		want(t, http.StatusUnprocessableEntity, "HotDash needs at least one active admin")

	mustRedirect(t, b.post(li+"/status", url.Values{"disabled": {"true"}}), "/admin/users")
	b.get("/admin/users").want(t, http.StatusOK, "li@example.com is disabled", `<span class="tag">disabled</span>`)
	mustRedirect(t, b.post(li+"/status", url.Values{"disabled": {"false"}}), "/admin/users")
	mustRedirect(t, b.post(li+"/role", url.Values{"role": {"manager"}}), "/admin/users")
	b.post(li+"/password", url.Values{"password": {"tiny"}}).want(t, http.StatusUnprocessableEntity, "The password must be at least 10 characters")
	mustRedirect(t, b.post(li+"/password", url.Values{"password": {"a brand new password"}}), "/admin/users")

	other := s.browser(t)
	mustRedirect(t, other.post("/login", url.Values{"email": {"li@example.com"}, "password": {"a brand new password"}}), "/")
	other.get("/").want(t, http.StatusOK, `<span class="tag">manager</span>`)
	b.post("/admin/users/999/role", url.Values{"role": {"lead"}}).want(t, http.StatusNotFound)
}

func TestTokenSecretIsShownOnce(t *testing.T) {
	s := start(t)
	s.user(t, "admin@example.com", auth.Admin)
	b := s.browser(t)
	b.signIn("admin@example.com")

	b.get("/admin/tokens").want(t, http.StatusOK, "No API tokens yet", `<option value="agent" selected>`)
	b.post("/admin/tokens", url.Values{"name": {""}, "role": {"root"}}).want(t, http.StatusUnprocessableEntity, "is required", "must be one of")

	created := b.post("/admin/tokens", url.Values{"name": {"drafting-agent"}, "role": {"agent"}})
	created.want(t, http.StatusCreated, `class="secret-once"`, "only time HotDash shows it")
	secret := regexp.MustCompile(`value="(hdt_[A-Z0-9]+)"`).FindStringSubmatch(created.body)
	if secret == nil {
		t.Fatalf("no secret on the page\n%s", created.body)
	}
	if cc := created.header.Get("Cache-Control"); cc != "no-store" {
		t.Fatalf("the secret's page is cacheable: %q", cc)
	}
	api := func() int {
		req, _ := http.NewRequest(http.MethodGet, s.url+"/api/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+secret[1])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := api(); code != http.StatusOK {
		t.Fatalf("the new token got %d from the API", code)
	}

	list := b.get("/admin/tokens")
	list.want(t, http.StatusOK, "drafting-agent", secret[1][:10]+"…", "Revoke")
	if strings.Contains(list.body, secret[1]) || strings.Contains(list.body, "secret-once") {
		t.Fatal("the token list shows the secret again")
	}
	id := regexp.MustCompile(`action="(/admin/tokens/\d+/revoke)"`).FindStringSubmatch(list.body)
	if id == nil {
		t.Fatalf("no revoke form\n%s", list.body)
	}
	mustRedirect(t, b.post(id[1], nil), "/admin/tokens")
	b.get("/admin/tokens").want(t, http.StatusOK, "The token is revoked", `<span class="tag">revoked</span>`)
	if code := api(); code != http.StatusUnauthorized {
		t.Fatalf("a revoked token got %d from the API", code)
	}
	b.post("/admin/tokens/999/revoke", nil).want(t, http.StatusNotFound)
}

func TestChangingYourPasswordSignsYouOut(t *testing.T) {
	s := start(t)
	s.user(t, "op@example.com", auth.Operator)
	b := s.browser(t)
	b.signIn("op@example.com")

	b.get("/account").want(t, http.StatusOK, "op@example.com", "Change your password")
	b.post("/account/password", url.Values{"current_password": {password}, "password": {"a new long password"}, "confirm": {"typo"}}).
		want(t, http.StatusUnprocessableEntity, "does not match the new password")
	b.post("/account/password", url.Values{"current_password": {"wrong wrong"}, "password": {"a new long password"}, "confirm": {"a new long password"}}).
		want(t, http.StatusUnprocessableEntity, "is not correct")
	mustRedirect(t, b.post("/account/password", url.Values{"current_password": {password}, "password": {"a new long password"}, "confirm": {"a new long password"}}), "/login")
	b.get("/login").want(t, http.StatusOK, "Your password is changed")
	if p := b.get("/"); p.status != http.StatusSeeOther {
		t.Fatalf("still signed in after a password change: %d", p.status)
	}
	mustRedirect(t, b.post("/login", url.Values{"email": {"op@example.com"}, "password": {"a new long password"}}), "/")

	secret, _, err := s.Auth.CreateToken(t.Context(), "nightly", auth.Lead, "test")
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, s.url+"/account", nil)
	req.Header.Set("Authorization", "Bearer "+secret)
	s.browser(t).do(req).want(t, http.StatusForbidden, "API tokens have no account of their own")
}

// userID finds the path prefix of a user's row forms on the users page.
func userID(t *testing.T, body, email string) string {
	t.Helper()
	i := strings.Index(body, "<td>"+email+"</td>")
	if i < 0 {
		t.Fatalf("no row for %s", email)
	}
	m := regexp.MustCompile(`action="(/admin/users/\d+)/role"`).FindStringSubmatch(body[i:])
	if m == nil {
		t.Fatalf("no forms for %s", email)
	}
	return m[1]
}

func mustRedirect(t *testing.T, p page, to string) {
	t.Helper()
	if p.status != http.StatusSeeOther || p.location != to {
		t.Fatalf("answered %d → %q, want 303 → %q\n%s", p.status, p.location, to, p.body)
	}
}
