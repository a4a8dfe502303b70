package notify

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hotdash/hotdash/internal/config"
	"github.com/hotdash/hotdash/internal/store"
	"github.com/hotdash/hotdash/internal/store/postgres"
	"github.com/hotdash/hotdash/internal/store/sqlite"
	"github.com/hotdash/hotdash/internal/store/storetest"
	"github.com/hotdash/hotdash/internal/validation"
)

const hookSecret = "whsec-outbox-test-secret"

// webhookHarness is an outbox with one webhook endpoint, "hook", posting
// to rc.
func webhookHarness(t *testing.T, db *store.DB, rc *receiver, tuning Tuning) *harness {
	t.Helper()
	return newHarness(t, db, harnessOptions{
		cfg:    endpoints("hook", config.NotifyEndpoint{Type: config.EndpointWebhook, URLEnv: "HOOK_URL", SecretEnv: "HOOK_SECRET"}),
		env:    map[string]string{"HOOK_URL": rc.URL + "/in", "HOOK_SECRET": hookSecret},
		tuning: tuning})
}

// statusFromSummary answers with the status a message's summary names
// ("status 503"), and a Retry-After of 120 s with a 429.
func statusFromSummary(r request) (int, http.Header, string) {
	_, s, _ := strings.Cut(string(r.Body), `"summary":"status `)
	code, err := strconv.Atoi(s[:3])
	if err != nil {
		return http.StatusOK, nil, "ok"
	}
	if code == http.StatusTooManyRequests {
		return code, http.Header{"Retry-After": {"120"}}, "slow down"
	}
	return code, nil, http.StatusText(code)
}

func TestEnqueueDeduplicatesPerEndpointAndKey(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		rc := newReceiver(t, nil)
		h := webhookHarness(t, db.DB, rc, Tuning{})
		if n := h.enqueue(t, []string{"hook", "hook"}, sample(), "incident:12/L3/trigger"); n != 1 {
			t.Fatalf("first enqueue added %d, want 1 (the endpoint is listed twice)", n)
		}
		if n := h.enqueue(t, []string{"hook"}, sample(), "incident:12/L3/trigger"); n != 0 {
			t.Fatalf("second enqueue with the same key added %d, want 0", n)
		}
		if n := h.enqueue(t, []string{"hook"}, sample(), "incident:12/L3/resolve"); n != 1 {
			t.Fatalf("another key added %d, want 1", n)
		}
		long := strings.Repeat("incident:12/L3/renotify/", 100)
		if a, b := h.enqueue(t, []string{"hook"}, sample(), long), h.enqueue(t, []string{"hook"}, sample(), long); a != 1 || b != 0 {
			t.Fatalf("a long key added %d then %d, want 1 then 0", a, b)
		}
		all := h.all(t)
		if len(all) != 3 || !strings.HasPrefix(all[2].Key, "sha256:") {
			t.Fatalf("deliveries = %+v, want 3, the long key stored as its hash", all)
		}
		h.deliverDue(t)
		if got := len(rc.requests()); got != 3 {
			t.Fatalf("receiver got %d requests, want 3", got)
		}
	})
}

func TestEnqueueBelongsToTheCallersTransaction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		h := webhookHarness(t, db.DB, newReceiver(t, nil), Tuning{})
		boom := errors.New("escalation failed")
		err := db.InTx(context.Background(), func(tx *sql.Tx) error {
			if _, err := h.EnqueueTx(context.Background(), tx, []string{"hook"}, sample(), "k"); err != nil {
				t.Fatal(err)
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if got := len(h.all(t)); got != 0 {
			t.Fatalf("a rolled-back enqueue left %d deliveries", got)
		}
		err = db.InTx(context.Background(), func(tx *sql.Tx) error {
			_, err := h.EnqueueTx(context.Background(), tx, []string{"hook"}, sample(), "")
			return err
		})
		if !errors.Is(err, ErrNoKey) {
			t.Fatalf("enqueue without a key: %v, want ErrNoKey", err)
		}
	})
}

