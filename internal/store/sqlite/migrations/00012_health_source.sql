-- +goose Up
-- Where each health check came from: the server's schedule, or a
-- `hotdash ops check-chatwoot-health --server` run, and who sent it.
ALTER TABLE health_checks ADD COLUMN source TEXT NOT NULL DEFAULT 'schedule';
ALTER TABLE health_checks ADD COLUMN recorded_by TEXT NOT NULL DEFAULT '';

-- One open Chatwoot health incident at a time, even when a scheduled check
-- and one sent in page at the same moment.
CREATE UNIQUE INDEX incidents_open_health ON incidents (cause) WHERE cause = 'chatwoot_health' AND status <> 'resolved';

-- +goose Down
DROP INDEX incidents_open_health;
ALTER TABLE health_checks DROP COLUMN recorded_by;
ALTER TABLE health_checks DROP COLUMN source;
