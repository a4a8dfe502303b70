package web

import (
	"errors"
	"net/http"

	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/httpx"
	"github.com/hotdash/hotdash/internal/store"
	"github.com/hotdash/hotdash/internal/validation"
)

// tokensPage is the API token administration page.
type tokensPage struct {
	Tokens []auth.Token
	Roles  []auth.Role
	// Name and Role are the create form's values, Errors its problems.
	Name   string
	Role   auth.Role
	Errors validation.Errors
	// Created is the token just made and Secret its value, shown this once.
	Created *auth.Token
	Secret  string
}

func (h *Handler) tokens(w http.ResponseWriter, r *http.Request) {
	h.renderTokens(w, r, http.StatusOK, tokensPage{Role: auth.Agent})
}

func (h *Handler) renderTokens(w http.ResponseWriter, r *http.Request, status int, p tokensPage) {
	list, err := h.Auth.ListTokens(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p.Tokens, p.Roles = list, auth.TokenRoles()
	h.render(w, r, status, "tokens", view{Title: "API tokens", Nav: "tokens", Page: p})
}

// createToken makes a token and shows its secret in this response only: it
// is stored hashed, so no later page can show it again (and no-store keeps
// it out of caches).
func (h *Handler) createToken(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	name, role := r.PostForm.Get("name"), auth.Role(r.PostForm.Get("role"))
	p, _ := httpx.PrincipalFrom(r.Context())
	secret, tok, err := h.Auth.CreateToken(r.Context(), name, role, p.Name)
	var verrs validation.Errors
	switch {
	case errors.As(err, &verrs):
		h.renderTokens(w, r, http.StatusUnprocessableEntity, tokensPage{Name: name, Role: role, Errors: verrs})
		return
	case err != nil:
		h.fail(w, r, err)
		return
	}
	h.renderTokens(w, r, http.StatusCreated, tokensPage{Role: auth.Agent, Created: &tok, Secret: secret})
}

func (h *Handler) revokeToken(w http.ResponseWriter, r *http.Request) {
	id := pathID(r)
	err := h.Auth.RevokeToken(r.Context(), id)
	switch {
	case errors.Is(err, store.ErrNotFound) || id == 0:
		h.notFound(w, r, "That token does not exist. Reload the token list.")
		return
	case err != nil:
		h.fail(w, r, err)
		return
	}
	h.setFlash(w, "ok", "The token is revoked: requests using it are refused from now on.")
	seeOther(w, r, "/admin/tokens")
}
