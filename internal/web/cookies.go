package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/httpx"
)

// flashCookie carries one message across a redirect. It holds plain text
// that is only ever rendered through html/template, so a forged cookie can
// at worst show its owner a silly message.
const flashCookie = "hotdash_flash"

// maxFlash bounds the text a flash shows.
const maxFlash = 300

// flash is a message shown once, after a redirect.
type flash struct {
	// Kind is "ok" or "error" (the .flash-ok / .flash-error styles).
	Kind    string
	Message string
}

// cookie returns a cookie with HotDash's attributes: HttpOnly, SameSite=Lax,
// Path=/, and Secure whenever HotDash is reached over HTTPS.
func (h *Handler) cookie(name, value string) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: h.Settings.SecureCookies()}
}

// setFlash shows msg on the next page this browser renders.
func (h *Handler) setFlash(w http.ResponseWriter, kind, msg string) {
	c := h.cookie(flashCookie, url.QueryEscape(kind+":"+msg))
	c.MaxAge = 60
	http.SetCookie(w, c)
}

// takeFlash returns the pending flash, if any, and clears it.
func (h *Handler) takeFlash(w http.ResponseWriter, r *http.Request) *flash {
	c, err := r.Cookie(flashCookie)
	if err != nil || c.Value == "" {
		return nil
	}
	gone := h.cookie(flashCookie, "")
	gone.MaxAge = -1
	http.SetCookie(w, gone)
	text, err := url.QueryUnescape(c.Value)
	if err != nil {
		return nil
	}
	kind, msg, ok := strings.Cut(text, ":")
	if !ok || msg == "" || (kind != "ok" && kind != "error") {
		return nil
	}
	if len(msg) > maxFlash {
		msg = msg[:maxFlash]
	}
	return &flash{Kind: kind, Message: msg}
}

// startSession hands the browser its sign-in cookie.
func (h *Handler) startSession(w http.ResponseWriter, s auth.Session) {
	c := h.cookie(httpx.SessionCookie, s.Token)
	c.Expires = s.ExpiresAt
	http.SetCookie(w, c)
}

// endSession deletes the sign-in cookie.
func (h *Handler) endSession(w http.ResponseWriter) {
	c := h.cookie(httpx.SessionCookie, "")
	c.MaxAge = -1
	c.Expires = time.Unix(1, 0)
	http.SetCookie(w, c)
}
