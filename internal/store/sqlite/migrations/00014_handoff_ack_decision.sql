-- +goose Up
-- The Decision Log entry that records a handoff's acknowledgement. It is
-- appended after the acknowledgement commits; while this is NULL on an
-- acknowledged handoff, the report tick appends it (the idempotency key
-- makes a repeat harmless). Acknowledgements recorded before this column
-- existed are linked here.
ALTER TABLE handoffs ADD COLUMN ack_decision_id INTEGER;
UPDATE handoffs SET ack_decision_id = (SELECT d.id FROM decisions d WHERE d.idempotency_key = 'handoff:' || handoffs.id || ':ack')
    WHERE state = 'acknowledged';

-- +goose Down
ALTER TABLE handoffs DROP COLUMN ack_decision_id;
