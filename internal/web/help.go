package web

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/helpcenter"
	"github.com/hotdash/hotdash/internal/httpx"
	"github.com/hotdash/hotdash/internal/store"
	"github.com/hotdash/hotdash/internal/validation"
)

// registerHelp adds the Help Center's pages.
func (h *Handler) registerHelp(r *httpx.Router) {
	if h.Help == nil {
		return
	}
	r.Page("GET /help", auth.ReadHelp, h.helpIndex)
	r.Page("GET /help/gaps", auth.EditHelp, h.helpGaps)
	r.Page("GET /help/new", auth.EditHelp, h.helpNewForm)
	r.Page("POST /help/new", auth.EditHelp, h.helpCreate)
	r.Page("POST /help/preview", auth.EditHelp, h.helpPreview)
	r.Page("GET /help/{id}", auth.ReadHelp, h.helpArticle)
	r.Page("GET /help/{id}/edit", auth.EditHelp, h.helpEditForm)
	r.Page("POST /help/{id}/edit", auth.EditHelp, h.helpUpdate)
	r.Page("POST /help/{id}/feedback", auth.ReadHelp, h.helpFeedback)
}

// helpGroup is one Diátaxis kind's articles.
type helpGroup struct {
	Kind     helpcenter.Kind
	Articles []helpcenter.Summary
}

// helpResults is the search results fragment.
type helpResults struct {
	Query string
	// Searched is false when nothing was typed.
	Searched bool
	Hits     []helpcenter.Hit
}

type helpIndexPage struct {
	Groups  []helpGroup
	Results helpResults
	// UnknownTopic is a topic id that matched nothing.
	UnknownTopic string
	CanEdit      bool
}

// helpIndex lists the articles by kind, searches (?q=), and opens topics
// (?topic=). An htmx request gets only the results fragment.
func (h *Handler) helpIndex(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if topic := strings.TrimSpace(q.Get("topic")); topic != "" {
		h.helpTopic(w, r, topic)
		return
	}
	query := q.Get("q")
	res, err := h.helpSearch(r, query)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if r.Header.Get("HX-Request") == "true" {
		h.renderPartial(w, r, "help-results", res)
		return
	}
	h.renderHelpIndex(w, r, http.StatusOK, res, "")
}

