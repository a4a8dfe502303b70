package bench

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hotdash/hotdash/internal/clock"
	"github.com/hotdash/hotdash/internal/config"
	"github.com/hotdash/hotdash/internal/notify"
	"github.com/hotdash/hotdash/internal/store"
)

// NotifyOptions configure the notify benchmark.
type NotifyOptions struct {
	Engine      string
	PostgresURL string
	// Messages is how many escalation messages each phase enqueues.
	Messages int
	// Endpoints is how many webhook endpoints each message fans out to.
	Endpoints int
	// Batch is how many messages one enqueueing transaction holds (as an
	// escalation pass enqueues everything it decided at once).
	Batch int
	// Rate paces the second phase's enqueueing, in messages per second
	// (0 skips it). The first phase enqueues as fast as the store takes
	// the messages.
	Rate float64
	// Senders is the outbox's pool size.
	Senders  int
	Progress io.Writer
}

// NotifyResult holds the figures of each phase.
type NotifyResult struct {
	Engine    string `json:"engine"`
	Messages  int    `json:"messages"`
	Endpoints int    `json:"endpoints"`
	Batch     int    `json:"batch"`
	Senders   int    `json:"senders"`
	// Phases are "burst" (everything enqueued at once) and "paced".
	Phases []NotifyPhase `json:"phases"`
	// Unsettled counts deliveries not recorded as settled once every one
	// had arrived and the outbox stopped (0: each try was recorded).
	Unsettled int `json:"unsettled"`
}

// NotifyPhase is one phase's figures.
type NotifyPhase struct {
	Name string `json:"name"`
	// Rate is the offered load in messages per second (0: unpaced).
	Rate       float64 `json:"rate"`
	Deliveries int     `json:"deliveries"`
	// EnqueueDuration is how long enqueueing took; Duration runs from the
	// first enqueue to the last arrival.
	EnqueueDuration time.Duration `json:"enqueue_duration_ns"`
	Duration        time.Duration `json:"duration_ns"`
	PerSecond       float64       `json:"deliveries_per_second"`
	// Lag is each delivery's time from its enqueue's commit to its
	// arrival at the receiver.
	LagP50     time.Duration `json:"lag_p50_ns"`
	LagP99     time.Duration `json:"lag_p99_ns"`
	LagMax     time.Duration `json:"lag_max_ns"`
	Duplicates int           `json:"duplicates"`
	Missing    int           `json:"missing"`
	BadSigs    int           `json:"bad_signatures"`
}

// benchHookSecret signs the benchmark's webhooks.
const benchHookSecret = "bench-signing-secret-0123456789"

// notifyBench is one run: a store, an outbox, and the receiver.
type notifyBench struct {
	o         NotifyOptions
	db        *store.DB
	out       *notify.Outbox
	endpoints []string
	receiver  atomic.Pointer[hookReceiver]
}

// Notify measures the delivery outbox: escalation messages enqueued in
// transactions of Batch, fanned out to Endpoints signed webhooks on a local
// receiver that verifies each signature, drained by the outbox's pool of
// senders. A burst phase enqueues Messages at once (deliveries per second);
// a paced phase offers Rate messages a second (lag under steady load).
func Notify(ctx context.Context, o NotifyOptions) (NotifyResult, error) {
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	res := NotifyResult{Engine: o.Engine, Messages: o.Messages, Endpoints: max(o.Endpoints, 1), Batch: o.Batch, Senders: o.Senders}
	db, cleanup, err := openStore(ctx, o.Engine, o.PostgresURL)
	if err != nil {
		return res, err
	}
	defer cleanup()
	b := &notifyBench{o: o, db: db}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { b.receiver.Load().ServeHTTP(w, r) }))
	defer srv.Close()
	cfg, env := benchEndpoints(srv.URL, o.Endpoints)
	b.endpoints = cfg.EndpointNames()
	if b.out, err = notify.New(ctx, notify.Deps{DB: db, Clock: clock.System{}, Config: cfg, Env: func(k string) string { return env[k] },
		PublicURL: func() string { return "http://hotdash.bench" }, Tuning: notify.Tuning{Senders: o.Senders}}); err != nil {
		return res, err
	}
	defer b.out.Close()
	runCtx, stop := context.WithCancel(ctx)
	ran := make(chan struct{})
	go func() { b.out.Run(runCtx); close(ran) }()
	phases := []NotifyPhase{{Name: "burst"}}
	if o.Rate > 0 {
		phases = append(phases, NotifyPhase{Name: "paced", Rate: o.Rate})
	}
	for _, p := range phases {
		if err = b.phase(ctx, &p); err != nil {
			break
		}
		res.Phases = append(res.Phases, p)
	}
	stop()
	<-ran
	if err != nil {
		return res, err
	}
	q, err := b.out.Queue(ctx)
	res.Unsettled = q.Pending + q.Sending
	return res, err
}

