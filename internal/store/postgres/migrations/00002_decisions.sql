-- +goose Up
-- The Decision Log. id is the entry's position in the hash chain (1, 2, 3, …),
-- assigned by the appender (head + 1, under the chain lock), never by the
-- database. Being the primary key, a position holds one entry: two appenders
-- that read the same head cannot both commit, so the chain cannot fork.
-- hash covers every other column including prev_hash, the previous entry's
-- hash; decision verify checks every link.
-- evidence and payload are TEXT holding JSON (not JSONB): the hash covers the
-- exact bytes, and JSONB would reorder them.
CREATE TABLE decisions (
    id                BIGINT PRIMARY KEY,
    created_at        TIMESTAMPTZ NOT NULL,
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
    corrects_id       BIGINT REFERENCES decisions (id),
    closes_id         BIGINT REFERENCES decisions (id),
    next_action       TEXT NOT NULL,
    next_action_owner TEXT NOT NULL,
    next_action_due   TIMESTAMPTZ,
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
-- FOR UPDATE: that row lock is the chain lock, and a waiting appender re-reads
-- the row once the holder commits, so it always sees the new head.
CREATE TABLE decision_chain_head (
    singleton BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (singleton),
    id        BIGINT NOT NULL,
    hash      TEXT NOT NULL
);
INSERT INTO decision_chain_head (singleton, id, hash) VALUES (TRUE, 0, '');

-- +goose StatementBegin
CREATE FUNCTION decisions_advance_head() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE decision_chain_head h SET id = n.id, hash = n.hash
    FROM (SELECT id, hash FROM new_decisions ORDER BY id DESC LIMIT 1) n;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER decisions_advance_head AFTER INSERT ON decisions
    REFERENCING NEW TABLE AS new_decisions
    FOR EACH STATEMENT EXECUTE FUNCTION decisions_advance_head();

-- +goose StatementBegin
CREATE FUNCTION decisions_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the decision log is append-only: record a correction as a new entry'
        USING ERRCODE = 'restrict_violation';
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER decisions_no_update BEFORE UPDATE ON decisions
    FOR EACH STATEMENT EXECUTE FUNCTION decisions_append_only();
CREATE TRIGGER decisions_no_delete BEFORE DELETE ON decisions
    FOR EACH STATEMENT EXECUTE FUNCTION decisions_append_only();
CREATE TRIGGER decisions_no_truncate BEFORE TRUNCATE ON decisions
    FOR EACH STATEMENT EXECUTE FUNCTION decisions_append_only();

-- +goose Down
DROP TABLE decision_chain_head;
DROP TABLE decisions;
DROP FUNCTION decisions_append_only();
DROP FUNCTION decisions_advance_head();
