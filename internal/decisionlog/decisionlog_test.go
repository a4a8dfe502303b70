package decisionlog_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hotdash/hotdash/internal/clock"
	"github.com/hotdash/hotdash/internal/decisionlog"
	"github.com/hotdash/hotdash/internal/store"
	"github.com/hotdash/hotdash/internal/store/postgres"
	"github.com/hotdash/hotdash/internal/store/sqlite"
	"github.com/hotdash/hotdash/internal/store/storetest"
	"github.com/hotdash/hotdash/internal/validation"
)

var t0 = time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)

func newLog(t *testing.T, db *store.DB, clk clock.Clock) *decisionlog.Log {
	t.Helper()
	l := decisionlog.New(db, clk, decisionlog.Options{})
	t.Cleanup(l.Close)
	return l
}

func draft(action string) decisionlog.Draft {
	return decisionlog.Draft{Scope: "build", Actor: "support", Action: action, Rationale: "because", RecordedBy: "test"}
}

func mustAppend(t *testing.T, l *decisionlog.Log, d decisionlog.Draft) decisionlog.Entry {
	t.Helper()
	e, created, err := l.Append(context.Background(), d)
	if err != nil {
		t.Fatalf("append %q: %v", d.Action, err)
	}
	if !created {
		t.Fatalf("append %q: returned an existing entry", d.Action)
	}
	return e
}

func TestAppendChainsEntriesAndRoundTripsEveryField(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		clk := clock.NewManual(t0.Add(123456 * time.Microsecond))
		l := newLog(t, db.DB, clk)
		first := mustAppend(t, l, draft("daily_shutdown"))
		clk.Advance(time.Minute)
		d := decisionlog.Draft{
			Scope: " ops ", Actor: "lead@example.com", Action: "chatwoot.escalate", Rationale: "  refund over limit  ",
			Evidence: []string{"https://runbooks.example.com/refunds", "/help?topic=escalation", ""},
			Severity: "S2", Status: "in_progress", IncidentRef: "INC-7", ConversationRef: "cw:42", ApprovalRef: "apr-3",
			NextAction: "call the customer", NextActionOwner: "maria", NextActionDue: t0.Add(2 * time.Hour),
			Payload:    json.RawMessage(`{ "amount": 120,  "currency": "EUR" }`),
			RecordedBy: "token:ci", IdempotencyKey: "k-1",
		}
		second := mustAppend(t, l, d)
		if first.ID != 1 || second.ID != 2 {
			t.Fatalf("ids = %d, %d; want 1, 2", first.ID, second.ID)
		}
		if first.PrevHash != "" || second.PrevHash != first.Hash || len(second.Hash) != 64 {
			t.Fatalf("chain not linked: first=%+v second prev=%q", first.Hash, second.PrevHash)
		}
		got, err := l.Get(context.Background(), 2)
		if err != nil {
			t.Fatal(err)
		}
		want := second
		if got.Scope != "ops" || got.Rationale != "refund over limit" || string(got.Payload) != `{"amount":120,"currency":"EUR"}` ||
			len(got.Evidence) != 2 || !got.NextActionDue.Equal(t0.Add(2*time.Hour)) || got.IdempotencyKey != "k-1" {
			t.Fatalf("stored entry was not normalized as expected: %+v", got)
		}
		if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", want) {
			t.Fatalf("read back differs from what Append returned:\n got %+v\nwant %+v", got, want)
		}
		if !got.CreatedAt.Equal(t0.Add(time.Minute + 123456*time.Microsecond)) {
			t.Fatalf("created_at = %v, want the clock's time", got.CreatedAt)
		}
	})
}

