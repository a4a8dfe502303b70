package center_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/clock"
	"github.com/hotdash/hotdash/internal/notify/center"
	"github.com/hotdash/hotdash/internal/store"
	"github.com/hotdash/hotdash/internal/store/storetest"
	"github.com/hotdash/hotdash/internal/validation"
)

// t0 is a Monday morning in late November: Berlin is UTC+1, New York UTC−5.
var t0 = time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)

// fixture is a Center on a fresh store with a manual clock, recording the
// people each publish woke.
type fixture struct {
	t      *testing.T
	db     *storetest.DB
	clk    *clock.Manual
	auth   *auth.Service
	c      *center.Center
	mu     sync.Mutex
	woken  [][]int64
	wakeCh chan []int64
}

func newFixture(t *testing.T, db *storetest.DB) *fixture {
	t.Helper()
	f := &fixture{t: t, db: db, clk: clock.NewManual(t0), wakeCh: make(chan []int64, 64)}
	a, err := auth.New(db.DB, f.clk, auth.Config{BcryptCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	f.auth = a
	f.c = center.New(db.DB, f.clk, func(ids []int64) {
		f.mu.Lock()
		f.woken = append(f.woken, slices.Clone(ids))
		f.mu.Unlock()
		f.wakeCh <- slices.Clone(ids)
	}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	return f
}

// user creates an active person with role.
func (f *fixture) user(email string, role auth.Role) int64 {
	f.t.Helper()
	u, err := f.auth.CreateUser(context.Background(), auth.NewUser{Email: email, Role: role, Password: "long enough password"})
	if err != nil {
		f.t.Fatalf("create %s: %v", email, err)
	}
	return u.ID
}

// wakes returns and clears what publish was called with.
func (f *fixture) wakes() [][]int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.woken
	f.woken = nil
	for len(f.wakeCh) > 0 {
		<-f.wakeCh
	}
	return out
}

func (f *fixture) notify(aud center.Audience, n center.Notification) center.Delivery {
	f.t.Helper()
	d, err := f.c.Notify(context.Background(), aud, n)
	if err != nil {
		f.t.Fatalf("notify %q: %v", n.Title, err)
	}
	return d
}

func (f *fixture) unread(userID int64) int {
	f.t.Helper()
	n, err := f.c.Unread(context.Background(), userID)
	if err != nil {
		f.t.Fatal(err)
	}
	return n
}

func (f *fixture) list(userID int64, p center.Page) []center.Item {
	f.t.Helper()
	items, _, err := f.c.List(context.Background(), userID, p)
	if err != nil {
		f.t.Fatal(err)
	}
	return items
}

func (f *fixture) setPrefs(userID int64, p center.Prefs) {
	f.t.Helper()
	if _, err := f.c.SetPrefs(context.Background(), userID, p); err != nil {
		f.t.Fatalf("set prefs of %d: %v", userID, err)
	}
}

func titles(items []center.Item) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.Title
	}
	return out
}

func breach(key string) center.Notification {
	return center.Notification{Kind: center.SLABreached, Severity: "breached", Title: "#42 breached first response",
		Body: "Acme <script>alert(1)</script> waited 31 min", Link: "/conversations/42", Key: key}
}

