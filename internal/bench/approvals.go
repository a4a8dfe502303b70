package bench

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hotdash/hotdash/client"
	"github.com/hotdash/hotdash/internal/app"
	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/config"
	"github.com/hotdash/hotdash/internal/conversation"
	"github.com/hotdash/hotdash/internal/simulator"
	"github.com/hotdash/hotdash/internal/store"
)

// ApprovalsOptions configure the approvals benchmark.
type ApprovalsOptions struct {
	Engine      string
	PostgresURL string
	// Conversations is how many open conversations the seeded drafts are
	// spread over.
	Conversations int
	// Drafts is how many drafts wait for review; another 2% wait on their
	// agent (changes requested).
	Drafts int
	// Requests is how many requests each read shape gets, from Clients
	// concurrent clients.
	Requests int
	Clients  int
	// Rate is approvals per second, kept up for Duration.
	Rate     float64
	Duration time.Duration
	// DeliveryTimeout is how long an approved reply may take to reach
	// Chatwoot before the run fails (0: 30 s).
	DeliveryTimeout time.Duration
	Progress        io.Writer
}

// ApprovalShape is one read's figures. Status is the HTTP status the
// requests got (the first that was not 200, if any); Error says what went
// wrong, when something did.
type ApprovalShape struct {
	Name   string        `json:"name"`
	P50    time.Duration `json:"p50_ns"`
	P99    time.Duration `json:"p99_ns"`
	Rows   int           `json:"rows"`
	Bytes  int           `json:"bytes"`
	Page   bool          `json:"page"`
	Status int           `json:"status"`
	Error  string        `json:"error,omitempty"`
}

// ApprovalsResult holds the figures.
type ApprovalsResult struct {
	Engine           string          `json:"engine"`
	Conversations    int             `json:"conversations"`
	Drafts           int             `json:"drafts_pending"`
	ChangesRequested int             `json:"drafts_changes_requested"`
	SeedDuration     time.Duration   `json:"seed_duration_ns"`
	Shapes           []ApprovalShape `json:"shapes"`
	Delivery         DeliveryFigures `json:"delivery"`
}

// Approvals measures the approvals queue over a large backlog of pending
// drafts (the API's filters and deep pages, the approvals page and the
// dashboard), then approves fresh drafts at a steady rate through the API
// and times each one's way to Chatwoot (a simulator that records every
// message posted). It fails when an approved reply arrives twice, or not
// within DeliveryTimeout.
func Approvals(ctx context.Context, o ApprovalsOptions) (ApprovalsResult, error) {
	o = approvalsDefaults(o)
	res := ApprovalsResult{Engine: o.Engine, Conversations: o.Conversations, Drafts: o.Drafts, ChangesRequested: o.Drafts / 50}
	cw, err := startChatwoot()
	if err != nil {
		return res, err
	}
	defer cw.close()
	a, cleanup, err := startServer(ctx, o.Engine, o.PostgresURL, cw.settings)
	if err != nil {
		return res, err
	}
	defer cleanup()
	cw.sendWebhooksTo(a.URL())
	lead, agent, err := benchTokens(ctx, a)
	if err != nil {
		return res, err
	}
	_, _ = fmt.Fprintf(o.Progress, "%s: seeding %d conversations and %d drafts…\n", o.Engine, o.Conversations, o.Drafts+res.ChangesRequested)
	t := time.Now()
	if err := seedDrafts(ctx, a.DB, o.Conversations, o.Drafts, res.ChangesRequested); err != nil {
		return res, err
	}
	res.SeedDuration = time.Since(t)
	if res.Shapes, err = readShapes(ctx, a.URL(), lead, o); err != nil {
		return res, err
	}
	res.Delivery, err = measureDelivery(ctx, a, cw, client.New(a.URL(), agent), client.New(a.URL(), lead), o)
	return res, err
}

func approvalsDefaults(o ApprovalsOptions) ApprovalsOptions {
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	if o.DeliveryTimeout <= 0 {
		o.DeliveryTimeout = 30 * time.Second
	}
	o.Conversations, o.Clients, o.Requests = max(o.Conversations, 1), max(o.Clients, 1), max(o.Requests, 1)
	if o.Rate <= 0 {
		o.Rate = 20
	}
	return o
}

