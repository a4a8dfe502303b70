package helpcenter

import (
	"context"
	"fmt"
	"html/template"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits on search.
const (
	// MaxResults is the most articles a search returns.
	MaxResults = 10
	// matchesPerResult is how many sections are read per article wanted,
	// so that several good sections of one article do not crowd others
	// out.
	matchesPerResult = 5
)

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
	if err := s.index.Snippets(ctx, terms, prefix, ms); err != nil {
		return nil, err
	}
	hits, err := s.hits(ctx, ms)
	if err != nil {
		return nil, err
	}
	if o.Record && len(hits) == 0 {
		return hits, s.recordSearch(ctx, query, 0, o.Actor)
	}
	return hits, nil
}

// match finds the best section of up to limit articles. The words are
// stemmed, so a finished word already finds its other forms ("refunds",
// "refunded"); the last word is read as the start of a longer one only
// when the words as typed find fewer than limit articles, as while a word
// is still being typed ("refu"). Reading a prefix merges the postings of
// every word it starts, which costs more than the rest of a search.
func (s *Service) match(ctx context.Context, terms []string, limit int) ([]Match, bool, error) {
	ms, err := s.index.Match(ctx, terms, false, limit*matchesPerResult)
	if err != nil {
		return nil, false, err
	}
	if ms = bestPerArticle(ms, terms, limit); len(ms) >= limit {
		return ms, false, nil
	}
	ms, err = s.index.Match(ctx, terms, true, limit*matchesPerResult)
	return bestPerArticle(ms, terms, limit), true, err
}

// bestPerArticle keeps one match per article, in the order of each
// article's best match, up to limit. The section shown for an article is
// the best-ranked one whose heading holds every term (so "exit code 3"
// opens the section headed "Exit code 3"), else its best-ranked one.
func bestPerArticle(ms []Match, terms []string, limit int) []Match {
	index := map[string]int{}
	var out []Match
	covered := map[string]bool{}
	for _, m := range ms {
		i, seen := index[m.ArticleID]
		switch {
		case !seen:
			index[m.ArticleID] = len(out)
			out = append(out, m)
			covered[m.ArticleID] = headingCovers(m.Heading, terms)
		case !covered[m.ArticleID] && headingCovers(m.Heading, terms):
			out[i] = m
			covered[m.ArticleID] = true
		}
	}
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}

// headingCovers reports whether every term starts a word of heading.
func headingCovers(heading string, terms []string) bool {
	words := strings.FieldsFunc(strings.ToLower(heading), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	for _, t := range terms {
		if !slices.ContainsFunc(words, func(w string) bool { return strings.HasPrefix(w, t) }) {
			return false
		}
	}
	return len(terms) > 0
}

// hits adds titles and section headings to matches, keeping their order.
func (s *Service) hits(ctx context.Context, ms []Match) ([]Hit, error) {
	if len(ms) == 0 {
		return nil, nil
	}
	var where []string
	var args []any
	for _, m := range ms {
		where = append(where, fmt.Sprintf("(s.article_id = $%d AND s.position = $%d)", len(args)+1, len(args)+2))
		args = append(args, m.ArticleID, m.Position)
	}
	rows, err := s.db.Read.QueryContext(ctx, `SELECT s.article_id, s.position, a.title, a.kind, s.anchor, s.heading
		FROM help_sections s JOIN help_articles a ON a.id = s.article_id WHERE `+strings.Join(where, " OR "), args...)
	if err != nil {
		return nil, fmt.Errorf("read search results: %w", err)
	}
	defer rows.Close()
	byKey := map[string]Hit{}
	for rows.Next() {
		var h Hit
		var pos int
		if err := rows.Scan(&h.ArticleID, &pos, &h.Title, &h.Kind, &h.Anchor, &h.Heading); err != nil {
			return nil, err
		}
		byKey[fmt.Sprintf("%s/%d", h.ArticleID, pos)] = h
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]Hit, 0, len(ms))
	for _, m := range ms {
		h, ok := byKey[fmt.Sprintf("%s/%d", m.ArticleID, m.Position)]
		if !ok {
			continue // changed since the match; leave it out
		}
		h.Snippet = Highlight(m.Snippet)
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
	if _, err := s.db.Write.ExecContext(ctx, `INSERT INTO help_searches (query, results, at, actor) VALUES ($1, $2, $3, $4)`,
		query, results, s.clock.Now().UTC(), actor); err != nil {
		return fmt.Errorf("record help search: %w", err)
	}
	return nil
}
