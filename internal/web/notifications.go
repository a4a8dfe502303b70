package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/httpx"
	"github.com/hotdash/hotdash/internal/notify/center"
	"github.com/hotdash/hotdash/internal/store"
	"github.com/hotdash/hotdash/internal/validation"
)

// notificationsBadgeEvent is the SSE event carrying the bell's badge.
const notificationsBadgeEvent = "notifications-badge"

// bellTimeout bounds the unread count read for the header of every page:
// a slow database must not hold the page back for long.
const bellTimeout = 2 * time.Second

// registerNotifications adds the notification center's pages and the
// bell's live stream. They are a person's own (auth.OwnAccount): API tokens
// have no notifications.
func (h *Handler) registerNotifications(r *httpx.Router) {
	if h.Notifications == nil {
		return
	}
	r.Page("GET /notifications", auth.OwnAccount, h.notifications)
	r.Page("POST /notifications/{id}/read", auth.OwnAccount, h.readNotification)
	r.Page("POST /notifications/read-all", auth.OwnAccount, h.readAllNotifications)
	r.Page("GET /notifications/preferences", auth.OwnAccount, h.notificationPrefs)
	r.Page("POST /notifications/preferences", auth.OwnAccount, h.saveNotificationPrefs)
	r.Page("GET /events/notifications", auth.OwnAccount, h.notificationEvents)
}

// bell is what the header's notification bell shows.
type bell struct {
	// Known is false when the count could not be read: the bell is then
	// a plain link to the list.
	Known  bool
	Unread int
	// Urgent is the newest unread urgent notification (ID 0: none); the
	// page's script announces it once when it arrives live.
	Urgent center.Item
	// Current marks the bell on the notifications pages (aria-current).
	Current bool
}

// Label is the unread part of the bell's accessible name: "3 unread".
func (b bell) Label() string {
	if !b.Known {
		return ""
	}
	return strconv.Itoa(b.Unread) + " unread"
}

// Badge is the number on the bell: "" when there is nothing unread (the
// badge is then hidden), "99+" past 99.
func (b bell) Badge() string {
	switch {
	case !b.Known || b.Unread <= 0:
		return ""
	case b.Unread > 99:
		return "99+"
	}
	return strconv.Itoa(b.Unread)
}

// notificationBell is the layout's bell for the signed-in principal: nil
// (no bell) for API tokens and when the center is not configured. A
// template function has no request context, so the read has a timeout of
// its own.
func (h *Handler) notificationBell(p auth.Principal, nav string) *bell {
	if h.Notifications == nil || !p.IsUser() {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), bellTimeout)
	defer cancel()
	b, err := h.readBell(ctx, p.UserID)
	if err != nil {
		h.Logger.Warn("read the notification bell", "user_id", p.UserID, "error", err)
		b = bell{}
	}
	b.Current = nav == "notifications"
	return &b
}

func (h *Handler) readBell(ctx context.Context, userID int64) (bell, error) {
	s, err := h.Notifications.Summary(ctx, userID)
	if err != nil {
		return bell{}, err
	}
	return bell{Known: true, Unread: s.Unread, Urgent: s.LatestUrgent}, nil
}

// notificationEvents streams the bell's badge: on connect, then after every
// change to the person's notifications (new, read, out of quiet hours).
func (h *Handler) notificationEvents(w http.ResponseWriter, r *http.Request) {
	p, _ := httpx.PrincipalFrom(r.Context())
	h.serveStream(w, r, []string{center.Topic(p.UserID)}, func(ctx context.Context, _ map[string]bool, _ time.Time) []byte {
		b, err := h.readBell(ctx, p.UserID)
		if !logRenderError(ctx, "notification badge", err) {
			return nil
		}
		var buf bytes.Buffer
		if !logRenderError(ctx, "notification badge", h.partials.ExecuteTemplate(&buf, "notifications-badge", b)) {
			return nil
		}
		return sseEvent(notificationsBadgeEvent, buf.Bytes())
	})
}

// notificationsPage is a person's notifications, newest first.
type notificationsPage struct {
	Items      []notificationRow
	UnreadOnly bool
	Unread     int
	// Through is the newest notification that has appeared: "mark all
	// read" marks up to it, so one arriving after the page was drawn stays
	// unread.
	Through int64
	// AllURL and UnreadURL are the two views; OlderURL the next page and
	// NewestURL the first (on later pages).
	AllURL, UnreadURL, OlderURL, NewestURL string
	// Back is this page's URL: the forms return to it.
	Back string
	// QuietUntil is set while the person's quiet hours hold notifications
	// back: "07:00 (Europe/Berlin)".
	QuietUntil string
	QuietHours string
}

