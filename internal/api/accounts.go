package api

import (
	"net/http"
	"strconv"

	"github.com/hotdash/hotdash/client"
	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/httpx"
)

func (a *API) listUsers(w http.ResponseWriter, r *http.Request) {
	users, err := a.Auth.ListUsers(r.Context())
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	out := make([]client.User, len(users))
	for i, u := range users {
		out[i] = User(u)
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"users": out})
}

func (a *API) createUser(w http.ResponseWriter, r *http.Request) {
	var in client.NewUser
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	u, err := a.Auth.CreateUser(r.Context(), auth.NewUser{Email: in.Email, Name: in.Name, Role: auth.Role(in.Role), Password: in.Password})
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, User(u))
}

func (a *API) updateUser(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	var in client.UserChange
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	ch := auth.UserChange{Name: in.Name, Disabled: in.Disabled}
	if in.Role != nil {
		role := auth.Role(*in.Role)
		ch.Role = &role
	}
	u, err := a.Auth.UpdateUser(r.Context(), id, ch)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, User(u))
}

func (a *API) listTokens(w http.ResponseWriter, r *http.Request) {
	tokens, err := a.Auth.ListTokens(r.Context())
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	out := make([]client.Token, len(tokens))
	for i, t := range tokens {
		out[i] = Token(t)
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"tokens": out})
}

func (a *API) createToken(w http.ResponseWriter, r *http.Request) {
	var in client.NewToken
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	p, _ := httpx.PrincipalFrom(r.Context())
	secret, t, err := a.Auth.CreateToken(r.Context(), in.Name, auth.Role(in.Role), p.Name)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, client.CreatedToken{Token: Token(t), Secret: secret})
}

func (a *API) revokeToken(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	if err := a.Auth.RevokeToken(r.Context(), id); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func pathID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		httpx.WriteError(w, r, httpx.NewError(http.StatusNotFound, "not_found", "ids are positive numbers"))
		return 0, false
	}
	return id, true
}

// User is u on the wire.
func User(u auth.User) client.User {
	return client.User{ID: u.ID, Email: u.Email, Name: u.Name, Role: string(u.Role), Disabled: u.Disabled, CreatedAt: u.CreatedAt}
}

// Token is t on the wire.
func Token(t auth.Token) client.Token {
	out := client.Token{ID: t.ID, Name: t.Name, Role: string(t.Role), Prefix: t.Prefix, CreatedBy: t.CreatedBy, CreatedAt: t.CreatedAt}
	if !t.LastUsedAt.IsZero() {
		u := t.LastUsedAt
		out.LastUsedAt = &u
	}
	if !t.RevokedAt.IsZero() {
		r := t.RevokedAt
		out.RevokedAt = &r
	}
	return out
}
