package helpcenter

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"html"
	"html/template"
	"slices"
	"strings"

	"github.com/hotdash/hotdash/internal/store"
)

// Snippet markers: the engines put these around matched words; Highlight
// turns them into <mark> after escaping everything else. They are
// private-use characters, removed from article text before it is indexed.
const (
	markOpen  = "\ue000"
	markClose = "\ue001"
)

// Match is one section a search found.
type Match struct {
	ArticleID string
	Position  int
	// Heading is the section's heading, to choose an article's best
	// section.
	Heading string
	// Score orders matches, higher first (each engine's own scale).
	Score float64
	// rowid is the section's row in SQLite's index.
	rowid int64
	// Snippet is the section's text around the matched words, with the
	// markers around each match; Highlight makes it HTML.
	Snippet string
}

// Index is a full-text index of article sections. Both engines implement
// it; an Index only ever receives terms from Terms, never raw query text.
type Index interface {
	// Remove drops the articles' sections from the index, inside tx,
	// before they are deleted.
	Remove(ctx context.Context, tx *sql.Tx, articleIDs []string) error
	// Put indexes the sections stored for the articles, inside tx; an
	// article's title and keywords are indexed with each of its sections.
	Put(ctx context.Context, tx *sql.Tx, articleIDs []string) error
	// Match returns up to limit sections matching every term (the last
	// as a prefix when prefix is set), best first.
	Match(ctx context.Context, terms []string, prefix bool, limit int) ([]Match, error)
	// Snippets fills in the Snippet of each match, marking the terms as
	// Match found them.
	Snippets(ctx context.Context, terms []string, prefix bool, ms []Match) error
}

// NewIndex returns the index for db's engine.
func NewIndex(db *store.DB) Index {
	if db.Engine() == store.Postgres {
		return &pgIndex{db: db}
	}
	return &ftsIndex{db: db}
}

// ftsIndex is SQLite's FTS5 index. Each row's rowid is its section's rowid
// in help_sections.
type ftsIndex struct{ db *store.DB }

func (x *ftsIndex) Remove(ctx context.Context, tx *sql.Tx, ids []string) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM help_fts WHERE rowid IN (SELECT rowid FROM help_sections WHERE article_id IN (`+inList(1, len(ids))+`))`, anys(ids)...)
	return err
}

// Put inserts every section in one statement: FTS5 flushes its pending
// index at each statement, so one large insert builds far fewer segments
// than one per section.
func (x *ftsIndex) Put(ctx context.Context, tx *sql.Tx, ids []string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO help_fts (rowid, title, heading, keywords, body, article_id, position)
		SELECT s.rowid, a.title, s.heading, a.keywords, s.body, s.article_id, s.position
		FROM help_sections s JOIN help_articles a ON a.id = s.article_id WHERE s.article_id IN (`+inList(1, len(ids))+`)`, anys(ids)...)
	return err
}

// bm25 weights: title, heading, keywords, body.
const ftsRank = `bm25(help_fts, 10.0, 5.0, 5.0, 1.0)`

// candidateCap bounds how many matching sections a search ranks from each
// source (any column, and title/heading/keywords only). Ranking costs a
// few microseconds a section, so a word found in most of 50,000 sections
// would otherwise take a tenth of a second; a query matching more than
// this is ranked among the first matches in index order plus the first
// title, heading and keyword matches. Smaller result sets rank exactly.
const candidateCap = 500

// Match ranks the first candidateCap matches of the query and the first
// candidateCap matches in titles, headings and keywords, and merges them.
func (x *ftsIndex) Match(ctx context.Context, terms []string, prefix bool, limit int) ([]Match, error) {
	q := ftsQuery(terms, prefix)
	all, err := x.match(ctx, q, limit)
	if err != nil {
		return nil, err
	}
	head, err := x.match(ctx, "{title heading keywords} : ("+q+")", limit)
	if err != nil {
		return nil, err
	}
	return mergeMatches(all, head, limit), nil
}

