package ingest

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hotdash/hotdash/internal/chatwoot"
	"github.com/hotdash/hotdash/internal/clock"
	"github.com/hotdash/hotdash/internal/groupcommit"
	"github.com/hotdash/hotdash/internal/httpx"
	"github.com/hotdash/hotdash/internal/store"
)

// Origins of stored events.
const (
	OriginWebhook   = "webhook"
	OriginReconcile = "reconcile"
)

// Tolerance is how far a delivery's timestamp may be from now.
const Tolerance = 5 * time.Minute

// maxBatch bounds how many events one transaction stores.
const maxBatch = 512

// ReceiverConfig says how deliveries authenticate.
type ReceiverConfig struct {
	// Secret checks X-Chatwoot-Signature.
	Secret string
	// Token, when set, also accepts unsigned deliveries whose URL carries
	// ?token=<Token> (Chatwoot before 4.11.2 does not sign).
	Token string
}

// Receiver is the webhook endpoint and the store of raw events.
type Receiver struct {
	db       *store.DB
	clock    clock.Clock
	cfg      ReceiverConfig
	logger   *slog.Logger
	stored   func()
	writer   *groupcommit.Committer[Raw, bool]
	inserter *store.Inserter
	counts   *prometheus.CounterVec
	last     prometheus.Gauge
	// waiting counts deliveries being stored right now.
	waiting atomic.Int64
}

// Raw is an event as stored.
type Raw struct {
	Key      string
	Event    string
	Origin   string
	Received time.Time
	Body     []byte
}

// NewReceiver returns a Receiver. stored, if set, is called after each batch
// commits (to wake the projector).
func NewReceiver(db *store.DB, clk clock.Clock, cfg ReceiverConfig, reg prometheus.Registerer, logger *slog.Logger, stored func()) *Receiver {
	r := &Receiver{
		db: db, clock: clk, cfg: cfg, logger: logger, stored: stored,
		inserter: store.NewInserter(db, "chatwoot_events", []string{"dedupe_key", "event", "origin", "received_at", "body"},
			"ON CONFLICT (dedupe_key) DO NOTHING RETURNING dedupe_key", 32),
		counts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hotdash_chatwoot_webhooks_total",
			Help: "Chatwoot webhook deliveries by event and outcome (stored, duplicate, bad_signature, stale, malformed, too_large, not_configured).",
		}, []string{"event", "outcome"}),
		last: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "hotdash_chatwoot_webhook_last_received_seconds",
			Help: "Unix time of the last Chatwoot webhook this process stored.",
		}),
	}
	reg.MustRegister(r.counts, r.last)
	r.writer = groupcommit.New(maxBatch, r.commit)
	return r
}

// Close stores what was already handed over, then stops.
func (r *Receiver) Close() {
	r.writer.Close()
	r.inserter.Close()
}

// Configured reports whether the endpoint can authenticate deliveries.
func (r *Receiver) Configured() bool { return r.cfg.Secret != "" || r.cfg.Token != "" }

