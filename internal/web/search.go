package web

import (
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/conversation"
	"github.com/hotdash/hotdash/internal/decisionlog"
	"github.com/hotdash/hotdash/internal/helpcenter"
	"github.com/hotdash/hotdash/internal/httpx"
)

// searchEach is how many results of each kind the header search shows.
const searchEach = 5

// maxListQuery is the longest text the decision and queue filters take.
const maxListQuery = 200

// searchPage is what the header's search box found: Help Center
// articles, conversations and decisions, a few of each, with a link to
// the full list of each.
type searchPage struct {
	Query         string
	Help          []helpcenter.Hit
	ShowHelp      bool
	Conversations []conversation.Conversation
	ShowCX        bool
	Decisions     []decisionlog.Entry
	HelpURL       string
	QueueURL      string
	DecisionsURL  string
}

// search answers the header's search box: "#42" opens conversation 42,
// "42" decision 42; other text is looked up in the Help Center, the
// conversations and the Decision Log.
func (h *Handler) search(w http.ResponseWriter, r *http.Request) {
	text := strings.TrimSpace(r.URL.Query().Get("q"))
	if h.headerSearch(w, r, text) {
		return
	}
	ctx := r.Context()
	p := searchPage{Query: text, HelpURL: "/help?" + url.Values{"q": {text}}.Encode()}
	list := text
	if utf8.RuneCountInString(list) > maxListQuery {
		list = string([]rune(list)[:maxListQuery])
	}
	p.QueueURL = "/queue?" + url.Values{"q": {list}, "status": {"all"}}.Encode()
	p.DecisionsURL = "/decisions?" + url.Values{"q": {list}}.Encode()
	if text == "" {
		h.render(w, r, http.StatusOK, "search", view{Title: "Search", Page: p})
		return
	}
	pr, _ := httpx.PrincipalFrom(ctx)
	var err error
	if p.ShowHelp = h.Help != nil && pr.Can(auth.ReadHelp); p.ShowHelp {
		if p.Help, err = h.Help.Search(ctx, text, helpcenter.SearchOptions{Limit: searchEach, Actor: pr.Name, Record: true}); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	if p.ShowCX = canReadConversations(ctx); p.ShowCX {
		if p.Conversations, _, err = h.Conversations.List(ctx, conversation.Filter{Text: list, Statuses: conversation.Statuses()},
			conversation.Page{Limit: searchEach}); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	if p.Decisions, _, err = h.Decisions.List(ctx, decisionlog.Filter{Text: list}, decisionlog.Page{Limit: searchEach}); err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "search", view{Title: "Search: " + text, Page: p})
}
