package report

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// Tick is the periodic work, driven by the injected clock: it saves
// today's daily summary once the configured time has passed (idempotent by
// date), and notifies the leads about each saved handoff nobody
// acknowledged in time (once per handoff). The app runs it every minute
// on the leader.
func (s *Service) Tick(ctx context.Context) error {
	if err := s.dailyIfDue(ctx); err != nil {
		return err
	}
	if err := s.recordUnlogged(ctx); err != nil {
		return err
	}
	_, err := s.NotifyOverdue(ctx)
	return err
}

// recordUnlogged appends the Decision Log entry of any saved handoff, or
// of any acknowledgement, whose append failed after the change committed
// (the idempotency keys make a repeat harmless).
func (s *Service) recordUnlogged(ctx context.Context) error {
	hs, err := s.query(ctx, `SELECT `+handoffColumns+` FROM handoffs WHERE state <> 'draft' AND decision_id IS NULL ORDER BY id LIMIT 20`)
	if err != nil {
		return err
	}
	for _, h := range hs {
		if err := s.logHandoff(ctx, &h, h.Author); err != nil {
			return err
		}
	}
	acked, err := s.query(ctx, `SELECT `+handoffColumns+` FROM handoffs
		WHERE state = 'acknowledged' AND decision_id IS NOT NULL AND ack_decision_id IS NULL ORDER BY id LIMIT 20`)
	if err != nil {
		return err
	}
	for _, h := range acked {
		if err := s.logAck(ctx, h); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) dailyIfDue(ctx context.Context) error {
	now := s.Clock.Now().In(s.Location())
	at, on := s.Reports.DailyMinutes()
	if !on || now.Hour()*60+now.Minute() < at {
		return nil
	}
	date := now.Format(time.DateOnly)
	id, err := s.savedDaily(ctx, date)
	if err != nil || id != 0 {
		return err
	}
	_, created, err := s.SaveDaily(ctx, date, "hotdash", false)
	if err == nil && created {
		s.Logger.Info("saved the daily summary", "date", date)
	}
	return err
}

// NotifyOverdue notifies the leads of each saved handoff past its
// acknowledgement deadline, and marks it so they hear once. It returns
// how many it notified about.
func (s *Service) NotifyOverdue(ctx context.Context) (int, error) {
	now := s.now()
	due, err := s.query(ctx, `SELECT `+handoffColumns+` FROM handoffs WHERE state = 'saved' AND lead_notified_at IS NULL
		AND ack_due_at <= $1 ORDER BY ack_due_at LIMIT 100`, now)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, h := range due {
		if s.Notify != nil {
			if err := s.Notify.HandoffUnacknowledged(ctx, h, "handoff:"+strconv.FormatInt(h.ID, 10)+":unacknowledged"); err != nil {
				return n, fmt.Errorf("notify about handoff %d: %w", h.ID, err)
			}
		} else {
			s.Logger.Warn("handoff not acknowledged in time", "handoff", h.ID, "due", h.AckDueAt)
		}
		if _, err := s.DB.Write.ExecContext(ctx, `UPDATE handoffs SET lead_notified_at = $1 WHERE id = $2 AND lead_notified_at IS NULL`, now, h.ID); err != nil {
			return n, fmt.Errorf("mark handoff %d notified: %w", h.ID, err)
		}
		n++
	}
	if n > 0 {
		s.OnChange()
	}
	return n, nil
}
