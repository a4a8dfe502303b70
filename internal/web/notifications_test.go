package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/httpx"
	"github.com/hotdash/hotdash/internal/notify/center"
)

// notifications returns a Center on the server's store that wakes the
// server's live pages, as the app's own does, after checking that the app
// serves the notification pages.
func (s *server) notifications(t *testing.T) *center.Center {
	t.Helper()
	if !slices.ContainsFunc(s.Router.Routes(), func(r httpx.Route) bool { return r.Pattern == "GET /notifications" }) {
		t.Fatal("GET /notifications is not served: internal/app must give web.Deps its Notifications (a *center.Center)")
	}
	return center.New(s.DB, s.Clock, func(ids []int64) {
		for _, id := range ids {
			s.Events.Publish(center.Topic(id))
		}
	}, s.Logger)
}

func notifyUser(t *testing.T, c *center.Center, userID int64, n center.Notification) {
	t.Helper()
	if _, err := c.Notify(context.Background(), center.Audience{UserIDs: []int64{userID}}, n); err != nil {
		t.Fatalf("notify %q: %v", n.Title, err)
	}
}

// notificationID finds the id of the notification titled title on a page.
func notificationID(t *testing.T, body, title string) string {
	t.Helper()
	id := regexp.MustCompile(`id="n-(\d+)"`)
	for _, item := range strings.Split(body, `<li class="notification`)[1:] {
		if m := id.FindStringSubmatch(item); m != nil && strings.Contains(item, title) {
			return m[1]
		}
	}
	t.Fatalf("no notification %q on the page\n%s", title, body)
	return ""
}

func TestNotificationsListMarkReadAndTheBell(t *testing.T) {
	s := start(t)
	op := s.user(t, "op@example.com", auth.Operator)
	other := s.user(t, "other@example.com", auth.Lead)
	c := s.notifications(t)
	b := s.browser(t)
	b.signIn("op@example.com")

	// Nothing yet: an empty state that says what will come, and a bell
	// that says none are unread.
	b.get("/notifications").want(t, http.StatusOK, "No notifications yet.", "Notifications, 0 unread", `href="/notifications/preferences"`)
	b.get("/notifications?show=unread").want(t, http.StatusOK, "Nothing unread.")

	notifyUser(t, c, op.ID, center.Notification{Kind: center.SLABreached, Severity: "breached", Title: "#42 breached <first> response",
		Body: "Acme <script>alert(1)</script> waited", Link: "/conversations/42", Key: "b42"})
	notifyUser(t, c, op.ID, center.Notification{Kind: center.DraftHighRisk, Severity: "high", Title: "Refund reply waits", Link: "/approvals/7"})
	notifyUser(t, c, op.ID, center.Notification{Kind: center.Health, Title: "Chatwoot platform check failed"})
	notifyUser(t, c, other.ID, center.Notification{Kind: center.Incident, Severity: "S2", Title: "Someone else's incident"})

	// Every page's header carries the count.
	b.get("/account").want(t, http.StatusOK, `<span class="visually-hidden">Notifications, 3 unread</span>`, `>3</span>`,
		`sse-connect="/events/notifications"`)
	p := b.get("/notifications")
	p.want(t, http.StatusOK, "Refund reply waits", "Chatwoot platform check failed", "#42 breached &lt;first&gt; response",
		"Acme &lt;script&gt;alert(1)&lt;/script&gt; waited", `<span class="unread-label">Unread</span>`,
		`<span class="urgent-label">Urgent</span>`, "High-risk draft", `<span class="risk risk-high">`, "high risk",
		`<span class="band band-breached">`, "Mark all read", `aria-current="page"`)
	if strings.Contains(p.body, "<script>alert") || strings.Contains(p.body, "Someone else's incident") {
		t.Fatal("the page shows unescaped text or someone else's notification")
	}
	list := p.body[strings.Index(p.body, `<ul class="notification-list"`):]
	if strings.Index(list, "Chatwoot platform check failed") > strings.Index(list, "Refund reply waits") {
		t.Fatal("not newest first")
	}

	// Mark one read: back to the list at that notification.
	health := notificationID(t, p.body, "Chatwoot platform check failed")
	r := b.post("/notifications/"+health+"/read", url.Values{"back": {"/notifications?show=unread"}})
	if r.status != http.StatusSeeOther || r.location != "/notifications?show=unread#n-"+health {
		t.Fatalf("mark read: %d → %q", r.status, r.location)
	}
	p = b.get("/notifications?show=unread")
	p.want(t, http.StatusOK, "Notifications, 2 unread", "Refund reply waits")
	if strings.Contains(p.body, "Chatwoot platform check failed") {
		t.Fatal("a read notification is in the unread view")
	}
	// Opening an unread notification marks it read and goes where it points.
	draft := notificationID(t, p.body, "Refund reply waits")
	if r := b.post("/notifications/"+draft+"/read", url.Values{"open": {"1"}}); r.status != http.StatusSeeOther || r.location != "/approvals/7" {
		t.Fatalf("open: %d → %q", r.status, r.location)
	}
	// A foreign "back" never leads off the list.
	breach := notificationID(t, p.body, "#42 breached &lt;first&gt; response")
	if r := b.post("/notifications/"+breach+"/read", url.Values{"back": {"https://evil.example/notifications"}}); r.location != "/notifications#n-"+breach {
		t.Fatalf("back to %q", r.location)
	}
	b.get("/account").want(t, http.StatusOK, "Notifications, 0 unread")

	// Someone else's notification: not found, and it stays unread for them.
	theirs, _, err := c.List(context.Background(), other.ID, center.Page{})
	if err != nil || len(theirs) != 1 {
		t.Fatal(theirs, err)
	}
	b.post(fmt.Sprintf("/notifications/%d/read", theirs[0].ID), nil).want(t, http.StatusNotFound, "not one of yours")
	if n, _ := c.Unread(context.Background(), other.ID); n != 1 {
		t.Fatalf("the other person has %d unread", n)
	}
	b.get("/notifications?cursor=bogus").want(t, http.StatusBadRequest, "start again from the newest")
}

