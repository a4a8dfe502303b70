package httpx

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// TrustProxies sets each request's RemoteAddr to the client's address when
// the connection comes from one of the trusted reverse proxies: the last
// address in X-Forwarded-For that is not itself a trusted proxy. Requests
// from anywhere else keep their connection's address, so a client cannot
// choose its own by sending the header. With no trusted proxies, h is
// returned as it is.
func TrustProxies(h http.Handler, trusted []netip.Prefix) http.Handler {
	if len(trusted) == 0 {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if client, ok := forwardedClient(r, trusted); ok {
			r2 := r.Clone(r.Context())
			r2.RemoteAddr = net.JoinHostPort(client.String(), "0")
			r = r2
		}
		h.ServeHTTP(w, r)
	})
}

// forwardedClient reads the client's address from X-Forwarded-For, right to
// left, when the peer is a trusted proxy.
func forwardedClient(r *http.Request, trusted []netip.Prefix) (netip.Addr, bool) {
	peer, ok := addrOf(r.RemoteAddr)
	if !ok || !isTrusted(peer, trusted) {
		return netip.Addr{}, false
	}
	var hops []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(v, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return netip.Addr{}, false // a garbled hop: trust nothing to its left
		}
		if a = a.Unmap(); !isTrusted(a, trusted) {
			return a, true
		}
	}
	return netip.Addr{}, false
}

func addrOf(remote string) (netip.Addr, bool) {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	a, err := netip.ParseAddr(host)
	return a.Unmap(), err == nil
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
