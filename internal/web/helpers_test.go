package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hotdash/hotdash/internal/apptest"
	"github.com/hotdash/hotdash/internal/auth"
)

// password is every test user's password.
const password = "correct horse battery"

// server is the whole app running on loopback, with its real SQLite store.
type server struct {
	*apptest.App
	url string
}

// start runs the app in-process until the test ends. Each test has its own
// server and store, so tests that start one run in parallel.
func start(t *testing.T) *server {
	t.Helper()
	t.Parallel()
	a := apptest.Start(t, apptest.Options{})
	return &server{App: a, url: a.URL()}
}

// user creates a user with the test password.
func (s *server) user(t *testing.T, email string, role auth.Role) auth.User {
	t.Helper()
	u, err := s.Auth.CreateUser(context.Background(), auth.NewUser{Email: email, Role: role, Password: password})
	if err != nil {
		t.Fatalf("create %s: %v", email, err)
	}
	return u
}

// browser is an HTTP client with a cookie jar that does not follow
// redirects, so tests see where each answer points.
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
}

func (s *server) browser(t *testing.T) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, base: s.url, c: &http.Client{
		Jar:           jar,
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// page is one answer: status, Location and body.
type page struct {
	status   int
	location string
	body     string
	header   http.Header
}

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatalf("read %s: %v", req.URL, err)
	}
	return page{status: resp.StatusCode, location: resp.Header.Get("Location"), body: string(body), header: resp.Header}
}

func (b *browser) get(path string) page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.base+path, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

func (b *browser) post(path string, form url.Values) page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// signIn signs in through the form and checks it worked.
func (b *browser) signIn(email string) {
	b.t.Helper()
	p := b.post("/login", url.Values{"email": {email}, "password": {password}})
	if p.status != http.StatusSeeOther || p.location != "/" {
		b.t.Fatalf("sign in as %s: %d → %q\n%s", email, p.status, p.location, p.body)
	}
}

// want fails unless p has the status and every fragment.
func (p page) want(t *testing.T, status int, fragments ...string) {
	t.Helper()
	if p.status != status {
		t.Fatalf("status %d, want %d\n%s", p.status, status, p.body)
	}
	for _, f := range fragments {
		if !strings.Contains(p.body, f) {
			t.Fatalf("page lacks %q\n%s", f, p.body)
		}
	}
}
