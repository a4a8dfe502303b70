package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Notification is one of the signed-in person's notifications:
// GET /api/v1/notifications. Notifications belong to people, so these
// endpoints answer a browser session (or a client without a token sending
// its cookie); an API token gets 403.
type Notification struct {
	ID int64 `json:"id"`
	// Kind is draft_high_risk, sla_urgent, sla_breached, escalation,
	// incident or health.
	Kind string `json:"kind"`
	// Severity is S0–S3, a risk level (high, medium, low) or an SLA band
	// (ok, warning, urgent, breached); "" for none.
	Severity string `json:"severity,omitempty"`
	// Urgent notifications come through quiet hours.
	Urgent bool   `json:"urgent"`
	Title  string `json:"title"`
	Body   string `json:"body,omitempty"`
	// Link is a path inside HotDash.
	Link string `json:"link,omitempty"`
	// CreatedAt is when it happened; ShownAt when it appeared (later when
	// it waited out quiet hours).
	CreatedAt time.Time  `json:"created_at"`
	ShownAt   time.Time  `json:"shown_at"`
	ReadAt    *time.Time `json:"read_at"`
}

// NotificationPage is one page of notifications, newest first.
type NotificationPage struct {
	Notifications []Notification `json:"notifications"`
	// Unread counts every unread notification, not only this page's.
	Unread     int    `json:"unread"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// NotificationQuery selects a page of notifications.
type NotificationQuery struct {
	UnreadOnly bool
	Limit      int
	Cursor     string
}

// ReadAllNotifications is POST /api/v1/notifications/read-all: ThroughID,
// when set, is the newest notification the person saw; later ones stay
// unread.
type ReadAllNotifications struct {
	ThroughID int64 `json:"through_id,omitempty"`
}

// NotificationsRead answers POST /api/v1/notifications/read-all.
type NotificationsRead struct {
	// Marked counts the notifications this call marked read.
	Marked int `json:"marked"`
	// Unread is what is left unread.
	Unread int `json:"unread"`
}

// NotificationPrefs are the person's notification preferences:
// GET and PUT /api/v1/notifications/preferences. PUT replaces them all.
type NotificationPrefs struct {
	// DisabledKinds are the kinds not wanted; kinds added later are on.
	DisabledKinds []string `json:"disabled_kinds"`
	// QuietStart and QuietEnd are "HH:MM" in TimeZone, both "" for no
	// quiet hours; 22:00 to 07:00 runs past midnight.
	QuietStart string `json:"quiet_start"`
	QuietEnd   string `json:"quiet_end"`
	// TimeZone is an IANA name ("Europe/Berlin"); "" means UTC.
	TimeZone string `json:"time_zone"`
	// UpdatedAt is when they were saved (null: never, the defaults).
	UpdatedAt *time.Time `json:"updated_at,omitempty"`
}

// Notifications returns a page of the signed-in person's notifications.
func (c *Client) Notifications(ctx context.Context, q NotificationQuery) (NotificationPage, error) {
	v := url.Values{}
	if q.UnreadOnly {
		v.Set("unread", "true")
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	if q.Cursor != "" {
		v.Set("cursor", q.Cursor)
	}
	var out NotificationPage
	err := c.do(ctx, http.MethodGet, "/api/v1/notifications", v, nil, "", &out)
	return out, err
}

// MarkNotificationRead marks one notification read and returns it.
func (c *Client) MarkNotificationRead(ctx context.Context, id int64) (Notification, error) {
	var out Notification
	err := c.do(ctx, http.MethodPost, "/api/v1/notifications/"+strconv.FormatInt(id, 10)+"/read", nil, nil, "", &out)
	return out, err
}

// MarkAllNotificationsRead marks read every notification up to throughID
// (0: all of them).
func (c *Client) MarkAllNotificationsRead(ctx context.Context, throughID int64) (NotificationsRead, error) {
	var out NotificationsRead
	err := c.do(ctx, http.MethodPost, "/api/v1/notifications/read-all", nil, ReadAllNotifications{ThroughID: throughID}, "", &out)
	return out, err
}

// NotificationPreferences returns the person's preferences.
func (c *Client) NotificationPreferences(ctx context.Context) (NotificationPrefs, error) {
	var out NotificationPrefs
	err := c.do(ctx, http.MethodGet, "/api/v1/notifications/preferences", nil, nil, "", &out)
	return out, err
}

// SetNotificationPreferences replaces the person's preferences and returns
// them as saved.
func (c *Client) SetNotificationPreferences(ctx context.Context, p NotificationPrefs) (NotificationPrefs, error) {
	var out NotificationPrefs
	err := c.do(ctx, http.MethodPut, "/api/v1/notifications/preferences", nil, p, "", &out)
	return out, err
}
