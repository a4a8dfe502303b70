-- +goose Up
-- The notification outbox: one row per message per endpoint, written in the
-- transaction that decided to notify and drained by a pool of senders.
-- dedup_key is the caller's idempotency key: a second enqueue with the same
-- key for the same endpoint is a no-op. message is the channel-neutral
-- notify.Message as JSON (each notifier renders it when it sends). state is
-- pending, sending (leased until next_attempt_at), delivered, failed (gave
-- up or refused) or dead (the endpoint is not configured). last_error never
-- holds a secret; last_status is the last HTTP or SMTP status (0: none).
CREATE TABLE deliveries (
    id              INTEGER PRIMARY KEY,
    endpoint        TEXT NOT NULL,
    kind            TEXT NOT NULL,
    dedup_key       TEXT NOT NULL,
    incident_ref    TEXT NOT NULL,
    message         TEXT NOT NULL,
    state           TEXT NOT NULL,
    attempts        INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    last_error      TEXT NOT NULL,
    last_status     INTEGER NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    delivered_at    TIMESTAMP
);
CREATE UNIQUE INDEX deliveries_dedup ON deliveries (endpoint, dedup_key);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at, id) WHERE state = 'pending';
CREATE INDEX deliveries_incident ON deliveries (incident_ref, id);
CREATE INDEX deliveries_state ON deliveries (state, id);
CREATE INDEX deliveries_endpoint ON deliveries (endpoint, id);

-- Every try to deliver, so a delivery's history is visible: the status the
-- receiver answered (0: no answer), the error (never a secret) and how long
-- the try took.
CREATE TABLE delivery_attempts (
    id          INTEGER PRIMARY KEY,
    delivery_id INTEGER NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
    attempt     INTEGER NOT NULL,
    at          TIMESTAMP NOT NULL,
    status      INTEGER NOT NULL,
    error       TEXT NOT NULL,
    duration_us INTEGER NOT NULL
);
CREATE INDEX delivery_attempts_delivery ON delivery_attempts (delivery_id, id);

-- +goose Down
DROP TABLE delivery_attempts;
DROP TABLE deliveries;