// benchTokens creates a lead's token (reviews, reads) and an AI agent's
// (submits).
func benchTokens(ctx context.Context, a *app.App) (lead, agent string, err error) {
	if lead, _, err = a.Auth.CreateToken(ctx, "bench-lead", auth.Lead, "bench"); err != nil {
		return "", "", err
	}
	agent, _, err = a.Auth.CreateToken(ctx, "bench-agent", auth.Agent, "bench")
	return lead, agent, err
}

// seededDisplayBase keeps the seeded conversations' display ids clear of
// the ones the simulated Chatwoot hands out (from 1).
const seededDisplayBase = 1_000_000

// seedDrafts inserts open conversations (nine in ten with an SLA deadline
// in the next two hours, or just past) and, spread over them, pending
// drafts waiting for review and changes drafts waiting on their agent,
// about 15% high, 60% medium and 25% low risk. On PostgreSQL it gathers
// the statistics autovacuum would have.
func seedDrafts(ctx context.Context, db *store.DB, conversations, pending, changes int) error {
	now := time.Now().UTC().Truncate(time.Microsecond)
	err := seedConversations(ctx, db, conversations, seededDisplayBase, now, func(i int) seeded {
		s := seeded{status: "open", channel: []string{"email", "web", "whatsapp"}[i%3], labels: "[]", clock: "first_response", band: "ok"}
		if i%10 != 9 {
			s.due = now.Add(time.Duration(i%7200-600) * time.Second)
		}
		return s
	})
	if err != nil {
		return err
	}
	convs, err := seededDeadlines(ctx, db)
	if err != nil {
		return err
	}
	if err := insertDrafts(ctx, db, convs, pending, changes, now); err != nil {
		return err
	}
	if db.Engine() == store.Postgres {
		if _, err := db.Write.ExecContext(ctx, "ANALYZE drafts"); err != nil {
			return fmt.Errorf("analyze drafts: %w", err)
		}
	}
	return nil
}

// seededConv is a seeded conversation's id and deadline (zero: none).
type seededConv struct {
	id  int64
	due time.Time
}

func seededDeadlines(ctx context.Context, db *store.DB) ([]seededConv, error) {
	rows, err := db.Read.QueryContext(ctx, `SELECT id, sla_due_at FROM conversations WHERE display_id > $1 ORDER BY display_id`, seededDisplayBase)
	if err != nil {
		return nil, fmt.Errorf("read seeded conversations: %w", err)
	}
	defer rows.Close()
	var out []seededConv
	for rows.Next() {
		var c seededConv
		var due sql.NullTime
		if err := rows.Scan(&c.id, &due); err != nil {
			return nil, fmt.Errorf("read seeded conversations: %w", err)
		}
		c.due = store.TimeOf(due)
		out = append(out, c)
	}
	return out, rows.Err()
}

// draftSeedColumns are the columns seeded drafts fill.
func draftSeedColumns() []string {
	return []string{"conversation_id", "kind", "state", "version", "revision", "text", "final_text", "labels", "agent",
		"model", "citations", "submitted_by", "risk", "risk_rank", "risk_reasons", "context_message_id", "due_at", "reviewer",
		"review_note", "state_reason", "created_at", "updated_at", "reviewed_at", "send_attempts", "dry_run"}
}

// insertDrafts writes pending drafts, then changes drafts with changes
// requested, over convs in turn, in transactions of 20,000 rows.
func insertDrafts(ctx context.Context, db *store.DB, convs []seededConv, pending, changes int, now time.Time) error {
	in := store.NewInserter(db, "drafts", draftSeedColumns(), "", 16)
	defer in.Close()
	if err := in.Prepare(ctx); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(4, 2))
	const perTx = 20_000
	total := pending + changes
	for start := 0; start < total; start += perTx {
		rows := make([][]any, 0, perTx)
		for i := start; i < min(start+perTx, total); i++ {
			rows = append(rows, draftRow(i, i >= pending, convs[i%len(convs)], rng, now))
		}
		if err := db.InTx(ctx, func(tx *sql.Tx) error { return in.Exec(ctx, tx, rows) }); err != nil {
			return fmt.Errorf("seed drafts: %w", err)
		}
	}
	return nil
}