func TestUnknownEndpointIsDeadWithoutFailingTheCaller(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		rc := newReceiver(t, nil)
		h := webhookHarness(t, db.DB, rc, Tuning{})
		if n := h.enqueue(t, []string{"hook", "typo-slack"}, sample(), "k"); n != 2 {
			t.Fatalf("enqueue added %d, want 2", n)
		}
		ds, _, err := h.Deliveries(context.Background(), Filter{State: StateDead})
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) != 1 || ds[0].Endpoint != "typo-slack" || ds[0].Kind != KindUnknown ||
			ds[0].LastError != `endpoint "typo-slack" is not in the policy's notify.endpoints` {
			t.Fatalf("dead deliveries = %+v, want typo-slack with the reason", ds)
		}
		if n := h.deliverDue(t); n != 1 || len(rc.requests()) != 1 {
			t.Fatalf("tried %d, sent %d; want only the configured endpoint", n, len(rc.requests()))
		}
	})
}

func TestRetryClassificationByStatus(t *testing.T) {
	cases := []struct {
		status    int
		state     string
		retryWait time.Duration
	}{
		{200, StateDelivered, 0},
		{202, StateDelivered, 0},
		{400, StateFailed, 0},
		{401, StateFailed, 0},
		{403, StateFailed, 0},
		{404, StateFailed, 0},
		{408, StatePending, 5 * time.Second},
		{429, StatePending, 120 * time.Second},
		{500, StatePending, 5 * time.Second},
		{502, StatePending, 5 * time.Second},
		{503, StatePending, 5 * time.Second},
	}
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		rc := newReceiver(t, statusFromSummary)
		h := webhookHarness(t, db.DB, rc, Tuning{BaseBackoff: 10 * time.Second})
		for _, c := range cases {
			m := sample()
			m.Summary = fmt.Sprintf("status %d", c.status)
			h.enqueue(t, []string{"hook"}, m, m.Summary)
		}
		h.deliverDue(t)
		for i, d := range h.all(t) {
			c := cases[i]
			if d.State != c.state || d.LastStatus != c.status || d.Attempts != 1 {
				t.Errorf("status %d: state %s, last status %d, attempts %d; want %s", c.status, d.State, d.LastStatus, d.Attempts, c.state)
			}
			if c.state == StatePending && !d.NextAttemptAt.Equal(t0.Add(c.retryWait)) {
				t.Errorf("status %d: next try at %s, want %s", c.status, d.NextAttemptAt, t0.Add(c.retryWait))
			}
			if c.state == StateFailed && !strings.Contains(d.LastError, fmt.Sprintf("webhook answered %d", c.status)) {
				t.Errorf("status %d: last error %q should say what the receiver answered", c.status, d.LastError)
			}
		}
	})
}

func TestNetworkErrorsAreRetriedWithBackoff(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		h := newHarness(t, db.DB, harnessOptions{
			cfg: endpoints("hook", config.NotifyEndpoint{Type: config.EndpointWebhook, URLEnv: "HOOK_URL", SecretEnv: "HOOK_SECRET"}),
			env: map[string]string{"HOOK_URL": closedURL(t, "/in"), "HOOK_SECRET": hookSecret},
			// Jitter 1 makes the wait the whole doubled base.
			tuning: Tuning{BaseBackoff: 10 * time.Second, MaxBackoff: 30 * time.Second, MaxAttempts: 5, Jitter: func() float64 { return 0.999999 }}})
		h.enqueue(t, []string{"hook"}, sample(), "k")
		var waits []time.Duration
		for range 5 {
			h.deliverDue(t)
			d := h.only(t)
			if d.State == StateFailed {
				break
			}
			if d.State != StatePending || d.LastStatus != 0 || !strings.Contains(d.LastError, "connect") {
				t.Fatalf("after a refused connection: %+v, want pending with the error", d)
			}
			waits = append(waits, d.NextAttemptAt.Sub(h.clock.Now()).Round(time.Second))
			h.clock.Set(d.NextAttemptAt)
		}
		want := []time.Duration{10 * time.Second, 20 * time.Second, 30 * time.Second, 30 * time.Second}
		if fmt.Sprint(waits) != fmt.Sprint(want) {
			t.Errorf("waits between tries = %v, want %v (doubling, capped)", waits, want)
		}
		d := h.only(t)
		if d.State != StateFailed || d.Attempts != 5 || !strings.HasPrefix(d.LastError, "gave up after 5 attempts: webhook: post: dial tcp") {
			t.Fatalf("after 5 refused tries: %+v, want failed, saying it gave up", d)
		}
		if as := h.attempts(t, d.ID); len(as) != 5 || as[4].Attempt != 5 || as[0].Status != 0 {
			t.Fatalf("attempts = %+v, want 5 rows without a status", as)
		}
	})
}

