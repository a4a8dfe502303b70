-- +goose Up
-- Every Chatwoot health check the server ran: both checks' outcome,
-- status and latency, and why it failed.
CREATE TABLE health_checks (
    id                   INTEGER PRIMARY KEY,
    at                   TIMESTAMP NOT NULL,
    exit_code            INTEGER NOT NULL,
    platform_ok          BOOLEAN NOT NULL,
    platform_status      INTEGER NOT NULL,
    platform_latency_us  INTEGER NOT NULL,
    auth_ok              BOOLEAN NOT NULL,
    auth_status          INTEGER NOT NULL,
    auth_latency_us      INTEGER NOT NULL,
    reason               TEXT NOT NULL
);
CREATE INDEX health_checks_at ON health_checks (at);

-- +goose Down
DROP TABLE health_checks;