func TestAppendRejectsInvalidDraftsWithEveryProblemNamed(t *testing.T) {
	l := newLog(t, storetest.OpenSQLite(t).DB, clock.NewManual(t0))
	_, _, err := l.Append(context.Background(), decisionlog.Draft{
		Scope: "weekly", Action: strings.Repeat("x", 201), Severity: "S9", Status: "done",
		Evidence: []string{"javascript:alert(1)"}, Payload: json.RawMessage(`[1,2]`),
		NextActionOwner: "bob",
	})
	var verrs validation.Errors
	if !errors.As(err, &verrs) {
		t.Fatalf("error = %v, want validation.Errors", err)
	}
	for _, field := range []string{"scope", "actor", "action", "rationale", "severity", "status", "evidence", "payload", "next_action"} {
		if verrs[field] == "" {
			t.Errorf("no message for %s in %v", field, verrs)
		}
	}
	if n, _ := l.Count(context.Background(), decisionlog.Filter{}); n != 0 {
		t.Fatalf("an invalid draft was stored (%d entries)", n)
	}
}

func TestIdempotencyKeyReturnsTheFirstEntry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		l := newLog(t, db.DB, clock.NewManual(t0))
		d := draft("retry-safe")
		d.IdempotencyKey = "cli-123"
		first := mustAppend(t, l, d)
		d.Rationale = "a retry with different text"
		again, created, err := l.Append(context.Background(), d)
		if err != nil || created || again.ID != first.ID || again.Rationale != "because" {
			t.Fatalf("retry = %+v created=%v err=%v; want the first entry back", again, created, err)
		}
		// Concurrent retries of one key land once.
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				d := draft("burst")
				d.IdempotencyKey = "burst-1"
				if _, _, err := l.Append(context.Background(), d); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if n, _ := l.Count(context.Background(), decisionlog.Filter{Action: "burst"}); n != 1 {
			t.Fatalf("8 concurrent appends with one key stored %d entries", n)
		}
	})
}

func TestCorrectionsAndClosingNextActions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		ctx := context.Background()
		clk := clock.NewManual(t0)
		l := newLog(t, db.DB, clk)
		withNext := func(action string, due time.Time) decisionlog.Entry {
			d := draft(action)
			d.NextAction, d.NextActionOwner, d.NextActionDue = "follow up", "maria", due
			return mustAppend(t, l, d)
		}
		overdue := withNext("a", t0.Add(time.Hour))
		later := withNext("b", t0.Add(48*time.Hour))
		corrected := withNext("c", time.Time{})
		plain := mustAppend(t, l, draft("plain"))

		fix := draft("c-corrected")
		fix.CorrectsID = corrected.ID
		mustAppend(t, l, fix)
		done := draft("followed up")
		done.ClosesID, done.Status = later.ID, "completed"
		mustAppend(t, l, done)

		open, _, err := l.List(ctx, decisionlog.Filter{OpenNextActions: true}, decisionlog.Page{})
		if err != nil {
			t.Fatal(err)
		}
		if len(open) != 1 || open[0].ID != overdue.ID {
			t.Fatalf("open next actions = %v, want only #%d", ids(open), overdue.ID)
		}
		clk.Advance(2 * time.Hour)
		od, _, err := l.List(ctx, decisionlog.Filter{OverdueAt: clk.Now()}, decisionlog.Page{})
		if err != nil || len(od) != 1 || od[0].ID != overdue.ID {
			t.Fatalf("overdue = %v (%v), want #%d", ids(od), err, overdue.ID)
		}
		due, err := l.DueSoonest(ctx, 5)
		if err != nil || len(due) != 1 || due[0].ID != overdue.ID {
			t.Fatalf("due soonest = %v (%v), want only #%d", ids(due), err, overdue.ID)
		}
		related, err := l.Related(ctx, later.ID)
		if err != nil || len(related) != 1 || related[0].ClosesID != later.ID {
			t.Fatalf("related to #%d = %v (%v)", later.ID, ids(related), err)
		}

		cases := []struct {
			name  string
			d     decisionlog.Draft
			field string
		}{
			{"correct a missing entry", decisionlog.Draft{CorrectsID: 999}, "corrects_id"},
			{"close a missing entry", decisionlog.Draft{ClosesID: 999}, "closes_id"},
			{"close an entry without next action", decisionlog.Draft{ClosesID: plain.ID}, "closes_id"},
			{"close twice", decisionlog.Draft{ClosesID: later.ID}, "closes_id"},
		}
		for _, c := range cases {
			d := draft(c.name)
			d.CorrectsID, d.ClosesID = c.d.CorrectsID, c.d.ClosesID
			_, _, err := l.Append(ctx, d)
			var verrs validation.Errors
			if !errors.As(err, &verrs) || verrs[c.field] == "" {
				t.Errorf("%s: error = %v, want a message on %s", c.name, err, c.field)
			}
		}
	})
}