func (h *Handler) renderHelpIndex(w http.ResponseWriter, r *http.Request, status int, res helpResults, unknown string) {
	list, err := h.Help.List(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p, _ := httpx.PrincipalFrom(r.Context())
	page := helpIndexPage{Results: res, UnknownTopic: unknown, CanEdit: p.Can(auth.EditHelp)}
	for _, k := range helpcenter.Kinds() {
		g := helpGroup{Kind: k}
		for _, a := range list {
			if a.Kind == k {
				g.Articles = append(g.Articles, a)
			}
		}
		page.Groups = append(page.Groups, g)
	}
	title := "Help Center"
	if res.Searched {
		title = "Help: " + res.Query
	}
	h.render(w, r, status, "help", view{Title: title, Nav: "help", Page: page})
}

// helpSearch runs and records a search for what was typed.
func (h *Handler) helpSearch(r *http.Request, query string) (helpResults, error) {
	res := helpResults{Query: query, Searched: strings.TrimSpace(query) != ""}
	if !res.Searched {
		return res, nil
	}
	p, _ := httpx.PrincipalFrom(r.Context())
	hits, err := h.Help.Search(r.Context(), query, helpcenter.SearchOptions{Actor: p.Name, Record: true})
	res.Hits = hits
	return res, err
}

// helpTopic opens a topic: the article, scrolled to the section. An
// unknown topic says so and searches for its words instead.
func (h *Handler) helpTopic(w http.ResponseWriter, r *http.Request, topic string) {
	article, anchor, err := h.Help.Topic(r.Context(), topic)
	if err == nil {
		seeOther(w, r, helpcenter.URL(url.PathEscape(article), anchor))
		return
	}
	if !errors.Is(err, store.ErrNotFound) {
		h.fail(w, r, err)
		return
	}
	query := strings.Join(strings.FieldsFunc(topic, func(r rune) bool { return r == '-' || r == '_' }), " ")
	res, err := h.helpSearch(r, query)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.renderHelpIndex(w, r, http.StatusNotFound, res, topic)
}

// renderPartial renders one shared template alone (an htmx fragment).
func (h *Handler) renderPartial(w http.ResponseWriter, r *http.Request, name string, data any) {
	var buf bytes.Buffer
	if err := h.partials.ExecuteTemplate(&buf, name, data); err != nil {
		h.fail(w, r, fmt.Errorf("render %s: %w", name, err))
		return
	}
	writeHTML(w, http.StatusOK, buf.Bytes())
}

type helpArticlePage struct {
	Article *helpcenter.Article
	CanEdit bool
	// Voted is set after the reader answered "Was this helpful?".
	Voted bool
}

func (h *Handler) helpArticle(w http.ResponseWriter, r *http.Request) {
	a, err := h.Help.Get(r.Context(), r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		h.renderHelpIndex(w, r, http.StatusNotFound, helpResults{}, r.PathValue("id"))
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p, _ := httpx.PrincipalFrom(r.Context())
	page := helpArticlePage{Article: a, CanEdit: p.Can(auth.EditHelp), Voted: r.URL.Query().Get("voted") == "1"}
	h.render(w, r, http.StatusOK, "help_article", view{Title: a.Title, Nav: "help", Page: page})
}

func (h *Handler) helpFeedback(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	id := r.PathValue("id")
	p, _ := httpx.PrincipalFrom(r.Context())
	helpful := r.PostForm.Get("helpful")
	if helpful != "yes" && helpful != "no" {
		h.renderError(w, r, httpx.NewError(http.StatusBadRequest, "malformed", "answer yes or no"))
		return
	}
	err := h.Help.Feedback(r.Context(), id, helpful == "yes", r.PostForm.Get("comment"), p.Name)
	var verrs validation.Errors
	if errors.As(err, &verrs) {
		h.renderError(w, r, httpx.NewError(http.StatusUnprocessableEntity, "invalid", verrs.Error()))
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.setFlash(w, "ok", "Thank you: your answer was recorded.")
	seeOther(w, r, "/help/"+url.PathEscape(id)+"?voted=1#feedback")
}

// helpForm is the article editor as typed.
type helpForm struct {
	ID, Title, Kind, Keywords, Owner, ReviewBy, Body string
	Runbook                                          bool
	Version                                          int64
}

type helpEditPage struct {
	New      bool
	Form     helpForm
	Kinds    []helpcenter.Kind
	Errors   map[string]string
	Problems []fieldProblem
	// Conflict is set when the article changed since the editor opened
	// it: Form keeps what they typed.
	Conflict string
	Preview  any
}

func formOf(a *helpcenter.Article) helpForm {
	f := helpForm{ID: a.ID, Title: a.Title, Kind: string(a.Kind), Keywords: strings.Join(a.Keywords, ", "), Owner: a.Owner,
		Body: a.Body, Runbook: a.Runbook, Version: a.Version}
	if !a.ReviewBy.IsZero() {
		f.ReviewBy = a.ReviewBy.Format("2006-01-02")
	}
	return f
}

func (h *Handler) helpNewForm(w http.ResponseWriter, r *http.Request) {
	page := helpEditPage{New: true, Form: helpForm{Kind: string(helpcenter.HowTo)}, Kinds: helpcenter.Kinds()}
	h.render(w, r, http.StatusOK, "help_edit", view{Title: "New help article", Nav: "help", Page: page})
}

func (h *Handler) helpEditForm(w http.ResponseWriter, r *http.Request) {
	a, err := h.Help.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	page := helpEditPage{Form: formOf(a), Kinds: helpcenter.Kinds()}
	h.render(w, r, http.StatusOK, "help_edit", view{Title: "Edit " + a.Title, Nav: "help", Page: page})
}

func (h *Handler) helpCreate(w http.ResponseWriter, r *http.Request) { h.helpSave(w, r, true) }
func (h *Handler) helpUpdate(w http.ResponseWriter, r *http.Request) { h.helpSave(w, r, false) }

// readHelpForm reads the editor's form.
func readHelpForm(r *http.Request, isNew bool) helpForm {
	f := r.PostForm
	form := helpForm{ID: strings.TrimSpace(f.Get("id")), Title: f.Get("title"), Kind: f.Get("kind"), Keywords: f.Get("keywords"),
		Owner: f.Get("owner"), ReviewBy: strings.TrimSpace(f.Get("review_by")), Body: f.Get("body"), Runbook: f.Get("runbook") == "on"}
	if !isNew {
		form.ID = r.PathValue("id")
		form.Version, _ = strconv.ParseInt(f.Get("version"), 10, 64)
	}
	return form
}

func (form helpForm) draft() (helpcenter.Draft, error) {
	d := helpcenter.Draft{ID: form.ID, Title: form.Title, Kind: helpcenter.Kind(form.Kind), Keywords: splitList(form.Keywords),
		Runbook: form.Runbook, Owner: form.Owner, Body: form.Body}
	if form.ReviewBy != "" {
		t, err := time.Parse("2006-01-02", form.ReviewBy)
		if err != nil {
			return d, validation.Errors{"review_by": "must be a date written YYYY-MM-DD"}
		}
		d.ReviewBy = t
	}
	return d, nil
}

func (h *Handler) helpSave(w http.ResponseWriter, r *http.Request, isNew bool) {
	if !h.parseForm(w, r) {
		return
	}
	form := readHelpForm(r, isNew)
	if !isNew && form.Version <= 0 {
		h.renderError(w, r, httpx.NewError(http.StatusBadRequest, "malformed", "the form lost its version; reload the editor"))
		return
	}
	d, err := form.draft()
	if err == nil {
		p, _ := httpx.PrincipalFrom(r.Context())
		var a *helpcenter.Article
		a, err = h.Help.Save(r.Context(), helpcenter.Edit{Draft: d, Version: form.Version}, p.Name)
		if err == nil {
			h.setFlash(w, "ok", "Saved "+a.Title+" (version "+strconv.FormatInt(a.Version, 10)+").")
			seeOther(w, r, "/help/"+url.PathEscape(a.ID))
			return
		}
	}
	page := helpEditPage{New: isNew, Form: form, Kinds: helpcenter.Kinds()}
	var verrs validation.Errors
	switch {
	case errors.As(err, &verrs):
		page.Errors = verrs
		for _, fl := range [][2]string{{"id", "Topic id"}, {"title", "Title"}, {"kind", "Kind"}, {"keywords", "Keywords"},
			{"owner", "Owner"}, {"review_by", "Review by"}, {"body", "Text"}} {
			if msg, ok := verrs[fl[0]]; ok {
				page.Problems = append(page.Problems, fieldProblem{ID: "f-" + fl[0], Label: fl[1], Message: msg})
			}
		}
		h.render(w, r, http.StatusUnprocessableEntity, "help_edit", view{Title: "Edit help article", Nav: "help", Page: page})
	case errors.Is(err, store.ErrConflict):
		page.Conflict = err.Error()
		if cur, gerr := h.Help.Get(r.Context(), form.ID); gerr == nil && !isNew {
			page.Form.Version = cur.Version
		}
		h.render(w, r, http.StatusConflict, "help_edit", view{Title: "Edit help article", Nav: "help", Page: page})
	default:
		h.fail(w, r, err)
	}
}

// helpPreview renders the editor's markdown (htmx, as they type).
func (h *Handler) helpPreview(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	html, err := h.Help.Preview(r.PostForm.Get("body"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.renderPartial(w, r, "help-preview", html)
}

type helpGapsPage struct {
	From, To time.Time
	Days     int
	Gaps     helpcenter.Gaps
}

// helpGaps shows managers where help falls short over the last ?days=
// (7 by default).
func (h *Handler) helpGaps(w http.ResponseWriter, r *http.Request) {
	days, err := strconv.Atoi(r.URL.Query().Get("days"))
	if err != nil || days <= 0 || days > 366 {
		days = 7
	}
	to := h.Clock.Now().UTC()
	from := to.AddDate(0, 0, -days)
	g, err := h.Help.Gaps(r.Context(), from, to.Add(time.Second))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "help_gaps", view{Title: "Help Center gaps", Nav: "help", Page: helpGapsPage{From: from, To: to, Days: days, Gaps: g}})
}

// helpTopicURL is where a "?" link for topic goes.
func helpTopicURL(topic string) string { return "/help?topic=" + url.QueryEscape(topic) }

// errorTopic is the troubleshooting section for an error page's status.
func errorTopic(status int) string {
	switch status {
	case 400, 401, 403, 404, 409, 413, 422, 429, 500:
		return "error-" + strconv.Itoa(status)
	}
	if status > 500 {
		return "error-500"
	}
	return "troubleshooting"
}
