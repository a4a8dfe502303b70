package helpcenter

import (
	"context"
	"database/sql"
	"fmt"
	"html"
	"html/template"
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
	// Snippet is the section's text around the matched words, with the
	// markers around each match; Highlight makes it HTML.
	Snippet string
}

// Index is a full-text index of article sections. Both engines implement
// it; an Index only ever receives terms from Terms, never raw query text.
type Index interface {
	// Remove drops an article's sections from the index, inside tx,
	// before they are deleted.
	Remove(ctx context.Context, tx *sql.Tx, articleID string) error
	// Put indexes the sections stored for an article, inside tx; title
	// and keywords are indexed with every section.
	Put(ctx context.Context, tx *sql.Tx, articleID, title, keywords string) error
	// Match returns up to limit sections matching every term (the last
	// as a prefix), best first.
	Match(ctx context.Context, terms []string, limit int) ([]Match, error)
	// Snippets fills in the Snippet of each match.
	Snippets(ctx context.Context, terms []string, ms []Match) error
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

func (x *ftsIndex) Remove(ctx context.Context, tx *sql.Tx, articleID string) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM help_fts WHERE rowid IN (SELECT rowid FROM help_sections WHERE article_id = $1)`, articleID)
	return err
}

func (x *ftsIndex) Put(ctx context.Context, tx *sql.Tx, articleID, title, keywords string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO help_fts (rowid, title, heading, keywords, body, article_id, position)
		SELECT s.rowid, $2, s.heading, $3, s.body, s.article_id, s.position FROM help_sections s WHERE s.article_id = $1`,
		articleID, title, keywords)
	return err
}

// bm25 weights: title, heading, keywords, body.
const ftsRank = `bm25(help_fts, 10.0, 5.0, 5.0, 1.0)`

func (x *ftsIndex) Match(ctx context.Context, terms []string, limit int) ([]Match, error) {
	rows, err := x.db.Read.QueryContext(ctx, `SELECT article_id, position, heading FROM help_fts
		WHERE help_fts MATCH $1 ORDER BY `+ftsRank+`, article_id, position LIMIT $2`, ftsQuery(terms), limit)
	if err != nil {
		return nil, fmt.Errorf("search help: %w", err)
	}
	return scanMatches(rows)
}

func (x *ftsIndex) Snippets(ctx context.Context, terms []string, ms []Match) error {
	if len(ms) == 0 {
		return nil
	}
	args := []any{ftsQuery(terms), markOpen, markClose}
	var where []string
	for _, m := range ms {
		where = append(where, fmt.Sprintf("(article_id = $%d AND position = $%d)", len(args)+1, len(args)+2))
		args = append(args, m.ArticleID, m.Position)
	}
	rows, err := x.db.Read.QueryContext(ctx, `SELECT article_id, position, snippet(help_fts, 3, $2, $3, '…', 24)
		FROM help_fts WHERE help_fts MATCH $1 AND rowid IN (SELECT rowid FROM help_sections WHERE `+strings.Join(where, " OR ")+`)`, args...)
	if err != nil {
		return fmt.Errorf("search help snippets: %w", err)
	}
	return fillSnippets(rows, ms)
}

// pgIndex is PostgreSQL's weighted tsvector index: title A, heading and
// keywords B, body D, ranked by ts_rank.
type pgIndex struct{ db *store.DB }

func (x *pgIndex) Remove(context.Context, *sql.Tx, string) error { return nil } // rows cascade with their sections

func (x *pgIndex) Put(ctx context.Context, tx *sql.Tx, articleID, title, keywords string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO help_fts (article_id, position, document)
		SELECT s.article_id, s.position,
			setweight(to_tsvector('english', $2), 'A') ||
			setweight(to_tsvector('english', s.heading || ' ' || $3), 'B') ||
			setweight(to_tsvector('english', s.body), 'D')
		FROM help_sections s WHERE s.article_id = $1`, articleID, title, keywords)
	return err
}

func (x *pgIndex) Match(ctx context.Context, terms []string, limit int) ([]Match, error) {
	rows, err := x.db.Read.QueryContext(ctx, `SELECT f.article_id, f.position, s.heading
		FROM help_fts f JOIN help_sections s ON s.article_id = f.article_id AND s.position = f.position, to_tsquery('english', $1) q
		WHERE f.document @@ q ORDER BY ts_rank(f.document, q) DESC, f.article_id, f.position LIMIT $2`, tsQuery(terms), limit)
	if err != nil {
		return nil, fmt.Errorf("search help: %w", err)
	}
	return scanMatches(rows)
}

func (x *pgIndex) Snippets(ctx context.Context, terms []string, ms []Match) error {
	if len(ms) == 0 {
		return nil
	}
	opts := `StartSel=` + markOpen + `, StopSel=` + markClose + `, MaxWords=30, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "`
	args := []any{tsQuery(terms), opts}
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

func scanMatches(rows *sql.Rows) ([]Match, error) {
	defer rows.Close()
	var out []Match
	for rows.Next() {
		var m Match
		if err := rows.Scan(&m.ArticleID, &m.Position, &m.Heading); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
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