// draftRow is draft i's values in draftSeedColumns' order: a reply (a low-risk
// one a note, every other time) submitted within the last day.
func draftRow(i int, changesRequested bool, c seededConv, rng *rand.Rand, now time.Time) []any {
	risk, rank, kind := "medium", 1, "reply"
	switch p := rng.IntN(100); {
	case p < 15:
		risk, rank = "high", 0
	case p >= 75:
		risk, rank = "low", 2
		if i%2 == 0 {
			kind = "note"
		}
	}
	due := c.due
	if due.IsZero() {
		due = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC) // approval's "no deadline"
	}
	state, version, reviewer, note, reviewed := "pending_review", 1, "", "", sql.NullTime{}
	created := now.Add(-time.Duration(rng.IntN(86400)) * time.Second)
	if changesRequested {
		state, version, reviewer, note = "changes_requested", 2, "bench-lead", "Cite the returns policy, please."
		reviewed = store.NullTime(created.Add(time.Minute))
	}
	text := fmt.Sprintf("Hi! Thanks for waiting. Order #%d left our warehouse today and should arrive within three working days.", 50000+i)
	return []any{c.id, kind, state, version, 1, text, "", "{}", "helper-bot", "m-2026-11", "[]", "bench-agent", risk, rank, "[]",
		int64(0), due, reviewer, note, "", created, created, reviewed, 0, false}
}

// readShapes times the approvals queue's reads: the API's first page,
// filters and a deep page, the approvals page and the dashboard.
func readShapes(ctx context.Context, base, token string, o ApprovalsOptions) ([]ApprovalShape, error) {
	deep, followed, err := draftCursorAfter(ctx, client.New(base, token), 100)
	if err != nil {
		return nil, err
	}
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: o.Clients}}
	shapes := []struct {
		name, path string
		page       bool
	}{
		{"drafts, first page", "/api/v1/drafts", false},
		{"risk=high", "/api/v1/drafts?risk=high", false},
		{"risk=low", "/api/v1/drafts?risk=low", false},
		{fmt.Sprintf("drafts, page %d", followed+1), "/api/v1/drafts?cursor=" + url.QueryEscape(deep), false},
		{"state=changes_requested", "/api/v1/drafts?state=changes_requested", false},
		{"page /approvals", "/approvals", true},
		{"page /approvals?risk=low", "/approvals?risk=low", true},
		{"page / (dashboard)", "/", true},
	}
	var out []ApprovalShape
	for _, s := range shapes {
		_, _ = fmt.Fprintf(o.Progress, "%s: %s…\n", o.Engine, s.name)
		out = append(out, timeRead(ctx, s.name, s.page, func(ctx context.Context) (int, []byte, error) {
			return getWithToken(ctx, hc, base+s.path, token)
		}, o.Requests, o.Clients))
	}
	return out, nil
}

// draftCursorAfter follows up to n pages of the approvals queue and
// returns the cursor of the next one and how many it followed (at the end
// of a short queue, the last page's cursor).
func draftCursorAfter(ctx context.Context, c *client.Client, n int) (string, int, error) {
	cursor := ""
	for i := range n {
		page, err := c.Drafts(ctx, client.DraftQuery{Cursor: cursor})
		if err != nil {
			return "", i, fmt.Errorf("page through the drafts: %w", err)
		}
		if page.NextCursor == "" {
			return cursor, i, nil
		}
		cursor = page.NextCursor
	}
	return cursor, n, nil
}

// getWithToken GETs url with an API token and returns the status and body.
func getWithToken(ctx context.Context, c *http.Client, url, token string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}

// timeRead times one read shape; its rows are the drafts an API page
// lists, or the draft rows a page shows. An answer other than 200 is timed all
// the same and reported in the shape's Status and Error, as is a failed
// request; neither stops the benchmark.
func timeRead(ctx context.Context, name string, page bool, fetch func(context.Context) (int, []byte, error), requests, clients int) ApprovalShape {
	shape := ApprovalShape{Name: name, Page: page, Status: http.StatusOK}
	var mu sync.Mutex
	counted := func(ctx context.Context) (int, error) {
		status, body, err := fetch(ctx)
		if err != nil {
			return 0, err
		}
		mu.Lock()
		defer mu.Unlock()
		shape.Bytes = len(body)
		if status != http.StatusOK && shape.Status == http.StatusOK {
			shape.Status = status
		}
		if status != http.StatusOK {
			return 0, nil
		}
		if page {
			return bytes.Count(body, []byte("data-draft-row")), nil
		}
		var p struct{ Drafts []json.RawMessage }
		if err := json.Unmarshal(body, &p); err != nil {
			return 0, fmt.Errorf("decode the drafts page: %w", err)
		}
		return len(p.Drafts), nil
	}
	q, err := timeShape(ctx, name, counted, requests, clients)
	shape.P50, shape.P99, shape.Rows = q.P50, q.P99, q.Rows
	switch {
	case err != nil:
		shape.Error = err.Error()
	case shape.Status != http.StatusOK:
		shape.Error = "HTTP " + strconv.Itoa(shape.Status) + " " + http.StatusText(shape.Status)
	}
	return shape
}

