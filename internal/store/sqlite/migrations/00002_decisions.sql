-- +goose Up
-- The Decision Log. id is the entry's position in the hash chain (1, 2, 3, …),
-- assigned by the appender (head + 1, under the chain lock), never by the
-- database. Being the primary key, a position holds one entry: two appenders
-- that read the same head cannot both commit, so the chain cannot fork.
-- hash covers every other column including prev_hash, the previous entry's
-- hash; decision verify checks every link.
CREATE TABLE decisions (
    id                INTEGER PRIMARY KEY,
    created_at        TIMESTAMP NOT NULL,
    scope             TEXT NOT NULL,
    actor             TEXT NOT NULL,
    action            TEXT NOT NULL,
    rationale         TEXT NOT NULL,
    evidence          TEXT NOT NULL,
    severity          TEXT NOT NULL,
    status            TEXT NOT NULL,
    incident_ref      TEXT NOT NULL,
    conversation_ref  TEXT NOT NULL,
    approval_ref      TEXT NOT NULL,
    corrects_id       INTEGER REFERENCES decisions (id),
    closes_id         INTEGER REFERENCES decisions (id),
    next_action       TEXT NOT NULL,
    next_action_owner TEXT NOT NULL,
    next_action_due   TIMESTAMP,
    payload           TEXT NOT NULL,
    recorded_by       TEXT NOT NULL,
    idempotency_key   TEXT,
    prev_hash         TEXT NOT NULL,
    hash              TEXT NOT NULL
);
CREATE UNIQUE INDEX decisions_idempotency_key ON decisions (idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX decisions_created_at ON decisions (created_at);
CREATE INDEX decisions_actor_id ON decisions (actor, id);
CREATE INDEX decisions_action_id ON decisions (action, id);
CREATE INDEX decisions_incident_ref ON decisions (incident_ref) WHERE incident_ref <> '';
CREATE INDEX decisions_conversation_ref ON decisions (conversation_ref) WHERE conversation_ref <> '';
CREATE INDEX decisions_corrects_id ON decisions (corrects_id) WHERE corrects_id IS NOT NULL;
CREATE INDEX decisions_closes_id ON decisions (closes_id) WHERE closes_id IS NOT NULL;
CREATE INDEX decisions_next_action_due ON decisions (next_action_due, id) WHERE next_action <> '';

-- The chain's head, one row kept current by a trigger. The appender reads it
-- inside its write transaction (SQLite's single writer is the chain lock).
CREATE TABLE decision_chain_head (
    singleton BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (singleton),
    id        INTEGER NOT NULL,
    hash      TEXT NOT NULL
);
INSERT INTO decision_chain_head (singleton, id, hash) VALUES (TRUE, 0, '');

-- +goose StatementBegin
CREATE TRIGGER decisions_advance_head AFTER INSERT ON decisions
BEGIN
    UPDATE decision_chain_head SET id = NEW.id, hash = NEW.hash;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER decisions_no_update BEFORE UPDATE ON decisions
BEGIN
    SELECT RAISE(ABORT, 'the decision log is append-only: record a correction as a new entry');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER decisions_no_delete BEFORE DELETE ON decisions
BEGIN
    SELECT RAISE(ABORT, 'the decision log is append-only: entries cannot be deleted');
END;
-- +goose StatementEnd

-- +goose Down
DROP TABLE decision_chain_head;
DROP TABLE decisions;
