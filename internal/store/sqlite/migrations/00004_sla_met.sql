-- +goose Up
-- Every SLA clock cycle that stopped within its target, once: the met side
-- of SLA compliance (the missed side is sla_events' breaches). A clock cycle
-- is its conversation, clock and start.
CREATE TABLE sla_met (
    conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    clock           TEXT NOT NULL,
    started_at      TIMESTAMP NOT NULL,
    met_at          TIMESTAMP NOT NULL,
    PRIMARY KEY (conversation_id, clock, started_at)
);
CREATE INDEX sla_met_at ON sla_met (met_at);

-- The SLA tile counts unresolved conversations by band from this index
-- alone.
CREATE INDEX conversations_status_band ON conversations (status, sla_band);

-- +goose Down
DROP INDEX conversations_status_band;
DROP TABLE sla_met;