// DeliveryFigures are the approve-to-delivered figures: the time from an
// approve call's return to its reply's arrival at Chatwoot.
type DeliveryFigures struct {
	Rate     float64       `json:"approvals_per_second"`
	Duration time.Duration `json:"duration_ns"`
	Approved int           `json:"approved"`
	// ApproveErrors counts approve calls that failed.
	ApproveErrors int           `json:"approve_errors"`
	ApproveP50    time.Duration `json:"approve_call_p50_ns"`
	ApproveP99    time.Duration `json:"approve_call_p99_ns"`
	// Delivered counts approved drafts whose reply reached Chatwoot within
	// the timeout; Missing the rest; Duplicates those that arrived more
	// than once.
	Delivered  int `json:"delivered"`
	Missing    int `json:"missing"`
	Duplicates int `json:"duplicates"`
	// Early counts replies that reached Chatwoot before their approve
	// call returned (their latency counts as 0).
	Early int           `json:"early"`
	P50   time.Duration `json:"p50_ns"`
	P95   time.Duration `json:"p95_ns"`
	P99   time.Duration `json:"p99_ns"`
	Max   time.Duration `json:"max_ns"`
	// Sent counts the approved drafts HotDash shows as sent at the end.
	Sent int `json:"sent"`
}

// approvalRun is one approval: the draft, when its approve call returned,
// and what went wrong.
type approvalRun struct {
	draft    client.Draft
	took     time.Duration
	returned time.Time
	err      error
}

// measureDelivery opens conversations in Chatwoot (one per approval),
// submits a draft reply to each as an AI agent, approves them at o.Rate
// through the API, and waits for every reply to reach Chatwoot.
func measureDelivery(ctx context.Context, a *app.App, cw *fakeChatwoot, agent, lead *client.Client, o ApprovalsOptions) (DeliveryFigures, error) {
	n := max(int(o.Rate*o.Duration.Seconds()), 1)
	fig := DeliveryFigures{Rate: o.Rate, Duration: o.Duration}
	_, _ = fmt.Fprintf(o.Progress, "%s: opening %d conversations in the simulated Chatwoot…\n", o.Engine, n)
	displays, err := cw.openConversations(ctx, a.DB, n)
	if err != nil {
		return fig, err
	}
	_, _ = fmt.Fprintf(o.Progress, "%s: submitting %d drafts…\n", o.Engine, n)
	drafts, err := submitDrafts(ctx, agent, displays, o.Clients)
	if err != nil {
		return fig, err
	}
	_, _ = fmt.Fprintf(o.Progress, "%s: approving %.0f drafts a second for %s…\n", o.Engine, o.Rate, o.Duration)
	runs := approveAtRate(ctx, lead, drafts, o.Rate)
	last := time.Now()
	for _, r := range runs {
		last = latest(last, r.returned)
	}
	cw.waitDelivered(ctx, runs, last.Add(o.DeliveryTimeout))
	fig = deliveryFigures(fig, runs, cw.arrivalsOf(runs), o.DeliveryTimeout)
	if fig.Sent, err = waitSent(ctx, a.DB, runs, last.Add(o.DeliveryTimeout)); err != nil {
		return fig, err
	}
	return fig, deliveryVerdict(fig, runs, o.DeliveryTimeout)
}

