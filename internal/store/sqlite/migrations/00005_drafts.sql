-- +goose Up
-- A message HotDash sent carries the draft it came from in Chatwoot's
-- content_attributes; its webhook brings the reference back, so the
-- projection can tell HotDash's own replies from replies made elsewhere.
ALTER TABLE conversation_messages ADD COLUMN hotdash_ref TEXT NOT NULL DEFAULT '';

-- AI drafts held for a human: one row per draft, its current revision and
-- review. version changes on every change (optimistic concurrency);
-- revision counts the agent's texts. due_at mirrors the conversation's SLA
-- deadline (far future when no clock runs) so the queue sorts on one index.
CREATE TABLE drafts (
    id                  INTEGER PRIMARY KEY,
    conversation_id     INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    kind                TEXT NOT NULL,
    state               TEXT NOT NULL,
    version             INTEGER NOT NULL,
    revision            INTEGER NOT NULL,
    text                TEXT NOT NULL,
    final_text          TEXT NOT NULL,
    labels              TEXT NOT NULL,
    agent               TEXT NOT NULL,
    model               TEXT NOT NULL,
    confidence          REAL,
    citations           TEXT NOT NULL,
    idempotency_key     TEXT,
    submitted_by        TEXT NOT NULL,
    risk                TEXT NOT NULL,
    risk_rank           INTEGER NOT NULL,
    risk_reasons        TEXT NOT NULL,
    context_message_id  INTEGER NOT NULL,
    due_at              TIMESTAMP NOT NULL,
    grade_tone          INTEGER,
    grade_accuracy      INTEGER,
    grade_policy        INTEGER,
    edit_distance       INTEGER,
    edit_ratio          REAL,
    reviewer            TEXT NOT NULL,
    review_note         TEXT NOT NULL,
    state_reason        TEXT NOT NULL,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL,
    reviewed_at         TIMESTAMP,
    sent_at             TIMESTAMP,
    confirmed_at        TIMESTAMP,
    chatwoot_message_id INTEGER,
    send_attempts       INTEGER NOT NULL,
    dry_run             BOOLEAN NOT NULL
);
CREATE UNIQUE INDEX drafts_idempotency ON drafts (submitted_by, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX drafts_queue ON drafts (state, risk_rank, due_at, id);
CREATE INDEX drafts_conversation ON drafts (conversation_id, state);
CREATE INDEX drafts_reviewed ON drafts (reviewed_at) WHERE reviewed_at IS NOT NULL;

-- Each draft's history: submissions, revisions, reviews and sends, with
-- the text each revision had.
CREATE TABLE draft_events (
    id       INTEGER PRIMARY KEY,
    draft_id INTEGER NOT NULL REFERENCES drafts (id) ON DELETE CASCADE,
    at       TIMESTAMP NOT NULL,
    actor    TEXT NOT NULL,
    action   TEXT NOT NULL,
    state    TEXT NOT NULL,
    detail   TEXT NOT NULL
);
CREATE INDEX draft_events_draft ON draft_events (draft_id, id);

-- +goose Down
DROP TABLE draft_events;
DROP TABLE drafts;
ALTER TABLE conversation_messages DROP COLUMN hotdash_ref;