func TestRetryThenDeliverKeepsTheDeliveryID(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		var mu sync.Mutex
		answers := []int{503, 500, 200}
		rc := newReceiver(t, func(request) (int, http.Header, string) {
			mu.Lock()
			defer mu.Unlock()
			code := answers[0]
			answers = answers[1:]
			return code, nil, http.StatusText(code)
		})
		h := webhookHarness(t, db.DB, rc, Tuning{})
		h.enqueue(t, []string{"hook"}, sample(), "k")
		for range 3 {
			if n := h.deliverDue(t); n != 1 {
				t.Fatalf("tried %d, want 1", n)
			}
			if n := h.deliverDue(t); n != 0 {
				t.Fatalf("tried %d before the backoff passed, want 0", n)
			}
			h.clock.Set(h.only(t).NextAttemptAt)
		}
		d := h.only(t)
		if d.State != StateDelivered || d.Attempts != 3 || d.LastError != "" || d.LastStatus != 200 {
			t.Fatalf("delivery = %+v, want delivered on the third try", d)
		}
		as := h.attempts(t, d.ID)
		if len(as) != 3 || as[0].Status != 503 || as[1].Status != 500 || as[2].Status != 200 || as[2].Error != "" {
			t.Fatalf("attempts = %+v, want 503, 500, 200", as)
		}
		for _, r := range rc.requests() {
			if r.Header.Get(HeaderDelivery) != strconv.FormatInt(d.ID, 10) {
				t.Errorf("retry carried delivery id %q, want %d every time", r.Header.Get(HeaderDelivery), d.ID)
			}
		}
	})
}

// reopen opens db again, as another process (a restarted HotDash, a
// second replica) would.
func reopen(t *testing.T, db *storetest.DB) *store.DB {
	t.Helper()
	var other *store.DB
	var err error
	if db.Engine() == store.Postgres {
		other, err = postgres.Open(context.Background(), db.URL)
	} else {
		other, err = sqlite.Open(context.Background(), strings.TrimPrefix(db.URL, "sqlite:"))
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = other.Close() })
	return other
}

func TestASendingLeaseIsTakenOverAfterACrash(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		rc := newReceiver(t, nil)
		crashed := webhookHarness(t, db.DB, rc, Tuning{Lease: time.Minute})
		crashed.enqueue(t, []string{"hook"}, sample(), "k")
		// The first process claims the delivery and stops before sending.
		if got, err := crashed.claim(context.Background(), 10); err != nil || len(got) != 1 {
			t.Fatalf("claim = %d, %v", len(got), err)
		}
		restarted := webhookHarness(t, reopen(t, db), rc, Tuning{Lease: time.Minute})
		restarted.clock.Set(crashed.clock.Now())
		if n := restarted.deliverDue(t); n != 0 {
			t.Fatalf("a leased delivery was tried again before its lease ended (%d)", n)
		}
		if d := restarted.only(t); d.State != StateSending || !d.NextAttemptAt.Equal(t0.Add(time.Minute)) {
			t.Fatalf("leased delivery = %+v, want sending until the lease ends", d)
		}
		restarted.clock.Advance(time.Minute)
		if n := restarted.deliverDue(t); n != 1 || len(rc.requests()) != 1 {
			t.Fatalf("after the lease: tried %d, sent %d; want 1", n, len(rc.requests()))
		}
		d := restarted.only(t)
		as := restarted.attempts(t, d.ID)
		if d.State != StateDelivered || d.Attempts != 2 || len(as) != 2 || as[0].Error != errLeaseExpired || as[1].Status != 200 {
			t.Fatalf("delivery %+v, attempts %+v; want delivered on try 2 after a lease-expired try 1", d, as)
		}
	})
}

func TestALeaseExpiringOnTheLastAttemptGivesUp(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		rc := newReceiver(t, nil)
		h := webhookHarness(t, db.DB, rc, Tuning{Lease: time.Minute, MaxAttempts: 1})
		h.enqueue(t, []string{"hook"}, sample(), "k")
		if _, err := h.claim(context.Background(), 10); err != nil {
			t.Fatal(err)
		}
		h.clock.Advance(time.Minute)
		h.deliverDue(t)
		d := h.only(t)
		if d.State != StateFailed || !strings.HasPrefix(d.LastError, "gave up after 1 attempts") || len(rc.requests()) != 0 {
			t.Fatalf("delivery = %+v (%d sent), want failed without another try", d, len(rc.requests()))
		}
	})
}

