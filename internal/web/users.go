package web

import (
	"errors"
	"net/http"

	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/store"
	"github.com/hotdash/hotdash/internal/validation"
)

// usersPage is the user administration page.
type usersPage struct {
	Users []auth.User
	Roles []auth.Role
	// New is the create form's values (never the password) and Errors its
	// problems.
	New    auth.NewUser
	Errors validation.Errors
	// RowError explains why a change to one user was refused.
	RowError *rowError
}

// rowError is a refused change to one user or token.
type rowError struct {
	ID      int64
	Subject string
	Message string
}

func (h *Handler) users(w http.ResponseWriter, r *http.Request) {
	h.renderUsers(w, r, http.StatusOK, usersPage{New: auth.NewUser{Role: auth.Operator}})
}

func (h *Handler) renderUsers(w http.ResponseWriter, r *http.Request, status int, p usersPage) {
	users, err := h.Auth.ListUsers(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p.Users, p.Roles = users, auth.UserRoles()
	h.render(w, r, status, "users", view{Title: "Users", Nav: "users", Page: p})
}

func (h *Handler) createUser(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	f := r.PostForm
	nu := auth.NewUser{Email: f.Get("email"), Name: f.Get("name"), Role: auth.Role(f.Get("role")), Password: f.Get("password")}
	u, err := h.Auth.CreateUser(r.Context(), nu)
	var verrs validation.Errors
	switch {
	case errors.As(err, &verrs):
		nu.Password = ""
		h.renderUsers(w, r, http.StatusUnprocessableEntity, usersPage{New: nu, Errors: verrs})
		return
	case err != nil:
		h.fail(w, r, err)
		return
	}
	h.setFlash(w, "ok", "Added "+u.Email+" as "+string(u.Role)+". Give them their password in person or over a private channel.")
	seeOther(w, r, "/admin/users")
}

func (h *Handler) changeRole(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	role := auth.Role(r.PostForm.Get("role"))
	h.updateUser(w, r, auth.UserChange{Role: &role}, "is now "+string(role))
}

func (h *Handler) changeStatus(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	disabled := r.PostForm.Get("disabled") == "true"
	done := "can sign in again"
	if disabled {
		done = "is disabled and signed out everywhere"
	}
	h.updateUser(w, r, auth.UserChange{Disabled: &disabled}, done)
}

// updateUser applies ch to the user in the path, then returns to the list
// with a flash, or shows the list with why the change was refused.
func (h *Handler) updateUser(w http.ResponseWriter, r *http.Request, ch auth.UserChange, done string) {
	id := pathID(r)
	u, err := h.Auth.UpdateUser(r.Context(), id, ch)
	h.userChanged(w, r, id, err, u.Email+" "+done+".")
}

// userChanged finishes a change to user id: back to the list with flash, or
// the list with why the change was refused, or a 404.
func (h *Handler) userChanged(w http.ResponseWriter, r *http.Request, id int64, err error, flash string) {
	var verrs validation.Errors
	switch {
	case errors.As(err, &verrs):
		h.renderUsers(w, r, http.StatusUnprocessableEntity, usersPage{New: auth.NewUser{Role: auth.Operator}, RowError: h.userRowError(r, id, verrs)})
		return
	case errors.Is(err, store.ErrNotFound) || id == 0:
		h.notFound(w, r, "That user does not exist any more. Reload the user list.")
		return
	case err != nil:
		h.fail(w, r, err)
		return
	}
	h.setFlash(w, "ok", flash)
	seeOther(w, r, "/admin/users")
}

func (h *Handler) resetPassword(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	id := pathID(r)
	u, err := h.Auth.GetUser(r.Context(), id)
	if err == nil {
		err = h.Auth.SetPassword(r.Context(), id, r.PostForm.Get("password"))
	}
	h.userChanged(w, r, id, err, "The password of "+u.Email+" is changed and their sessions are ended.")
}

// userRowError describes a refused change to user id.
func (h *Handler) userRowError(r *http.Request, id int64, errs validation.Errors) *rowError {
	subject := "this user"
	if u, err := h.Auth.GetUser(r.Context(), id); err == nil {
		subject = u.Email
	}
	var msg string
	switch {
	case errs["role"] != "":
		msg = capitalize(errs["role"]) + "."
	case errs["password"] != "":
		msg = "The password " + errs["password"] + "."
	case errs["name"] != "":
		msg = "The name " + errs["name"] + "."
	default:
		msg = errs.Error()
	}
	return &rowError{ID: id, Subject: subject, Message: msg}
}
