package incident

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/clock"
	"github.com/hotdash/hotdash/internal/config"
	"github.com/hotdash/hotdash/internal/decisionlog"
	"github.com/hotdash/hotdash/internal/jobs"
	"github.com/hotdash/hotdash/internal/notify"
	"github.com/hotdash/hotdash/internal/store"
	"github.com/hotdash/hotdash/internal/validation"
)

// Outbox takes notifications to outside endpoints inside a transaction
// (notify.Outbox).
type Outbox interface {
	EnqueueTx(ctx context.Context, tx *sql.Tx, endpoints []string, m notify.Message, key string) (int, error)
}

// Alert is a notification for people inside HotDash (the notification
// center).
type Alert struct {
	// Roles are who gets it; Owner, when set, also gets it.
	Roles []auth.Role
	Owner string
	// Kind is the center's kind ("escalation", "incident").
	Kind     string
	Severity string
	// Urgent alerts bypass quiet hours (S0, S1).
	Urgent bool
	Title  string
	Body   string
	Link   string
	// Key deduplicates per person.
	Key string
}

// Alerter delivers Alerts inside a transaction; it returns a function to
// call after commit (to wake live pages), or nil.
type Alerter interface {
	AlertTx(ctx context.Context, tx *sql.Tx, a Alert) (func(), error)
}

// Enqueuer adds durable jobs inside a transaction (jobs.Runner).
type Enqueuer interface {
	EnqueueTx(ctx context.Context, tx *sql.Tx, kind string, args any) error
}

// Deps are what the Service needs.
type Deps struct {
	DB        *store.DB
	Decisions *decisionlog.Log
	Clock     clock.Clock
	Ladder    config.EscalationConfig
	// Endpoints are the notify section's endpoints (their types decide
	// how acknowledgements and resolutions are mirrored).
	Endpoints config.NotifyConfig
	Outbox    Outbox
	Alerts    Alerter
	Jobs      Enqueuer
	// PublicURL returns the URL people reach HotDash at, for links in
	// notifications (known once the server listens).
	PublicURL func() string
	Logger    *slog.Logger
	// OnChange is told that incidents changed (live pages); may be nil.
	OnChange func()
	// Wake tells the outbox deliveries are waiting; may be nil.
	Wake func()
}

// Service runs incidents and their ladder.
type Service struct {
	Deps
}

// NewService returns a Service.
func NewService(d Deps) *Service {
	if d.OnChange == nil {
		d.OnChange = func() {}
	}
	if d.Wake == nil {
		d.Wake = func() {}
	}
	if d.PublicURL == nil {
		d.PublicURL = func() string { return "" }
	}
	return &Service{Deps: d}
}

// JobDecision appends a Decision Log entry (a decisionlog.Draft) durably;
// the app registers its handler with AppendDecision.
const JobDecision = "incident.decision"

func (s *Service) now() time.Time { return s.Clock.Now().UTC().Truncate(time.Microsecond) }

// change runs fn in a transaction and, once it commits, appends the
// decisions it recorded, wakes the outbox and live pages, and runs the
// after-commit hooks it collected.
func (s *Service) change(ctx context.Context, fn func(tx *sql.Tx, c *changes) error) error {
	c := &changes{}
	err := s.DB.InTx(ctx, func(tx *sql.Tx) error {
		*c = changes{}
		return fn(tx, c)
	})
	if err != nil {
		return err
	}
	for _, d := range c.decisions {
		if _, _, err := s.Decisions.Append(ctx, d); err != nil {
			s.Logger.Warn("record incident decision; the job will retry", "action", d.Action, "error", err)
		}
	}
	for _, f := range c.after {
		f()
	}
	if c.notified {
		s.Wake()
	}
	s.OnChange()
	return nil
}

// changes collects what a transaction did that needs work after commit.
type changes struct {
	decisions []decisionlog.Draft
	after     []func()
	notified  bool
}

// decide records a Decision Log entry: a durable job in tx, and a direct
// append after commit (the idempotency key makes the second a no-op).
func (s *Service) decide(ctx context.Context, tx *sql.Tx, c *changes, d decisionlog.Draft) error {
	d.Scope = decisionlog.ScopeOps
	if d.RecordedBy == "" {
		d.RecordedBy = d.Actor
	}
	if err := s.Jobs.EnqueueTx(ctx, tx, JobDecision, d); err != nil {
		return err
	}
	c.decisions = append(c.decisions, d)
	return nil
}

// AppendDecision is the JobDecision handler's work.
func (s *Service) AppendDecision(ctx context.Context, raw json.RawMessage) error {
	var d decisionlog.Draft
	if err := json.Unmarshal(raw, &d); err != nil {
		return fmt.Errorf("decode incident decision: %w", err)
	}
	_, _, err := s.Decisions.Append(ctx, d)
	var verrs validation.Errors
	if errors.As(err, &verrs) {
		return jobs.Permanent(fmt.Errorf("incident decision %s is not valid: %w", d.Action, err))
	}
	return err
}

func (s *Service) link(path string) string { return s.PublicURL() + path }
