package api

import (
	"net/http"

	"github.com/hotdash/hotdash/client"
	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/helpcenter"
	"github.com/hotdash/hotdash/internal/httpx"
)

// registerHelp adds the Help Center's read endpoints.
func (a *API) registerHelp(r *httpx.Router) {
	if a.Help == nil {
		return
	}
	r.API("GET /api/v1/help/search", auth.ReadHelp, a.searchHelp)
	r.API("GET /api/v1/help/articles", auth.ReadHelp, a.listHelpArticles)
	r.API("GET /api/v1/help/articles/{id}", auth.ReadHelp, a.getHelpArticle)
}

// searchHelp answers any query, however odd, with results or none; it is
// recorded like a search on the page.
func (a *API) searchHelp(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("q")
	p, _ := httpx.PrincipalFrom(r.Context())
	hits, err := a.Help.Search(r.Context(), q, helpcenter.SearchOptions{Actor: p.Name, Record: true})
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	out := client.HelpSearch{Query: q, Hits: []client.HelpHit{}}
	for _, h := range hits {
		out.Hits = append(out.Hits, client.HelpHit{ArticleID: h.ArticleID, Title: h.Title, Kind: string(h.Kind), Anchor: h.Anchor,
			Heading: h.Heading, Snippet: string(h.Snippet), URL: h.URL})
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

func (a *API) listHelpArticles(w http.ResponseWriter, r *http.Request) {
	list, err := a.Help.List(r.Context())
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	out := client.HelpArticleList{Articles: []client.HelpArticleSummary{}}
	for _, s := range list {
		out.Articles = append(out.Articles, helpSummary(s))
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

func helpSummary(s helpcenter.Summary) client.HelpArticleSummary {
	out := client.HelpArticleSummary{ID: s.ID, Title: s.Title, Kind: string(s.Kind), Runbook: s.Runbook, Owner: s.Owner,
		Stale: s.Stale, Source: s.Source, UpdatedAt: s.UpdatedAt, UpdatedBy: s.UpdatedBy}
	if !s.ReviewBy.IsZero() {
		out.ReviewBy = s.ReviewBy.Format("2006-01-02")
	}
	return out
}

func (a *API) getHelpArticle(w http.ResponseWriter, r *http.Request) {
	art, err := a.Help.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	out := client.HelpArticle{HelpArticleSummary: helpSummary(helpcenter.Summary{ID: art.ID, Title: art.Title, Kind: art.Kind,
		Runbook: art.Runbook, Owner: art.Owner, ReviewBy: art.ReviewBy, Stale: art.Stale, Source: art.Source,
		UpdatedAt: art.UpdatedAt, UpdatedBy: art.UpdatedBy}),
		Keywords: append([]string{}, art.Keywords...), Markdown: art.Body, HTML: art.HTML, Version: art.Version, Sections: []client.HelpSection{}}
	for _, s := range art.Sections {
		if s.Position == 0 {
			continue
		}
		out.Sections = append(out.Sections, client.HelpSection{Anchor: s.Anchor, Heading: s.Heading, Level: s.Level, Topic: s.Explicit})
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}
