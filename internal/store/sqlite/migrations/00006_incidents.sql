-- +goose Up
-- Incidents walked up the escalation ladder. level is the ladder position
-- (0–4); acked_level the highest level someone acknowledged (-1: none).
-- The evidence columns hold what the evidence gate asks for; version
-- changes on every change (optimistic concurrency).
CREATE TABLE incidents (
    id                 INTEGER PRIMARY KEY,
    severity           TEXT NOT NULL,
    summary            TEXT NOT NULL,
    description        TEXT NOT NULL,
    status             TEXT NOT NULL,
    channels           TEXT NOT NULL,
    customers          TEXT NOT NULL,
    customers_affected BOOLEAN NOT NULL,
    legal_risk         BOOLEAN NOT NULL,
    owner              TEXT NOT NULL,
    cause              TEXT NOT NULL,
    conversation_id    INTEGER REFERENCES conversations (id) ON DELETE SET NULL,
    level              INTEGER NOT NULL,
    acked_level        INTEGER NOT NULL,
    evidence_decision  INTEGER,
    evidence_link      TEXT NOT NULL,
    comms_plan         TEXT NOT NULL,
    evidence_missing   BOOLEAN NOT NULL,
    customer_update_at TIMESTAMP,
    version            INTEGER NOT NULL,
    created_by         TEXT NOT NULL,
    created_at         TIMESTAMP NOT NULL,
    updated_at         TIMESTAMP NOT NULL,
    mitigated_at       TIMESTAMP,
    resolved_at        TIMESTAMP
);
CREATE INDEX incidents_status ON incidents (status, severity, id);
CREATE INDEX incidents_cause ON incidents (cause, status) WHERE cause <> '';
CREATE UNIQUE INDEX incidents_open_conversation ON incidents (conversation_id) WHERE conversation_id IS NOT NULL AND status <> 'resolved';

-- One row per level an incident reached: who or what took it there, and
-- whether someone acknowledged it.
CREATE TABLE escalations (
    id               INTEGER PRIMARY KEY,
    incident_id      INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    level            INTEGER NOT NULL,
    trigger          TEXT NOT NULL,
    actor            TEXT NOT NULL,
    evidence_missing BOOLEAN NOT NULL,
    decision_id      INTEGER,
    created_at       TIMESTAMP NOT NULL,
    acked_at         TIMESTAMP,
    acked_by         TEXT NOT NULL,
    notified         INTEGER NOT NULL,
    UNIQUE (incident_id, level)
);
CREATE INDEX escalations_level_time ON escalations (level, created_at);

-- The ladder's durable timers: a step is due at due_at and done once
-- (fired_at is set in the transaction that takes the step).
CREATE TABLE incident_timers (
    id          INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    due_at      TIMESTAMP NOT NULL,
    fired_at    TIMESTAMP,
    outcome     TEXT NOT NULL,
    UNIQUE (incident_id, kind, due_at)
);
CREATE INDEX incident_timers_due ON incident_timers (due_at) WHERE fired_at IS NULL;

-- Who is on call for each level (the on-call page edits it; the policy
-- file seeds it).
CREATE TABLE oncall_contacts (
    id         INTEGER PRIMARY KEY,
    level      TEXT NOT NULL,
    position   INTEGER NOT NULL,
    name       TEXT NOT NULL,
    slack      TEXT NOT NULL,
    email      TEXT NOT NULL,
    pagerduty  TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX oncall_contacts_level ON oncall_contacts (level, position);

-- +goose Down
DROP TABLE oncall_contacts;
DROP TABLE incident_timers;
DROP TABLE escalations;
DROP TABLE incidents;
