package approval

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// watched is an open (or sent, unconfirmed) draft of a conversation a
// projected batch touched.
type watched struct {
	id, conversation, context, message int64
	kind, state                        string
	version                            int
	status                             string
}

// Watch follows conversations as webhooks change them (an
// ingest.Projector watcher, run inside the projecting transaction): it
// keeps drafts' deadlines in step with their conversations' SLA clocks,
// recognises HotDash's own messages coming back (confirming a send, or
// completing one whose acknowledgement was lost), and expires replies
// waiting for review when the conversation was resolved or answered
// elsewhere.
func (s *Service) Watch(ctx context.Context, tx *sql.Tx, ids []int64, now time.Time) error {
	in, args := inList(ids, 2)
	_, err := tx.ExecContext(ctx, `UPDATE drafts SET due_at = COALESCE((SELECT c.sla_due_at FROM conversations c WHERE c.id = drafts.conversation_id), $1)
		WHERE conversation_id IN (`+in+`) AND state IN ('pending_review', 'changes_requested', 'approved', 'send_failed')`, append([]any{noDeadline}, args...)...)
	if err != nil {
		return fmt.Errorf("follow drafts' deadlines: %w", err)
	}
	in, args = inList(ids, 1)
	rows, err := tx.QueryContext(ctx, `SELECT d.id, d.conversation_id, d.context_message_id, COALESCE(d.chatwoot_message_id, 0), d.kind, d.state, d.version, c.status
		FROM drafts d JOIN conversations c ON c.id = d.conversation_id
		WHERE d.conversation_id IN (`+in+`) AND (d.state IN ('pending_review', 'changes_requested', 'approved') OR (d.state = 'sent' AND d.confirmed_at IS NULL AND d.dry_run = false))`, args...)
	if err != nil {
		return fmt.Errorf("read drafts to follow: %w", err)
	}
	var ws []watched
	for rows.Next() {
		var w watched
		if err := rows.Scan(&w.id, &w.conversation, &w.context, &w.message, &w.kind, &w.state, &w.version, &w.status); err != nil {
			rows.Close()
			return fmt.Errorf("read drafts to follow: %w", err)
		}
		ws = append(ws, w)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(ws) == 0 {
		return err
	}
	changed := false
	for _, w := range ws {
		c, err := s.follow(ctx, tx, w, now)
		if err != nil {
			return err
		}
		changed = changed || c
	}
	if changed {
		s.OnChange()
	}
	return nil
}

// follow applies what the conversation now shows to one draft.
func (s *Service) follow(ctx context.Context, tx *sql.Tx, w watched, now time.Time) (bool, error) {
	ref := Ref(w.id)
	var own int64
	err := tx.QueryRowContext(ctx, `SELECT source_id FROM conversation_messages WHERE conversation_id = $1 AND hotdash_ref = $2 ORDER BY source_id LIMIT 1`,
		w.conversation, ref).Scan(&own)
	if err != nil && err != sql.ErrNoRows {
		return false, fmt.Errorf("look for draft %d's message: %w", w.id, err)
	}
	switch {
	case own > 0 && w.state == StateSent:
		_, err := tx.ExecContext(ctx, `UPDATE drafts SET confirmed_at = $2, chatwoot_message_id = COALESCE(chatwoot_message_id, $3) WHERE id = $1`, w.id, now, own)
		if err != nil {
			return false, fmt.Errorf("confirm draft %d: %w", w.id, err)
		}
		return true, record(ctx, tx, w.id, now, "hotdash", "confirmed", StateSent, "Chatwoot's webhook brought the message back")
	case own > 0 && w.state == StateApproved:
		// The send reached Chatwoot but its answer never came back (a
		// crash, a timeout): the webhook completes it.
		return true, s.moveSent(ctx, tx, Draft{ID: w.id}, outcome{state: StateSent, messageID: own, confirmed: true,
			reason: "Chatwoot's webhook shows the message sent; its send had not been acknowledged"})
	case w.state == StateSent || w.state == StateApproved || w.kind != KindReply:
		return false, nil
	case w.status == "resolved":
		return true, s.expire(ctx, tx, w, now, "the conversation was resolved")
	}
	var by, name string
	err = tx.QueryRowContext(ctx, `SELECT hotdash_ref, sender_name FROM conversation_messages WHERE conversation_id = $1 AND source_id > $2
		AND kind = 'outgoing' AND private = false ORDER BY source_id LIMIT 1`, w.conversation, w.context).Scan(&by, &name)
	if err == sql.ErrNoRows {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("look for answers to draft %d: %w", w.id, err)
	}
	who := "by " + name
	if by != "" {
		who = "by HotDash " + by
	} else if name == "" {
		who = "in Chatwoot"
	}
	return true, s.expire(ctx, tx, w, now, "answered elsewhere ("+who+")")
}

func (s *Service) expire(ctx context.Context, tx *sql.Tx, w watched, now time.Time, reason string) error {
	_, err := tx.ExecContext(ctx, `UPDATE drafts SET state = 'expired', version = version + 1, state_reason = $2, updated_at = $3 WHERE id = $1`, w.id, reason, now)
	if err != nil {
		return fmt.Errorf("expire draft %d: %w", w.id, err)
	}
	return record(ctx, tx, w.id, now, "hotdash", "expired", StateExpired, reason)
}

// inList returns "$from, $from+1, …" for ids and the ids as arguments.
func inList(ids []int64, from int) (string, []any) {
	var b strings.Builder
	args := make([]any, len(ids))
	for i, id := range ids {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("$" + strconv.Itoa(from+i))
		args[i] = id
	}
	return b.String(), args
}
