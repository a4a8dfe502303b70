package incident

import (
	"context"
	"database/sql"
	"fmt"
	"net/mail"
	"strings"

	"github.com/hotdash/hotdash/internal/config"
	"github.com/hotdash/hotdash/internal/decisionlog"
	"github.com/hotdash/hotdash/internal/validation"
)

// Contact is a person on call for a level.
type Contact struct {
	Name  string `json:"name"`
	Slack string `json:"slack"`
	Email string `json:"email"`
	// PagerDuty names the pagerduty endpoint that routes to them.
	PagerDuty string `json:"pagerduty"`
}

// OnCall is one level of the on-call table.
type OnCall struct {
	Level    int
	Name     string
	Contacts []Contact
	// Notify lists the level's endpoints (from the policy file).
	Notify  []string
	Runbook string
}

// OnCallTable returns levels L1–L4 with their contacts.
func (s *Service) OnCallTable(ctx context.Context) ([]OnCall, error) {
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT level, name, slack, email, pagerduty FROM oncall_contacts ORDER BY level, position`)
	if err != nil {
		return nil, fmt.Errorf("read on-call table: %w", err)
	}
	defer rows.Close()
	byLevel := map[string][]Contact{}
	for rows.Next() {
		var level string
		var c Contact
		if err := rows.Scan(&level, &c.Name, &c.Slack, &c.Email, &c.PagerDuty); err != nil {
			return nil, fmt.Errorf("read contact: %w", err)
		}
		byLevel[level] = append(byLevel[level], c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []OnCall
	for level := 1; level <= MaxLevel; level++ {
		lc := s.Ladder.Level(LevelName(level))
		out = append(out, OnCall{Level: level, Name: lc.Name, Contacts: byLevel[LevelName(level)], Notify: lc.Notify, Runbook: lc.Runbook})
	}
	return out, nil
}

// SeedOnCall fills levels that have no contacts yet from the policy file,
// so the on-call page starts from it and managers' edits are kept.
func (s *Service) SeedOnCall(ctx context.Context) error {
	return s.DB.InTx(ctx, func(tx *sql.Tx) error {
		for level := 1; level <= MaxLevel; level++ {
			name := LevelName(level)
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM oncall_contacts WHERE level = $1`, name).Scan(&n); err != nil {
				return fmt.Errorf("count contacts: %w", err)
			}
			if n > 0 {
				continue
			}
			if err := s.writeContacts(ctx, tx, name, fromConfig(s.Ladder.Levels[name].Contacts), "policy file"); err != nil {
				return err
			}
		}
		return nil
	})
}

func fromConfig(cs []config.Contact) []Contact {
	out := make([]Contact, len(cs))
	for i, c := range cs {
		out[i] = Contact{Name: c.Name, Slack: c.Slack, Email: c.Email, PagerDuty: c.PagerDuty}
	}
	return out
}

// SetContacts replaces a level's contacts (managers and admins) and
// records the change in the Decision Log.
func (s *Service) SetContacts(ctx context.Context, level int, contacts []Contact, actor string) error {
	if err := s.validateContacts(level, contacts); err != nil {
		return err
	}
	err := s.DB.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM oncall_contacts WHERE level = $1`, LevelName(level)); err != nil {
			return fmt.Errorf("clear contacts: %w", err)
		}
		return s.writeContacts(ctx, tx, LevelName(level), contacts, actor)
	})
	if err != nil {
		return err
	}
	names := make([]string, len(contacts))
	for i, c := range contacts {
		names[i] = c.Name
	}
	_, _, err = s.Decisions.Append(ctx, decisionlog.Draft{Scope: decisionlog.ScopeOps, Actor: actor, RecordedBy: actor, Action: "oncall.update",
		Rationale: fmt.Sprintf("On call for %s (%s): %s", LevelName(level), s.Ladder.Level(LevelName(level)).Name, strings.Join(names, ", "))})
	s.OnChange()
	return err
}

func (s *Service) validateContacts(level int, contacts []Contact) error {
	errs := validation.Errors{}
	if level < 1 || level > MaxLevel {
		errs.Add("level", "must be L1 to L4 (L0 is self-service)")
	}
	if len(contacts) == 0 {
		errs.Add("contacts", "a level needs at least one contact")
	}
	if len(contacts) > 20 {
		errs.Add("contacts", "at most 20 contacts a level")
	}
	for i, c := range contacts {
		f := fmt.Sprintf("contacts[%d]", i)
		errs.Required(f+".name", c.Name)
		errs.MaxLen(f+".name", c.Name, 200)
		errs.MaxLen(f+".slack", c.Slack, 100)
		if c.Email != "" {
			if _, err := mail.ParseAddress(c.Email); err != nil {
				errs.Add(f+".email", "is not an email address")
			}
		}
		errs.MaxLen(f+".pagerduty", c.PagerDuty, 100)
		if c.Slack == "" && c.Email == "" && c.PagerDuty == "" {
			errs.Add(f, "give a Slack handle, an email or a PagerDuty endpoint, so the contact can be reached")
		}
	}
	return errs.Err()
}

func (s *Service) writeContacts(ctx context.Context, tx *sql.Tx, level string, contacts []Contact, actor string) error {
	for i, c := range contacts {
		_, err := tx.ExecContext(ctx, `INSERT INTO oncall_contacts (level, position, name, slack, email, pagerduty, updated_by, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, level, i, strings.TrimSpace(c.Name), strings.TrimSpace(c.Slack),
			strings.TrimSpace(c.Email), strings.TrimSpace(c.PagerDuty), actor, s.now())
		if err != nil {
			return fmt.Errorf("write contact: %w", err)
		}
	}
	return nil
}