func TestAudienceIsActivePeopleByRoleAndByName(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		op1 := f.user("op1@example.com", auth.Operator)
		op2 := f.user("op2@example.com", auth.Operator)
		lead := f.user("lead@example.com", auth.Lead)
		mgr := f.user("mgr@example.com", auth.Manager)
		gone := f.user("gone@example.com", auth.Operator)
		disabled := true
		if _, err := f.auth.UpdateUser(ctx, gone, auth.UserChange{Disabled: &disabled}); err != nil {
			t.Fatal(err)
		}
		f.wakes()

		d := f.notify(center.Audience{Roles: []auth.Role{auth.Operator, auth.Operator}, UserIDs: []int64{mgr, op1, 9999},
			Emails: []string{" MGR@example.com", "token:ci", "gone@example.com"}}, breach("b1"))
		if d.Stored != 3 || !slices.Equal(d.Wake, []int64{op1, op2, mgr}) || !d.HeldUntil.IsZero() {
			t.Fatalf("delivery %+v, want op1, op2 and the manager woken", d)
		}
		if w := f.wakes(); len(w) != 1 || !slices.Equal(w[0], []int64{op1, op2, mgr}) {
			t.Fatalf("published %v, want one wake-up of op1, op2, mgr", w)
		}
		for id, want := range map[int64]int{op1: 1, op2: 1, mgr: 1, lead: 0, gone: 0} {
			if got := f.unread(id); got != want {
				t.Errorf("user %d has %d unread, want %d", id, got, want)
			}
		}
		items := f.list(op1, center.Page{})
		if len(items) != 1 {
			t.Fatalf("op1 lists %d", len(items))
		}
		it := items[0]
		if it.Kind != center.SLABreached || it.Severity != "breached" || it.Urgent || it.Link != "/conversations/42" ||
			it.Body != "Acme <script>alert(1)</script> waited 31 min" || !it.CreatedAt.Equal(t0) || !it.ShownAt.Equal(t0) || !it.Unread() {
			t.Fatalf("item %+v", it)
		}

		// Everyone reaches every active person once.
		d = f.notify(center.Everyone(), center.Notification{Kind: center.Health, Severity: "S2", Title: "Chatwoot platform check failed"})
		if d.Stored != 4 {
			t.Fatalf("everyone reached %d people, want the 4 active ones", d.Stored)
		}
		// People named by email, as an incident's owner is.
		if d := f.notify(center.Audience{Emails: []string{"Lead@Example.com"}}, breach("b3")); !slices.Equal(d.Wake, []int64{lead}) {
			t.Fatalf("by email: %+v", d)
		}
		// An empty audience reaches nobody and is not an error.
		if d := f.notify(center.Audience{}, breach("b2")); d.Stored != 0 || len(d.Wake) != 0 {
			t.Fatalf("empty audience: %+v", d)
		}
	})
}

func TestLargeAudiencesAreWrittenInChunks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		f := newFixture(t, db)
		var ids []int64
		err := db.InTx(context.Background(), func(tx *sql.Tx) error {
			for i := range 120 {
				var id int64
				if err := tx.QueryRow(`
					INSERT INTO users (email, name, role, password_hash, disabled, created_at, updated_at, password_changed_at)
					VALUES ($1, $1, 'operator', 'x', FALSE, $2, $2, $2) RETURNING id`, fmt.Sprintf("op%03d@example.com", i), t0).Scan(&id); err != nil {
					return err
				}
				ids = append(ids, id)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		d := f.notify(center.Audience{Roles: []auth.Role{auth.Operator}}, breach("big"))
		if d.Stored != 120 || !slices.Equal(d.Wake, ids) {
			t.Fatalf("stored %d, woke %d of 120", d.Stored, len(d.Wake))
		}
		if d := f.notify(center.Audience{Roles: []auth.Role{auth.Operator}}, breach("big")); d.Stored != 0 {
			t.Fatalf("a repeat stored %d", d.Stored)
		}
	})
}

func TestKindsTurnedOffAreNotStored(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		f := newFixture(t, db)
		quiet := f.user("quiet@example.com", auth.Operator)
		other := f.user("other@example.com", auth.Operator)
		f.setPrefs(quiet, center.Prefs{Disabled: []center.Kind{center.SLABreached, center.Health}})
		ops := center.Audience{Roles: []auth.Role{auth.Operator}}
		if d := f.notify(ops, breach("b1")); d.Stored != 1 || !slices.Equal(d.Wake, []int64{other}) {
			t.Fatalf("breach delivery %+v, want only the other operator", d)
		}
		f.notify(ops, center.Notification{Kind: center.SLAUrgent, Severity: "urgent", Title: "#42 urgent"})
		if got := titles(f.list(quiet, center.Page{})); !slices.Equal(got, []string{"#42 urgent"}) {
			t.Fatalf("quiet lists %v, want only the urgent-band one", got)
		}
		// Turning the kind back on affects what comes next, not the past.
		f.setPrefs(quiet, center.Prefs{})
		f.notify(ops, breach("b2"))
		if got := f.unread(quiet); got != 2 {
			t.Fatalf("quiet has %d unread, want 2", got)
		}
	})
}

