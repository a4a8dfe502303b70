-- +goose Up
-- End-of-shift handoffs. A handoff starts as a draft drafted from live
-- state (content, a JSON snapshot the operator edits, plus notes); saving
-- it appends a Decision Log entry (decision_id) and sets when the next
-- shift must acknowledge it (ack_due_at: the next shift's start plus the
-- policy's ack window). A saved handoff nobody acknowledged by then
-- notifies the leads once (lead_notified_at).
CREATE TABLE handoffs (
    id               INTEGER PRIMARY KEY,
    state            TEXT NOT NULL,
    shift            TEXT NOT NULL,
    shift_start      TIMESTAMP NOT NULL,
    author           TEXT NOT NULL,
    content          TEXT NOT NULL,
    notes            TEXT NOT NULL,
    decision_id      INTEGER,
    version          INTEGER NOT NULL,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    saved_at         TIMESTAMP,
    next_shift       TEXT NOT NULL,
    ack_due_at       TIMESTAMP,
    acknowledged_by  TEXT NOT NULL,
    acknowledged_at  TIMESTAMP,
    lead_notified_at TIMESTAMP
);
CREATE INDEX handoffs_state ON handoffs (state, id);
CREATE INDEX handoffs_ack_due ON handoffs (ack_due_at) WHERE state = 'saved' AND lead_notified_at IS NULL;

-- The daily summary counts conversations created and resolved in a day.
CREATE INDEX conversations_created_at ON conversations (created_at);
CREATE INDEX conversation_statuses_resolved_at ON conversation_statuses (at) WHERE status = 'resolved';

-- +goose Down
DROP INDEX conversation_statuses_resolved_at;
DROP INDEX conversations_created_at;
DROP TABLE handoffs;
