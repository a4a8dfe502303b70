package web

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/httpx"
)

// view is what the layout renders around every page.
type view struct {
	// Title is the page's own part of the <title> ("Decision Log").
	Title string
	// Nav names the navigation entry of the page (aria-current).
	Nav string
	// Bare pages (sign-in, setup, errors of signed-out visitors) use the
	// centred card instead of the app shell.
	Bare     bool
	User     auth.Principal
	SignedIn bool
	Flash    *flash
	// Page is the page's own data.
	Page any
}

// CanManageUsers reports whether the navigation links the users page.
func (v view) CanManageUsers() bool { return v.SignedIn && v.User.Can(auth.ManageUsers) }

// CanManageTokens reports whether the navigation links the tokens page.
func (v view) CanManageTokens() bool { return v.SignedIn && v.User.Can(auth.ManageTokens) }

// CanWrite reports whether the user may log decisions.
func (v view) CanWrite() bool { return v.SignedIn && v.User.Can(auth.WriteDecisions) }

// CanReadDecisions reports whether the navigation links the dashboard and
// the Decision Log.
func (v view) CanReadDecisions() bool { return v.SignedIn && v.User.Can(auth.ReadDecisions) }

// CanReadConversations reports whether the navigation links the queue and
// the dashboard shows the CX tiles.
func (v view) CanReadConversations() bool { return v.SignedIn && v.User.Can(auth.ReadConversations) }

// CanReadDrafts reports whether the navigation links the approvals queue.
func (v view) CanReadDrafts() bool { return v.SignedIn && v.User.Can(auth.ReadDrafts) }

// CanReadIncidents reports whether the navigation links the incidents.
func (v view) CanReadIncidents() bool { return v.SignedIn && v.User.Can(auth.ReadIncidents) }

// CanReadHealth reports whether the navigation links Chatwoot's health.
func (v view) CanReadHealth() bool { return v.SignedIn && v.User.Can(auth.ReadHealth) }

// CanReadReports reports whether the navigation links the reports.
func (v view) CanReadReports() bool { return v.SignedIn && v.User.Can(auth.ReadReports) }

// CanReadHelp reports whether the navigation links the Help Center.
func (v view) CanReadHelp() bool { return v.SignedIn && v.User.Can(auth.ReadHelp) }

// CanReviewDrafts reports whether the user may review drafts.
func (v view) CanReviewDrafts() bool { return v.SignedIn && v.User.Can(auth.ReviewDrafts) }

// UserLabel is how the header names the signed-in user.
func (v view) UserLabel() string {
	if v.User.DisplayName != "" {
		return v.User.DisplayName
	}
	return v.User.Name
}

// render draws page name inside the layout with the given status. The page
// is rendered into a buffer first, so a template failure becomes a proper
// error page rather than half a page.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name string, v view) {
	v.User, v.SignedIn = httpx.PrincipalFrom(r.Context())
	v.Flash = h.takeFlash(w, r)
	t, ok := h.pages[name]
	if !ok {
		h.fail(w, r, fmt.Errorf("no page template %q", name))
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		h.fail(w, r, fmt.Errorf("render page %s: %w", name, err))
		return
	}
	writeHTML(w, status, buf.Bytes())
}

func writeHTML(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// fail answers with the error page for err, logging server faults.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	p := httpx.Problem(err)
	if p.Status >= 500 {
		httpx.Logger(r.Context()).Error("page failed", "error", err)
	}
	h.renderError(w, r, p)
}

// CrossOriginRefused answers a request the server's cross-origin
// protection refused with the error page.
func (h *Handler) CrossOriginRefused(w http.ResponseWriter, r *http.Request) {
	h.renderError(w, r, httpx.CrossOrigin())
}

// notFound answers 404 with a message that says what was missing.
func (h *Handler) notFound(w http.ResponseWriter, r *http.Request, msg string) {
	h.renderError(w, r, httpx.NewError(http.StatusNotFound, "not_found", msg))
}

// errorPage is what the error template shows.
type errorPage struct {
	Status    int
	Heading   string
	Message   string
	RequestID string
}

// renderError draws the error page: inside the app shell for someone signed
// in (so the navigation stays), on the bare card otherwise.
func (h *Handler) renderError(w http.ResponseWriter, r *http.Request, e *httpx.Error) {
	page := errorPage{Status: e.Status, Heading: http.StatusText(e.Status), Message: e.Message, RequestID: httpx.RequestID(r.Context())}
	v := view{Title: page.Heading, Page: page}
	v.User, v.SignedIn = httpx.PrincipalFrom(r.Context())
	v.Bare = !v.SignedIn
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfter))
	}
	var buf bytes.Buffer
	if err := h.pages["error"].ExecuteTemplate(&buf, "layout", v); err != nil {
		h.Logger.Error("render error page", "error", err)
		http.Error(w, e.Message, e.Status)
		return
	}
	writeHTML(w, e.Status, buf.Bytes())
}

// parseForm reads a form body of at most httpx.MaxBodyBytes. On failure it
// has answered (413 or 400) and returns false.
func (h *Handler) parseForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, httpx.MaxBodyBytes)
	err := r.ParseForm()
	if err == nil {
		return true
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		h.renderError(w, r, httpx.NewError(http.StatusRequestEntityTooLarge, "too_large",
			fmt.Sprintf("the form is larger than %d bytes; shorten the longest fields and send it again", tooBig.Limit)))
		return false
	}
	h.renderError(w, r, httpx.NewError(http.StatusBadRequest, "malformed", "the form could not be read; reload the page and try again"))
	return false
}

// pathID reads the {id} path value: a positive number, or 0.
func pathID(r *http.Request) int64 {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0
	}
	return id
}

// seeOther redirects after a successful POST (or to a canonical URL).
func seeOther(w http.ResponseWriter, r *http.Request, to string) {
	http.Redirect(w, r, to, http.StatusSeeOther)
}
