package helpcenter

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"slices"
	"strings"
	"time"

	"github.com/hotdash/hotdash/internal/clock"
	"github.com/hotdash/hotdash/internal/decisionlog"
	"github.com/hotdash/hotdash/internal/store"
	"github.com/hotdash/hotdash/internal/validation"
)

// ErrConflict is returned when an edit started from a version that is no
// longer current, or a new article's id is taken.
var ErrConflict = fmt.Errorf("help article changed: %w", store.ErrConflict)

// Deps are what the Service needs.
type Deps struct {
	DB        *store.DB
	Clock     clock.Clock
	Decisions *decisionlog.Log
	// Shipped is the content LoadShipped writes; nil means the articles
	// embedded in the binary.
	Shipped fs.FS
}

// Service is the Help Center.
type Service struct {
	db        *store.DB
	clock     clock.Clock
	decisions *decisionlog.Log
	shipped   fs.FS
	index     Index
	renderer  *Renderer
}

// New returns the Help Center over d.DB.
func New(d Deps) *Service {
	if d.Shipped == nil {
		d.Shipped = Shipped()
	}
	return &Service{db: d.DB, clock: d.Clock, decisions: d.Decisions, shipped: d.Shipped,
		index: NewIndex(d.DB), renderer: NewRenderer()}
}

// Preview renders markdown as an article would show it, for the editor.
func (s *Service) Preview(markdown string) (template.HTML, error) {
	r, err := s.renderer.Render(markdown)
	if err != nil {
		return "", err
	}
	return template.HTML(r.HTML), nil // #nosec G203 -- sanitised by the renderer
}

// prepare validates and renders a draft.
func (s *Service) prepare(d Draft) (*Article, error) {
	if err := d.Normalize(); err != nil {
		return nil, err
	}
	r, err := s.renderer.Render(d.Body)
	if err != nil {
		return nil, err
	}
	a := &Article{Draft: d, HTML: r.HTML, Sections: r.Sections}
	errs := validation.Errors{}
	seen := map[string]bool{d.ID: true}
	for i := range a.Sections {
		sec := &a.Sections[i]
		sec.Text, sec.Heading = stripMarkers(sec.Text), stripMarkers(sec.Heading)
		if !sec.Explicit {
			continue
		}
		if !ValidID(sec.Anchor) {
			errs.Add("body", "heading id {#%s} is not a topic id: use kebab-case letters and digits", sec.Anchor)
		} else if seen[sec.Anchor] {
			errs.Add("body", "topic id %s is used twice in this article", sec.Anchor)
		}
		seen[sec.Anchor] = true
	}
	return a, errs.Err()
}

// topics lists an article's topic ids: its own and its explicit sections'.
func (a *Article) topics() []string {
	out := []string{a.ID}
	for _, sec := range a.Sections {
		if sec.Explicit {
			out = append(out, sec.Anchor)
		}
	}
	return out
}

// currentVersion reads an article's version inside tx (0 when absent),
// locking the row until tx ends.
func (s *Service) currentVersion(ctx context.Context, tx *sql.Tx, id string) (int64, string, error) {
	var v int64
	var source string
	err := tx.QueryRowContext(ctx, `SELECT version, source FROM help_articles WHERE id = $1`+s.db.ForUpdate(), id).Scan(&v, &source)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", nil
	}
	if err != nil {
		return 0, "", fmt.Errorf("read help article %s: %w", id, err)
	}
	return v, source, nil
}

// Edit is a change an editor makes: the article as they want it, and the
// version they started from (0 for a new article).
type Edit struct {
	Draft
	Version int64
}

// Save creates (Version 0) or changes an article. A new article whose id
// is taken, or an edit that did not start from the current version, fails
// with ErrConflict and changes nothing. The change is recorded in the
// Decision Log.
func (s *Service) Save(ctx context.Context, e Edit, actor string) (*Article, error) {
	a, err := s.prepare(e.Draft)
	if err != nil {
		return nil, err
	}
	a.Source, a.UpdatedAt, a.UpdatedBy = SourceEdited, s.clock.Now(), actor
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		cur, _, err := s.currentVersion(ctx, tx, a.ID)
		if err != nil {
			return err
		}
		switch {
		case e.Version == 0 && cur != 0:
			return fmt.Errorf("an article with id %s already exists: %w", a.ID, ErrConflict)
		case e.Version != 0 && cur == 0:
			return fmt.Errorf("help article %s: %w", a.ID, store.ErrNotFound)
		case e.Version != cur:
			return fmt.Errorf("%s was changed by someone else since you opened it (you edited version %d, it is now at %d): %w",
				a.ID, e.Version, cur, ErrConflict)
		}
		a.Version = cur + 1
		return s.writeBatch(ctx, tx, []*Article{a}, map[string]bool{a.ID: cur != 0})
	})
	if err != nil {
		return nil, err
	}
	action, verb := "help.edit", "Edited"
	if e.Version == 0 {
		action, verb = "help.create", "Created"
	}
	return a, s.decide(ctx, actor, action, fmt.Sprintf("%s Help Center article %s (%q), now version %d.", verb, a.ID, a.Title, a.Version),
		"/help/"+a.ID)
}

// decide records a change in the Decision Log.
func (s *Service) decide(ctx context.Context, actor, action, rationale, link string) error {
	if s.decisions == nil {
		return nil
	}
	_, _, err := s.decisions.Append(ctx, decisionlog.Draft{Scope: decisionlog.ScopeOps, Actor: actor, RecordedBy: actor,
		Action: action, Rationale: rationale, Evidence: []string{link}, Status: "completed"})
	if err != nil {
		return fmt.Errorf("record help change in the Decision Log: %w", err)
	}
	return nil
}

