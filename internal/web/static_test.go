package web_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

func TestStaticFilesAreFingerprintedAndCachedForever(t *testing.T) {
	s := start(t)
	login := s.browser(t).get("/login")
	login.want(t, http.StatusOK)
	m := regexp.MustCompile(`href="(/static/app\.css\?v=[0-9a-f]+)"`).FindStringSubmatch(login.body)
	if m == nil {
		t.Fatalf("no fingerprinted stylesheet link\n%s", login.body)
	}
	for _, src := range []string{"/static/app.js?v=", "/static/vendor/htmx.min.js?v=", "/static/vendor/htmx-ext-sse.min.js?v="} {
		if !strings.Contains(login.body, src) {
			t.Errorf("the page does not load %s…", src)
		}
	}

	for _, method := range []string{http.MethodHead, http.MethodGet} {
		req, _ := http.NewRequest(method, s.url+m[1], nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" ||
			!strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") {
			t.Fatalf("%s %s: %d %q %q", method, m[1], resp.StatusCode, resp.Header.Get("Cache-Control"), resp.Header.Get("Content-Type"))
		}
	}
	stale := s.browser(t).get("/static/app.css?v=old")
	if stale.status != http.StatusOK || stale.header.Get("Cache-Control") != "no-cache" {
		t.Fatalf("a stale fingerprint answered %d %q", stale.status, stale.header.Get("Cache-Control"))
	}
	if p := s.browser(t).get("/static/../web.go"); p.status != http.StatusNotFound {
		t.Fatalf("path escape answered %d", p.status)
	}
	csp := login.header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self'") {
		t.Fatalf("CSP %q", csp)
	}
	for _, inline := range []string{"<script>", " style=", " onclick=", " onload="} {
		if strings.Contains(login.body, inline) {
			t.Errorf("the page has inline %q, which the CSP blocks", inline)
		}
	}
}