// ServeHTTP receives one delivery: POST /webhooks/chatwoot.
func (r *Receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	outcome, event, err := r.receive(w, req)
	r.counts.WithLabelValues(metricEvent(event), outcome).Inc()
	if err != nil {
		if p := httpx.Problem(err); p.Status >= 500 {
			httpx.Logger(req.Context()).Error("store chatwoot event", "error", err)
		} else {
			httpx.Logger(req.Context()).Warn("chatwoot webhook refused", "outcome", outcome, "reason", err.Error())
		}
		httpx.WriteError(w, req, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": outcome})
}

// receive authenticates, decodes and stores a delivery, returning the
// outcome label and the event name.
func (r *Receiver) receive(w http.ResponseWriter, req *http.Request) (string, string, error) {
	if !r.Configured() {
		return "not_configured", "", httpx.NewError(http.StatusServiceUnavailable, "not_configured",
			"webhooks are not configured: set CHATWOOT_WEBHOOK_SECRET to the Chatwoot webhook's secret")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, req.Body, httpx.MaxBodyBytes))
	var maxErr *http.MaxBytesError
	if errors.As(err, &maxErr) {
		return "too_large", "", httpx.NewError(http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("the body is larger than %d bytes", maxErr.Limit))
	}
	if err != nil {
		return "malformed", "", httpx.NewError(http.StatusBadRequest, "malformed", "the body could not be read")
	}
	if outcome, err := r.authenticate(req, body); err != nil {
		return outcome, "", err
	}
	name, key, err := identify(req, body)
	if err != nil {
		return "malformed", name, err
	}
	stored, err := r.Store(req.Context(), Raw{Key: key, Event: name, Origin: OriginWebhook, Body: body})
	if err != nil {
		return "error", name, err
	}
	if !stored {
		return "duplicate", name, nil
	}
	return "stored", name, nil
}

// identify returns a delivery's event name and dedupe key. With
// X-Chatwoot-Delivery it only checks the envelope (a JSON object with an
// event name): the projector decodes the rest, and sets aside with its
// reason an event whose fields do not decode, so nothing is lost. Without
// it the key comes from the decoded event (event, object and time).
func identify(req *http.Request, body []byte) (string, string, error) {
	malformed := func(err error) error {
		return httpx.NewError(http.StatusBadRequest, "malformed", "the body is not a Chatwoot event: "+err.Error())
	}
	if id := strings.TrimSpace(req.Header.Get("X-Chatwoot-Delivery")); id != "" {
		if len(id) > 200 {
			return "", "", httpx.NewError(http.StatusBadRequest, "malformed", "X-Chatwoot-Delivery is longer than 200 characters")
		}
		name, err := chatwoot.EventName(body)
		if err != nil {
			return "", "", malformed(err)
		}
		return name, "delivery:" + id, nil
	}
	ev, err := chatwoot.DecodeEvent(body)
	if err != nil {
		return ev.Name, "", malformed(err)
	}
	return ev.Name, chatwoot.EventKey(ev), nil
}

// authenticate checks the signature, or the URL token in unsigned mode.
func (r *Receiver) authenticate(req *http.Request, body []byte) (string, error) {
	sig := req.Header.Get("X-Chatwoot-Signature")
	if sig == "" && r.cfg.Token != "" {
		got := req.URL.Query().Get("token")
		if subtle.ConstantTimeCompare([]byte(got), []byte(r.cfg.Token)) == 1 {
			return "", nil
		}
		return "bad_signature", httpx.NewError(http.StatusUnauthorized, "bad_signature", "the delivery is neither signed nor carries the webhook token")
	}
	if r.cfg.Secret == "" {
		return "bad_signature", httpx.NewError(http.StatusUnauthorized, "bad_signature", "signed deliveries need CHATWOOT_WEBHOOK_SECRET; this HotDash only accepts its webhook token")
	}
	err := chatwoot.Verify(r.cfg.Secret, req.Header.Get("X-Chatwoot-Timestamp"), body, sig, r.clock.Now(), Tolerance)
	switch {
	case errors.Is(err, chatwoot.ErrStaleTimestamp):
		return "stale", httpx.NewError(http.StatusUnauthorized, "stale_timestamp", "X-Chatwoot-Timestamp is missing or more than 5 minutes from now (a replay, or a clock out of sync)")
	case err != nil:
		return "bad_signature", httpx.NewError(http.StatusUnauthorized, "bad_signature", "X-Chatwoot-Signature does not match the body: check CHATWOOT_WEBHOOK_SECRET")
	}
	return "", nil
}

// Store commits a raw event unless one with its key is stored already, and
// reports whether it was new. It returns once the event is durable.
func (r *Receiver) Store(ctx context.Context, raw Raw) (bool, error) {
	if raw.Received.IsZero() {
		raw.Received = r.clock.Now().UTC().Truncate(time.Microsecond)
	}
	r.waiting.Add(1)
	defer r.waiting.Add(-1)
	return r.writer.Do(ctx, raw)
}

// Busy reports whether deliveries are waiting to be stored. The projector
// gives way to them: a sender is waiting on those, nobody on projection.
func (r *Receiver) Busy() bool { return r.waiting.Load() > 0 }

// commit stores a batch of events in one transaction.
func (r *Receiver) commit(batch []Raw) []groupcommit.Result[bool] {
	out := make([]groupcommit.Result[bool], len(batch))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rows := make([][]any, len(batch))
	for i, e := range batch {
		rows[i] = []any{e.Key, e.Event, e.Origin, e.Received, string(e.Body)}
	}
	inserted := map[string]bool{}
	err := r.inserter.Prepare(ctx)
	if err == nil {
		err = r.db.InTx(ctx, func(tx *sql.Tx) error {
			return r.inserter.Query(ctx, tx, rows, func(res *sql.Rows) error {
				var key string
				if err := res.Scan(&key); err != nil {
					return err
				}
				inserted[key] = true
				return nil
			})
		})
	}
	if err != nil {
		for i := range out {
			out[i].Err = fmt.Errorf("store chatwoot events: %w", err)
		}
		return out
	}
	newest := time.Time{}
	for i, e := range batch {
		out[i].Value = inserted[e.Key]
		delete(inserted, e.Key) // a repeat within the batch is a duplicate
		if e.Origin == OriginWebhook && e.Received.After(newest) {
			newest = e.Received
		}
	}
	if !newest.IsZero() {
		r.last.Set(float64(newest.Unix()))
	}
	if r.stored != nil {
		r.stored()
	}
	return out
}

// metricEvent bounds the event label to Chatwoot's known event names.
func metricEvent(name string) string {
	switch name {
	case "conversation_created", "conversation_status_changed", "conversation_updated",
		"contact_created", "contact_updated", "message_created", "message_updated",
		"webwidget_triggered", "inbox_created", "inbox_updated",
		"conversation_typing_on", "conversation_typing_off", "":
		return name
	}
	if strings.HasPrefix(name, "automation_event.") {
		return "automation_event"
	}
	return "other"
}

// LastReceived returns when the newest webhook delivery was stored (zero
// when none was).
func LastReceived(ctx context.Context, db *store.DB) (time.Time, error) {
	var t sql.NullTime
	err := db.Read.QueryRowContext(ctx, `SELECT received_at FROM chatwoot_events WHERE origin = $1 ORDER BY id DESC LIMIT 1`, OriginWebhook).Scan(&t)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("read last webhook time: %w", err)
	}
	return store.TimeOf(t), nil
}