func TestMarkAllReadKeepsWhatArrivedLater(t *testing.T) {
	s := start(t)
	op := s.user(t, "op@example.com", auth.Operator)
	c := s.notifications(t)
	b := s.browser(t)
	b.signIn("op@example.com")
	for i := range 3 {
		notifyUser(t, c, op.ID, center.Notification{Kind: center.Incident, Severity: "S3", Title: fmt.Sprintf("incident %d", i)})
	}
	p := b.get("/notifications")
	through := regexp.MustCompile(`name="through" value="(\d+)"`).FindStringSubmatch(p.body)
	if through == nil {
		t.Fatalf("no mark-all form\n%s", p.body)
	}
	notifyUser(t, c, op.ID, center.Notification{Kind: center.Incident, Severity: "S3", Title: "arrived while reading"})
	r := b.post("/notifications/read-all", url.Values{"through": {through[1]}, "back": {"/notifications"}})
	if r.status != http.StatusSeeOther || r.location != "/notifications" {
		t.Fatalf("read all: %d → %q", r.status, r.location)
	}
	b.get("/notifications").want(t, http.StatusOK, "Marked 3 notifications read.", "Notifications, 1 unread")
	p = b.get("/notifications?show=unread")
	if !strings.Contains(p.body, "arrived while reading") || strings.Contains(p.body, "incident 0") {
		t.Fatalf("unread after mark all:\n%s", p.body)
	}
}

func TestNotificationPreferencesForm(t *testing.T) {
	s := start(t)
	op := s.user(t, "op@example.com", auth.Operator)
	c := s.notifications(t)
	b := s.browser(t)
	b.signIn("op@example.com")
	p := b.get("/notifications/preferences")
	p.want(t, http.StatusOK, "Notify me about", `value="health" aria-describedby="kind-health-hint" checked`,
		"Quiet hours", `name="quiet_start"`, `value="UTC"`, "data-tz-suggest")

	// Invalid values come back beside their fields, nothing saved.
	p = b.post("/notifications/preferences", url.Values{"kinds": {"health"}, "quiet_start": {"22:00"}, "time_zone": {"Mars/Base"}})
	p.want(t, http.StatusUnprocessableEntity, "Nothing was saved", `href="#f-quiet_end"`, `id="f-quiet_end-error"`,
		`id="f-time_zone-error"`, `value="Mars/Base"`, `value="22:00"`)
	if prefs, _ := c.Prefs(context.Background(), op.ID); !prefs.UpdatedAt.IsZero() {
		t.Fatal("invalid preferences were saved")
	}

	// Untick health, quiet hours across midnight in Berlin.
	kinds := url.Values{"quiet_start": {"22:00"}, "quiet_end": {"07:00"}, "time_zone": {"Europe/Berlin"}}
	for _, k := range center.Kinds() {
		if k != center.Health {
			kinds.Add("kinds", string(k))
		}
	}
	r := b.post("/notifications/preferences", kinds)
	if r.status != http.StatusSeeOther || r.location != "/notifications/preferences" {
		t.Fatalf("save: %d → %q\n%s", r.status, r.location, r.body)
	}
	p = b.get("/notifications/preferences")
	p.want(t, http.StatusOK, "Preferences saved. Quiet hours: 22:00 to 07:00, Europe/Berlin. 1 kind is turned off.",
		`value="health" aria-describedby="kind-health-hint">`, `value="incident" aria-describedby="kind-incident-hint" checked`,
		`value="22:00"`, `value="07:00"`, `value="Europe/Berlin"`)
	if strings.Contains(p.body, "data-tz-suggest") {
		t.Fatal("saved preferences still offer the browser's zone")
	}
	// The preference decides what is stored.
	d, err := c.Notify(context.Background(), center.Audience{UserIDs: []int64{op.ID}}, center.Notification{Kind: center.Health, Title: "check failed"})
	if err != nil || d.Stored != 0 {
		t.Fatalf("a turned-off kind was stored: %+v, %v", d, err)
	}
}

