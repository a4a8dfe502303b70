package web_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
)

func TestSetupLinkCreatesTheFirstAdminOnce(t *testing.T) {
	s := start(t)
	link, err := s.Auth.NewSetupLink(context.Background()) // replaces the one Start printed
	if err != nil {
		t.Fatal(err)
	}
	b := s.browser(t)
	b.get("/setup").want(t, http.StatusGone, "This setup link cannot be used", "hotdash user create")
	b.get("/setup?token=hdsetup_WRONG").want(t, http.StatusGone, "This setup link cannot be used")
	b.get("/login").want(t, http.StatusOK, "Nobody can sign in yet")

	form := b.get("/setup?token=" + url.QueryEscape(link))
	form.want(t, http.StatusOK, "Set up HotDash", `name="token" value="`+link+`"`)

	bad := url.Values{"token": {link}, "email": {"founder@example.com"}, "name": {"Founder <b>"}, "password": {"long enough password"}, "confirm": {"something else!"}}
	b.post("/setup", bad).want(t, http.StatusUnprocessableEntity, "does not match the password", `value="Founder &lt;b&gt;"`)
	bad.Set("confirm", "short")
	bad.Set("password", "short")
	b.post("/setup", bad).want(t, http.StatusUnprocessableEntity, "must be at least 10 characters")

	good := url.Values{"token": {link}, "email": {"founder@example.com"}, "name": {"Founder"}, "password": {password}, "confirm": {password}}
	p := b.post("/setup", good)
	if p.status != http.StatusSeeOther || p.location != "/" {
		t.Fatalf("setup: %d → %q\n%s", p.status, p.location, p.body)
	}
	b.get("/").want(t, http.StatusOK, "first admin", `href="/admin/users"`, `href="/admin/tokens"`)

	again := s.browser(t)
	good.Set("email", "intruder@example.com")
	again.post("/setup", good).want(t, http.StatusConflict, "HotDash is already set up", `href="/login"`)
	again.get("/setup?token="+url.QueryEscape(link)).want(t, http.StatusConflict, "HotDash is already set up")
	if n, _ := s.Auth.CountUsers(context.Background()); n != 1 {
		t.Fatalf("%d users after a reused link, want 1", n)
	}
}
