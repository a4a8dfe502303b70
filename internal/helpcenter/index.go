package helpcenter

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"html"
	"html/template"
	"slices"
	"strconv"
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

// Match is one article a search found.
type Match struct {
	ArticleID string
	// Score orders matches, higher first (each engine's own scale).
	Score float64
	// rowid is the article's row in SQLite, which ranks by row and reads
	// the ids of the best rows only.
	rowid int64
}

// key tells matches apart while they are merged.
func (m Match) key() string { return m.ArticleID + "/" + strconv.FormatInt(m.rowid, 10) }

// Index is a full-text index of articles: one entry per article, its
// title, headings, keywords and body. Both engines implement it; an Index
// only ever receives terms from Terms, never raw query text.
type Index interface {
	// Remove drops the articles from the index, inside tx, before their
	// sections are deleted.
	Remove(ctx context.Context, tx *sql.Tx, articleIDs []string) error
	// Put indexes the articles as stored with their sections, inside tx.
	Put(ctx context.Context, tx *sql.Tx, articleIDs []string) error
	// Match returns up to limit articles matching every term (the last as
	// a prefix when prefix is set), best first.
	Match(ctx context.Context, terms []string, prefix bool, limit int) ([]Match, error)
}

// NewIndex returns the index for db's engine.
func NewIndex(db *store.DB) Index {
	if db.Engine() == store.Postgres {
		return &pgIndex{db: db}
	}
	return &ftsIndex{db: db}
}

// candidateCap bounds how many matching articles a search ranks from each
// source (anywhere, and in titles, headings and keywords). Ranking costs
// microseconds an article, so a word found in most of 10,000 articles
// would otherwise take tens of milliseconds; a query matching more than
// this is ranked among the first matches in index order plus the first
// title, heading and keyword matches. Smaller result sets rank exactly.
const candidateCap = 200

// ftsIndex is SQLite's FTS5 index. Each row's rowid is its article's rowid
// in help_articles.
type ftsIndex struct{ db *store.DB }

func (x *ftsIndex) Remove(ctx context.Context, tx *sql.Tx, ids []string) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM help_fts WHERE rowid IN (SELECT rowid FROM help_articles WHERE id IN (`+inList(1, len(ids))+`))`, anys(ids)...)
	return err
}

// Put inserts every article in one statement: FTS5 flushes its pending
// index at each statement, so one large insert builds far fewer segments
// than one per article.
func (x *ftsIndex) Put(ctx context.Context, tx *sql.Tx, ids []string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO help_fts (rowid, title, headings, keywords, body)
		SELECT a.rowid, a.title,
			COALESCE((SELECT group_concat(s.heading, ' ' ORDER BY s.position) FROM help_sections s WHERE s.article_id = a.id), ''),
			a.keywords,
			COALESCE((SELECT group_concat(s.body, char(10) ORDER BY s.position) FROM help_sections s WHERE s.article_id = a.id), '')
		FROM help_articles a WHERE a.id IN (`+inList(1, len(ids))+`)`, anys(ids)...)
	return err
}

// bm25 weights: title, headings, keywords, body.
const ftsRank = `bm25(help_fts, 10.0, 5.0, 5.0, 1.0)`

// Match ranks the query's candidates (see matchBoth) by bm25, then reads
// the ids of the best.
func (x *ftsIndex) Match(ctx context.Context, terms []string, prefix bool, limit int) ([]Match, error) {
	q := ftsQuery(terms, prefix)
	ms, err := matchBoth(ctx, limit, func(ctx context.Context, head bool) ([]Match, error) {
		if head {
			return x.rank(ctx, "{title headings keywords} : ("+q+")")
		}
		return x.rank(ctx, q)
	})
	if err != nil || len(ms) == 0 {
		return nil, err
	}
	return x.articleIDs(ctx, ms)
}

