package conversation_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hotdash/hotdash/internal/chatwoot"
	"github.com/hotdash/hotdash/internal/clock"
	"github.com/hotdash/hotdash/internal/conversation"
	"github.com/hotdash/hotdash/internal/sla"
	"github.com/hotdash/hotdash/internal/store/storetest"
)

var t0 = time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)

// world is a projection and a deadline loop over one database, driven by a
// manual clock.
type world struct {
	t     *testing.T
	db    *storetest.DB
	clock *clock.Manual
	proj  *conversation.Projection
	dl    *conversation.Deadlines
	queue *conversation.Queue
	fired []conversation.BandChange
}

func newWorld(t *testing.T, db *storetest.DB) *world {
	t.Helper()
	w := &world{t: t, db: db, clock: clock.NewManual(t0), queue: conversation.NewQueue(db.DB)}
	ps, err := sla.NewPolicies(sla.DefaultPolicy())
	if err != nil {
		t.Fatal(err)
	}
	w.proj = conversation.NewProjection(db.DB, 1, conversation.Rules{Policies: ps, Bands: sla.DefaultBands()})
	t.Cleanup(w.proj.Close)
	w.dl = conversation.NewDeadlines(db.DB, sla.DefaultBands(), w.clock, prometheus.NewRegistry(),
		slog.New(slog.NewTextHandler(io.Discard, nil)), func(chs []conversation.BandChange) { w.fired = append(w.fired, chs...) })
	return w
}

// apply folds webhook bodies in one transaction, as the projector does.
func (w *world) apply(bodies ...string) {
	w.t.Helper()
	ctx := context.Background()
	if err := w.proj.Prepare(ctx); err != nil {
		w.t.Fatal(err)
	}
	now := w.clock.Now()
	err := w.db.InTx(ctx, func(tx *sql.Tx) error {
		var ids []int64
		for _, b := range bodies {
			ev, err := chatwoot.DecodeEvent([]byte(b))
			if err != nil {
				return fmt.Errorf("decode %s: %w", b, err)
			}
			id, err := w.proj.Apply(ctx, tx, ev, now)
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		_, err := w.proj.Recompute(ctx, tx, ids, now)
		return err
	})
	if err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) get(display int64) conversation.Conversation {
	w.t.Helper()
	c, err := w.queue.ByDisplayID(context.Background(), 1, display)
	if err != nil {
		w.t.Fatal(err)
	}
	return c
}

// at moves the clock and fires what is due.
func (w *world) at(d time.Duration) {
	w.t.Helper()
	w.clock.Set(t0.Add(d))
	if _, err := w.dl.FireDue(context.Background()); err != nil {
		w.t.Fatal(err)
	}
}

func conv(display int64, status string, updated time.Time, extra string) string {
	return fmt.Sprintf(`{"id":%d,"account":{"id":1,"name":"Acme"},"inbox_id":3,"channel":"Channel::WebWidget","status":%q,
		"priority":null,"labels":[],"created_at":%d,"updated_at":%d.5,"last_activity_at":%d,"waiting_since":0,
		"meta":{"sender":{"id":9,"name":"Maria <b>Gonzalez</b>","email":"maria@example.com","type":"contact"},"assignee":null,"team":null},
		"messages":[]%s}`, display, status, t0.Unix(), updated.Unix(), updated.Unix(), extra)
}

func message(id, display int64, kind string, private bool, at time.Time, content, senderType string) string {
	return fmt.Sprintf(`{"event":"message_created","id":%d,"content":%q,"message_type":%q,"private":%t,
		"created_at":%q,"sender":{"id":5,"name":"Someone","type":%q},"account":{"id":1,"name":"Acme"},
		"conversation":%s}`, id, content, kind, private, at.Format(time.RFC3339), senderType, conv(display, "open", at, ""))
}

func statusChange(display int64, from, to string, at time.Time) string {
	return `{"event":"conversation_status_changed",` +
		fmt.Sprintf(`"changed_attributes":[{"status":{"previous_value":%q,"current_value":%q}}],`, from, to) +
		strings.TrimPrefix(conv(display, to, at, ""), "{")
}

func TestFirstResponseClockWalksThroughTheBandsAndStopsOnReply(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		w := newWorld(t, db)
		w.apply(message(101, 42, "incoming", false, t0, "Where is my refund?", "contact"))
		c := w.get(42)
		if c.Channel != "web" || c.ContactName != "Maria <b>Gonzalez</b>" || c.Preview != "Where is my refund?" {
			t.Fatalf("projected %+v", c)
		}
		if c.SLA.Clock != "first_response" || !c.SLA.Due.Equal(t0.Add(30*time.Minute)) || c.SLA.Band != "ok" {
			t.Fatalf("SLA %+v, want first response due at +30m, ok", c.SLA)
		}
		if !c.SLA.NextAt.Equal(t0.Add(15 * time.Minute)) {
			t.Fatalf("next band change at %v, want +15m", c.SLA.NextAt)
		}
		steps := []struct {
			at   time.Duration
			band string
		}{
			{14 * time.Minute, "ok"},
			{15*time.Minute + time.Second, "warning"},
			{25*time.Minute + time.Second, "urgent"},
			{30*time.Minute + time.Second, "breached"},
			{2 * time.Hour, "breached"},
		}
		for _, s := range steps {
			w.at(s.at)
			if got := w.get(42).SLA.Band; got != s.band {
				t.Fatalf("at +%s band %q, want %q", s.at, got, s.band)
			}
		}
		if len(w.fired) != 3 || w.fired[2].To != "breached" || w.fired[2].Clock != "first_response" {
			t.Fatalf("fired %+v, want warning, urgent, breached", w.fired)
		}
		next, err := w.dl.Next(context.Background())
		if err != nil || !next.IsZero() {
			t.Fatalf("after breaching nothing is due, got %v %v", next, err)
		}
		w.clock.Set(t0.Add(2*time.Hour + time.Minute))
		w.apply(message(102, 42, "outgoing", false, t0.Add(2*time.Hour+time.Minute), "Refund sent", "user"))
		c = w.get(42)
		if c.SLA.Clock != "resolution" || c.SLA.Band != "ok" {
			t.Fatalf("after the reply, nearest clock %q band %q, want resolution ok", c.SLA.Clock, c.SLA.Band)
		}
		var fr conversation.ClockState
		for _, cl := range c.SLA.Clocks {
			if cl.Name == "first_response" {
				fr = cl
			}
		}
		if fr.State != "missed" {
			t.Fatalf("first response clock %+v, want missed", fr)
		}
		_, changes, err := conversation.BandChangesSince(context.Background(), db.DB, 0, 100)
		if err != nil || len(changes) != 5 || changes[0].To != "ok" || changes[4].From != "breached" {
			t.Fatalf("recorded changes %+v (%v)", changes, err)
		}
	})
}