func TestRepeatedKeysAreOneNotificationPerPerson(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		a := f.user("a@example.com", auth.Operator)
		b := f.user("b@example.com", auth.Lead)
		f.notify(center.Audience{UserIDs: []int64{a}}, breach("sla:42:first_response"))
		f.wakes()
		// b is new to the key; a already has it.
		d := f.notify(center.Audience{UserIDs: []int64{a, b}}, breach("sla:42:first_response"))
		if d.Stored != 1 || !slices.Equal(d.Wake, []int64{b}) {
			t.Fatalf("delivery %+v, want b only", d)
		}
		// Read or not, the key stays used.
		if _, err := f.c.MarkAllRead(ctx, a, 0); err != nil {
			t.Fatal(err)
		}
		f.wakes()
		if d := f.notify(center.Audience{UserIDs: []int64{a, b}}, breach("sla:42:first_response")); d.Stored != 0 || len(d.Wake) != 0 {
			t.Fatalf("a third repeat: %+v", d)
		}
		if w := f.wakes(); len(w) != 0 {
			t.Fatalf("a repeat woke %v", w)
		}
		// A notification without a key is never a repeat; a very long key
		// is still one key.
		long := strings.Repeat("k", 5000)
		for range 2 {
			f.notify(center.Audience{UserIDs: []int64{a}}, center.Notification{Kind: center.Health, Title: "check failed"})
			f.notify(center.Audience{UserIDs: []int64{a}}, breach(long))
		}
		if got := len(f.list(a, center.Page{})); got != 4 {
			t.Fatalf("a lists %d, want 4 (the first breach, two keyless, one long-keyed)", got)
		}
	})
}

func TestQuietHoursHoldAcrossMidnightAndTimeZones(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		f := newFixture(t, db)
		// 23:30 UTC: 00:30 in Berlin, 18:30 in New York.
		f.clk.Set(time.Date(2026, 11, 30, 23, 30, 0, 0, time.UTC))
		berlin := f.user("berlin@example.com", auth.Operator)
		newYork := f.user("ny@example.com", auth.Operator)
		evening := f.user("evening@example.com", auth.Operator)
		f.setPrefs(berlin, center.Prefs{QuietStart: "22:00", QuietEnd: "07:00", TimeZone: "Europe/Berlin"})
		f.setPrefs(newYork, center.Prefs{QuietStart: "22:00", QuietEnd: "07:00", TimeZone: "America/New_York"})
		f.setPrefs(evening, center.Prefs{QuietStart: "18:00", QuietEnd: "19:00", TimeZone: "America/New_York"})
		f.wakes()

		ops := center.Audience{Roles: []auth.Role{auth.Operator}}
		d := f.notify(ops, breach("b1"))
		if d.Stored != 3 || !slices.Equal(d.Wake, []int64{newYork}) {
			t.Fatalf("delivery %+v, want all three stored and only New York woken", d)
		}
		endEvening := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC) // 19:00 in New York
		endBerlin := time.Date(2026, 12, 1, 6, 0, 0, 0, time.UTC)  // 07:00 in Berlin
		if !d.HeldUntil.Equal(endEvening) {
			t.Fatalf("held until %v, want the earliest end of quiet hours %v", d.HeldUntil, endEvening)
		}
		count := func() [3]int { return [3]int{f.unread(berlin), f.unread(newYork), f.unread(evening)} }
		if got := count(); got != [3]int{0, 1, 0} {
			t.Fatalf("unread berlin, new york, evening = %v, want [0 1 0]", got)
		}
		if items := f.list(berlin, center.Page{}); len(items) != 0 {
			t.Fatalf("berlin lists a held notification: %v", titles(items))
		}

		// Urgent notifications come through at once: S1, S0, high-risk
		// drafts, and anything marked urgent.
		for _, n := range []center.Notification{
			{Kind: center.Incident, Severity: "S1", Title: "S1 incident opened", Key: "inc:1"},
			{Kind: center.Escalation, Severity: "S0", Title: "S0 escalated to L4", Key: "esc:1"},
			{Kind: center.DraftHighRisk, Title: "Refund reply waits for review", Key: "draft:1"},
			{Kind: center.SLAUrgent, Urgent: true, Title: "VIP conversation urgent", Key: "vip:1"},
		} {
			if d := f.notify(center.Audience{UserIDs: []int64{berlin}}, n); !slices.Equal(d.Wake, []int64{berlin}) {
				t.Fatalf("%q: delivery %+v, want berlin woken at once", n.Title, d)
			}
		}
		if got := f.list(berlin, center.Page{}); len(got) != 4 || !got[0].Urgent {
			t.Fatalf("berlin lists %v", titles(got))
		}
		// S2 is not urgent: held.
		if d := f.notify(center.Audience{UserIDs: []int64{berlin}}, center.Notification{Kind: center.Incident, Severity: "S2", Title: "S2 opened"}); len(d.Wake) != 0 {
			t.Fatalf("S2 woke %v during quiet hours", d.Wake)
		}

		// The end of quiet hours is not quiet: the evening person sees it at 19:00 sharp.
		f.clk.Set(endEvening.Add(-time.Second))
		if got := f.unread(evening); got != 0 {
			t.Fatalf("a second before the end: %d unread", got)
		}
		f.clk.Set(endEvening)
		if got := f.unread(evening); got != 1 {
			t.Fatalf("at the end of quiet hours: %d unread, want 1", got)
		}
		f.clk.Set(endBerlin)
		items := f.list(berlin, center.Page{})
		if len(items) != 6 || f.unread(berlin) != 6 {
			t.Fatalf("berlin after 07:00 lists %v", titles(items))
		}
		var held []string
		for _, it := range items {
			if it.Held() {
				held = append(held, it.Title)
				if !it.ShownAt.Equal(endBerlin) || !it.CreatedAt.Equal(time.Date(2026, 11, 30, 23, 30, 0, 0, time.UTC)) {
					t.Errorf("%q created %v shown %v", it.Title, it.CreatedAt, it.ShownAt)
				}
			}
		}
		if !slices.Equal(held, []string{"S2 opened", "#42 breached first response"}) {
			t.Fatalf("held through quiet hours: %v", held)
		}
	})
}