// match ranks the first candidateCap rows matching q (FTS5 returns them
// in rowid order) and returns the best limit. It reads the matches with
// one cursor: every FTS5 cursor over a prefix term merges that prefix's
// postings afresh, which is most of a search's cost. Only the best rows
// are then joined to their sections.
func (x *ftsIndex) match(ctx context.Context, q string, limit int) ([]Match, error) {
	rows, err := x.db.Read.QueryContext(ctx, `SELECT rowid, `+ftsRank+` FROM help_fts WHERE help_fts MATCH $1 LIMIT $2`, q, candidateCap)
	if err != nil {
		return nil, fmt.Errorf("search help: %w", err)
	}
	var ranked []Match
	for rows.Next() {
		var m Match
		if err := rows.Scan(&m.rowid, &m.Score); err != nil {
			rows.Close()
			return nil, err
		}
		m.Score = -m.Score // bm25: lower is better
		ranked = append(ranked, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("search help: %w", err)
	}
	slices.SortStableFunc(ranked, func(a, b Match) int { return cmp.Compare(b.Score, a.Score) })
	ranked = ranked[:min(limit, len(ranked))]
	return x.sections(ctx, ranked)
}

// sections fills in each match's article, position and heading.
func (x *ftsIndex) sections(ctx context.Context, ms []Match) ([]Match, error) {
	if len(ms) == 0 {
		return nil, nil
	}
	args := make([]any, len(ms))
	for i, m := range ms {
		args[i] = m.rowid
	}
	rows, err := x.db.Read.QueryContext(ctx, `SELECT rowid, article_id, position, heading FROM help_sections WHERE rowid IN (`+inList(1, len(ms))+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("search help: %w", err)
	}
	defer rows.Close()
	byRow := map[int64]Match{}
	for rows.Next() {
		var m Match
		if err := rows.Scan(&m.rowid, &m.ArticleID, &m.Position, &m.Heading); err != nil {
			return nil, err
		}
		byRow[m.rowid] = m
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]Match, 0, len(ms))
	for _, m := range ms {
		if s, ok := byRow[m.rowid]; ok { // a section deleted since is left out
			s.Score = m.Score
			out = append(out, s)
		}
	}
	return out, nil
}

// mergeMatches merges two best-first lists, each section once, best first.
func mergeMatches(a, b []Match, limit int) []Match {
	seen := map[string]bool{}
	all := append(append([]Match{}, a...), b...)
	slices.SortStableFunc(all, func(x, y Match) int { return cmp.Compare(y.Score, x.Score) })
	var out []Match
	for _, m := range all {
		k := fmt.Sprintf("%s/%d", m.ArticleID, m.Position)
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, m)
		if len(out) == limit {
			break
		}
	}
	return out
}

// Snippets reads every match's snippet in one pass over the rowid range
// they span. The list of rowids is only a filter (the unary + keeps SQLite
// from handing it to FTS5, which would run the whole query once per rowid,
// expanding a prefix each time).
func (x *ftsIndex) Snippets(ctx context.Context, terms []string, prefix bool, ms []Match) error {
	if len(ms) == 0 {
		return nil
	}
	lo, hi := ms[0].rowid, ms[0].rowid
	args := []any{ftsQuery(terms, prefix), markOpen, markClose, 0, 0}
	for _, m := range ms {
		lo, hi = min(lo, m.rowid), max(hi, m.rowid)
		args = append(args, m.rowid)
	}
	args[3], args[4] = lo, hi
	rows, err := x.db.Read.QueryContext(ctx, `SELECT s.article_id, s.position, f.snippet FROM
		(SELECT rowid AS id, snippet(help_fts, 3, $2, $3, '…', 24) AS snippet FROM help_fts
			WHERE help_fts MATCH $1 AND rowid >= $4 AND rowid <= $5 AND +rowid IN (`+inList(6, len(ms))+`)) f
		JOIN help_sections s ON s.rowid = f.id`, args...)
	if err != nil {
		return fmt.Errorf("search help snippets: %w", err)
	}
	return fillSnippets(rows, ms)
}

// pgIndex is PostgreSQL's weighted tsvector index: title A, heading and
// keywords B, body D, ranked by ts_rank.
type pgIndex struct{ db *store.DB }

func (x *pgIndex) Remove(context.Context, *sql.Tx, []string) error { return nil } // rows cascade with their sections

