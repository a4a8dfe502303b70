package httpx

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestTrustProxiesBelievesOnlyTrustedProxies(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.168.1.5/32")}
	var seen string
	h := TrustProxies(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { seen = r.RemoteAddr }), trusted)
	for _, c := range []struct {
		name, remote string
		forwarded    []string
		want         string
	}{
		{"direct client, header ignored", "203.0.113.9:5000", []string{"198.51.100.1"}, "203.0.113.9:5000"},
		{"through the proxy", "10.1.2.3:443", []string{"198.51.100.1"}, "198.51.100.1:0"},
		{"a forged first hop is skipped", "10.1.2.3:443", []string{"6.6.6.6, 198.51.100.1"}, "198.51.100.1:0"},
		{"two trusted proxies", "10.1.2.3:443", []string{"198.51.100.1, 192.168.1.5"}, "198.51.100.1:0"},
		{"header lines", "10.1.2.3:443", []string{"198.51.100.1", "10.9.9.9"}, "198.51.100.1:0"},
		{"IPv6 client", "10.1.2.3:443", []string{"2001:db8::7"}, "[2001:db8::7]:0"},
		{"garbled hop", "10.1.2.3:443", []string{"198.51.100.1, not-an-ip"}, "10.1.2.3:443"},
		{"no header", "10.1.2.3:443", nil, "10.1.2.3:443"},
	} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = c.remote
		for _, v := range c.forwarded {
			r.Header.Add("X-Forwarded-For", v)
		}
		h.ServeHTTP(httptest.NewRecorder(), r)
		if seen != c.want {
			t.Errorf("%s: RemoteAddr %q, want %q", c.name, seen, c.want)
		}
	}
}