func TestQuietHoursShowOnTheList(t *testing.T) {
	s := start(t)
	op := s.user(t, "op@example.com", auth.Operator)
	c := s.notifications(t)
	// Quiet from an hour ago until an hour from now, in UTC.
	now := time.Now().UTC()
	from, to := now.Add(-time.Hour).Format("15:04"), now.Add(time.Hour).Format("15:04")
	if _, err := c.SetPrefs(context.Background(), op.ID, center.Prefs{QuietStart: from, QuietEnd: to, TimeZone: "UTC"}); err != nil {
		t.Fatal(err)
	}
	notifyUser(t, c, op.ID, center.Notification{Kind: center.SLAUrgent, Severity: "urgent", Title: "held until morning"})
	notifyUser(t, c, op.ID, center.Notification{Kind: center.Incident, Severity: "S1", Title: "S1 comes through"})
	b := s.browser(t)
	b.signIn("op@example.com")
	p := b.get("/notifications")
	p.want(t, http.StatusOK, "Quiet hours until "+to+" (UTC)", "S1 comes through", "Notifications, 1 unread")
	if strings.Contains(p.body, "held until morning") {
		t.Fatal("a held notification is listed during quiet hours")
	}
}

func TestTheBellStreamsTheUnreadCount(t *testing.T) {
	var held *http.Response
	t.Cleanup(func() {
		if held != nil {
			held.Body.Close()
		}
	})
	s := start(t)
	op := s.user(t, "op@example.com", auth.Operator)
	other := s.user(t, "other@example.com", auth.Operator)
	c := s.notifications(t)
	b := s.browser(t)
	b.signIn("op@example.com")
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	events, resp := b.openStreamAt(ctx, "/events/notifications")
	held = resp
	first := nextNamed(t, ctx, events, "notifications-badge")
	if !strings.Contains(first.data, "Notifications, 0 unread") {
		t.Fatalf("first badge %q", first.data)
	}
	// Someone else's notification does not wake this stream; one's own
	// does, naming the urgent one for the page to announce.
	notifyUser(t, c, other.ID, center.Notification{Kind: center.Health, Title: "theirs"})
	notifyUser(t, c, op.ID, center.Notification{Kind: center.Incident, Severity: "S0", Title: "S0: <checkout> down"})
	ev := nextNamed(t, ctx, events, "notifications-badge")
	if !strings.Contains(ev.data, "Notifications, 1 unread") || !strings.Contains(ev.data, `data-urgent-text="S0: &lt;checkout&gt; down"`) ||
		!strings.Contains(ev.data, ">1</span>") {
		t.Fatalf("badge after a notification: %q", ev.data)
	}
	if _, err := c.MarkAllRead(context.Background(), op.ID, 0); err != nil {
		t.Fatal(err)
	}
	if ev := nextNamed(t, ctx, events, "notifications-badge"); !strings.Contains(ev.data, "Notifications, 0 unread") || strings.Contains(ev.data, "data-urgent-id") {
		t.Fatalf("badge after reading: %q", ev.data)
	}
}

// TestTheDashboardShowsMyUnreadNotifications: the Notifications tile lists
// the person's own unread notifications, escaped, and empties once read.
func TestTheDashboardShowsMyUnreadNotifications(t *testing.T) {
	s := start(t)
	op := s.user(t, "op@example.com", auth.Operator)
	s.user(t, "other@example.com", auth.Operator)
	b := s.browser(t)
	b.signIn("op@example.com")
	b.get("/").want(t, http.StatusOK, `id="notifications-tile-title"`, "Nothing new for you.")
	if _, err := s.Notifications.Notify(context.Background(), center.Audience{UserIDs: []int64{op.ID}},
		center.Notification{Kind: center.Incident, Severity: "S2", Title: "Incident <b>#4</b> escalated", Link: "/incidents/4"}); err != nil {
		t.Fatal(err)
	}
	page := b.get("/")
	page.want(t, http.StatusOK, `<span class="headline-number">1</span>`, `<a href="/incidents/4">Incident &lt;b&gt;#4&lt;/b&gt; escalated</a>`)
	other := s.browser(t)
	other.signIn("other@example.com")
	if p := other.get("/"); strings.Contains(p.body, "Incident &lt;b&gt;#4") || !strings.Contains(p.body, "Nothing new for you.") {
		t.Fatal("another person sees my notification")
	}
	b.post("/notifications/read-all", url.Values{"through": {"999"}})
	b.get("/").want(t, http.StatusOK, "Nothing new for you.")
}
