package conversation_test

import (
	"context"
	"testing"
	"time"

	"github.com/hotdash/hotdash/internal/conversation"
	"github.com/hotdash/hotdash/internal/store/storetest"
)

func TestBandChangesOfOneConversation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		w := newWorld(t, db)
		w.apply(message(1, 21, "incoming", false, t0, "Hello?", "contact"), message(2, 22, "incoming", false, t0, "Other", "contact"))
		for _, m := range []time.Duration{16, 26, 31} {
			w.at(m * time.Minute)
		}
		ctx := context.Background()
		changes, err := w.queue.BandChanges(ctx, w.get(21).ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		var path []string
		for _, ch := range changes {
			if ch.ConversationID != w.get(21).ID {
				t.Fatalf("change %+v belongs to another conversation", ch)
			}
			path = append(path, ch.From+">"+ch.To)
		}
		if got, want := join(path), ">ok ok>warning warning>urgent urgent>breached"; got != want {
			t.Fatalf("changes %s, want %s (oldest first)", got, want)
		}
		last := changes[len(changes)-1]
		if last.Clock != "first_response" || !last.Due.Equal(t0.Add(30*time.Minute)) || last.At.Before(last.Due) {
			t.Fatalf("breach recorded as %+v", last)
		}
		newest, err := w.queue.BandChanges(ctx, w.get(21).ID, 2)
		if err != nil || len(newest) != 2 || newest[1].To != "breached" {
			t.Fatalf("limited to 2: %+v %v, want the newest two, oldest first", newest, err)
		}
		none, err := w.queue.BandChanges(ctx, 999999, 10)
		if err != nil || len(none) != 0 {
			t.Fatalf("unknown conversation: %+v %v", none, err)
		}
	})
}

func TestComplianceCountsClocksMetAndBreachedInThePeriod(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		w := newWorld(t, db)
		day := time.Date(t0.Year(), t0.Month(), t0.Day(), 0, 0, 0, 0, time.UTC)
		ctx := context.Background()
		empty, err := w.queue.Compliance(ctx, day, day.Add(24*time.Hour))
		if _, ok := empty.Percent(); err != nil || ok || empty.Ended() != 0 {
			t.Fatalf("no conversations: %+v %v", empty, err)
		}

		// Today: #32 answered in 10 minutes (met), #33 and #34 never
		// answered (breached at +30m), #35 still within its target.
		w.clock.Set(t0)
		w.apply(
			message(3, 32, "incoming", false, t0, "Refund?", "contact"),
			message(4, 33, "incoming", false, t0, "Hello?", "contact"),
			message(5, 34, "incoming", false, t0, "Anyone?", "contact"),
		)
		w.clock.Set(t0.Add(10 * time.Minute))
		w.apply(message(6, 32, "outgoing", false, t0.Add(10*time.Minute), "Done", "user"))
		w.at(31 * time.Minute)
		w.clock.Set(t0.Add(40 * time.Minute))
		w.apply(message(7, 35, "incoming", false, t0.Add(40*time.Minute), "New", "contact"))
		// Firing again records nothing new: each breach counts once.
		w.at(45 * time.Minute)

		c, err := w.queue.Compliance(ctx, day, day.Add(24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if c.Met != 1 || c.Missed != 2 {
			t.Fatalf("today %+v, want 1 met and 2 missed", c)
		}
		if pct, ok := c.Percent(); !ok || pct != 33 {
			t.Fatalf("percent %d %v, want 33", pct, ok)
		}
		later, err := w.queue.Compliance(ctx, t0.Add(20*time.Minute), day.Add(24*time.Hour))
		if err != nil || later.Met != 0 || later.Missed != 2 {
			t.Fatalf("from +20m %+v %v, want the reply at +10m left out", later, err)
		}
		tomorrow, err := w.queue.Compliance(ctx, day.Add(24*time.Hour), day.Add(48*time.Hour))
		if err != nil || tomorrow.Ended() != 0 {
			t.Fatalf("tomorrow %+v %v, want nothing", tomorrow, err)
		}
		// #32's customer writes again and is answered in time: a second
		// cycle met. Later events on #32 re-evaluate its clocks without
		// counting either cycle twice.
		w.clock.Set(t0.Add(50 * time.Minute))
		w.apply(message(8, 32, "incoming", false, t0.Add(50*time.Minute), "One more thing", "contact"))
		w.clock.Set(t0.Add(55 * time.Minute))
		w.apply(message(9, 32, "outgoing", false, t0.Add(55*time.Minute), "Sure", "user"))
		w.clock.Set(t0.Add(56 * time.Minute))
		w.apply(message(10, 32, "outgoing", true, t0.Add(56*time.Minute), "note to self", "user"))
		again, err := w.queue.Compliance(ctx, day, day.Add(24*time.Hour))
		if err != nil || again.Met != 2 || again.Missed != 2 {
			t.Fatalf("after #32's second turn %+v %v, want 2 met (one per cycle) and 2 missed", again, err)
		}
		if pct, _ := (conversation.Compliance{Met: 999, Missed: 1}).Percent(); pct != 99 {
			t.Fatalf("999 of 1000 shows %d%%; only a day without a miss shows 100", pct)
		}
	})
}

func join(parts []string) string {
	out := ""
	for i, p := range parts {
		if i > 0 {
			out += " "
		}
		out += p
	}
	return out
}
