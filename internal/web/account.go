package web

import (
	"errors"
	"net/http"

	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/httpx"
	"github.com/hotdash/hotdash/internal/validation"
)

// accountPage is the signed-in user's own account. The routes require
// auth.OwnAccount, which API tokens never have.
type accountPage struct {
	User   auth.User
	Errors validation.Errors
}

func (h *Handler) account(w http.ResponseWriter, r *http.Request) {
	h.renderAccount(w, r, http.StatusOK, nil)
}

func (h *Handler) renderAccount(w http.ResponseWriter, r *http.Request, status int, errs validation.Errors) {
	p, _ := httpx.PrincipalFrom(r.Context())
	u, err := h.Auth.GetUser(r.Context(), p.UserID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, status, "account", view{Title: "Your account", Nav: "account", Page: accountPage{User: u, Errors: errs}})
}

// changePassword changes the user's own password. That ends all their
// sessions, this one too, so it sends them to sign in again.
func (h *Handler) changePassword(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	p, _ := httpx.PrincipalFrom(r.Context())
	f := r.PostForm
	if f.Get("password") != f.Get("confirm") {
		h.renderAccount(w, r, http.StatusUnprocessableEntity, validation.Errors{"confirm": "does not match the new password"})
		return
	}
	err := h.Auth.ChangePassword(r.Context(), p.UserID, f.Get("current_password"), f.Get("password"))
	var verrs validation.Errors
	switch {
	case errors.As(err, &verrs):
		h.renderAccount(w, r, http.StatusUnprocessableEntity, verrs)
		return
	case err != nil:
		h.fail(w, r, err)
		return
	}
	h.endSession(w)
	h.setFlash(w, "ok", "Your password is changed and you are signed out everywhere. Sign in with the new password.")
	seeOther(w, r, "/login")
}