func TestPrivateNotesAndBotRepliesDoNotStopTheClock(t *testing.T) {
	db := storetest.OpenSQLite(t)
	w := newWorld(t, db)
	w.apply(
		message(1, 7, "incoming", false, t0, "Hello?", "contact"),
		message(2, 7, "outgoing", true, t0.Add(time.Minute), "note to self", "user"),
		message(3, 7, "outgoing", false, t0.Add(2*time.Minute), "I am a bot", "agent_bot"),
	)
	if c := w.get(7); c.SLA.Clock != "first_response" {
		t.Fatalf("clock %q: a note or a bot stopped the first response clock", c.SLA.Clock)
	}
	msgs, err := w.queue.Messages(context.Background(), w.get(7).ID, 10)
	if err != nil || len(msgs) != 3 || !msgs[1].Private {
		t.Fatalf("messages %+v %v", msgs, err)
	}
}

func TestPendingPausesTheClocks(t *testing.T) {
	db := storetest.OpenSQLite(t)
	w := newWorld(t, db)
	w.apply(message(1, 8, "incoming", false, t0, "Hi", "contact"))
	w.clock.Set(t0.Add(10 * time.Minute))
	w.apply(statusChange(8, "open", "pending", t0.Add(10*time.Minute)))
	c := w.get(8)
	if c.Status != "pending" || c.SLA.Clock != "" || c.SLA.Band != "" {
		t.Fatalf("pending conversation: status %q clock %q band %q", c.Status, c.SLA.Clock, c.SLA.Band)
	}
	w.clock.Set(t0.Add(time.Hour))
	w.apply(statusChange(8, "pending", "open", t0.Add(time.Hour)))
	c = w.get(8)
	if want := t0.Add(time.Hour + 20*time.Minute); c.SLA.Clock != "first_response" || !c.SLA.Due.Equal(want) {
		t.Fatalf("after reopening: %q due %v, want first_response due %v (10 of 30 minutes used)", c.SLA.Clock, c.SLA.Due, want)
	}
	h, err := w.queue.StatusHistory(context.Background(), c.ID)
	if err != nil || len(h) != 3 {
		t.Fatalf("status history %+v %v", h, err)
	}
}

