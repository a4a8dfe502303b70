package client

import (
	"context"
	"net/http"
	"net/url"
	"time"
)

// HelpHit is one Help Center search result: GET /api/v1/help/search.
type HelpHit struct {
	ArticleID string `json:"article_id"`
	Title     string `json:"title"`
	Kind      string `json:"kind"`
	// Anchor and Heading name the section that matched ("" for the text
	// before the first heading).
	Anchor  string `json:"anchor"`
	Heading string `json:"heading"`
	// Snippet is HTML: escaped text with matched words in <mark>.
	Snippet string `json:"snippet_html"`
	// URL is the section's page path, e.g. /help/chatwoot-health#health-exit-3.
	URL string `json:"url"`
}

// HelpSearch is a search's results.
type HelpSearch struct {
	Query string    `json:"query"`
	Hits  []HelpHit `json:"hits"`
}

// HelpArticleSummary is an article as the list shows it.
type HelpArticleSummary struct {
	ID        string    `json:"id"`
	Title     string    `json:"title"`
	Kind      string    `json:"kind"`
	Runbook   bool      `json:"runbook"`
	Owner     string    `json:"owner,omitempty"`
	ReviewBy  string    `json:"review_by,omitempty"`
	Stale     bool      `json:"stale"`
	Source    string    `json:"source"`
	UpdatedAt time.Time `json:"updated_at"`
	UpdatedBy string    `json:"updated_by"`
}

// HelpSection is one heading of an article.
type HelpSection struct {
	Anchor  string `json:"anchor"`
	Heading string `json:"heading"`
	Level   int    `json:"level"`
	// Topic is set for sections with an explicit id other pages link to.
	Topic bool `json:"topic"`
}

// HelpArticle is one article: GET /api/v1/help/articles/{id}.
type HelpArticle struct {
	HelpArticleSummary
	Keywords []string      `json:"keywords"`
	Markdown string        `json:"markdown"`
	HTML     string        `json:"html"`
	Sections []HelpSection `json:"sections"`
	Version  int64         `json:"version"`
}

// SearchHelp searches the Help Center.
func (c *Client) SearchHelp(ctx context.Context, query string) (HelpSearch, error) {
	var out HelpSearch
	err := c.do(ctx, http.MethodGet, "/api/v1/help/search", url.Values{"q": {query}}, nil, "", &out)
	return out, err
}

// HelpArticleList is GET /api/v1/help/articles.
type HelpArticleList struct {
	Articles []HelpArticleSummary `json:"articles"`
}

// HelpArticles lists every article, by kind then title.
func (c *Client) HelpArticles(ctx context.Context) ([]HelpArticleSummary, error) {
	var out HelpArticleList
	err := c.do(ctx, http.MethodGet, "/api/v1/help/articles", nil, nil, "", &out)
	return out.Articles, err
}

// HelpArticle reads one article.
func (c *Client) HelpArticle(ctx context.Context, id string) (HelpArticle, error) {
	var out HelpArticle
	err := c.do(ctx, http.MethodGet, "/api/v1/help/articles/"+url.PathEscape(id), nil, nil, "", &out)
	return out, err
}