func latest(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// submitDrafts submits one reply per conversation from clients concurrent
// agents.
func submitDrafts(ctx context.Context, agent *client.Client, displays []int64, clients int) ([]client.Draft, error) {
	out := make([]client.Draft, len(displays))
	errs := make([]error, len(displays))
	next := make(chan int, len(displays))
	for i := range displays {
		next <- i
	}
	close(next)
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for i := range next {
				conf := 0.9
				out[i], errs[i] = agent.SubmitDraft(ctx, client.NewDraft{ConversationDisplayID: displays[i], Kind: "reply",
					Text:  "Thanks for your patience! Your replacement ships today and arrives within three working days.",
					Agent: "helper-bot", Model: "m-2026-11", Confidence: &conf}, "")
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("submit drafts: %w", err)
	}
	return out, nil
}

// approveAtRate approves drafts through the API, one every 1/rate
// seconds whatever earlier calls are doing (so a slow server does not
// lower the rate), with a reviewer's grades.
func approveAtRate(ctx context.Context, lead *client.Client, drafts []client.Draft, rate float64) []approvalRun {
	runs := make([]approvalRun, len(drafts))
	tick := time.NewTicker(time.Duration(float64(time.Second) / rate))
	defer tick.Stop()
	var wg sync.WaitGroup
	for i, d := range drafts {
		if i > 0 {
			<-tick.C
		}
		wg.Go(func() {
			t := time.Now()
			_, err := lead.ReviewDraft(ctx, d.ID, "approve", client.DraftReview{Version: d.Version,
				Grades: &client.Grades{Tone: 5, Accuracy: 4, Policy: 5}})
			runs[i] = approvalRun{draft: d, took: time.Since(t), returned: time.Now(), err: err}
		})
	}
	wg.Wait()
	return runs
}

// deliveryFigures turns the approvals and the arrivals of their replies
// (by draft) into figures.
func deliveryFigures(fig DeliveryFigures, runs []approvalRun, arrivals map[int64][]time.Time, timeout time.Duration) DeliveryFigures {
	var lat, calls []time.Duration
	for _, r := range runs {
		if r.err != nil {
			fig.ApproveErrors++
			continue
		}
		fig.Approved++
		calls = append(calls, r.took)
		at := arrivals[r.draft.ID]
		if len(at) > 1 {
			fig.Duplicates++
		}
		if len(at) == 0 || at[0].Sub(r.returned) > timeout {
			fig.Missing++
			continue
		}
		fig.Delivered++
		d := at[0].Sub(r.returned)
		if d < 0 {
			fig.Early++
			d = 0
		}
		lat = append(lat, d)
	}
	fig.ApproveP50, fig.ApproveP99 = percentile(calls, 50), percentile(calls, 99)
	fig.P50, fig.P95, fig.P99, fig.Max = percentile(lat, 50), percentile(lat, 95), percentile(lat, 99), percentile(lat, 100)
	return fig
}

// deliveryVerdict fails the run when an approval failed, or a reply came
// twice or not in time.
func deliveryVerdict(fig DeliveryFigures, runs []approvalRun, timeout time.Duration) error {
	if fig.ApproveErrors == 0 && fig.Duplicates == 0 && fig.Missing == 0 {
		return nil
	}
	var first error
	for _, r := range runs {
		if r.err != nil {
			first = r.err
			break
		}
	}
	return fmt.Errorf("approve-to-delivered: of %d approved drafts %d were delivered more than once and %d not within %s; %d approvals failed (first: %v); delivered p50 %s, p99 %s",
		fig.Approved, fig.Duplicates, fig.Missing, timeout, fig.ApproveErrors, first, fig.P50, fig.P99)
}

// waitSent waits (until deadline) for HotDash to show every approved
// draft as sent, so that a second send would have happened by now, and
// returns how many are.
func waitSent(ctx context.Context, db *store.DB, runs []approvalRun, deadline time.Time) (int, error) {
	want, first := 0, int64(0)
	for _, r := range runs {
		if r.err == nil {
			want++
		}
		if first == 0 || r.draft.ID < first {
			first = r.draft.ID
		}
	}
	for {
		var n int
		// The drafts submitted for the run are the newest.
		err := db.Read.QueryRowContext(ctx, `SELECT count(*) FROM drafts WHERE id >= $1 AND state = 'sent'`, first).Scan(&n)
		if err != nil {
			return 0, fmt.Errorf("count sent drafts: %w", err)
		}
		if n >= want || time.Now().After(deadline) {
			return n, nil
		}
		if err := sleep(ctx, 50*time.Millisecond); err != nil {
			return n, err
		}
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// fakeChatwoot is the simulated Chatwoot account HotDash sends to, behind
// a recorder that notes when each message carrying a draft's reference
// arrives.
type fakeChatwoot struct {
	sim *simulator.Simulator
	srv *httptest.Server

	mu sync.Mutex
	// arrivals holds, by reference ("draft:<id>"), the arrival times of
	// the messages Chatwoot accepted.
	arrivals map[string][]time.Time
}

// The simulated account's credentials.
const (
	simToken  = "bench-chatwoot-token"
	simSecret = "bench-chatwoot-secret"
)

func startChatwoot() (*fakeChatwoot, error) {
	sim, err := simulator.New(simulator.Options{Token: simToken, AccountID: 1, Seed: 7, Workers: 4,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return nil, err
	}
	cw := &fakeChatwoot{sim: sim, arrivals: map[string][]time.Time{}}
	cw.srv = httptest.NewServer(cw.record(sim.Handler()))
	return cw, nil
}

func (cw *fakeChatwoot) close() {
	cw.srv.Close()
	cw.sim.Close()
}

// settings points HotDash at the simulator, sending for real.
func (cw *fakeChatwoot) settings(s *config.Settings) {
	dryRun := false
	s.Chatwoot = config.Chatwoot{BaseURL: cw.srv.URL, APIToken: simToken, AccountID: 1, WebhookSecret: simSecret,
		ReconcileEvery: time.Hour, DryRun: &dryRun, SendAttempts: 5}
}

// sendWebhooksTo subscribes HotDash at base to the account's webhooks.
func (cw *fakeChatwoot) sendWebhooksTo(base string) {
	cw.sim.AddWebhook(simulator.Webhook{URL: base + "/webhooks/chatwoot", Secret: simSecret})
}

// record notes each message posted to a conversation (POST
// …/conversations/{id}/messages) that Chatwoot accepts: its arrival time
// under the content_attributes reference it carries.
func (cw *fakeChatwoot) record(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/messages") {
			next.ServeHTTP(w, r)
			return
		}
		at := time.Now()
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		var m struct {
			Attrs map[string]any `json:"content_attributes"`
		}
		_ = json.Unmarshal(body, &m)
		if ref, _ := m.Attrs[conversation.RefAttribute].(string); ref != "" && sw.status < 300 {
			cw.mu.Lock()
			cw.arrivals[ref] = append(cw.arrivals[ref], at)
			cw.mu.Unlock()
		}
	})
}

// statusWriter remembers the status a handler answered with.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(status int) {
	w.status = status
	w.ResponseWriter.WriteHeader(status)
}