// rank scores the first candidateCap+1 rows matching q (FTS5 returns them
// in rowid order) with one cursor.
func (x *ftsIndex) rank(ctx context.Context, q string) ([]Match, error) {
	rows, err := x.db.Read.QueryContext(ctx, `SELECT rowid, `+ftsRank+` FROM help_fts WHERE help_fts MATCH $1 LIMIT $2`, q, candidateCap+1)
	if err != nil {
		return nil, fmt.Errorf("search help: %w", err)
	}
	defer rows.Close()
	var ms []Match
	for rows.Next() {
		var m Match
		if err := rows.Scan(&m.rowid, &m.Score); err != nil {
			return nil, err
		}
		m.Score = -m.Score // bm25: lower is better
		ms = append(ms, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("search help: %w", err)
	}
	return ms, nil
}

// articleIDs fills in the matches' article ids, leaving out any article
// deleted since.
func (x *ftsIndex) articleIDs(ctx context.Context, ms []Match) ([]Match, error) {
	args := make([]any, len(ms))
	for i, m := range ms {
		args[i] = m.rowid
	}
	rows, err := x.db.Read.QueryContext(ctx, `SELECT rowid, id FROM help_articles WHERE rowid IN (`+inList(1, len(ms))+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("search help: %w", err)
	}
	defer rows.Close()
	ids := map[int64]string{}
	for rows.Next() {
		var rowid int64
		var id string
		if err := rows.Scan(&rowid, &id); err != nil {
			return nil, err
		}
		ids[rowid] = id
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("search help: %w", err)
	}
	out := ms[:0]
	for _, m := range ms {
		if id, ok := ids[m.rowid]; ok {
			m.ArticleID = id
			out = append(out, m)
		}
	}
	return out, nil
}

// scanMatches reads (article id, score) rows.
func scanMatches(rows *sql.Rows) ([]Match, error) {
	defer rows.Close()
	var ms []Match
	for rows.Next() {
		var m Match
		if err := rows.Scan(&m.ArticleID, &m.Score); err != nil {
			return nil, err
		}
		ms = append(ms, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("search help: %w", err)
	}
	return ms, nil
}

// matchBoth runs an engine's two ranking passes at once, each on its own
// connection: pass(false) scores the first candidateCap+1 matches
// anywhere, pass(true) those in titles, headings and keywords. When the
// first found no more than candidateCap, every match was ranked and the
// second adds nothing; otherwise the two are merged.
func matchBoth(ctx context.Context, limit int, pass func(ctx context.Context, head bool) ([]Match, error)) ([]Match, error) {
	var head []Match
	var headErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		head, headErr = pass(ctx, true)
	}()
	all, err := pass(ctx, false)
	<-done
	switch {
	case err != nil:
		return nil, err
	case len(all) <= candidateCap:
		return best(all, limit), nil
	case headErr != nil:
		return nil, headErr
	}
	return mergeMatches(all[:candidateCap], head[:min(candidateCap, len(head))], limit), nil
}

// best sorts matches best first (ties by article id, so both engines and
// every run agree) and keeps limit.
func best(ms []Match, limit int) []Match {
	slices.SortStableFunc(ms, func(a, b Match) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		if c := cmp.Compare(a.ArticleID, b.ArticleID); c != 0 {
			return c
		}
		return cmp.Compare(a.rowid, b.rowid)
	})
	return ms[:min(limit, len(ms))]
}

// mergeMatches merges two best-first lists, each article once, best first.
func mergeMatches(a, b []Match, limit int) []Match {
	seen := map[string]bool{}
	var out []Match
	for _, m := range append(append([]Match{}, a...), b...) {
		if k := m.key(); !seen[k] {
			seen[k] = true
			out = append(out, m)
		}
	}
	return best(out, limit)
}

// pgIndex is PostgreSQL's weighted tsvector index: title A, headings and
// keywords B, body D, ranked by ts_rank.
type pgIndex struct{ db *store.DB }

func (x *pgIndex) Remove(ctx context.Context, tx *sql.Tx, ids []string) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM help_fts WHERE article_id IN (`+inList(1, len(ids))+`)`, anys(ids)...)
	return err
}

func (x *pgIndex) Put(ctx context.Context, tx *sql.Tx, ids []string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO help_fts (article_id, head, document)
		SELECT id, head, head || setweight(to_tsvector('english', body), 'D')
		FROM (SELECT a.id,
				setweight(to_tsvector('english', a.title), 'A') ||
				setweight(to_tsvector('english', COALESCE(x.headings, '') || ' ' || a.keywords), 'B') AS head,
				COALESCE(x.body, '') AS body
			FROM help_articles a LEFT JOIN (
				SELECT article_id, string_agg(heading, ' ' ORDER BY position) AS headings,
					string_agg(body, E'\n' ORDER BY position) AS body
				FROM help_sections WHERE article_id IN (`+inList(1, len(ids))+`) GROUP BY article_id) x ON x.article_id = a.id
			WHERE a.id IN (`+inList(1, len(ids))+`)) y`, anys(ids)...)
	return err
}

// Match ranks the first candidateCap matches anywhere and the first
// candidateCap matches in titles, headings and keywords (see matchBoth),
// each scored as it is read. Rows match every term, but are scored by
// the terms joined with OR: ts_rank then sums each term's weighted
// frequency, as bm25 does, where scoring by the AND query weighs every
// pair of the terms' positions and costs four times as much.
func (x *pgIndex) Match(ctx context.Context, terms []string, prefix bool, limit int) ([]Match, error) {
	every, either := tsQuery(terms, prefix, " & "), tsQuery(terms, prefix, " | ")
	return matchBoth(ctx, limit, func(ctx context.Context, head bool) ([]Match, error) {
		column := "document"
		if head {
			column = "head"
		}
		rows, err := x.db.Read.QueryContext(ctx, `SELECT f.article_id, ts_rank(f.document, r)
			FROM help_fts f, to_tsquery('english', $1) q, to_tsquery('english', $2) r
			WHERE f.`+column+` @@ q LIMIT $3`, every, either, candidateCap+1)
		if err != nil {
			return nil, fmt.Errorf("search help: %w", err)
		}
		return scanMatches(rows)
	})
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
