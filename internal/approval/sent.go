package approval

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/hotdash/hotdash/internal/store"
)

// countAttempt records that a send attempt starts.
func (s *Service) countAttempt(ctx context.Context, d Draft) error {
	_, err := s.DB.Write.ExecContext(ctx, `UPDATE drafts SET send_attempts = send_attempts + 1 WHERE id = $1 AND version = $2`, d.ID, d.Version)
	if err != nil {
		return fmt.Errorf("count send attempt: %w", err)
	}
	return nil
}

// noteRetry shows a failed attempt that will be retried.
func (s *Service) noteRetry(ctx context.Context, d Draft, attempt, of int, cause error) {
	reason := fmt.Sprintf("attempt %d of %d failed, retrying: %v", attempt, of, cause)
	err := s.DB.InTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE drafts SET state_reason = $3 WHERE id = $1 AND version = $2`, d.ID, d.Version, truncate(reason, 1000))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		return record(ctx, tx, d.ID, s.now(), "hotdash", "send_attempt_failed", d.State, reason)
	})
	if err != nil {
		s.Logger.Warn("record failed send attempt", "draft_id", d.ID, "error", err)
	}
	s.OnChange()
}

// finishSend records a send's outcome, if the draft is still the approved
// version the job was for.
func (s *Service) finishSend(ctx context.Context, d Draft, out outcome) error {
	changed := false
	err := s.DB.InTx(ctx, func(tx *sql.Tx) error {
		cur, err := s.lock(ctx, tx, d.ID)
		if err != nil {
			return err
		}
		if cur.State != StateApproved || cur.Version != d.Version {
			return nil
		}
		changed = true
		return s.moveSent(ctx, tx, cur, out)
	})
	if err != nil {
		return fmt.Errorf("record send of draft %d: %w", d.ID, err)
	}
	if changed {
		s.OnChange()
	}
	return nil
}

// moveSent moves a locked draft to out's state.
func (s *Service) moveSent(ctx context.Context, tx *sql.Tx, d Draft, out outcome) error {
	now := s.now()
	var sentAt, confirmedAt sql.NullTime
	if out.state == StateSent {
		sentAt = store.NullTime(now)
	}
	if out.confirmed {
		confirmedAt = store.NullTime(now)
	}
	var msg sql.NullInt64
	if out.messageID > 0 {
		msg = sql.NullInt64{Int64: out.messageID, Valid: true}
	}
	_, err := tx.ExecContext(ctx, `UPDATE drafts SET state = $2, version = version + 1, state_reason = $3, sent_at = COALESCE($4, sent_at),
		confirmed_at = COALESCE($5, confirmed_at), chatwoot_message_id = COALESCE($6, chatwoot_message_id), dry_run = $7, updated_at = $8
		WHERE id = $1`, d.ID, out.state, truncate(out.reason, 1000), sentAt, confirmedAt, msg, out.dryRun, now)
	if err != nil {
		return err
	}
	return record(ctx, tx, d.ID, now, "hotdash", "send_"+out.state, out.state, out.reason)
}