// phase runs one phase and fills in its figures.
func (b *notifyBench) phase(ctx context.Context, p *NotifyPhase) error {
	p.Deliveries = b.o.Messages * len(b.endpoints)
	rc := newHookReceiver(p.Deliveries)
	b.receiver.Store(rc)
	pace := "as fast as the store takes them"
	if p.Rate > 0 {
		pace = fmt.Sprintf("at %.0f/s", p.Rate)
	}
	_, _ = fmt.Fprintf(b.o.Progress, "%s: %s: enqueueing %d messages to %d endpoints in batches of %d, %s…\n",
		b.o.Engine, p.Name, b.o.Messages, len(b.endpoints), b.o.Batch, pace)
	start := time.Now()
	err := b.enqueue(ctx, p, rc)
	p.EnqueueDuration = time.Since(start)
	if err != nil {
		return err
	}
	if err := rc.wait(ctx, time.Minute+time.Duration(p.Deliveries/200)*time.Second); err != nil {
		return err
	}
	rc.figures(p, start)
	return nil
}

// benchEndpoints are n webhook endpoints on the receiver at base.
func benchEndpoints(base string, n int) (config.NotifyConfig, map[string]string) {
	cfg := config.NotifyConfig{Endpoints: map[string]config.NotifyEndpoint{}}
	env := map[string]string{"BENCH_HOOK_SECRET": benchHookSecret}
	for i := range max(n, 1) {
		name := "bench-hook-" + strconv.Itoa(i)
		urlEnv := "BENCH_HOOK_URL_" + strconv.Itoa(i)
		cfg.Endpoints[name] = config.NotifyEndpoint{Type: config.EndpointWebhook, URLEnv: urlEnv, SecretEnv: "BENCH_HOOK_SECRET"}
		env[urlEnv] = base + "/hook/" + strconv.Itoa(i)
	}
	return cfg, env
}

// enqueue enqueues the phase's messages a batch per transaction, paced by
// its rate, noting each batch's commit time and waking the outbox after it.
func (b *notifyBench) enqueue(ctx context.Context, p *NotifyPhase, rc *hookReceiver) error {
	start := time.Now()
	for n := 0; n*b.o.Batch < b.o.Messages; n++ {
		if p.Rate > 0 {
			time.Sleep(time.Until(start.Add(time.Duration(float64(n*b.o.Batch) / p.Rate * float64(time.Second)))))
		}
		var ns []notify.Notification
		for i := n * b.o.Batch; i < min((n+1)*b.o.Batch, b.o.Messages); i++ {
			ns = append(ns, notify.Notification{Endpoints: b.endpoints, Message: benchMessage(n, i),
				Key: p.Name + "/" + strconv.Itoa(i)})
		}
		err := b.db.InTx(ctx, func(tx *sql.Tx) error {
			_, err := b.out.EnqueueAllTx(ctx, tx, ns)
			return err
		})
		if err != nil {
			return fmt.Errorf("enqueue batch %d: %w", n, err)
		}
		rc.committed(n, time.Now())
		b.out.Wake()
	}
	return nil
}

