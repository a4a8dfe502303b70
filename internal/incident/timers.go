package incident

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// pollEvery is how often Run looks for due timers.
const pollEvery = time.Second

// Run fires due timers until ctx ends. Every replica may run it: a timer
// is claimed by a conditional update in the transaction that takes its
// step, so each step happens once.
func (s *Service) Run(ctx context.Context) {
	t := time.NewTicker(pollEvery)
	defer t.Stop()
	for {
		if _, err := s.RunDue(ctx); err != nil && ctx.Err() == nil {
			s.Logger.Error("escalation ladder: fire due timers", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// RunDue fires every timer due by the clock's now and returns how many.
func (s *Service) RunDue(ctx context.Context) (int, error) {
	fired := 0
	for {
		rows, err := s.DB.Read.QueryContext(ctx, `SELECT id, incident_id, kind FROM incident_timers WHERE fired_at IS NULL AND due_at <= $1
			ORDER BY due_at, id LIMIT 100`, s.now())
		if err != nil {
			return fired, fmt.Errorf("read due timers: %w", err)
		}
		type due struct {
			id, incident int64
			kind         string
		}
		var batch []due
		for rows.Next() {
			var d due
			if err := rows.Scan(&d.id, &d.incident, &d.kind); err != nil {
				rows.Close()
				return fired, fmt.Errorf("read due timer: %w", err)
			}
			batch = append(batch, d)
		}
		rows.Close()
		if len(batch) == 0 {
			return fired, rows.Err()
		}
		for _, d := range batch {
			if err := s.fire(ctx, d.id, d.incident, d.kind); err != nil {
				return fired, err
			}
			fired++
		}
	}
}

// fire takes one timer's step, claiming it in the same transaction.
func (s *Service) fire(ctx context.Context, timerID, incidentID int64, kind string) error {
	return s.change(ctx, func(tx *sql.Tx, c *changes) error {
		res, err := tx.ExecContext(ctx, `UPDATE incident_timers SET fired_at = $2 WHERE id = $1 AND fired_at IS NULL`, timerID, s.now())
		if err != nil {
			return fmt.Errorf("claim timer: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // another replica took it
		}
		i, err := s.lock(ctx, tx, incidentID)
		if err != nil {
			return err
		}
		outcome, err := s.step(ctx, tx, c, &i, kind)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE incident_timers SET outcome = $2 WHERE id = $1`, timerID, outcome)
		return err
	})
}

// step does what a timer asks if it still applies, and says what happened.
func (s *Service) step(ctx context.Context, tx *sql.Tx, c *changes, i *Incident, kind string) (string, error) {
	if !i.Open() {
		return "skipped: the incident is resolved", nil
	}
	t := s.Ladder.Timers
	switch {
	case kind == timerS2L1 || kind == timerS2L2:
		level, after := 1, t.S2ToL1.D()
		if kind == timerS2L2 {
			level, after = 2, t.S2ToL2.D()
		}
		if i.Severity != S2 || i.Level >= level {
			return fmt.Sprintf("skipped: %s at %s", i.Severity, LevelName(i.Level)), nil
		}
		return "escalated to " + LevelName(level), s.escalate(ctx, tx, c, i, level, "timer:"+shortDuration(after), "ladder")
	case strings.HasPrefix(kind, timerRenotify):
		level, _ := strconv.Atoi(strings.TrimPrefix(kind, timerRenotify))
		if i.Level != level || i.AckedLevel >= level {
			return "stopped: acknowledged or moved on", nil
		}
		return "notified again", s.renotify(ctx, tx, c, *i, level)
	case kind == timerS1Update:
		return s.remindUpdate(ctx, tx, c, *i)
	case kind == timerEvidence:
		if !i.EvidenceMissing {
			return "stopped: evidence supplied", nil
		}
		err := s.alert(ctx, tx, c, Alert{Roles: levelRoles(1), Owner: i.Owner, Kind: "incident", Severity: i.Severity, Urgent: i.Urgent(),
			Title: fmt.Sprintf("[%s] evidence missing: %s", i.Severity, i.Summary), Body: "Supply: " + strings.Join(i.MissingEvidence(), "; "),
			Link: "/incidents/" + strconv.FormatInt(i.ID, 10), Key: fmt.Sprintf("incident-evidence:%d:%d", i.ID, s.now().Unix())})
		if err != nil {
			return "", err
		}
		return "reminded the owner", schedule(ctx, tx, i.ID, timerEvidence, s.now().Add(t.EvidenceReminder.D()))
	}
	return "skipped: unknown timer", nil
}

func (s *Service) renotify(ctx context.Context, tx *sql.Tx, c *changes, i Incident, level int) error {
	var round int
	if err := tx.QueryRowContext(ctx, `SELECT notified FROM escalations WHERE incident_id = $1 AND level = $2`, i.ID, level).Scan(&round); err != nil {
		return fmt.Errorf("read escalation: %w", err)
	}
	return s.page(ctx, tx, c, i, level, round)
}

// remindUpdate reminds an S1 incident's owner that customers are due an
// update, unless one was given recently.
func (s *Service) remindUpdate(ctx context.Context, tx *sql.Tx, c *changes, i Incident) (string, error) {
	t := s.Ladder.Timers
	now := s.now()
	if i.Severity != S1 {
		return "skipped: no longer S1", nil
	}
	last := i.CustomerUpdateAt
	if last.IsZero() {
		last = i.CreatedAt
	}
	if now.Sub(last) < t.S1CustomerUpdate.D()-t.S1UpdateReminder.D() {
		return "skipped: customers were updated since", nil
	}
	due := last.Add(t.S1CustomerUpdate.D())
	err := s.alert(ctx, tx, c, Alert{Roles: levelRoles(1), Owner: i.Owner, Kind: "incident", Severity: i.Severity, Urgent: true,
		Title: fmt.Sprintf("[S1] customer update due %s: %s", due.Format("15:04 MST"), i.Summary),
		Body:  "S1 customers hear from us every " + shortDuration(t.S1CustomerUpdate.D()) + ". Record the update on the incident page.",
		Link:  "/incidents/" + strconv.FormatInt(i.ID, 10), Key: fmt.Sprintf("incident-update-due:%d:%d", i.ID, due.Unix())})
	if err != nil {
		return "", err
	}
	return "reminded the owner", schedule(ctx, tx, i.ID, timerS1Update, due.Add(t.S1CustomerUpdate.D()-t.S1UpdateReminder.D()))
}

// shortDuration writes whole hours as "1h" and whole minutes as "30m".
func shortDuration(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return strconv.Itoa(int(d/time.Hour)) + "h"
	case d%time.Minute == 0:
		return strconv.Itoa(int(d/time.Minute)) + "m"
	}
	return d.String()
}
