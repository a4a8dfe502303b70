package helpcenter

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"html/template"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxResults is the most articles a search returns.
const MaxResults = 10

// Hit is one article a search found, at its best-matching section.
type Hit struct {
	ArticleID string
	Title     string
	Kind      Kind
	// Anchor and Heading name the section that matched ("" for the text
	// before the first heading).
	Anchor  string
	Heading string
	// Snippet is escaped text with the matched words in <mark>.
	Snippet template.HTML
	// URL opens the section.
	URL string
}

// SearchOptions adjust a search.
type SearchOptions struct {
	// Limit is the most articles returned (MaxResults when 0 or more).
	Limit int
	// Actor names who searched. Record keeps a query that found nothing
	// (for the gaps list); a search that found something costs no write.
	Actor  string
	Record bool
}

// Search finds the articles whose sections match every word of query, best
// first, one hit per article. Any text is a valid query: it is reduced to
// words (Terms) before either engine sees it; a query with no words finds
// nothing.
func (s *Service) Search(ctx context.Context, query string, o SearchOptions) ([]Hit, error) {
	terms := Terms(query)
	if len(terms) == 0 {
		if o.Record && strings.TrimSpace(query) != "" {
			return nil, s.recordSearch(ctx, query, 0, o.Actor)
		}
		return nil, nil
	}
	limit := o.Limit
	if limit <= 0 || limit > MaxResults {
		limit = MaxResults
	}
	ms, prefix, err := s.match(ctx, terms, limit)
	if err != nil {
		return nil, err
	}
	hits, err := s.hits(ctx, ms, newMatcher(terms, prefix))
	if err != nil {
		return nil, err
	}
	if o.Record && len(hits) == 0 {
		return hits, s.recordSearch(ctx, query, 0, o.Actor)
	}
	return hits, nil
}

// match finds up to limit articles, best first. The words are stemmed,
// so a finished word already finds its other forms ("refunds",
// "refunded"); the last word is read as the start of a longer one only
// when the words as typed find fewer than limit articles, as while a word
// is still being typed ("refu").
func (s *Service) match(ctx context.Context, terms []string, limit int) ([]Match, bool, error) {
	exact, err := s.index.Match(ctx, terms, false, limit)
	if err != nil || len(exact) >= limit {
		return exact, false, err
	}
	ms, err := s.index.Match(ctx, terms, true, limit)
	if err != nil || len(ms) < len(exact) {
		return exact, false, err
	}
	return ms, true, nil
}

// hits reads the matched articles' titles and sections, keeping the
// matches' order, and opens each at its best section with a snippet.
func (s *Service) hits(ctx context.Context, ms []Match, m matcher) ([]Hit, error) {
	if len(ms) == 0 {
		return nil, nil
	}
	ids := make([]string, len(ms))
	for i, x := range ms {
		ids[i] = x.ArticleID
	}
	rows, err := s.db.Read.QueryContext(ctx, `SELECT s.article_id, a.title, a.kind, s.anchor, s.heading, s.body
		FROM help_sections s JOIN help_articles a ON a.id = s.article_id
		WHERE s.article_id IN (`+inList(1, len(ids))+`) AND a.id IN (`+inList(1, len(ids))+`)
		ORDER BY s.article_id, s.position`, anys(ids)...)
	if err != nil {
		return nil, fmt.Errorf("read search results: %w", err)
	}
	defer rows.Close()
	byArticle := map[string][]hitSection{}
	for rows.Next() {
		var h hitSection
		if err := rows.Scan(&h.ArticleID, &h.Title, &h.Kind, &h.Anchor, &h.Heading, &h.body); err != nil {
			return nil, err
		}
		byArticle[h.ArticleID] = append(byArticle[h.ArticleID], h)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]Hit, 0, len(ms))
	for _, x := range ms {
		secs := byArticle[x.ArticleID]
		if len(secs) == 0 {
			continue // deleted since the match; leave it out
		}
		sec := bestSection(secs, m)
		h := sec.Hit
		text := sec.body
		if strings.TrimSpace(text) == "" {
			text = sec.Heading
		}
		h.Snippet = Highlight(m.snippet(text))
		h.URL = URL(h.ArticleID, h.Anchor)
		out = append(out, h)
	}
	return out, nil
}

// recordSearch keeps a query and how many articles it found (the gaps
// list reads those that found none).
func (s *Service) recordSearch(ctx context.Context, query string, results int, actor string) error {
	query = strings.Join(strings.Fields(query), " ")
	if utf8.RuneCountInString(query) > MaxQuery {
		query = string([]rune(query)[:MaxQuery])
	}
	query = strings.Map(func(r rune) rune {
		if r == 0 || r == utf8.RuneError {
			return -1
		}
		return r
	}, strings.ToValidUTF8(query, ""))
	now := s.clock.Now().UTC()
	if actor != "" {
		var id int64
		var last string
		err := s.db.Write.QueryRowContext(ctx, `SELECT id, query FROM help_searches WHERE actor = $1 AND at > $2 ORDER BY id DESC LIMIT 1`,
			actor, now.Add(-typingWindow)).Scan(&id, &last)
		switch {
		case err == nil && stillTyping(last, query):
			_, err = s.db.Write.ExecContext(ctx, `UPDATE help_searches SET query = $1, results = $2, at = $3 WHERE id = $4`, query, results, now, id)
			if err != nil {
				return fmt.Errorf("record help search: %w", err)
			}
			return nil
		case err != nil && !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("record help search: %w", err)
		}
	}
	if _, err := s.db.Write.ExecContext(ctx, `INSERT INTO help_searches (query, results, at, actor) VALUES ($1, $2, $3, $4)`,
		query, results, now, actor); err != nil {
		return fmt.Errorf("record help search: %w", err)
	}
	return nil
}

// typingWindow is how soon after someone's last search that found nothing
// a search that extends or shortens it counts as the same search, still
// being typed.
const typingWindow = 30 * time.Second

// stillTyping reports whether query is last typed on, or back, or with
// one of its last two letters corrected, ignoring case: search as you
// type then keeps one search ("refund polic", "refund policy") for the
// gaps list, not one per pause.
func stillTyping(last, query string) bool {
	a, b := []rune(strings.ToLower(last)), []rune(strings.ToLower(query))
	common := 0
	for common < len(a) && common < len(b) && a[common] == b[common] {
		common++
	}
	return common > 0 && common >= min(len(a), len(b))-2
}
