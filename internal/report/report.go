package report

import (
	"context"
	"log/slog"
	"time"

	"github.com/hotdash/hotdash/internal/clock"
	"github.com/hotdash/hotdash/internal/config"
	"github.com/hotdash/hotdash/internal/decisionlog"
	"github.com/hotdash/hotdash/internal/store"
)

// Notifier tells the leads about a handoff nobody acknowledged (the
// notification center, adapted by the app). key deduplicates per person.
type Notifier interface {
	HandoffUnacknowledged(ctx context.Context, h Handoff, key string) error
}

// Deps are what the Service needs.
type Deps struct {
	DB        *store.DB
	Decisions *decisionlog.Log
	Clock     clock.Clock
	Shifts    config.ShiftsConfig
	Reports   config.ReportsConfig
	// Ladder is the escalation section, for runbooks it lacks.
	Ladder config.EscalationConfig
	// Notify reaches the leads; nil logs instead.
	Notify Notifier
	// Help is the Help Center's gaps; nil says it is not connected.
	Help   HelpGapsSource
	Logger *slog.Logger
	// OnChange is told that handoffs changed (live pages); may be nil.
	OnChange func()
}

// Service computes reports and keeps handoffs.
type Service struct {
	Deps
}

// New returns a Service.
func New(d Deps) *Service {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.OnChange == nil {
		d.OnChange = func() {}
	}
	return &Service{Deps: d}
}

func (s *Service) now() time.Time { return s.Clock.Now().UTC().Truncate(time.Microsecond) }

// Location is the time zone days are cut in.
func (s *Service) Location() *time.Location { return s.Shifts.Location() }

// DayBounds returns the calendar day date ("2006-01-02") in the shifts'
// zone as [from, to) in UTC.
func (s *Service) DayBounds(date string) (time.Time, time.Time, error) {
	d, err := time.ParseInLocation(time.DateOnly, date, s.Location())
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	return d.UTC(), d.AddDate(0, 0, 1).UTC(), nil
}

// Today is the current calendar day in the shifts' zone.
func (s *Service) Today() string { return s.Clock.Now().In(s.Location()).Format(time.DateOnly) }
