package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hotdash/hotdash/client"
	"github.com/hotdash/hotdash/internal/apptest"
	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/httpx"
	"github.com/hotdash/hotdash/internal/notify/center"
)

// notificationsApp runs the whole app and returns it with a Center on its
// store that wakes its live pages, as the app's own does.
func notificationsApp(t *testing.T) (*apptest.App, *center.Center) {
	t.Helper()
	a := apptest.Start(t, apptest.Options{})
	if !slices.ContainsFunc(a.Router.Routes(), func(r httpx.Route) bool { return r.Pattern == "GET /api/v1/notifications" }) {
		t.Fatal("GET /api/v1/notifications is not served: internal/app must give api.Deps its Notifications and Register call registerNotifications")
	}
	c := center.New(a.DB, a.Clock, func(ids []int64) {
		for _, id := range ids {
			a.Events.Publish(center.Topic(id))
		}
	}, a.Logger)
	return a, c
}

// sessionClient signs in through the sign-in form and returns an API
// client that sends the session cookie instead of a token, and its HTTP
// client.
func sessionClient(t *testing.T, a *apptest.App, email string) (*client.Client, *http.Client) {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.PostForm(a.URL()+"/login", url.Values{"email": {email}, "password": {apptest.Password}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in as %s: %d", email, resp.StatusCode)
	}
	return client.New(a.URL(), "").WithHTTPClient(hc), hc
}

func apiError(t *testing.T, err error, status int) *client.Error {
	t.Helper()
	var e *client.Error
	if !errors.As(err, &e) || e.Status != status {
		t.Fatalf("error %v, want HTTP %d", err, status)
	}
	return e
}

func TestNotificationsAPIForPeople(t *testing.T) {
	a, c := notificationsApp(t)
	ctx := context.Background()
	op := a.CreateUser("op@example.com", auth.Operator)
	other := a.CreateUser("other@example.com", auth.Operator)
	api, hc := sessionClient(t, a, "op@example.com")

	page, err := api.Notifications(ctx, client.NotificationQuery{})
	if err != nil || len(page.Notifications) != 0 || page.Unread != 0 || page.NextCursor != "" {
		t.Fatalf("empty list %+v (%v)", page, err)
	}
	for i, n := range []center.Notification{
		{Kind: center.SLABreached, Severity: "breached", Title: "#42 breached", Body: "waited 31 min", Link: "/conversations/42", Key: "b42"},
		{Kind: center.DraftHighRisk, Severity: "high", Title: "Refund reply waits", Link: "/approvals/7"},
		{Kind: center.Health, Title: "platform check failed"},
	} {
		if _, err := c.Notify(ctx, center.Audience{UserIDs: []int64{op.ID}}, n); err != nil {
			t.Fatal(i, err)
		}
	}
	if _, err := c.Notify(ctx, center.Audience{UserIDs: []int64{other.ID}}, center.Notification{Kind: center.Health, Title: "theirs"}); err != nil {
		t.Fatal(err)
	}

	first, err := api.Notifications(ctx, client.NotificationQuery{Limit: 2})
	if err != nil || len(first.Notifications) != 2 || first.Unread != 3 || first.NextCursor == "" {
		t.Fatalf("first page %+v (%v)", first, err)
	}
	second, err := api.Notifications(ctx, client.NotificationQuery{Limit: 2, Cursor: first.NextCursor})
	if err != nil || len(second.Notifications) != 1 || second.NextCursor != "" {
		t.Fatalf("second page %+v (%v)", second, err)
	}
	breach := second.Notifications[0]
	if breach.Kind != "sla_breached" || breach.Severity != "breached" || breach.Urgent || breach.Title != "#42 breached" ||
		breach.Body != "waited 31 min" || breach.Link != "/conversations/42" || breach.ReadAt != nil ||
		breach.CreatedAt.IsZero() || !breach.ShownAt.Equal(breach.CreatedAt) {
		t.Fatalf("breach %+v", breach)
	}
	if d := first.Notifications[1]; d.Kind != "draft_high_risk" || !d.Urgent {
		t.Fatalf("a high-risk draft is not urgent: %+v", d)
	}

	read, err := api.MarkNotificationRead(ctx, breach.ID)
	if err != nil || read.ReadAt == nil || read.ID != breach.ID {
		t.Fatalf("mark read: %+v (%v)", read, err)
	}
	unread, err := api.Notifications(ctx, client.NotificationQuery{UnreadOnly: true})
	if err != nil || len(unread.Notifications) != 2 || unread.Unread != 2 {
		t.Fatalf("unread %+v (%v)", unread, err)
	}
	theirs, _, _ := c.List(ctx, other.ID, center.Page{})
	e := apiError(t, func() error { _, err := api.MarkNotificationRead(ctx, theirs[0].ID); return err }(), http.StatusNotFound)
	if !strings.Contains(e.Message, "not one of yours") {
		t.Fatalf("message %q", e.Message)
	}
	apiError(t, func() error { _, err := api.MarkNotificationRead(ctx, 0); return err }(), http.StatusNotFound)

	// Mark all read up to the newest seen: the one that came later stays.
	if _, err := c.Notify(ctx, center.Audience{UserIDs: []int64{op.ID}}, center.Notification{Kind: center.Incident, Severity: "S3", Title: "later"}); err != nil {
		t.Fatal(err)
	}
	all, err := api.MarkAllNotificationsRead(ctx, first.Notifications[0].ID)
	if err != nil || all.Marked != 2 || all.Unread != 1 {
		t.Fatalf("mark all through %d: %+v (%v)", first.Notifications[0].ID, all, err)
	}
	if all, err = api.MarkAllNotificationsRead(ctx, 0); err != nil || all.Marked != 1 || all.Unread != 0 {
		t.Fatalf("mark all: %+v (%v)", all, err)
	}
	if n, _ := c.Unread(ctx, other.ID); n != 1 {
		t.Fatalf("marking all read reached someone else: %d unread left", n)
	}

	for q, field := range map[string]string{"limit=0": "limit", "limit=1000": "limit", "cursor=x": "cursor", "unread=maybe": "unread"} {
		resp, err := hc.Get(a.URL() + "/api/v1/notifications?" + q)
		if err != nil {
			t.Fatal(err)
		}
		var env struct {
			Error client.Error `json:"error"`
		}
		err = json.NewDecoder(resp.Body).Decode(&env)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusUnprocessableEntity || env.Error.Fields[field] == "" {
			t.Errorf("?%s: %d %+v (%v)", q, resp.StatusCode, env.Error, err)
		}
	}
}

func TestNotificationPreferencesAPI(t *testing.T) {
	a, c := notificationsApp(t)
	ctx := context.Background()
	op := a.CreateUser("op@example.com", auth.Operator)
	api, _ := sessionClient(t, a, "op@example.com")
	p, err := api.NotificationPreferences(ctx)
	if err != nil || p.UpdatedAt != nil || p.TimeZone != "UTC" || p.QuietStart != "" || p.DisabledKinds == nil || len(p.DisabledKinds) != 0 {
		t.Fatalf("defaults %+v (%v)", p, err)
	}
	_, err = api.SetNotificationPreferences(ctx, client.NotificationPrefs{DisabledKinds: []string{"gossip"}, QuietStart: "25:00", QuietEnd: "07:00", TimeZone: "Nowhere/Town"})
	e := apiError(t, err, http.StatusUnprocessableEntity)
	for _, f := range []string{"disabled_kinds", "quiet_start", "time_zone"} {
		if e.Fields[f] == "" {
			t.Errorf("no problem reported with %s: %v", f, e.Fields)
		}
	}
	saved, err := api.SetNotificationPreferences(ctx, client.NotificationPrefs{DisabledKinds: []string{"health", "sla_urgent"},
		QuietStart: "22:00", QuietEnd: "7:00", TimeZone: "America/New_York"})
	if err != nil || !slices.Equal(saved.DisabledKinds, []string{"sla_urgent", "health"}) || saved.QuietEnd != "07:00" ||
		saved.TimeZone != "America/New_York" || saved.UpdatedAt == nil {
		t.Fatalf("saved %+v (%v)", saved, err)
	}
	got, err := api.NotificationPreferences(ctx)
	if err != nil || !slices.Equal(got.DisabledKinds, saved.DisabledKinds) || got.QuietStart != "22:00" || got.QuietEnd != "07:00" {
		t.Fatalf("read back %+v (%v)", got, err)
	}
	if prefs, _ := c.Prefs(ctx, op.ID); prefs.Enabled(center.Health) {
		t.Fatal("the API's preferences did not reach the center")
	}
}

func TestNotificationsAPIRefusesTokens(t *testing.T) {
	a, _ := notificationsApp(t)
	tok := a.Client(auth.Admin)
	_, err := tok.Notifications(context.Background(), client.NotificationQuery{})
	e := apiError(t, err, http.StatusForbidden)
	if !strings.Contains(e.Message, "sign in as a person") {
		t.Fatalf("a token was told %q", e.Message)
	}
	_, err = tok.SetNotificationPreferences(context.Background(), client.NotificationPrefs{})
	apiError(t, err, http.StatusForbidden)
}