func TestListFiltersAndKeysetPagination(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		ctx := context.Background()
		clk := clock.NewManual(t0)
		l := newLog(t, db.DB, clk)
		for i := range 25 {
			d := draft(fmt.Sprintf("action-%d", i%3))
			if i%2 == 0 {
				d.Scope, d.Actor = "ops", "maria"
			}
			if i == 7 {
				d.Rationale = "Customer said 100%_sure"
			}
			mustAppend(t, l, d)
			clk.Advance(time.Hour)
		}
		var all []int64
		var before int64
		for pages := 0; ; pages++ {
			page, next, err := l.List(ctx, decisionlog.Filter{}, decisionlog.Page{Limit: 10, Before: before})
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, ids(page)...)
			if next == 0 {
				if pages != 2 {
					t.Fatalf("25 entries in pages of 10 took %d pages", pages+1)
				}
				break
			}
			before = next
		}
		if len(all) != 25 || all[0] != 25 || all[24] != 1 {
			t.Fatalf("paged ids = %v, want 25..1 each once", all)
		}
		check := func(name string, f decisionlog.Filter, want int) {
			t.Helper()
			n, err := l.Count(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			page, _, err := l.List(ctx, f, decisionlog.Page{Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			if n != want || len(page) != want {
				t.Errorf("%s: count %d, listed %d, want %d", name, n, len(page), want)
			}
		}
		check("scope", decisionlog.Filter{Scope: "ops"}, 13)
		check("actor", decisionlog.Filter{Actor: "maria"}, 13)
		check("action", decisionlog.Filter{Action: "action-1"}, 8)
		check("time range", decisionlog.Filter{From: t0.Add(2 * time.Hour), To: t0.Add(5 * time.Hour)}, 3)
		check("text, case-insensitive, wildcards literal", decisionlog.Filter{Text: "100%_SURE"}, 1)
		check("text wildcard does not match everything", decisionlog.Filter{Text: "%"}, 1)
		check("combined", decisionlog.Filter{Scope: "ops", Action: "action-0"}, 5)
	})
}

func TestTheStoreRefusesUpdateAndDelete(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		ctx := context.Background()
		l := newLog(t, db.DB, clock.NewManual(t0))
		mustAppend(t, l, draft("keep me"))
		for _, stmt := range []string{
			`UPDATE decisions SET rationale = 'rewritten'`,
			`DELETE FROM decisions`,
		} {
			if _, err := db.Write.ExecContext(ctx, stmt); err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("%s: error = %v, want the append-only refusal", stmt, err)
			}
		}
		if db.Engine() == store.Postgres {
			if _, err := db.Write.ExecContext(ctx, `TRUNCATE decisions`); err == nil {
				t.Error("TRUNCATE was allowed")
			}
		}
		got, err := l.Get(ctx, 1)
		if err != nil || got.Rationale != "because" {
			t.Fatalf("entry after refused writes = %+v, %v", got, err)
		}
	})
}

