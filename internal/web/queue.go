package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hotdash/hotdash/internal/api"
	"github.com/hotdash/hotdash/internal/conversation"
	"github.com/hotdash/hotdash/internal/sla"
	"github.com/hotdash/hotdash/internal/validation"
)

// queueFilterKeys lists the queue's filter parameters, as
// api.ParseConversationFilter reads them (the JSON API takes the same).
func queueFilterKeys() []string {
	return []string{"status", "channel", "band", "assignee", "label", "inbox_id", "team_id", "q", "escalated"}
}

// Empty states of the queue.
const (
	emptyNothingYet = "nothing-yet" // no conversation at all has arrived
	emptyAllClear   = "all-clear"   // every conversation is resolved
	emptyNoMatch    = "no-match"    // the filters match none
	emptyNoMore     = "no-more"     // a later page that turned out empty
)

// queuePage is the CX queue: its filters and the live results.
type queuePage struct {
	// Form holds the filter values as typed, for the form.
	Form     url.Values
	Errors   validation.Errors
	Filtered bool
	Statuses []option
	Channels []option
	Bands    []option
	Results  queueResults
	// StreamURL is the live stream of these results (same filters, same
	// page).
	StreamURL string
}

// option is one choice of a filter's select.
type option struct {
	Value, Label string
	Selected     bool
}

// queueResults is the part of the queue the live stream re-renders: the
// table (or the empty state) and the pager.
type queueResults struct {
	Rows     []conversation.Conversation
	Empty    string
	NextURL  string
	FirstURL string
}

func (h *Handler) queue(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p := queuePage{Form: queueFilterValues(q)}
	p.Filtered = len(p.Form) > 0
	p.options()
	f, page, errs := parseQueueQuery(q)
	if len(errs) == 0 {
		var err error
		p.Results, err = h.loadQueue(r.Context(), q, f, page)
		if errors.As(err, &errs) {
			err = nil
		}
		if err != nil {
			h.fail(w, r, err)
			return
		}
	}
	if len(errs) > 0 {
		p.Errors = errs
		h.render(w, r, http.StatusUnprocessableEntity, "queue", view{Title: "Queue", Nav: "queue", Page: p})
		return
	}
	p.StreamURL = "/events/queue" + query(queueLinkValues(q, true))
	h.render(w, r, http.StatusOK, "queue", view{Title: "Queue", Nav: "queue", Page: p})
}

// queueEvents streams the queue's results for the filters and page in the
// query string: at once, then after every change to conversations or SLA
// bands, at most once per minRenderGap.
func (h *Handler) queueEvents(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f, page, errs := parseQueueQuery(q)
	if len(errs) > 0 {
		h.fail(w, r, errs)
		return
	}
	h.serveStream(w, r, []string{h.TopicConversations, h.TopicSLA}, func(ctx context.Context, _ map[string]bool, _ time.Time) []byte {
		body, err := h.renderQueueResults(ctx, q, f, page)
		if !logRenderError(ctx, "queue", err) {
			return nil
		}
		return sseEvent(queueResultsEvent, body)
	})
}

func (h *Handler) renderQueueResults(ctx context.Context, q url.Values, f conversation.Filter, page conversation.Page) ([]byte, error) {
	res, err := h.loadQueue(ctx, q, f, page)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := h.partials.ExecuteTemplate(&buf, "queue-results", res); err != nil {
		return nil, fmt.Errorf("render queue results: %w", err)
	}
	return buf.Bytes(), nil
}