func TestQuietUntil(t *testing.T) {
	utc := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, time.UTC) }
	night := center.Prefs{QuietStart: "22:00", QuietEnd: "07:00", TimeZone: "Europe/Berlin"}
	lunch := center.Prefs{QuietStart: "12:00", QuietEnd: "13:30", TimeZone: "Asia/Kolkata"}
	for _, tc := range []struct {
		name string
		p    center.Prefs
		at   time.Time
		want time.Time
	}{
		{"before the night starts", night, utc(2026, 11, 30, 20, 59), time.Time{}},
		{"the start is quiet", night, utc(2026, 11, 30, 21, 0), utc(2026, 12, 1, 6, 0)},
		{"late evening", night, utc(2026, 11, 30, 22, 45), utc(2026, 12, 1, 6, 0)},
		{"after midnight", night, utc(2026, 12, 1, 3, 0), utc(2026, 12, 1, 6, 0)},
		{"the end is not quiet", night, utc(2026, 12, 1, 6, 0), time.Time{}},
		{"daytime", night, utc(2026, 12, 1, 11, 0), time.Time{}},
		// Summer time begins in Berlin on 29 March 2026: 07:00 is then
		// 05:00 UTC, and the night before started at 21:00 UTC.
		{"night into summer time", night, utc(2026, 3, 28, 23, 0), utc(2026, 3, 29, 5, 0)},
		// It ends on 25 October: 07:00 is then 06:00 UTC.
		{"night into winter time", night, utc(2026, 10, 24, 23, 0), utc(2026, 10, 25, 6, 0)},
		{"within a day, half-hour zone", lunch, utc(2026, 11, 30, 7, 0), utc(2026, 11, 30, 8, 0)},
		{"outside a daytime window", lunch, utc(2026, 11, 30, 8, 0), time.Time{}},
		{"no quiet hours", center.DefaultPrefs(), utc(2026, 11, 30, 23, 0), time.Time{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.p.QuietUntil(tc.at); !got.Equal(tc.want) {
				t.Fatalf("QuietUntil(%v) = %v, want %v", tc.at, got, tc.want)
			}
		})
	}
}

func TestPrefsAreCheckedAndRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		u := f.user("u@example.com", auth.Operator)
		p, err := f.c.Prefs(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		if !p.UpdatedAt.IsZero() || p.HasQuietHours() || len(p.Disabled) != 0 || p.TimeZone != "UTC" {
			t.Fatalf("defaults %+v", p)
		}
		for _, tc := range []struct {
			p     center.Prefs
			field string
		}{
			{center.Prefs{Disabled: []center.Kind{"gossip"}}, "disabled_kinds"},
			{center.Prefs{QuietStart: "22:00"}, "quiet_end"},
			{center.Prefs{QuietEnd: "07:00"}, "quiet_start"},
			{center.Prefs{QuietStart: "24:00", QuietEnd: "07:00"}, "quiet_start"},
			{center.Prefs{QuietStart: "22:00", QuietEnd: "7pm"}, "quiet_end"},
			{center.Prefs{QuietStart: "22:00", QuietEnd: "22:00"}, "quiet_end"},
			{center.Prefs{TimeZone: "Mars/Olympus_Mons"}, "time_zone"},
			{center.Prefs{TimeZone: "Local"}, "time_zone"},
		} {
			_, err := f.c.SetPrefs(ctx, u, tc.p)
			var verrs validation.Errors
			if !errors.As(err, &verrs) || verrs[tc.field] == "" {
				t.Errorf("%+v: error %v, want one about %s", tc.p, err, tc.field)
			}
		}
		saved, err := f.c.SetPrefs(ctx, u, center.Prefs{Disabled: []center.Kind{center.Health, center.SLAUrgent, center.Health},
			QuietStart: " 7:00", QuietEnd: "08:30", TimeZone: "Pacific/Auckland"})
		if err != nil {
			t.Fatal(err)
		}
		got, err := f.c.Prefs(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		want := center.Prefs{Disabled: []center.Kind{center.SLAUrgent, center.Health}, QuietStart: "07:00", QuietEnd: "08:30",
			TimeZone: "Pacific/Auckland", UpdatedAt: t0}
		for _, p := range []center.Prefs{saved, got} {
			if !slices.Equal(p.Disabled, want.Disabled) || p.QuietStart != want.QuietStart || p.QuietEnd != want.QuietEnd ||
				p.TimeZone != want.TimeZone || !p.UpdatedAt.Equal(want.UpdatedAt) {
				t.Fatalf("prefs %+v, want %+v", p, want)
			}
		}
		if _, err := f.c.SetPrefs(ctx, 9999, center.Prefs{}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("prefs of nobody: %v", err)
		}
	})
}

func TestChangingQuietHoursMovesHeldNotifications(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		f := newFixture(t, db)
		u := f.user("u@example.com", auth.Operator)
		f.setPrefs(u, center.Prefs{QuietStart: "08:00", QuietEnd: "12:00"}) // 09:00 UTC now: quiet
		f.notify(center.Audience{UserIDs: []int64{u}}, breach("b1"))
		if f.unread(u) != 0 {
			t.Fatal("not held")
		}
		f.wakes()
		// Ending quiet hours sooner moves the held one to the new end.
		f.setPrefs(u, center.Prefs{QuietStart: "08:00", QuietEnd: "10:00"})
		f.clk.Set(t0.Add(time.Hour))
		if f.unread(u) != 1 {
			t.Fatal("not shown at the new end of quiet hours")
		}
		f.clk.Set(t0)
		f.notify(center.Audience{UserIDs: []int64{u}}, breach("b2"))
		f.wakes()
		// Turning quiet hours off shows what was held at once, and wakes
		// the person's pages.
		f.setPrefs(u, center.Prefs{})
		if got := f.unread(u); got != 2 {
			t.Fatalf("%d unread after quiet hours were turned off, want 2", got)
		}
		if w := f.wakes(); len(w) != 1 || !slices.Equal(w[0], []int64{u}) {
			t.Fatalf("published %v", w)
		}
	})
}

