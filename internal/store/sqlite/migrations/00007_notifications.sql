-- +goose Up
-- The notification center: one row per person per notification (high-risk
-- drafts, SLA urgent or breached, escalations, incident changes, health
-- failures). dedup_key (NULL: none) makes a repeated event one row per
-- person. A notification that arrives during its person's quiet hours
-- carries held_until, the end of those hours: until then it is neither
-- listed nor counted; from then on it is as if it had just arrived.
CREATE TABLE notifications (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    severity   TEXT NOT NULL,
    urgent     BOOLEAN NOT NULL,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    link       TEXT NOT NULL,
    dedup_key  TEXT,
    created_at TIMESTAMP NOT NULL,
    read_at    TIMESTAMP,
    held_until TIMESTAMP
);
CREATE UNIQUE INDEX notifications_dedup ON notifications (user_id, dedup_key);
CREATE INDEX notifications_user ON notifications (user_id, id);
-- The header's unread count and the unread-only list read only this.
CREATE INDEX notifications_unread ON notifications (user_id, id) WHERE read_at IS NULL;
-- The release loop finds the next end of someone's quiet hours here.
CREATE INDEX notifications_held ON notifications (held_until) WHERE held_until IS NOT NULL;

-- Each person's notification preferences; no row means the defaults
-- (every kind, no quiet hours). disabled_kinds is a JSON array, so kinds
-- added later reach everyone until they turn them off. quiet_start and
-- quiet_end are "HH:MM" in time_zone (an IANA name), both "" for none.
CREATE TABLE notification_prefs (
    user_id        INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    disabled_kinds TEXT NOT NULL,
    quiet_start    TEXT NOT NULL,
    quiet_end      TEXT NOT NULL,
    time_zone      TEXT NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE notification_prefs;
DROP TABLE notifications;