// loadQueue reads one page of the queue and works out its links and empty
// state.
func (h *Handler) loadQueue(ctx context.Context, q url.Values, f conversation.Filter, page conversation.Page) (queueResults, error) {
	var res queueResults
	rows, next, err := h.Conversations.List(ctx, f, page)
	if err != nil {
		return res, err
	}
	res.Rows = rows
	base := queueLinkValues(q, false)
	if page.Cursor != "" {
		res.FirstURL = "/queue" + query(base)
	}
	if next != "" {
		v := url.Values{"cursor": {next}}
		for k, vs := range base {
			v[k] = vs
		}
		res.NextURL = "/queue?" + v.Encode()
	}
	if len(rows) > 0 {
		return res, nil
	}
	switch {
	case page.Cursor != "":
		res.Empty = emptyNoMore
	default:
		// Is there any conversation at all? One row answers it cheaply.
		some, _, err := h.Conversations.List(ctx, conversation.Filter{Statuses: conversation.Statuses()}, conversation.Page{Limit: 1})
		if err != nil {
			return res, err
		}
		switch {
		case len(some) == 0:
			res.Empty = emptyNothingYet
		case len(queueFilterValues(q)) > 0:
			res.Empty = emptyNoMatch
		default:
			res.Empty = emptyAllClear
		}
	}
	return res, nil
}

// parseQueueQuery reads the queue's filters, cursor and page size. The
// assignee may be typed as "unassigned"; the channel must be one HotDash
// knows.
func parseQueueQuery(q url.Values) (conversation.Filter, conversation.Page, validation.Errors) {
	errs := validation.Errors{}
	pq := url.Values{}
	for _, k := range queueFilterKeys() {
		if v := strings.TrimSpace(q.Get(k)); v != "" {
			pq.Set(k, v)
		}
	}
	if a := pq.Get("assignee"); strings.EqualFold(a, "unassigned") || strings.EqualFold(a, "none") {
		pq.Set("assignee", "none")
	}
	f, err := api.ParseConversationFilter(pq)
	var verrs validation.Errors
	if errors.As(err, &verrs) {
		for k, msg := range verrs {
			errs.Add(k, "%s", msg)
		}
	} else if err != nil {
		errs.Add("q", "%s", err.Error())
	}
	if _, ok := errs["assignee"]; ok {
		errs["assignee"] = "must be an agent's id (a number) or “unassigned”"
	}
	if _, ok := errs["escalated"]; ok {
		errs["escalated"] = "must be true or false"
	}
	if f.Channel != "" && !sla.KnownChannel(f.Channel) {
		errs.Add("channel", "must be one of %s", strings.Join(sla.ChannelNames(), ", "))
	}
	page := conversation.Page{Cursor: q.Get("cursor")}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > conversation.MaxPageSize {
			errs.Add("limit", "must be a number from 1 to %d", conversation.MaxPageSize)
		}
		page.Limit = n
	}
	return f, page, errs
}

// queueFilterValues keeps the non-empty filter parameters of q.
func queueFilterValues(q url.Values) url.Values {
	out := url.Values{}
	for _, k := range queueFilterKeys() {
		if v := strings.TrimSpace(q.Get(k)); v != "" {
			out.Set(k, v)
		}
	}
	return out
}

// queueLinkValues is what links to another page of the queue keep: the
// filters and page size (and, for the live stream of this page, the cursor).
func queueLinkValues(q url.Values, withCursor bool) url.Values {
	v := queueFilterValues(q)
	if s := q.Get("limit"); s != "" {
		v.Set("limit", s)
	}
	if c := q.Get("cursor"); withCursor && c != "" {
		v.Set("cursor", c)
	}
	return v
}

// options fills the filter selects, marking what the query chose. A value
// the lists lack (a hand-written "open,pending") is offered too, so the
// form shows what is applied.
func (p *queuePage) options() {
	pick := func(values []string, current string, label func(string) string) []option {
		if current != "" && !slices.Contains(values, current) {
			values = append(values, current)
		}
		out := make([]option, len(values))
		for i, v := range values {
			out[i] = option{Value: v, Label: label(v), Selected: v == current}
		}
		return out
	}
	p.Statuses = pick(append([]string{""}, append(conversation.Statuses(), "all")...), p.Form.Get("status"), statusLabel)
	anyOr := func(s string) string {
		if s == "" {
			return "Any"
		}
		return s
	}
	p.Channels = pick(append([]string{""}, sla.ChannelNames()...), p.Form.Get("channel"), anyOr)
	p.Bands = pick(append([]string{""}, conversation.Bands()...), p.Form.Get("band"), anyOr)
}
