package helpcenter

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hotdash/hotdash/internal/validation"
)

// MaxComment is the longest feedback comment kept, in characters.
const MaxComment = 2000

// Feedback records one answer to "Was this helpful?" on an article.
func (s *Service) Feedback(ctx context.Context, articleID string, helpful bool, comment, actor string) error {
	comment = strings.TrimSpace(comment)
	errs := validation.Errors{}
	errs.MaxLen("comment", comment, MaxComment)
	if err := errs.Err(); err != nil {
		return err
	}
	if _, err := s.Get(ctx, articleID); err != nil {
		return err
	}
	if _, err := s.db.Write.ExecContext(ctx, `INSERT INTO help_feedback (article_id, helpful, comment, actor, at) VALUES ($1, $2, $3, $4, $5)`,
		articleID, helpful, comment, actor, s.clock.Now().UTC()); err != nil {
		return fmt.Errorf("record help feedback: %w", err)
	}
	return nil
}

// ZeroSearch is a query that found nothing, how often and when last.
type ZeroSearch struct {
	Query string
	Count int
	Last  time.Time
}

// ArticleVotes counts an article's answers to "Was this helpful?".
type ArticleVotes struct {
	ArticleID  string
	Title      string
	Helpful    int
	NotHelpful int
}

// Comment is a feedback comment, for the gaps page.
type Comment struct {
	ArticleID string
	Helpful   bool
	Comment   string
	Actor     string
	At        time.Time
}

// Gaps is where the Help Center falls short over a period: searches that
// found nothing, articles people found unhelpful, and runbooks overdue for
// review.
type Gaps struct {
	ZeroResultSearches []ZeroSearch
	Unhelpful          []ArticleVotes
	StaleRunbooks      []Runbook
	// Comments are the period's feedback comments, newest first.
	Comments []Comment
}

// Gaps reports [from, to): zero-result searches by query (most frequent
// first), articles with at least one "not helpful" vote (most first), and
// the runbooks stale at to.
func (s *Service) Gaps(ctx context.Context, from, to time.Time) (Gaps, error) {
	var g Gaps
	var err error
	if g.ZeroResultSearches, err = s.zeroSearches(ctx, from, to); err != nil {
		return g, err
	}
	if g.Unhelpful, err = s.unhelpful(ctx, from, to); err != nil {
		return g, err
	}
	if g.Comments, err = s.comments(ctx, from, to); err != nil {
		return g, err
	}
	g.StaleRunbooks, err = s.staleAt(ctx, to)
	return g, err
}

func (s *Service) zeroSearches(ctx context.Context, from, to time.Time) ([]ZeroSearch, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT lower(query), COUNT(*), MAX(at) FROM help_searches
		WHERE results = 0 AND at >= $1 AND at < $2 GROUP BY lower(query) ORDER BY COUNT(*) DESC, MAX(at) DESC LIMIT 200`,
		from.UTC(), to.UTC())
	if err != nil {
		return nil, fmt.Errorf("list zero-result searches: %w", err)
	}
	defer rows.Close()
	var out []ZeroSearch
	for rows.Next() {
		var z ZeroSearch
		var last lastTime
		if err := rows.Scan(&z.Query, &z.Count, &last); err != nil {
			return nil, err
		}
		z.Last = last.t
		out = append(out, z)
	}
	return out, rows.Err()
}

func (s *Service) unhelpful(ctx context.Context, from, to time.Time) ([]ArticleVotes, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT a.id, a.title,
			SUM(CASE WHEN f.helpful THEN 1 ELSE 0 END), SUM(CASE WHEN f.helpful THEN 0 ELSE 1 END)
		FROM help_feedback f JOIN help_articles a ON a.id = f.article_id
		WHERE f.at >= $1 AND f.at < $2 GROUP BY a.id, a.title
		HAVING SUM(CASE WHEN f.helpful THEN 0 ELSE 1 END) > 0
		ORDER BY SUM(CASE WHEN f.helpful THEN 0 ELSE 1 END) DESC, a.id`, from.UTC(), to.UTC())
	if err != nil {
		return nil, fmt.Errorf("list unhelpful articles: %w", err)
	}
	defer rows.Close()
	var out []ArticleVotes
	for rows.Next() {
		var v ArticleVotes
		if err := rows.Scan(&v.ArticleID, &v.Title, &v.Helpful, &v.NotHelpful); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func (s *Service) comments(ctx context.Context, from, to time.Time) ([]Comment, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT article_id, helpful, comment, actor, at FROM help_feedback
		WHERE comment <> '' AND at >= $1 AND at < $2 ORDER BY at DESC, id DESC LIMIT 200`, from.UTC(), to.UTC())
	if err != nil {
		return nil, fmt.Errorf("list feedback comments: %w", err)
	}
	defer rows.Close()
	var out []Comment
	for rows.Next() {
		var c Comment
		if err := rows.Scan(&c.ArticleID, &c.Helpful, &c.Comment, &c.Actor, &c.At); err != nil {
			return nil, err
		}
		c.At = c.At.UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}

// lastTime scans MAX(at): SQLite hands an aggregate of a TIMESTAMP column
// back as text, PostgreSQL as a time.
type lastTime struct{ t time.Time }

func (l *lastTime) Scan(v any) error {
	switch x := v.(type) {
	case time.Time:
		l.t = x.UTC()
		return nil
	case string:
		return l.parse(x)
	case []byte:
		return l.parse(string(x))
	}
	return errors.New("unexpected time value")
}

func (l *lastTime) parse(s string) error {
	for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", time.RFC3339Nano, "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			l.t = t.UTC()
			return nil
		}
	}
	return fmt.Errorf("unreadable time %q", s)
}
