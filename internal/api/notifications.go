package api

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/hotdash/hotdash/client"
	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/httpx"
	"github.com/hotdash/hotdash/internal/notify/center"
	"github.com/hotdash/hotdash/internal/store"
	"github.com/hotdash/hotdash/internal/validation"
)

// registerNotifications adds the signed-in person's notification center;
// c is Deps.Notifications (nil adds nothing). The routes need
// auth.OwnAccount: notifications belong to people, and an API token, which
// has none, gets 403 saying to sign in as a person.
func (a *API) registerNotifications(r *httpx.Router, c *center.Center) {
	if c == nil {
		return
	}
	n := notificationsAPI{center: c}
	r.API("GET /api/v1/notifications", auth.OwnAccount, n.list)
	r.API("POST /api/v1/notifications/{id}/read", auth.OwnAccount, n.read)
	r.API("POST /api/v1/notifications/read-all", auth.OwnAccount, n.readAll)
	r.API("GET /api/v1/notifications/preferences", auth.OwnAccount, n.prefs)
	r.API("PUT /api/v1/notifications/preferences", auth.OwnAccount, n.setPrefs)
}

// notificationsAPI serves the notification center's endpoints.
type notificationsAPI struct {
	center *center.Center
}

// notificationUser is the signed-in person's id; the routes' permission
// makes sure there is one.
func notificationUser(r *http.Request) int64 {
	p, _ := httpx.PrincipalFrom(r.Context())
	return p.UserID
}

func (n notificationsAPI) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	errs := validation.Errors{}
	page := center.Page{UnreadOnly: parseBool(q.Get("unread"), "unread", errs)}
	if s := q.Get("limit"); s != "" {
		l, err := strconv.Atoi(s)
		if err != nil || l < 1 || l > center.MaxPageSize {
			errs.Add("limit", "must be a number from 1 to %d", center.MaxPageSize)
		}
		page.Limit = l
	}
	if s := q.Get("cursor"); s != "" {
		c, err := strconv.ParseInt(s, 10, 64)
		if err != nil || c < 1 {
			errs.Add("cursor", "is not a cursor this API returned")
		}
		page.Cursor = c
	}
	if err := errs.Err(); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	items, next, err := n.center.List(r.Context(), notificationUser(r), page)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	unread, err := n.center.Unread(r.Context(), notificationUser(r))
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	out := client.NotificationPage{Notifications: make([]client.Notification, len(items)), Unread: unread}
	for i, it := range items {
		out.Notifications[i] = Notification(it)
	}
	if next > 0 {
		out.NextCursor = strconv.FormatInt(next, 10)
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

// Notification is the wire form of a notification.
func Notification(it center.Item) client.Notification {
	return client.Notification{ID: it.ID, Kind: string(it.Kind), Severity: it.Severity, Urgent: it.Urgent,
		Title: it.Title, Body: it.Body, Link: it.Link, CreatedAt: it.CreatedAt, ShownAt: it.ShownAt,
		ReadAt: optionalTimePtr(it.ReadAt)}
}

func (n notificationsAPI) read(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		httpx.WriteError(w, r, httpx.NewError(http.StatusNotFound, "not_found", "notification ids are positive numbers"))
		return
	}
	it, err := n.center.MarkRead(r.Context(), notificationUser(r), id)
	if errors.Is(err, store.ErrNotFound) {
		err = httpx.NewError(http.StatusNotFound, "not_found", "notification "+strconv.FormatInt(id, 10)+" is not one of yours (or has not appeared yet)")
	}
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, Notification(it))
}

func (n notificationsAPI) readAll(w http.ResponseWriter, r *http.Request) {
	var in client.ReadAllNotifications
	if r.ContentLength != 0 {
		if err := httpx.DecodeJSON(w, r, &in); err != nil {
			httpx.WriteError(w, r, err)
			return
		}
	}
	if in.ThroughID < 0 {
		httpx.WriteError(w, r, validation.Errors{"through_id": "must be a notification id, or 0 for all"})
		return
	}
	marked, err := n.center.MarkAllRead(r.Context(), notificationUser(r), in.ThroughID)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	unread, err := n.center.Unread(r.Context(), notificationUser(r))
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, client.NotificationsRead{Marked: marked, Unread: unread})
}

func (n notificationsAPI) prefs(w http.ResponseWriter, r *http.Request) {
	p, err := n.center.Prefs(r.Context(), notificationUser(r))
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, NotificationPrefs(p))
}

func (n notificationsAPI) setPrefs(w http.ResponseWriter, r *http.Request) {
	var in client.NotificationPrefs
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	p := center.Prefs{QuietStart: in.QuietStart, QuietEnd: in.QuietEnd, TimeZone: in.TimeZone}
	for _, k := range in.DisabledKinds {
		p.Disabled = append(p.Disabled, center.Kind(k))
	}
	saved, err := n.center.SetPrefs(r.Context(), notificationUser(r), p)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, NotificationPrefs(saved))
}

// NotificationPrefs is the wire form of notification preferences.
func NotificationPrefs(p center.Prefs) client.NotificationPrefs {
	out := client.NotificationPrefs{DisabledKinds: []string{}, QuietStart: p.QuietStart, QuietEnd: p.QuietEnd,
		TimeZone: p.TimeZone, UpdatedAt: optionalTimePtr(p.UpdatedAt)}
	for _, k := range p.Disabled {
		out.DisabledKinds = append(out.DisabledKinds, string(k))
	}
	return out
}