// Get returns an article with its sections.
func (s *Service) Get(ctx context.Context, id string) (*Article, error) {
	a := &Article{}
	var keywords string
	var reviewBy sql.NullTime
	err := s.db.Read.QueryRowContext(ctx, `SELECT id, title, kind, keywords, body, html, runbook, owner, review_by, source,
			updated_at, updated_by, version FROM help_articles WHERE id = $1`, id).
		Scan(&a.ID, &a.Title, &a.Kind, &keywords, &a.Body, &a.HTML, &a.Runbook, &a.Owner, &reviewBy, &a.Source,
			&a.UpdatedAt, &a.UpdatedBy, &a.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("help article %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read help article %s: %w", id, err)
	}
	a.Keywords = splitKeywords(keywords)
	a.ReviewBy, a.UpdatedAt = store.TimeOf(reviewBy), a.UpdatedAt.UTC()
	a.Stale = IsStale(a.Runbook, a.ReviewBy, s.clock.Now())
	rows, err := s.db.Read.QueryContext(ctx, `SELECT position, anchor, heading, level, explicit FROM help_sections
		WHERE article_id = $1 ORDER BY position`, id)
	if err != nil {
		return nil, fmt.Errorf("read help sections of %s: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var sec Section
		if err := rows.Scan(&sec.Position, &sec.Anchor, &sec.Heading, &sec.Level, &sec.Explicit); err != nil {
			return nil, err
		}
		a.Sections = append(a.Sections, sec)
	}
	return a, rows.Err()
}

func splitKeywords(s string) []string {
	var out []string
	for k := range strings.SplitSeq(s, ",") {
		if k = strings.TrimSpace(k); k != "" {
			out = append(out, k)
		}
	}
	return out
}

// List returns every article, grouped by kind (in Kinds order) and by
// title within a kind.
func (s *Service) List(ctx context.Context) ([]Summary, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT id, title, kind, runbook, owner, review_by, source, updated_at, updated_by
		FROM help_articles ORDER BY title, id`)
	if err != nil {
		return nil, fmt.Errorf("list help articles: %w", err)
	}
	defer rows.Close()
	now := s.clock.Now()
	var out []Summary
	for rows.Next() {
		var a Summary
		var reviewBy sql.NullTime
		if err := rows.Scan(&a.ID, &a.Title, &a.Kind, &a.Runbook, &a.Owner, &reviewBy, &a.Source, &a.UpdatedAt, &a.UpdatedBy); err != nil {
			return nil, err
		}
		a.ReviewBy, a.UpdatedAt = store.TimeOf(reviewBy), a.UpdatedAt.UTC()
		a.Stale = IsStale(a.Runbook, a.ReviewBy, now)
		out = append(out, a)
	}
	slices.SortStableFunc(out, func(x, y Summary) int { return kindOrder(x.Kind) - kindOrder(y.Kind) })
	return out, rows.Err()
}

func kindOrder(k Kind) int {
	if i := slices.Index(Kinds(), k); i >= 0 {
		return i
	}
	return len(Kinds())
}

// Topic resolves a topic id: the article it is or is a section of, and the
// section's anchor ("" for a whole article). Unknown ids fail with
// store.ErrNotFound.
func (s *Service) Topic(ctx context.Context, id string) (articleID, anchor string, err error) {
	err = s.db.Read.QueryRowContext(ctx, `SELECT id, '' FROM help_articles WHERE id = $1
		UNION ALL SELECT article_id, anchor FROM help_sections WHERE explicit AND anchor = $1 LIMIT 1`, id).Scan(&articleID, &anchor)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", fmt.Errorf("help topic %q: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return "", "", fmt.Errorf("resolve help topic: %w", err)
	}
	return articleID, anchor, nil
}

// HasTopic reports whether id is an article's id or an explicit section id.
func (s *Service) HasTopic(ctx context.Context, id string) (bool, error) {
	_, _, err := s.Topic(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// URL is the page of an article, or of a section within it.
func URL(articleID, anchor string) string {
	if anchor == "" {
		return "/help/" + articleID
	}
	return "/help/" + articleID + "#" + anchor
}

// Runbook is a runbook past its review-by date.
type Runbook struct {
	ArticleID string
	Title     string
	Owner     string
	ReviewBy  time.Time
}

// StaleRunbooks lists runbooks stale at the clock's now, most overdue first.
func (s *Service) StaleRunbooks(ctx context.Context) ([]Runbook, error) {
	return s.staleAt(ctx, s.clock.Now())
}

func (s *Service) staleAt(ctx context.Context, at time.Time) ([]Runbook, error) {
	y, m, d := at.UTC().Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	rows, err := s.db.Read.QueryContext(ctx, `SELECT id, title, owner, review_by FROM help_articles
		WHERE runbook AND review_by < $1 ORDER BY review_by, id`, today)
	if err != nil {
		return nil, fmt.Errorf("list stale runbooks: %w", err)
	}
	defer rows.Close()
	var out []Runbook
	for rows.Next() {
		var r Runbook
		if err := rows.Scan(&r.ArticleID, &r.Title, &r.Owner, &r.ReviewBy); err != nil {
			return nil, err
		}
		r.ReviewBy = r.ReviewBy.UTC()
		out = append(out, r)
	}
	return out, rows.Err()
}