// tamper runs stmt with the append-only triggers out of the way, as someone
// with direct database access could.
func tamper(t *testing.T, db *storetest.DB, stmt string) {
	t.Helper()
	ctx := context.Background()
	var stmts []string
	if db.Engine() == store.SQLite {
		stmts = []string{`DROP TRIGGER decisions_no_update`, `DROP TRIGGER decisions_no_delete`, stmt}
	} else {
		stmts = []string{`ALTER TABLE decisions DISABLE TRIGGER USER`, stmt, `ALTER TABLE decisions ENABLE TRIGGER USER`}
	}
	for _, s := range stmts {
		if _, err := db.Write.ExecContext(ctx, s); err != nil && !strings.Contains(err.Error(), "no such trigger") {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func TestVerifyNamesTheFirstAlteredEntry(t *testing.T) {
	cases := []struct {
		name   string
		stmt   string
		wantID int64
		reason string
	}{
		{"content", `UPDATE decisions SET rationale = 'we never said that' WHERE id = 4`, 4, "content altered"},
		{"evidence reformatted", `UPDATE decisions SET evidence = '[ ]' WHERE id = 3`, 3, "content altered"},
		{"rehashed to hide an edit", `UPDATE decisions SET hash = 'f00d' WHERE id = 5`, 5, "content altered"},
		{"deleted", `DELETE FROM decisions WHERE id = 6`, 6, "missing"},
		{"relinked", `UPDATE decisions SET prev_hash = 'x' WHERE id = 7`, 7, "link altered"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *storetest.DB) {
				ctx := context.Background()
				l := newLog(t, db.DB, clock.NewManual(t0))
				for i := range 10 {
					mustAppend(t, l, draft(fmt.Sprintf("step %d", i)))
				}
				res, err := decisionlog.Verify(ctx, db.DB, nil, nil)
				if err != nil || res.Broken != nil || res.Entries != 10 || res.HeadID != 10 {
					t.Fatalf("intact chain: %+v, %v", res, err)
				}
				tamper(t, db, c.stmt)
				res, err = decisionlog.Verify(ctx, db.DB, nil, nil)
				if err != nil {
					t.Fatal(err)
				}
				if res.Broken == nil || res.Broken.ID != c.wantID || !strings.Contains(res.Broken.Reason, c.reason) {
					t.Fatalf("verify after %s = %+v, want #%d %q", c.name, res.Broken, c.wantID, c.reason)
				}
			})
		})
	}
}

func TestVerifyChecksAnchorsAgainstTruncation(t *testing.T) {
	db := storetest.OpenSQLite(t)
	ctx := context.Background()
	l := newLog(t, db.DB, clock.NewManual(t0))
	var e decisionlog.Entry
	for i := range 5 {
		e = mustAppend(t, l, draft(fmt.Sprintf("step %d", i)))
	}
	anchor := []decisionlog.Anchor{{ID: e.ID, Hash: e.Hash}}
	if res, err := decisionlog.Verify(ctx, db.DB, anchor, nil); err != nil || res.Broken != nil {
		t.Fatalf("anchored intact chain: %+v %v", res, err)
	}
	tamper(t, db, `DELETE FROM decisions WHERE id >= 4`)
	res, err := decisionlog.Verify(ctx, db.DB, anchor, nil)
	if err != nil || res.Broken == nil || res.Broken.ID != 5 {
		t.Fatalf("truncated chain with an anchor at #5: %+v %v", res.Broken, err)
	}
}