func TestReadingIsPerPerson(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		a := f.user("a@example.com", auth.Operator)
		b := f.user("b@example.com", auth.Operator)
		ops := center.Audience{Roles: []auth.Role{auth.Operator}}
		for i := range 3 {
			f.notify(ops, breach(fmt.Sprintf("b%d", i)))
			f.clk.Advance(time.Minute)
		}
		aItems := f.list(a, center.Page{})
		bItems := f.list(b, center.Page{})
		f.wakes()

		// Someone else's notification is not found, and stays unread.
		if _, err := f.c.MarkRead(ctx, b, aItems[0].ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("b marking a's notification: %v", err)
		}
		if f.unread(a) != 3 {
			t.Fatal("b's attempt changed a's notifications")
		}
		it, err := f.c.MarkRead(ctx, a, aItems[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if it.Unread() || !it.ReadAt.Equal(f.clk.Now()) || it.Link != "/conversations/42" {
			t.Fatalf("marked %+v", it)
		}
		if got := [2]int{f.unread(a), f.unread(b)}; got != [2]int{2, 3} {
			t.Fatalf("unread a, b = %v, want [2 3]", got)
		}
		if w := f.wakes(); len(w) != 1 || !slices.Equal(w[0], []int64{a}) {
			t.Fatalf("published %v, want a once", w)
		}
		// Marking it again changes nothing and wakes nobody.
		if _, err := f.c.MarkRead(ctx, a, aItems[0].ID); err != nil {
			t.Fatal(err)
		}
		if w := f.wakes(); len(w) != 0 {
			t.Fatalf("a second mark woke %v", w)
		}
		if got := titles(f.list(a, center.Page{UnreadOnly: true})); len(got) != 2 {
			t.Fatalf("a's unread list: %v", got)
		}

		// Mark all read up to what b saw: a notification that came later
		// stays unread.
		f.notify(ops, breach("later"))
		f.wakes()
		n, err := f.c.MarkAllRead(ctx, b, bItems[0].ID)
		if err != nil || n != 3 {
			t.Fatalf("marked %d (%v), want 3", n, err)
		}
		if got := [2]int{f.unread(a), f.unread(b)}; got != [2]int{3, 1} {
			t.Fatalf("unread a, b = %v, want [3 1]", got)
		}
		if w := f.wakes(); len(w) != 1 || !slices.Equal(w[0], []int64{b}) {
			t.Fatalf("published %v, want b once", w)
		}
		if n, err := f.c.MarkAllRead(ctx, b, 0); err != nil || n != 1 {
			t.Fatalf("mark all: %d, %v", n, err)
		}
		if n, _ := f.c.MarkAllRead(ctx, b, 0); n != 0 || len(f.wakes()) != 1 {
			t.Fatalf("marking nothing marked %d or woke someone", n)
		}
	})
}

func TestHeldNotificationsCannotBeReadBeforeTheyAppear(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		u := f.user("u@example.com", auth.Operator)
		f.notify(center.Audience{UserIDs: []int64{u}}, breach("shown"))
		f.setPrefs(u, center.Prefs{QuietStart: "08:00", QuietEnd: "12:00"})
		f.notify(center.Audience{UserIDs: []int64{u}}, breach("held"))
		var heldID int64
		if err := db.Read.QueryRowContext(ctx, `SELECT id FROM notifications WHERE dedup_key = 'held'`).Scan(&heldID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.c.MarkRead(ctx, u, heldID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("marking a held notification: %v", err)
		}
		if n, _ := f.c.MarkAllRead(ctx, u, 0); n != 1 {
			t.Fatalf("mark all read marked %d, want only the one shown", n)
		}
		f.clk.Set(t0.Add(3 * time.Hour))
		if got := f.unread(u); got != 1 {
			t.Fatalf("after quiet hours %d unread, want the held one", got)
		}
	})
}

func TestListPagesNewestFirst(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		u := f.user("u@example.com", auth.Operator)
		for i := range 5 {
			f.notify(center.Audience{UserIDs: []int64{u}}, center.Notification{Kind: center.Incident, Title: fmt.Sprintf("n%d", i)})
		}
		var got []string
		var cursor int64
		for pages := 0; ; pages++ {
			items, next, err := f.c.List(ctx, u, center.Page{Limit: 2, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, titles(items)...)
			if next == 0 {
				break
			}
			if pages > 5 {
				t.Fatal("paging does not end")
			}
			cursor = next
		}
		if !slices.Equal(got, []string{"n4", "n3", "n2", "n1", "n0"}) {
			t.Fatalf("pages gave %v", got)
		}
		items := f.list(u, center.Page{})
		if _, err := f.c.MarkRead(ctx, u, items[1].ID); err != nil {
			t.Fatal(err)
		}
		if got := titles(f.list(u, center.Page{UnreadOnly: true, Limit: 3})); !slices.Equal(got, []string{"n4", "n2", "n1"}) {
			t.Fatalf("unread page %v", got)
		}
	})
}