func TestAnOlderSnapshotDoesNotOverwriteANewerOne(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		w := newWorld(t, db)
		newer := `{"event":"conversation_updated",` + strings.TrimPrefix(strings.Replace(conv(9, "open", t0.Add(time.Hour), ""), `"labels":[]`, `"labels":["vip","escalation"]`, 1), "{")
		older := `{"event":"conversation_updated",` + strings.TrimPrefix(conv(9, "open", t0, ""), "{")
		w.apply(newer)
		w.apply(older)
		if c := w.get(9); len(c.Labels) != 2 || !c.SourceUpdatedAt.Equal(t0.Add(time.Hour).Add(500*time.Millisecond)) {
			t.Fatalf("labels %v updated %v: the late, older snapshot won", c.Labels, c.SourceUpdatedAt)
		}
		esc, err := w.queue.Count(context.Background(), conversation.Filter{Escalated: true})
		if err != nil || esc != 1 {
			t.Fatalf("escalated count %d %v", esc, err)
		}
	})
}

func TestAMessageForAnUnknownConversationIsReported(t *testing.T) {
	db := storetest.OpenSQLite(t)
	w := newWorld(t, db)
	ctx := context.Background()
	if err := w.proj.Prepare(ctx); err != nil {
		t.Fatal(err)
	}
	ev := chatwoot.Event{Name: "message_created", Message: &chatwoot.Message{ID: 5, ConversationDisplayID: 999, Type: chatwoot.MessageIncoming}}
	err := db.InTx(ctx, func(tx *sql.Tx) error {
		_, err := w.proj.Apply(ctx, tx, ev, t0)
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "not seen yet") {
		t.Fatalf("error %v", err)
	}
}

func TestQueueOrdersByDeadlineAndPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		w := newWorld(t, db)
		var bodies []string
		for i := range 12 {
			at := t0.Add(time.Duration(i%6) * time.Minute)
			bodies = append(bodies, message(int64(100+i), int64(i+1), "incoming", false, at, "hi", "contact"))
		}
		w.apply(bodies...)
		w.clock.Set(t0.Add(time.Hour))
		w.apply(statusChange(3, "open", "resolved", t0.Add(time.Hour)), statusChange(4, "open", "snoozed", t0.Add(time.Hour)))
		ctx := context.Background()
		var seen []int64
		cursor := ""
		for pages := 0; pages < 10; pages++ {
			page, next, err := w.queue.List(ctx, conversation.Filter{}, conversation.Page{Limit: 4, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range page {
				seen = append(seen, c.DisplayID)
			}
			if next == "" {
				break
			}
			cursor = next
		}
		if len(seen) != 11 {
			t.Fatalf("listed %v: want the 11 unresolved conversations once each", seen)
		}
		// Due times: conversation i (display i+1) got its message at +(i%6) min.
		first := seen[:2]
		if !((first[0] == 1 && first[1] == 7) || (first[0] == 7 && first[1] == 1)) {
			t.Fatalf("first two %v: want the two whose clocks started first", first)
		}
		if seen[len(seen)-1] != 4 {
			t.Fatalf("last %d: the snoozed one (no running clock) belongs at the end", seen[len(seen)-1])
		}
		if _, _, err := w.queue.List(ctx, conversation.Filter{}, conversation.Page{Cursor: "bogus"}); err == nil {
			t.Fatal("a bogus cursor was accepted")
		}
	})
}

// TestEventsStampedAheadOfOurClockStillCount covers a Chatwoot whose clock
// runs ahead of HotDash's: a pause it reports must pause the clock now, not
// when our clock catches up (by then no event may come to recompute it).
func TestEventsStampedAheadOfOurClockStillCount(t *testing.T) {
	db := storetest.OpenSQLite(t)
	w := newWorld(t, db)
	w.apply(message(1, 5, "incoming", false, t0, "Hi", "contact"))
	w.clock.Set(t0.Add(10 * time.Minute))
	w.apply(statusChange(5, "open", "snoozed", t0.Add(10*time.Minute+3*time.Second)))
	if c := w.get(5); c.SLA.Clock != "" {
		t.Fatalf("a snooze stamped 3 s ahead of our clock left clock %q running", c.SLA.Clock)
	}
}

func TestSearchMatchesTheStartOfNameOrEmailOnEveryEngine(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		w := newWorld(t, db)
		w.apply(message(1, 11, "incoming", false, t0, "hi", "contact")) // contact: Maria <b>Gonzalez</b>, maria@example.com
		ctx := context.Background()
		cases := map[string]int{
			"maria": 1, "MARIA <b>": 1, "maria@ex": 1, "#11": 1, "11": 1,
			"gonzalez": 0, "%": 0, "_aria": 0, "example.com": 0,
		}
		for text, want := range cases {
			n, err := w.queue.Count(ctx, conversation.Filter{Text: text})
			if err != nil || n != want {
				t.Errorf("search %q: %d (%v), want %d", text, n, err, want)
			}
		}
	})
}
