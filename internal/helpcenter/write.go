package helpcenter

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/hotdash/hotdash/internal/store"
	"github.com/hotdash/hotdash/internal/validation"
)

// Rows per multi-row statement when writing many articles at once (an
// import of thousands), well under both engines' parameter limits.
const (
	articlesPerInsert = 200
	sectionsPerInsert = 500
	idsPerStatement   = 1000
)

// chunks splits items into runs of at most n.
func chunks[T any](items []T, n int) [][]T {
	var out [][]T
	for len(items) > n {
		out = append(out, items[:n])
		items = items[n:]
	}
	if len(items) > 0 {
		out = append(out, items)
	}
	return out
}

// placeholders returns "($from, …)" groups: rows of width parameters.
func placeholders(from, rows, width int) string {
	var b strings.Builder
	for r := range rows {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for c := range width {
			if c > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "$%d", from+r*width+c)
		}
		b.WriteByte(')')
	}
	return b.String()
}

// inList returns "$from, …" for n parameters.
func inList(from, n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprintf("$%d", from+i)
	}
	return strings.Join(parts, ", ")
}

func anys(ids []string) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

// versions reads the current version and source of each id that exists,
// locking the rows until tx ends.
func (s *Service) versions(ctx context.Context, tx *sql.Tx, ids []string) (map[string]int64, map[string]string, error) {
	vs, srcs := map[string]int64{}, map[string]string{}
	for _, c := range chunks(ids, idsPerStatement) {
		rows, err := tx.QueryContext(ctx, `SELECT id, version, source FROM help_articles WHERE id IN (`+inList(1, len(c))+`)`+s.db.ForUpdate(), anys(c)...)
		if err != nil {
			return nil, nil, fmt.Errorf("read help articles: %w", err)
		}
		for rows.Next() {
			var id, src string
			var v int64
			if err := rows.Scan(&id, &v, &src); err != nil {
				rows.Close()
				return nil, nil, err
			}
			vs[id], srcs[id] = v, src
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, nil, err
		}
	}
	return vs, srcs, nil
}

// checkTopics fails when an article other than those being written holds
// one of their topic ids (an article id or an explicit section id).
func (s *Service) checkTopics(ctx context.Context, tx *sql.Tx, arts []*Article) error {
	writing := map[string]bool{}
	claim := map[string]string{}
	var topics []string
	for _, a := range arts {
		writing[a.ID] = true
		for _, t := range a.topics() {
			claim[t] = a.ID
			topics = append(topics, t)
		}
	}
	for _, c := range chunks(topics, idsPerStatement) {
		in := inList(1, len(c))
		rows, err := tx.QueryContext(ctx, `SELECT anchor, article_id FROM help_sections WHERE explicit AND anchor IN (`+in+`)
			UNION ALL SELECT id, id FROM help_articles WHERE id IN (`+in+`)`, anys(c)...)
		if err != nil {
			return fmt.Errorf("check topic ids: %w", err)
		}
		for rows.Next() {
			var topic, owner string
			if err := rows.Scan(&topic, &owner); err != nil {
				rows.Close()
				return err
			}
			if a := claim[topic]; owner != a && !writing[owner] {
				rows.Close()
				return &topicError{Topic: topic, Owner: owner, Claimant: a}
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// topicError says an article claims a topic id another article holds.
type topicError struct{ Topic, Owner, Claimant string }

func (e *topicError) Error() string { return e.fields().Error() }

// fields is the error as the editor's form shows it.
func (e *topicError) fields() validation.Errors {
	field := "body"
	if e.Topic == e.Claimant {
		field = "id"
	}
	return validation.Errors{field: fmt.Sprintf("topic id %s is already used by article %s; topic ids must be unique", e.Topic, e.Owner)}
}

// Unwrap lets errors.As find the validation.Errors inside.
func (e *topicError) Unwrap() error { return e.fields() }

// writeBatch stores articles, replacing the earlier text of those existed
// names, and indexes them, inside tx. Each article's Version, Source,
// UpdatedAt and UpdatedBy are already set.
func (s *Service) writeBatch(ctx context.Context, tx *sql.Tx, arts []*Article, existed map[string]bool) error {
	if err := s.checkTopics(ctx, tx, arts); err != nil {
		return err
	}
	var old, all []string
	for _, a := range arts {
		all = append(all, a.ID)
		if existed[a.ID] {
			old = append(old, a.ID)
		}
	}
	for _, c := range chunks(old, idsPerStatement) {
		if err := s.index.Remove(ctx, tx, c); err != nil {
			return fmt.Errorf("unindex help articles: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM help_sections WHERE article_id IN (`+inList(1, len(c))+`)`, anys(c)...); err != nil {
			return fmt.Errorf("delete help sections: %w", err)
		}
	}
	for _, c := range chunks(arts, articlesPerInsert) {
		if err := s.upsertArticles(ctx, tx, c); err != nil {
			return err
		}
	}
	if err := s.insertSections(ctx, tx, arts); err != nil {
		return err
	}
	for _, c := range chunks(all, idsPerStatement) {
		if err := s.index.Put(ctx, tx, c); err != nil {
			return fmt.Errorf("index help articles: %w", err)
		}
	}
	return nil
}

func (s *Service) upsertArticles(ctx context.Context, tx *sql.Tx, arts []*Article) error {
	const width = 14
	args := make([]any, 0, len(arts)*width)
	for _, a := range arts {
		args = append(args, a.ID, a.Title, string(a.Kind), strings.Join(a.Keywords, ", "), a.Body, a.HTML, a.Runbook, a.Owner,
			nullDate(a), a.Source, a.shippedHash, a.UpdatedAt.UTC(), a.UpdatedBy, a.Version)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO help_articles (id, title, kind, keywords, body, html, runbook, owner, review_by,
			source, shipped_hash, updated_at, updated_by, version)
		VALUES `+placeholders(1, len(arts), width)+`
		ON CONFLICT (id) DO UPDATE SET title = excluded.title, kind = excluded.kind, keywords = excluded.keywords,
			body = excluded.body, html = excluded.html, runbook = excluded.runbook, owner = excluded.owner,
			review_by = excluded.review_by, source = excluded.source, shipped_hash = excluded.shipped_hash,
			updated_at = excluded.updated_at, updated_by = excluded.updated_by, version = excluded.version`, args...)
	if err != nil {
		return fmt.Errorf("write help articles: %w", err)
	}
	return nil
}

func nullDate(a *Article) sql.NullTime { return store.NullTime(a.ReviewBy) }

// sectionRow is one section to insert.
type sectionRow struct {
	articleID string
	Section
}

func (s *Service) insertSections(ctx context.Context, tx *sql.Tx, arts []*Article) error {
	var rows []sectionRow
	for _, a := range arts {
		if len(a.Sections) == 0 {
			a.Sections = []Section{{Position: 0}}
		}
		for _, sec := range a.Sections {
			rows = append(rows, sectionRow{articleID: a.ID, Section: sec})
		}
	}
	const width = 7
	for _, c := range chunks(rows, sectionsPerInsert) {
		args := make([]any, 0, len(c)*width)
		for _, r := range c {
			args = append(args, r.articleID, r.Position, r.Anchor, r.Heading, r.Level, r.Explicit, r.Text)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO help_sections (article_id, position, anchor, heading, level, explicit, body)
			VALUES `+placeholders(1, len(c), width), args...); err != nil {
			if s.db.IsUniqueViolation(err) {
				return validation.Errors{"body": "a heading id is already a topic id of another article"}
			}
			return fmt.Errorf("write help sections: %w", err)
		}
	}
	return nil
}