func (x *pgIndex) Put(ctx context.Context, tx *sql.Tx, ids []string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO help_fts (article_id, position, head, document)
		SELECT article_id, position, head, head || setweight(to_tsvector('english', body), 'D')
		FROM (SELECT s.article_id, s.position, s.body,
				setweight(to_tsvector('english', a.title), 'A') ||
				setweight(to_tsvector('english', s.heading || ' ' || a.keywords), 'B') AS head
			FROM help_sections s JOIN help_articles a ON a.id = s.article_id WHERE s.article_id IN (`+inList(1, len(ids))+`)) x`, anys(ids)...)
	return err
}

// Match ranks the first candidateCap matches anywhere and the first
// candidateCap matches in titles, headings and keywords (see ftsIndex).
func (x *pgIndex) Match(ctx context.Context, terms []string, prefix bool, limit int) ([]Match, error) {
	rows, err := x.db.Read.QueryContext(ctx, `WITH q AS (SELECT to_tsquery('english', $1) AS q),
		c AS ((SELECT f.article_id, f.position FROM help_fts f, q WHERE f.document @@ q.q LIMIT $3)
			UNION (SELECT f.article_id, f.position FROM help_fts f, q WHERE f.head @@ q.q LIMIT $3))
		SELECT f.article_id, f.position, s.heading, ts_rank(f.document, q.q) AS score
		FROM c JOIN help_fts f ON f.article_id = c.article_id AND f.position = c.position
			JOIN help_sections s ON s.article_id = c.article_id AND s.position = c.position, q
		ORDER BY score DESC, f.article_id, f.position LIMIT $2`, tsQuery(terms, prefix), limit, candidateCap)
	if err != nil {
		return nil, fmt.Errorf("search help: %w", err)
	}
	defer rows.Close()
	var out []Match
	for rows.Next() {
		var m Match
		if err := rows.Scan(&m.ArticleID, &m.Position, &m.Heading, &m.Score); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

func (x *pgIndex) Snippets(ctx context.Context, terms []string, prefix bool, ms []Match) error {
	if len(ms) == 0 {
		return nil
	}
	opts := `StartSel=` + markOpen + `, StopSel=` + markClose + `, MaxWords=30, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "`
	args := []any{tsQuery(terms, prefix), opts}
	var where []string
	for _, m := range ms {
		where = append(where, fmt.Sprintf("(s.article_id = $%d AND s.position = $%d)", len(args)+1, len(args)+2))
		args = append(args, m.ArticleID, m.Position)
	}
	rows, err := x.db.Read.QueryContext(ctx, `SELECT s.article_id, s.position,
			ts_headline('english', CASE WHEN s.body = '' THEN s.heading ELSE s.body END, to_tsquery('english', $1), $2)
		FROM help_sections s WHERE `+strings.Join(where, " OR "), args...)
	if err != nil {
		return fmt.Errorf("search help snippets: %w", err)
	}
	return fillSnippets(rows, ms)
}

func fillSnippets(rows *sql.Rows, ms []Match) error {
	defer rows.Close()
	for rows.Next() {
		var id string
		var pos int
		var snip string
		if err := rows.Scan(&id, &pos, &snip); err != nil {
			return err
		}
		for i := range ms {
			if ms[i].ArticleID == id && ms[i].Position == pos {
				ms[i].Snippet = snip
			}
		}
	}
	return rows.Err()
}

// Highlight turns a snippet with match markers into HTML: the text is
// escaped, and only the markers become <mark> elements (always balanced).
func Highlight(snippet string) template.HTML {
	var b strings.Builder
	open := false
	rest := snippet
	for rest != "" {
		i := strings.IndexAny(rest, markOpen+markClose)
		if i < 0 {
			b.WriteString(html.EscapeString(rest))
			break
		}
		b.WriteString(html.EscapeString(rest[:i]))
		isOpen := strings.HasPrefix(rest[i:], markOpen)
		switch {
		case isOpen && !open:
			b.WriteString("<mark>")
			open = true
		case !isOpen && open:
			b.WriteString("</mark>")
			open = false
		}
		rest = rest[i+len(markOpen):]
	}
	if open {
		b.WriteString("</mark>")
	}
	return template.HTML(b.String()) // #nosec G203 -- escaped above; only our own <mark> added
}

// stripMarkers removes the snippet markers from text to be indexed.
func stripMarkers(s string) string {
	return strings.NewReplacer(markOpen, "", markClose, "").Replace(s)
}