// benchMessage is an L3 escalation; its incident names the batch, so the
// receiver can find the batch's commit time.
func benchMessage(batch, i int) notify.Message {
	return notify.Message{Event: notify.EventTrigger, IncidentRef: "bench:" + strconv.Itoa(batch), Severity: "S1", Level: "L3",
		Summary:  fmt.Sprintf("Chatwoot API failing health checks (bench message %d)", i),
		Details:  "3 health checks failed in a row.\nGET /api answered 503 twice and timed out once.",
		Links:    []notify.Link{{Title: "Incident", URL: "/incidents/" + strconv.Itoa(i)}, {Title: "Runbook", URL: "https://help.example.com/runbooks/chatwoot-down"}},
		DedupKey: "bench:" + strconv.Itoa(i) + ":L3", At: time.Now().UTC()}
}

// hookReceiver is the webhook receiver: it verifies each signature and
// notes when each delivery arrived.
type hookReceiver struct {
	expected int
	mu       sync.Mutex
	commits  map[int]time.Time
	arrivals map[string]arrival
	dups     int
	badSigs  atomic.Int64
	count    atomic.Int64
	done     chan struct{}
}

type arrival struct {
	batch int
	at    time.Time
}

func newHookReceiver(expected int) *hookReceiver {
	return &hookReceiver{expected: expected, commits: map[int]time.Time{},
		arrivals: make(map[string]arrival, expected), done: make(chan struct{})}
}

func (rc *hookReceiver) committed(batch int, at time.Time) {
	rc.mu.Lock()
	rc.commits[batch] = at
	rc.mu.Unlock()
}

// ServeHTTP takes one delivery.
func (rc *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	at := time.Now()
	body, err := io.ReadAll(r.Body)
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	if notify.VerifyWebhook(benchHookSecret, r.Header, body, at, notify.DefaultWebhookTolerance) != nil {
		rc.badSigs.Add(1)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	key := r.URL.Path + "#" + r.Header.Get(notify.HeaderDelivery)
	rc.mu.Lock()
	if _, seen := rc.arrivals[key]; seen {
		rc.dups++
	} else {
		rc.arrivals[key] = arrival{batch: batchOf(body), at: at}
	}
	rc.mu.Unlock()
	if rc.count.Add(1) == int64(rc.expected) {
		close(rc.done)
	}
	w.WriteHeader(http.StatusNoContent)
}

// batchOf reads the batch number from a body's incident_ref.
func batchOf(body []byte) int {
	const marker = `"incident_ref":"bench:`
	i := bytes.Index(body, []byte(marker))
	if i < 0 {
		return -1
	}
	rest := body[i+len(marker):]
	n, err := strconv.Atoi(string(rest[:max(bytes.IndexByte(rest, '"'), 0)]))
	if err != nil {
		return -1
	}
	return n
}

// wait waits for every expected delivery, or fails after limit.
func (rc *hookReceiver) wait(ctx context.Context, limit time.Duration) error {
	select {
	case <-rc.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(limit):
		return errors.New("not every delivery arrived within " + limit.String() + " (" + strconv.FormatInt(rc.count.Load(), 10) + " did)")
	}
}

// figures fills in throughput and lag.
func (rc *hookReceiver) figures(p *NotifyPhase, start time.Time) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var lags []time.Duration
	var last time.Time
	for _, a := range rc.arrivals {
		if a.at.After(last) {
			last = a.at
		}
		if c, ok := rc.commits[a.batch]; ok {
			lags = append(lags, max(a.at.Sub(c), 0))
		}
	}
	p.Duration = last.Sub(start)
	p.PerSecond = float64(len(rc.arrivals)) / p.Duration.Seconds()
	p.LagP50, p.LagP99, p.LagMax = percentile(lags, 50), percentile(lags, 99), percentile(lags, 100)
	p.Duplicates, p.Missing, p.BadSigs = rc.dups, p.Deliveries-len(rc.arrivals), int(rc.badSigs.Load())
}