// notificationRow is one notification on the page.
type notificationRow struct {
	center.Item
	KindLabel string
	// Pill is the severity's pill class ("sev sev-S1", "band
	// band-breached", "risk risk-high"), "" for none; PillText its
	// words, after PillPrefix for screen readers ("Severity S1").
	Pill, PillPrefix, PillText string
}

// pillClass is the pill style of a notification's severity: incident
// severities, risk levels and SLA bands each have their colours.
func pillClass(severity string) string {
	switch severity {
	case "":
		return ""
	case "S0", "S1", "S2", "S3":
		return "sev sev-" + severity
	case "high", "medium", "low":
		return "risk risk-" + severity
	}
	return "band band-" + severity
}

// pillText names a severity for people: the words a screen reader hears
// first ("Severity", "SLA"), then the pill's text.
func pillText(severity string) (prefix, text string) {
	switch severity {
	case "S0", "S1", "S2", "S3":
		return "Severity ", severity
	case "high", "medium", "low":
		return "", severity + " risk"
	}
	return "SLA ", severity
}

func (h *Handler) notifications(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p, _ := httpx.PrincipalFrom(ctx)
	q := r.URL.Query()
	page := center.Page{UnreadOnly: q.Get("show") == "unread"}
	if raw := q.Get("cursor"); raw != "" {
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || n < 1 {
			h.renderError(w, r, httpx.NewError(http.StatusBadRequest, "bad_cursor", "that page of notifications does not exist: start again from the newest at /notifications"))
			return
		}
		page.Cursor = n
	}
	items, next, err := h.Notifications.List(ctx, p.UserID, page)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	newest, _, err := h.Notifications.List(ctx, p.UserID, center.Page{Limit: 1})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	unread, err := h.Notifications.Unread(ctx, p.UserID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	prefs, err := h.Notifications.Prefs(ctx, p.UserID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	pg := notificationsPage{UnreadOnly: page.UnreadOnly, Unread: unread, AllURL: "/notifications",
		UnreadURL: "/notifications?show=unread", Back: notificationsURL(page.UnreadOnly, page.Cursor)}
	if len(newest) > 0 {
		pg.Through = newest[0].ID
	}
	for _, it := range items {
		row := notificationRow{Item: it, KindLabel: it.Kind.Label(), Pill: pillClass(it.Severity)}
		row.PillPrefix, row.PillText = pillText(it.Severity)
		pg.Items = append(pg.Items, row)
	}
	if next > 0 {
		pg.OlderURL = notificationsURL(page.UnreadOnly, next)
	}
	if page.Cursor > 0 {
		pg.NewestURL = notificationsURL(page.UnreadOnly, 0)
	}
	if prefs.HasQuietHours() {
		loc := prefs.Location()
		pg.QuietHours = fmt.Sprintf("%s–%s (%s)", prefs.QuietStart, prefs.QuietEnd, loc)
		if until := prefs.QuietUntil(h.Clock.Now()); !until.IsZero() {
			pg.QuietUntil = fmt.Sprintf("%s (%s)", until.In(loc).Format("15:04"), loc)
		}
	}
	h.render(w, r, http.StatusOK, "notifications", view{Title: "Notifications", Nav: "notifications", Page: pg})
}

// notificationsURL is the list's URL: all or unread, from cursor (0: the
// newest).
func notificationsURL(unreadOnly bool, cursor int64) string {
	v := url.Values{}
	if unreadOnly {
		v.Set("show", "unread")
	}
	if cursor > 0 {
		v.Set("cursor", strconv.FormatInt(cursor, 10))
	}
	if len(v) == 0 {
		return "/notifications"
	}
	return "/notifications?" + v.Encode()
}

// backTo is where a notifications form returns: the list view it came
// from, and only ever that page.
func backTo(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "" || u.Host != "" || u.Path != "/notifications" {
		return "/notifications"
	}
	q := u.Query()
	cursor, _ := strconv.ParseInt(q.Get("cursor"), 10, 64)
	return notificationsURL(q.Get("show") == "unread", max(cursor, 0))
}

// readNotification marks one notification read, then returns to the list
// or, with open=1, goes where the notification points.
func (h *Handler) readNotification(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	p, _ := httpx.PrincipalFrom(r.Context())
	id := pathID(r)
	if id == 0 {
		h.notFound(w, r, "notification ids are positive numbers")
		return
	}
	it, err := h.Notifications.MarkRead(r.Context(), p.UserID, id)
	if errors.Is(err, store.ErrNotFound) {
		h.notFound(w, r, fmt.Sprintf("notification %d is not one of yours (or has not appeared yet)", id))
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if r.PostForm.Get("open") == "1" && it.Link != "" {
		seeOther(w, r, it.Link)
		return
	}
	seeOther(w, r, backTo(r.PostForm.Get("back"))+"#n-"+strconv.FormatInt(it.ID, 10))
}

// readAllNotifications marks read everything that had appeared when the
// page was drawn.
func (h *Handler) readAllNotifications(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	p, _ := httpx.PrincipalFrom(r.Context())
	through, err := strconv.ParseInt(r.PostForm.Get("through"), 10, 64)
	if err != nil || through < 0 {
		through = 0
	}
	n, err := h.Notifications.MarkAllRead(r.Context(), p.UserID, through)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	switch n {
	case 0:
		h.setFlash(w, "ok", "Nothing was unread.")
	case 1:
		h.setFlash(w, "ok", "Marked 1 notification read.")
	default:
		h.setFlash(w, "ok", fmt.Sprintf("Marked %d notifications read.", n))
	}
	seeOther(w, r, backTo(r.PostForm.Get("back")))
}

// prefsPage is the notification preferences form.
type prefsPage struct {
	Kinds      []kindChoice
	QuietStart string
	QuietEnd   string
	TimeZone   string
	// SuggestZone lets the page's script put the browser's time zone in
	// the field: preferences never saved are only the defaults.
	SuggestZone bool
	Errors      validation.Errors
	Problems    []fieldProblem
	// Urgent names what comes through quiet hours, for the hint.
	Urgent string
}

// kindChoice is one kind's checkbox.
type kindChoice struct {
	Kind        center.Kind
	Label       string
	Description string
	On          bool
}

// prefsFields names the form's fields (validation.Errors keys) in page
// order, with their ids and labels.
func prefsFields() [][3]string {
	return [][3]string{
		{"disabled_kinds", "f-kinds", "Notify me about"},
		{"quiet_start", "f-quiet_start", "Quiet hours start"},
		{"quiet_end", "f-quiet_end", "Quiet hours end"},
		{"time_zone", "f-time_zone", "Time zone"},
	}
}

func (h *Handler) notificationPrefs(w http.ResponseWriter, r *http.Request) {
	p, _ := httpx.PrincipalFrom(r.Context())
	prefs, err := h.Notifications.Prefs(r.Context(), p.UserID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	pg := newPrefsPage(prefs, nil)
	pg.SuggestZone = prefs.UpdatedAt.IsZero()
	h.render(w, r, http.StatusOK, "notification_prefs", view{Title: "Notification preferences", Nav: "notifications", Page: pg})
}

func newPrefsPage(p center.Prefs, errs validation.Errors) prefsPage {
	pg := prefsPage{QuietStart: p.QuietStart, QuietEnd: p.QuietEnd, TimeZone: p.TimeZone, Errors: errs,
		Urgent: "high-risk drafts and S0 and S1 incidents and escalations"}
	for _, k := range center.Kinds() {
		pg.Kinds = append(pg.Kinds, kindChoice{Kind: k, Label: k.Label(), Description: k.Description(), On: p.Enabled(k)})
	}
	for _, f := range prefsFields() {
		if msg, ok := errs[f[0]]; ok {
			pg.Problems = append(pg.Problems, fieldProblem{ID: f[1], Label: f[2], Message: msg})
		}
	}
	return pg
}

// saveNotificationPrefs saves the form: kinds left unticked are turned off.
func (h *Handler) saveNotificationPrefs(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	p, _ := httpx.PrincipalFrom(r.Context())
	f := r.PostForm
	prefs := center.Prefs{QuietStart: f.Get("quiet_start"), QuietEnd: f.Get("quiet_end"), TimeZone: f.Get("time_zone")}
	for _, k := range center.Kinds() {
		if !slices.Contains(f["kinds"], string(k)) {
			prefs.Disabled = append(prefs.Disabled, k)
		}
	}
	saved, err := h.Notifications.SetPrefs(r.Context(), p.UserID, prefs)
	var verrs validation.Errors
	switch {
	case errors.As(err, &verrs):
		h.render(w, r, http.StatusUnprocessableEntity, "notification_prefs",
			view{Title: "Notification preferences", Nav: "notifications", Page: newPrefsPage(prefs, verrs)})
		return
	case err != nil:
		h.fail(w, r, err)
		return
	}
	msg := "Preferences saved."
	if saved.HasQuietHours() {
		msg = fmt.Sprintf("Preferences saved. Quiet hours: %s to %s, %s.", saved.QuietStart, saved.QuietEnd, saved.TimeZone)
	}
	if off := len(saved.Disabled); off == 1 {
		msg += " 1 kind is turned off."
	} else if off > 1 {
		msg += fmt.Sprintf(" %d kinds are turned off.", off)
	}
	h.setFlash(w, "ok", strings.TrimSpace(msg))
	seeOther(w, r, "/notifications/preferences")
}
