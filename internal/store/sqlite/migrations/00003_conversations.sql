-- +goose Up
-- Every Chatwoot delivery (and every snapshot reconciliation fetched), stored
-- as received before the sender is answered. dedupe_key is the
-- X-Chatwoot-Delivery id, or event + object + time when that header is
-- absent. The projector turns them into conversations in id order.
CREATE TABLE chatwoot_events (
    id          INTEGER PRIMARY KEY,
    dedupe_key  TEXT NOT NULL UNIQUE,
    event       TEXT NOT NULL,
    origin      TEXT NOT NULL,
    received_at TIMESTAMP NOT NULL,
    body        TEXT NOT NULL,
    projected   BOOLEAN NOT NULL DEFAULT FALSE,
    error       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX chatwoot_events_pending ON chatwoot_events (id) WHERE projected = FALSE;
CREATE INDEX chatwoot_events_received_at ON chatwoot_events (received_at);

-- One row per conversation, whatever its channel. source + account_id +
-- display_id identify it in Chatwoot. The sla_* columns are derived from
-- its history by the SLA rules; sla_next_at is when its band next changes,
-- which the deadline loop waits for.
CREATE TABLE conversations (
    id                INTEGER PRIMARY KEY,
    source            TEXT NOT NULL,
    account_id        INTEGER NOT NULL,
    display_id        INTEGER NOT NULL,
    inbox_id          INTEGER NOT NULL,
    inbox_name        TEXT NOT NULL,
    channel           TEXT NOT NULL,
    status            TEXT NOT NULL,
    priority          TEXT NOT NULL,
    labels            TEXT NOT NULL,
    assignee_id       INTEGER,
    assignee_name     TEXT NOT NULL,
    team_id           INTEGER,
    team_name         TEXT NOT NULL,
    contact_id        INTEGER,
    contact_name      TEXT NOT NULL,
    contact_email     TEXT NOT NULL,
    contact_phone     TEXT NOT NULL,
    preview           TEXT NOT NULL,
    created_at        TIMESTAMP NOT NULL,
    source_updated_at TIMESTAMP NOT NULL,
    last_activity_at  TIMESTAMP,
    projected_at      TIMESTAMP NOT NULL,
    sla_policy        TEXT NOT NULL,
    sla_clock         TEXT NOT NULL,
    sla_due_at        TIMESTAMP,
    sla_band          TEXT NOT NULL,
    sla_next_at       TIMESTAMP,
    sla_clocks        TEXT NOT NULL,
    UNIQUE (source, account_id, display_id)
);
CREATE INDEX conversations_sla_next_at ON conversations (sla_next_at) WHERE sla_next_at IS NOT NULL;
CREATE INDEX conversations_due ON conversations (sla_due_at, id) WHERE sla_due_at IS NOT NULL;
CREATE INDEX conversations_status ON conversations (status, id);
CREATE INDEX conversations_channel_due ON conversations (channel, sla_due_at, id) WHERE sla_due_at IS NOT NULL;
CREATE INDEX conversations_contact_name ON conversations (lower(contact_name));
CREATE INDEX conversations_contact_email ON conversations (lower(contact_email));
CREATE INDEX conversations_band ON conversations (sla_band, sla_due_at);
CREATE INDEX conversations_last_activity ON conversations (last_activity_at);

-- Messages, as far as HotDash needs them: who said what, when, in public or
-- in a private note.
CREATE TABLE conversation_messages (
    id              INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    source_id       INTEGER NOT NULL,
    kind            TEXT NOT NULL,
    private         BOOLEAN NOT NULL,
    sender_type     TEXT NOT NULL,
    sender_name     TEXT NOT NULL,
    content         TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    UNIQUE (conversation_id, source_id)
);
CREATE INDEX conversation_messages_created ON conversation_messages (conversation_id, created_at);

-- Status history (open, pending, snoozed, resolved), for the SLA clocks'
-- pauses and the conversation's timeline.
CREATE TABLE conversation_statuses (
    id              INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    status          TEXT NOT NULL,
    at              TIMESTAMP NOT NULL,
    UNIQUE (conversation_id, status, at)
);

-- Every SLA band change, in order: what escalation and notifications read.
CREATE TABLE sla_events (
    id              INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    clock           TEXT NOT NULL,
    band_from       TEXT NOT NULL,
    band_to         TEXT NOT NULL,
    due_at          TIMESTAMP,
    at              TIMESTAMP NOT NULL
);
CREATE INDEX sla_events_conversation ON sla_events (conversation_id, id);
CREATE INDEX sla_events_at ON sla_events (at);

-- Reconciliation runs against Chatwoot's API.
CREATE TABLE chatwoot_syncs (
    id          INTEGER PRIMARY KEY,
    started_at  TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    since       TIMESTAMP,
    fetched     INTEGER NOT NULL,
    repaired    INTEGER NOT NULL,
    error       TEXT NOT NULL
);
CREATE INDEX chatwoot_syncs_started ON chatwoot_syncs (started_at);

-- What operators asked HotDash to do in Chatwoot, and whether Chatwoot's
-- webhook has confirmed it.
CREATE TABLE conversation_actions (
    id              INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    kind            TEXT NOT NULL,
    params          TEXT NOT NULL,
    actor           TEXT NOT NULL,
    state           TEXT NOT NULL,
    detail          TEXT NOT NULL,
    decision_id     INTEGER,
    requested_at    TIMESTAMP NOT NULL,
    sent_at         TIMESTAMP,
    confirmed_at    TIMESTAMP
);
CREATE INDEX conversation_actions_conversation ON conversation_actions (conversation_id, id);
CREATE INDEX conversation_actions_unconfirmed ON conversation_actions (conversation_id) WHERE state = 'sent';

-- +goose Down
DROP TABLE conversation_actions;
DROP TABLE chatwoot_syncs;
DROP TABLE sla_events;
DROP TABLE conversation_statuses;
DROP TABLE conversation_messages;
DROP TABLE conversations;
DROP TABLE chatwoot_events;