// openConversations starts n conversations in Chatwoot, a customer
// writing in on each inbox in turn, and waits until HotDash has projected
// each with its message (a draft's context is the newest message HotDash
// knows). It returns their display ids.
func (cw *fakeChatwoot) openConversations(ctx context.Context, db *store.DB, n int) ([]int64, error) {
	inboxes := cw.sim.Inboxes()
	out := make([]int64, n)
	for i := range out {
		id, err := cw.sim.NewConversation(inboxes[i%len(inboxes)].ID, 0, fmt.Sprintf("Hello, my order %d arrived damaged. Can you send a new one?", 70000+i))
		if err != nil {
			return nil, err
		}
		out[i] = id
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var known int
		err := db.Read.QueryRowContext(ctx, `SELECT count(*) FROM conversations c WHERE c.account_id = 1 AND c.display_id BETWEEN $1 AND $2
			AND EXISTS (SELECT 1 FROM conversation_messages m WHERE m.conversation_id = c.id AND m.kind = 'incoming')`,
			slices.Min(out), slices.Max(out)).Scan(&known)
		if err != nil {
			return nil, fmt.Errorf("count projected conversations: %w", err)
		}
		if known == n {
			return out, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("HotDash knows %d of the %d conversations opened in Chatwoot after 2 minutes", known, n)
		}
		if err := sleep(ctx, 50*time.Millisecond); err != nil {
			return nil, err
		}
	}
}

// arrivalsOf returns the arrival times of each approved draft's reply.
func (cw *fakeChatwoot) arrivalsOf(runs []approvalRun) map[int64][]time.Time {
	cw.mu.Lock()
	defer cw.mu.Unlock()
	out := make(map[int64][]time.Time, len(runs))
	for _, r := range runs {
		out[r.draft.ID] = slices.Clone(cw.arrivals["draft:"+strconv.FormatInt(r.draft.ID, 10)])
	}
	return out
}

// waitDelivered waits until every approved draft's reply has arrived, or
// deadline.
func (cw *fakeChatwoot) waitDelivered(ctx context.Context, runs []approvalRun, deadline time.Time) {
	for time.Now().Before(deadline) {
		arrivals, all := cw.arrivalsOf(runs), true
		for _, r := range runs {
			all = all && (r.err != nil || len(arrivals[r.draft.ID]) > 0)
		}
		if all || sleep(ctx, 20*time.Millisecond) != nil {
			return
		}
	}
}