func TestSummaryNamesTheNewestUrgentUnread(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		u := f.user("u@example.com", auth.Operator)
		me := center.Audience{UserIDs: []int64{u}}
		s, err := f.c.Summary(ctx, u)
		if err != nil || s.Unread != 0 || s.LatestUrgent.ID != 0 {
			t.Fatalf("empty summary %+v (%v)", s, err)
		}
		f.notify(me, center.Notification{Kind: center.Incident, Severity: "S1", Title: "S1 opened"})
		f.notify(me, center.Notification{Kind: center.DraftHighRisk, Severity: "high", Title: "Refund draft"})
		f.notify(me, breach("b"))
		s, err = f.c.Summary(ctx, u)
		if err != nil || s.Unread != 3 || s.LatestUrgent.Title != "Refund draft" || !s.LatestUrgent.Urgent {
			t.Fatalf("summary %+v (%v)", s, err)
		}
		if _, err := f.c.MarkRead(ctx, u, s.LatestUrgent.ID); err != nil {
			t.Fatal(err)
		}
		if s, _ = f.c.Summary(ctx, u); s.Unread != 2 || s.LatestUrgent.Title != "S1 opened" {
			t.Fatalf("after reading the draft: %+v", s)
		}
	})
}

func TestNotifyTxIsPartOfTheCallersTransaction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		u := f.user("u@example.com", auth.Operator)
		f.wakes()
		boom := errors.New("the caller's write failed")
		err := db.InTx(ctx, func(tx *sql.Tx) error {
			d, err := f.c.NotifyTx(ctx, tx, center.Audience{UserIDs: []int64{u}}, breach("b"))
			if err != nil || d.Stored != 1 {
				t.Fatalf("notify in tx: %+v, %v", d, err)
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if f.unread(u) != 0 || len(f.wakes()) != 0 {
			t.Fatal("a rolled-back notification was kept or woke someone")
		}
		// Committed, it counts, and AfterCommit wakes each person once
		// however many deliveries name them.
		var ds []center.Delivery
		err = db.InTx(ctx, func(tx *sql.Tx) error {
			for _, key := range []string{"b", "c"} {
				d, err := f.c.NotifyTx(ctx, tx, center.Audience{UserIDs: []int64{u}}, breach(key))
				if err != nil {
					return err
				}
				ds = append(ds, d)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(f.wakes()) != 0 {
			t.Fatal("NotifyTx woke someone before commit")
		}
		f.c.AfterCommit(ds...)
		if w := f.wakes(); len(w) != 1 || !slices.Equal(w[0], []int64{u}) || f.unread(u) != 2 {
			t.Fatalf("after commit: published %v, %d unread", w, f.unread(u))
		}
	})
}

func TestNotificationsAreCheckedAndCleaned(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		u := f.user("u@example.com", auth.Operator)
		me := center.Audience{UserIDs: []int64{u}}
		for _, n := range []center.Notification{
			{Kind: "gossip", Title: "x"},
			{Kind: center.Health, Severity: "S9", Title: "x"},
			{Kind: center.Health, Title: "  "},
			{Kind: center.Health, Title: "x", Link: "https://evil.example/"},
			{Kind: center.Health, Title: "x", Link: "//evil.example/"},
			{Kind: center.Health, Title: "x", Link: `/\evil.example/`},
		} {
			if _, err := f.c.Notify(ctx, me, n); err == nil {
				t.Errorf("%+v was accepted", n)
			}
		}
		d := f.notify(me, center.Notification{Kind: center.Health, Title: "line one\nline\x00 two \xff " + strings.Repeat("é", 300),
			Body: strings.Repeat("b", 3000), Link: "/health?check=7"})
		if d.Stored != 1 {
			t.Fatal("not stored")
		}
		it := f.list(u, center.Page{})[0]
		if !strings.HasPrefix(it.Title, "line one line two \uFFFD éé") || !strings.HasSuffix(it.Title, "…") ||
			len([]rune(it.Title)) != center.MaxTitle || len([]rune(it.Body)) != center.MaxBody {
			t.Fatalf("title %q (%d runes), body %d runes", it.Title, len([]rune(it.Title)), len([]rune(it.Body)))
		}
	})
}
