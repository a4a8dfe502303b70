package web

import (
	"bytes"
	"context"
	"fmt"

	"github.com/hotdash/hotdash/internal/httpx"
	"github.com/hotdash/hotdash/internal/notify/center"
)

// notificationsTileEvent is the SSE event carrying the Notifications tile.
const notificationsTileEvent = "notifications-tile"

// tileNotifications is how many notifications the tile lists.
const tileNotifications = 5

// notificationsTile is the dashboard's Notifications tile: the person's
// unread count and newest unread notifications.
type notificationsTile struct {
	Unread int
	Items  []center.Item
}

// loadNotificationsTile reads the tile for userID.
func (h *Handler) loadNotificationsTile(ctx context.Context, userID int64) (notificationsTile, error) {
	n, err := h.Notifications.Unread(ctx, userID)
	if err != nil {
		return notificationsTile{}, err
	}
	t := notificationsTile{Unread: n}
	if n > 0 {
		t.Items, _, err = h.Notifications.List(ctx, userID, center.Page{Limit: tileNotifications, UnreadOnly: true})
	}
	return t, err
}

func (h *Handler) renderNotificationsTile(ctx context.Context, userID int64) ([]byte, error) {
	t, err := h.loadNotificationsTile(ctx, userID)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := h.partials.ExecuteTemplate(&buf, "notifications-tile", t); err != nil {
		return nil, fmt.Errorf("render notifications tile: %w", err)
	}
	return buf.Bytes(), nil
}

// tileUserID is the signed-in person whose notifications the dashboard
// shows (0: an API token, or no notification center).
func (h *Handler) tileUserID(ctx context.Context) int64 {
	p, ok := httpx.PrincipalFrom(ctx)
	if !ok || !p.IsUser() || h.Notifications == nil {
		return 0
	}
	return p.UserID
}