func TestRunSendsWhenWokenAndStopsCleanly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		arrived := make(chan string, 10)
		rc := newReceiver(t, func(r request) (int, http.Header, string) {
			arrived <- r.Header.Get(HeaderDelivery)
			return 200, nil, "ok"
		})
		h := webhookHarness(t, db.DB, rc, Tuning{PollEvery: time.Hour})
		ctx, cancel := context.WithCancel(context.Background())
		stopped := make(chan struct{})
		go func() { h.Run(ctx); close(stopped) }()
		h.enqueue(t, []string{"hook"}, sample(), "k") // wakes
		select {
		case <-arrived:
		case <-time.After(10 * time.Second):
			t.Fatal("woken, the outbox did not send within 10 s")
		}
		cancel()
		select {
		case <-stopped:
		case <-time.After(10 * time.Second):
			t.Fatal("Run did not return after its context ended")
		}
		if d := h.only(t); d.State != StateDelivered {
			t.Fatalf("after Run returned: %+v, want the try recorded", d)
		}
	})
}

func TestStoppingGivesBackClaimedDeliveriesNotYetTried(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		started, release := make(chan struct{}, 10), make(chan struct{})
		rc := newReceiver(t, func(request) (int, http.Header, string) {
			started <- struct{}{}
			<-release
			return 200, nil, "ok"
		})
		h := webhookHarness(t, db.DB, rc, Tuning{Senders: 1, PollEvery: time.Hour})
		for i := range 3 {
			h.enqueue(t, []string{"hook"}, sample(), "k"+strconv.Itoa(i))
		}
		ctx, cancel := context.WithCancel(context.Background())
		stopped := make(chan struct{})
		go func() { h.Run(ctx); close(stopped) }()
		<-started // one try under way, two claimed behind it
		cancel()
		close(release)
		<-stopped
		var states []string
		for _, d := range h.all(t) {
			states = append(states, fmt.Sprintf("%s/%d", d.State, d.Attempts))
		}
		if got := strings.Join(states, " "); got != "delivered/1 pending/0 pending/0" {
			t.Fatalf("after stopping: %s, want the try under way finished and the rest given back", got)
		}
	})
}

func TestTwoDispatchersDeliverEachOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		var mu sync.Mutex
		seen := map[string]int{}
		rc := newReceiver(t, func(r request) (int, http.Header, string) {
			mu.Lock()
			seen[r.Header.Get(HeaderDelivery)]++
			mu.Unlock()
			return 200, nil, "ok"
		})
		a := webhookHarness(t, db.DB, rc, Tuning{Batch: 7, PollEvery: 5 * time.Millisecond})
		b := webhookHarness(t, reopen(t, db), rc, Tuning{Batch: 5, PollEvery: 5 * time.Millisecond})
		const n = 300
		err := db.InTx(context.Background(), func(tx *sql.Tx) error {
			var ns []Notification
			for i := range n {
				ns = append(ns, Notification{Endpoints: []string{"hook"}, Message: sample(), Key: strconv.Itoa(i)})
			}
			_, err := a.EnqueueAllTx(context.Background(), tx, ns)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		wg.Go(func() { a.Run(ctx) })
		wg.Go(func() { b.Run(ctx) })
		deadline := time.Now().Add(30 * time.Second)
		for {
			q, err := a.Queue(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if q.Pending+q.Sending == 0 || time.Now().After(deadline) {
				break
			}
			time.Sleep(10 * time.Millisecond) // polling for completion, not timing
		}
		cancel()
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		if len(seen) != n {
			t.Fatalf("%d distinct deliveries arrived, want %d", len(seen), n)
		}
		for id, c := range seen {
			if c != 1 {
				t.Errorf("delivery %s arrived %d times", id, c)
			}
		}
	})
}

func TestDeliveriesFilterAndPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		rc := newReceiver(t, statusFromSummary)
		h := webhookHarness(t, db.DB, rc, Tuning{})
		for i := range 5 {
			m := sample()
			m.IncidentRef = "incident:" + strconv.Itoa(i%2)
			m.Summary = "status 200"
			if i == 4 {
				m.Summary = "status 404"
			}
			h.enqueue(t, []string{"hook", "gone"}, m, strconv.Itoa(i))
		}
		h.deliverDue(t)
		count := func(f Filter) int {
			ds, _, err := h.Deliveries(context.Background(), f)
			if err != nil {
				t.Fatal(err)
			}
			return len(ds)
		}
		checks := map[string][2]int{
			"incident:0": {count(Filter{IncidentRef: "incident:0"}), 6},
			"failed":     {count(Filter{State: StateFailed}), 1},
			"dead":       {count(Filter{State: StateDead}), 5},
			"delivered":  {count(Filter{State: StateDelivered, Endpoint: "hook"}), 4},
			"gone":       {count(Filter{Endpoint: "gone"}), 5},
		}
		for name, c := range checks {
			if c[0] != c[1] {
				t.Errorf("filter %s: %d deliveries, want %d", name, c[0], c[1])
			}
		}
		var ids []int64
		cursor := ""
		for {
			ds, next, err := h.Deliveries(context.Background(), Filter{Limit: 3, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range ds {
				ids = append(ids, d.ID)
			}
			if next == "" {
				break
			}
			cursor = next
		}
		if len(ids) != 10 || ids[0] <= ids[9] {
			t.Fatalf("paged ids = %v, want all 10, newest first", ids)
		}
		var verr validation.Errors
		if _, _, err := h.Deliveries(context.Background(), Filter{Cursor: "x", State: "lost"}); !errors.As(err, &verr) || len(verr) != 2 {
			t.Fatalf("bad cursor and state: %v, want two field errors", err)
		}
		if _, err := h.Get(context.Background(), 9999); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("Get of a missing delivery: %v, want ErrNotFound", err)
		}
	})
}

func TestMisconfiguredEndpointFailsItsDeliveriesWithTheReason(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		h := newHarness(t, db.DB, harnessOptions{
			cfg: endpoints("support-slack", config.NotifyEndpoint{Type: config.EndpointSlack, URLEnv: "HOTDASH_SLACK_URL"})})
		if eps := h.Endpoints(); len(eps) != 1 || !strings.Contains(eps[0].Problem, "HOTDASH_SLACK_URL (the Slack incoming-webhook URL) is not set") {
			t.Fatalf("endpoints = %+v, want the missing variable named", eps)
		}
		h.enqueue(t, []string{"support-slack"}, sample(), "k")
		h.deliverDue(t)
		if d := h.only(t); d.State != StateFailed || !strings.Contains(d.LastError, "HOTDASH_SLACK_URL") {
			t.Fatalf("delivery = %+v, want failed naming the variable", d)
		}
		if !strings.Contains(h.logs.String(), "notification endpoint cannot send") {
			t.Errorf("no warning logged at start:\n%s", h.logs)
		}
	})
}

func TestMetricsCountOutcomesQueueAndLag(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		rc := newReceiver(t, statusFromSummary)
		h := webhookHarness(t, db.DB, rc, Tuning{})
		for i, s := range []string{"status 200", "status 503", "status 404"} {
			m := sample()
			m.Summary = s
			h.enqueue(t, []string{"hook"}, m, strconv.Itoa(i))
		}
		h.clock.Advance(1500 * time.Millisecond)
		h.deliverDue(t)
		text := gather(t, h)
		for _, want := range []string{
			`hotdash_notify_deliveries_total{endpoint="hook",outcome="delivered"} 1`,
			`hotdash_notify_deliveries_total{endpoint="hook",outcome="retrying"} 1`,
			`hotdash_notify_deliveries_total{endpoint="hook",outcome="failed"} 1`,
			`hotdash_notify_queue_depth{state="pending"} 1`,
			`hotdash_notify_queue_depth{state="sending"} 0`,
			`hotdash_notify_delivery_lag_seconds_bucket{endpoint="hook",le="2"} 1`,
			`hotdash_notify_delivery_lag_seconds_bucket{endpoint="hook",le="1"} 0`,
			`hotdash_notify_oldest_pending_age_seconds 1.5`,
		} {
			if !strings.Contains(text, want) {
				t.Errorf("metrics lack %s", want)
			}
		}
	})
}
