package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/hotdash/hotdash/internal/api"
	"github.com/hotdash/hotdash/internal/decisionlog"
	"github.com/hotdash/hotdash/internal/store"
	"github.com/hotdash/hotdash/internal/validation"
)

// filterKeys lists the query parameters of the Decision Log's filters, as
// api.ParseFilter reads them (and the export API accepts them).
func filterKeys() []string {
	return []string{"scope", "actor", "action", "severity", "q", "from", "to", "open", "overdue"}
}

// idSearch matches a search for a decision by its id ("42"), and
// conversationSearch one for a conversation by its Chatwoot number ("#42").
var (
	idSearch           = regexp.MustCompile(`^([0-9]{1,18})$`)
	conversationSearch = regexp.MustCompile(`^#\s*([0-9]{1,18})$`)
)

// decisionsPage is the Decision Log listing.
type decisionsPage struct {
	Filter   url.Values
	Errors   validation.Errors
	Entries  []listEntry
	Filtered bool
	// LogEmpty is set when the log has no entry at all.
	LogEmpty   bool
	Paged      bool
	OlderURL   string
	NewestURL  string
	CSVURL     string
	JSONLURL   string
	Scopes     []string
	Severities []string
}

// listEntry is one row of the listing.
type listEntry struct {
	decisionlog.Entry
	// Open is set when the entry's next action is still open; Overdue when
	// it is also past due.
	Open, Overdue bool
}

func (h *Handler) decisions(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("go") == "1" && h.headerSearch(w, r, strings.TrimSpace(q.Get("q"))) {
		return
	}
	p := decisionsPage{Filter: filterValues(q), Scopes: decisionlog.Scopes(), Severities: decisionlog.Severities()}
	p.Filtered = len(p.Filter) > 0
	f, err := api.ParseFilter(q, h.Clock.Now())
	page, perr := parsePage(q)
	if err != nil || perr != nil {
		p.Errors = mergeErrors(err, perr)
		h.render(w, r, http.StatusUnprocessableEntity, "decisions", view{Title: "Decision Log", Nav: "decisions", Page: p})
		return
	}
	entries, next, err := h.Decisions.List(r.Context(), f, page)
	if err == nil {
		p.Entries, err = h.markOpen(r.Context(), f, page, entries)
	}
	if err == nil && len(entries) == 0 {
		var head int64
		head, _, err = h.Decisions.Head(r.Context())
		p.LogEmpty = head == 0
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p.links(q, page, next)
	h.render(w, r, http.StatusOK, "decisions", view{Title: "Decision Log", Nav: "decisions", Page: p})
}

// filterValues keeps the non-empty filter parameters of q.
func filterValues(q url.Values) url.Values {
	out := url.Values{}
	for _, k := range filterKeys() {
		if v := strings.TrimSpace(q.Get(k)); v != "" {
			out.Set(k, v)
		}
	}
	return out
}

// parsePage reads the listing's cursor and page size.
func parsePage(q url.Values) (decisionlog.Page, error) {
	errs := validation.Errors{}
	var p decisionlog.Page
	if s := q.Get("cursor"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 1 {
			errs.Add("cursor", "is not a page of this listing; start again from the newest entries")
		}
		p.Before = n
	}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > decisionlog.MaxPageSize {
			errs.Add("limit", "must be a number from 1 to %d", decisionlog.MaxPageSize)
		}
		p.Limit = n
	}
	return p, errs.Err()
}

func mergeErrors(errs ...error) validation.Errors {
	out := validation.Errors{}
	for _, err := range errs {
		var v validation.Errors
		if errors.As(err, &v) {
			for k, msg := range v {
				out.Add(k, "%s", msg)
			}
		}
	}
	return out
}

// markOpen tells which of a page's entries still have an open next action.
// The open entries among the same filters and page are a subset of the
// listing, so their first page holds every open entry of this one.
func (h *Handler) markOpen(ctx context.Context, f decisionlog.Filter, page decisionlog.Page, entries []decisionlog.Entry) ([]listEntry, error) {
	open := map[int64]bool{}
	if anyNextAction(entries) {
		f.OpenNextActions = true
		page.Limit = len(entries)
		list, _, err := h.Decisions.List(ctx, f, page)
		if err != nil {
			return nil, err
		}
		for _, e := range list {
			open[e.ID] = true
		}
	}
	now := h.Clock.Now()
	out := make([]listEntry, len(entries))
	for i, e := range entries {
		out[i] = listEntry{Entry: e, Open: open[e.ID], Overdue: open[e.ID] && isOverdue(e, now)}
	}
	return out, nil
}

func anyNextAction(entries []decisionlog.Entry) bool {
	for _, e := range entries {
		if e.HasNextAction() {
			return true
		}
	}
	return false
}

func isOverdue(e decisionlog.Entry, now time.Time) bool {
	return !e.NextActionDue.IsZero() && e.NextActionDue.Before(now)
}

// links fills in the pagination and export URLs, keeping the filters.
func (p *decisionsPage) links(q url.Values, page decisionlog.Page, next int64) {
	base := url.Values{}
	for k, v := range p.Filter {
		base[k] = v
	}
	if s := q.Get("limit"); s != "" {
		base.Set("limit", s)
	}
	p.Paged = page.Before > 0
	if p.Paged {
		p.NewestURL = "/decisions" + query(base)
	}
	if next > 0 {
		older := url.Values{"cursor": {strconv.FormatInt(next, 10)}}
		for k, v := range base {
			older[k] = v
		}
		p.OlderURL = "/decisions?" + older.Encode()
	}
	export := func(format string) string {
		v := url.Values{"format": {format}}
		for k, vs := range p.Filter {
			v[k] = vs
		}
		return "/api/v1/decisions/export?" + v.Encode()
	}
	p.CSVURL, p.JSONLURL = export("csv"), export("jsonl")
}

func query(v url.Values) string {
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}

// headerSearch opens what the header's search box names, and reports
// whether it answered: "42" opens decision #42; "#42" opens the
// conversation Chatwoot numbers 42 (in the configured account), or, when
// HotDash has none, the queue searching for it. Anything else is a search
// of the Decision Log.
func (h *Handler) headerSearch(w http.ResponseWriter, r *http.Request, text string) bool {
	if m := conversationSearch.FindStringSubmatch(text); m != nil && canReadConversations(r.Context()) {
		display, _ := strconv.ParseInt(m[1], 10, 64)
		c, err := h.Conversations.ByDisplayID(r.Context(), h.ChatwootAccountID, display)
		switch {
		case err == nil:
			seeOther(w, r, conversationURL(c.ID))
		case errors.Is(err, store.ErrNotFound):
			seeOther(w, r, "/queue?"+url.Values{"q": {"#" + m[1]}, "status": {"all"}}.Encode())
		default:
			h.fail(w, r, err)
		}
		return true
	}
	if m := idSearch.FindStringSubmatch(text); m != nil {
		seeOther(w, r, "/decisions/"+m[1])
		return true
	}
	return false
}