// TestReplicasAppendingAtOnceCannotForkTheChain runs two independent Logs,
// each over its own connection pools (as two hotdash processes would), and
// appends from both concurrently.
func TestReplicasAppendingAtOnceCannotForkTheChain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		ctx := context.Background()
		second := reopen(t, db)
		logs := []*decisionlog.Log{newLog(t, db.DB, clock.System{}), newLog(t, second, clock.System{})}
		var wg sync.WaitGroup
		const perWriter = 40
		for w := range 8 {
			wg.Go(func() {
				l := logs[w%2]
				for i := range perWriter {
					if _, _, err := l.Append(ctx, draft(fmt.Sprintf("w%d-%d", w, i))); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		res, err := decisionlog.Verify(ctx, db.DB, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Broken != nil || res.Entries != 8*perWriter {
			t.Fatalf("after concurrent appends from two replicas: %+v", res)
		}
	})
}

func reopen(t *testing.T, db *storetest.DB) *store.DB {
	t.Helper()
	var other *store.DB
	var err error
	if db.Engine() == store.SQLite {
		other, err = sqlite.Open(context.Background(), strings.TrimPrefix(db.URL, "sqlite:"))
	} else {
		other, err = postgres.Open(context.Background(), db.URL)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = other.Close() })
	return other
}

func TestCloseCommitsQueuedAppendsThenRefusesNewOnes(t *testing.T) {
	db := storetest.OpenSQLite(t)
	l := decisionlog.New(db.DB, clock.NewManual(t0), decisionlog.Options{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	acked := 0
	for i := range 50 {
		wg.Go(func() {
			if _, _, err := l.Append(context.Background(), draft(fmt.Sprintf("n%d", i))); err == nil {
				mu.Lock()
				acked++
				mu.Unlock()
			} else if !errors.Is(err, decisionlog.ErrClosed) {
				t.Error(err)
			}
		})
	}
	l.Close()
	wg.Wait()
	if _, _, err := l.Append(context.Background(), draft("late")); !errors.Is(err, decisionlog.ErrClosed) {
		t.Fatalf("append after close: %v, want ErrClosed", err)
	}
	reader := newLog(t, db.DB, clock.NewManual(t0))
	n, err := reader.Count(context.Background(), decisionlog.Filter{})
	if err != nil || n != acked {
		t.Fatalf("stored %d entries, acknowledged %d (%v)", n, acked, err)
	}
}

func TestOnAppendSeesEachCommittedEntryOnce(t *testing.T) {
	db := storetest.OpenSQLite(t)
	var mu sync.Mutex
	seen := map[int64]int{}
	l := decisionlog.New(db.DB, clock.NewManual(t0), decisionlog.Options{OnAppend: func(es []decisionlog.Entry) {
		mu.Lock()
		defer mu.Unlock()
		for _, e := range es {
			seen[e.ID]++
		}
	}})
	var wg sync.WaitGroup
	for i := range 30 {
		wg.Go(func() {
			d := draft("x")
			d.IdempotencyKey = fmt.Sprintf("k%d", i%20)
			if _, _, err := l.Append(context.Background(), d); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	l.Close()
	if len(seen) != 20 {
		t.Fatalf("OnAppend saw %d entries, want 20 (one per idempotency key)", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("entry #%d reported %d times", id, n)
		}
	}
}

func ids(es []decisionlog.Entry) []int64 {
	out := make([]int64, len(es))
	for i, e := range es {
		out[i] = e.ID
	}
	return out
}

func TestDueSoonestOrdersByDueTimeThenUndatedNewestFirst(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		l := newLog(t, db.DB, clock.NewManual(t0))
		add := func(due time.Time) int64 {
			d := draft("follow-up")
			d.NextAction, d.NextActionDue = "do it", due
			return mustAppend(t, l, d).ID
		}
		undatedOld := add(time.Time{})
		late := add(t0.Add(3 * time.Hour))
		undatedNew := add(time.Time{})
		soon := add(t0.Add(time.Hour))
		mustAppend(t, l, draft("no follow-up"))
		got, err := l.DueSoonest(context.Background(), 10)
		if err != nil {
			t.Fatal(err)
		}
		want := []int64{soon, late, undatedNew, undatedOld}
		if fmt.Sprint(ids(got)) != fmt.Sprint(want) {
			t.Fatalf("order = %v, want %v", ids(got), want)
		}
		if got, _ := l.DueSoonest(context.Background(), 2); len(got) != 2 {
			t.Fatalf("limit 2 gave %d", len(got))
		}
	})
}
