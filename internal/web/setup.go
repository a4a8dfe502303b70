package web

import (
	"errors"
	"net/http"

	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/validation"
)

// setupPage is the first-run page: either the form creating the first
// admin, or why the link cannot be used and what to do instead.
type setupPage struct {
	// State is "form", "invalid" (unknown, used or expired link) or "done"
	// (someone can already sign in).
	State  string
	Token  string
	Email  string
	Name   string
	Errors validation.Errors
}

func (h *Handler) setupForm(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	if h.setupDone(w, r) {
		return
	}
	if token == "" {
		h.renderSetup(w, r, http.StatusGone, setupPage{State: "invalid"})
		return
	}
	if err := h.Auth.CheckSetupLink(r.Context(), token); err != nil {
		h.setupRefused(w, r, err)
		return
	}
	h.renderSetup(w, r, http.StatusOK, setupPage{State: "form", Token: token})
}

// setupDone answers with the "already set up" page once anyone can sign in
// (whatever link was used), and reports whether it did.
func (h *Handler) setupDone(w http.ResponseWriter, r *http.Request) bool {
	n, err := h.Auth.CountUsers(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return true
	}
	if n > 0 {
		h.setupRefused(w, r, auth.ErrSetupDone)
		return true
	}
	return false
}

// setupRefused explains a link that cannot be used. The token itself is
// never logged or echoed.
func (h *Handler) setupRefused(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, auth.ErrSetupDone):
		h.renderSetup(w, r, http.StatusConflict, setupPage{State: "done"})
	case errors.Is(err, auth.ErrSetupLinkInvalid):
		h.renderSetup(w, r, http.StatusGone, setupPage{State: "invalid"})
	default:
		h.fail(w, r, err)
	}
}

func (h *Handler) renderSetup(w http.ResponseWriter, r *http.Request, status int, p setupPage) {
	h.render(w, r, status, "setup", view{Title: "Set up HotDash", Bare: true, Page: p})
}

func (h *Handler) setup(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) || h.setupDone(w, r) {
		return
	}
	f := r.PostForm
	p := setupPage{State: "form", Token: f.Get("token"), Email: f.Get("email"), Name: f.Get("name")}
	if f.Get("password") != f.Get("confirm") {
		p.Errors = validation.Errors{"confirm": "does not match the password"}
		h.renderSetup(w, r, http.StatusUnprocessableEntity, p)
		return
	}
	_, sess, err := h.Auth.CompleteSetup(r.Context(), p.Token,
		auth.NewUser{Email: p.Email, Name: p.Name, Password: f.Get("password")},
		auth.Attempt{Email: p.Email, RemoteAddr: r.RemoteAddr, UserAgent: r.UserAgent()})
	var verrs validation.Errors
	switch {
	case errors.As(err, &verrs):
		p.Errors = verrs
		h.renderSetup(w, r, http.StatusUnprocessableEntity, p)
		return
	case err != nil:
		h.setupRefused(w, r, err)
		return
	}
	h.startSession(w, sess)
	h.setFlash(w, "ok", "HotDash is set up and you are its first admin. Add people under Users.")
	seeOther(w, r, "/")
}
