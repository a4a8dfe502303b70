package notify

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hotdash/hotdash/internal/clock"
	"github.com/hotdash/hotdash/internal/config"
	"github.com/hotdash/hotdash/internal/store"
)

// Delivery states.
const (
	// StatePending waits for its next try (next_attempt_at).
	StatePending = "pending"
	// StateSending is being tried; next_attempt_at is when its lease
	// expires and another sender may take it over.
	StateSending = "sending"
	// StateDelivered reached the receiver.
	StateDelivered = "delivered"
	// StateFailed was refused (a 4xx) or given up on after MaxAttempts.
	StateFailed = "failed"
	// StateDead names an endpoint the policy does not have.
	StateDead = "dead"
)

// States lists the delivery states.
func States() []string {
	return []string{StatePending, StateSending, StateDelivered, StateFailed, StateDead}
}

// Deps are what an Outbox needs.
type Deps struct {
	DB    *store.DB
	Clock clock.Clock
	// Config names the endpoints and how often a delivery is tried.
	Config config.NotifyConfig
	// SMTP is the relay for email endpoints (Settings.SMTP).
	SMTP config.SMTP
	// Env reads the variables endpoints name for their secrets; nil means
	// os.Getenv.
	Env func(string) string
	// HTTP sends Slack, PagerDuty and webhook requests; nil means a client
	// with a 30-second timeout that keeps a connection per sender alive.
	// Each try is also bounded by SendTimeout.
	HTTP *http.Client
	// Logger receives one line per failed try; nil discards.
	Logger *slog.Logger
	// Registerer receives the outbox's metrics; nil keeps them private.
	Registerer prometheus.Registerer
	// PublicURL is HotDash's address, asked at each send (the server may
	// learn its port only once it listens): links starting with "/" are
	// made absolute against it, and PagerDuty events link back to it. Nil
	// leaves links as they are.
	PublicURL func() string
	// PagerDutyURL replaces DefaultPagerDutyURL (tests).
	PagerDutyURL string
	// SMTPTLS replaces the TLS settings used with the relay (tests).
	SMTPTLS *tls.Config
	// Tuning adjusts the dispatcher; zero fields take the defaults.
	Tuning Tuning
}

// Tuning adjusts the dispatcher.
type Tuning struct {
	// Senders is how many tries run at once (16).
	Senders int
	// Batch is the most deliveries one claim takes (64).
	Batch int
	// PollEvery is how often Run looks for due deliveries without being
	// woken: retries coming due, other replicas' enqueues (250 ms).
	PollEvery time.Duration
	// Lease is how long a claimed delivery is reserved for its sender; a
	// delivery still sending after it (HotDash stopped mid-try) is taken
	// over (2 minutes; it must exceed SendTimeout).
	Lease time.Duration
	// SendTimeout bounds one try (15 s).
	SendTimeout time.Duration
	// BaseBackoff is the wait after the first failed try, doubling up to
	// MaxBackoff (10 s, 10 minutes), with jitter.
	BaseBackoff, MaxBackoff time.Duration
	// MaxAttempts overrides Config.Attempts() when set.
	MaxAttempts int
	// Jitter returns a number in [0, 1) (math/rand/v2's Float64).
	Jitter func() float64
}

func (t Tuning) withDefaults() Tuning {
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	if t.Senders <= 0 {
		t.Senders = 16
	}
	if t.Batch <= 0 {
		t.Batch = 64
	}
	def(&t.PollEvery, 250*time.Millisecond)
	def(&t.SendTimeout, 15*time.Second)
	def(&t.Lease, max(2*time.Minute, 2*t.SendTimeout))
	def(&t.BaseBackoff, 10*time.Second)
	def(&t.MaxBackoff, 10*time.Minute)
	if t.Jitter == nil {
		t.Jitter = rand.Float64
	}
	return t
}

// Outbox is the durable notification outbox: EnqueueTx writes deliveries
// in the caller's transaction; Run sends them.
type Outbox struct {
	db          *store.DB
	clock       clock.Clock
	logger      *slog.Logger
	tuning      Tuning
	maxAttempts int
	publicURL   func() string
	endpoints   map[string]*endpoint
	metrics     *metrics

	stmts    *store.Statements
	insert   *store.Inserter
	attempts *store.Inserter

	wake     chan struct{}
	freed    chan struct{}
	inflight atomic.Int64
}

// New readies an Outbox: it builds every configured endpoint (logging
// those that cannot send, such as a variable that is not set: their
// deliveries fail with that reason) and prepares its statements.
func New(ctx context.Context, d Deps) (*Outbox, error) {
	d = depsWithDefaults(d)
	o := &Outbox{db: d.DB, clock: d.Clock, logger: d.Logger, tuning: d.Tuning.withDefaults(),
		maxAttempts: d.Config.Attempts(), publicURL: d.PublicURL,
		wake: make(chan struct{}, 1), freed: make(chan struct{}, 1)}
	if o.tuning.MaxAttempts > 0 {
		o.maxAttempts = o.tuning.MaxAttempts
	}
	o.endpoints = buildEndpoints(d.Config, endpointDeps{env: d.Env, http: d.HTTP, smtp: d.SMTP, smtpTLS: d.SMTPTLS,
		pagerDutyURL: d.PagerDutyURL, publicURL: d.PublicURL})
	for _, name := range d.Config.EndpointNames() {
		if e := o.endpoints[name]; e.notifier == nil {
			o.logger.Warn("notification endpoint cannot send; its deliveries will fail", "endpoint", name, "type", e.kind, "reason", e.problem)
		}
	}
	o.metrics = newMetrics(o, d.Registerer)
	if err := o.prepare(ctx); err != nil {
		o.Close()
		return nil, err
	}
	return o, nil
}

func depsWithDefaults(d Deps) Deps {
	if d.Clock == nil {
		d.Clock = clock.System{}
	}
	if d.Env == nil {
		d.Env = os.Getenv
	}
	if d.HTTP == nil {
		// Keep a connection per sender alive: Slack or PagerDuty is one
		// host, and the default transport keeps only two.
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = max(d.Tuning.Senders, 16)
		d.HTTP = &http.Client{Timeout: 30 * time.Second, Transport: t}
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if d.PublicURL == nil {
		d.PublicURL = func() string { return "" }
	}
	if d.Registerer == nil {
		d.Registerer = prometheus.NewRegistry()
	}
	return d
}

// Rows per INSERT statement (see store.Inserter: SQLite's parameter
// binding grows with the square of a statement's parameters, so about
// 200 parameters a statement).
const (
	deliveriesPerInsert = 16
	attemptsPerInsert   = 32
)

func (o *Outbox) prepare(ctx context.Context) error {
	o.stmts = store.NewStatements(o.db)
	o.insert = store.NewInserter(o.db, "deliveries", []string{"endpoint", "kind", "dedup_key", "incident_ref", "message",
		"state", "attempts", "next_attempt_at", "last_error", "last_status", "created_at"},
		"ON CONFLICT (endpoint, dedup_key) DO NOTHING RETURNING endpoint, state", deliveriesPerInsert)
	o.attempts = store.NewInserter(o.db, "delivery_attempts",
		[]string{"delivery_id", "attempt", "at", "status", "error", "duration_us"}, "", attemptsPerInsert)
	if err := o.insert.Prepare(ctx); err != nil {
		return fmt.Errorf("prepare notification outbox: %w", err)
	}
	if err := o.attempts.Prepare(ctx); err != nil {
		return fmt.Errorf("prepare notification outbox: %w", err)
	}
	if err := o.stmts.Prepare(ctx, o.claimSQL(), reclaimSQL, updateReleased, updateGivenUp); err != nil {
		return fmt.Errorf("prepare notification outbox: %w", err)
	}
	return nil
}

// Close releases the prepared statements. Call it after Run has returned.
func (o *Outbox) Close() {
	if o.stmts != nil {
		o.stmts.Close()
	}
	if o.insert != nil {
		o.insert.Close()
	}
	if o.attempts != nil {
		o.attempts.Close()
	}
}

// Endpoints lists the configured endpoints' names and kinds, and why an
// endpoint cannot send ("" when it can).
func (o *Outbox) Endpoints() []EndpointStatus {
	var out []EndpointStatus
	for _, e := range o.endpoints {
		out = append(out, EndpointStatus{Name: e.name, Kind: e.kind, Problem: e.problem})
	}
	slices.SortFunc(out, func(a, b EndpointStatus) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// EndpointStatus is a configured endpoint and whether it can send.
type EndpointStatus struct {
	Name    string `json:"name"`
	Kind    string `json:"kind"`
	Problem string `json:"problem,omitempty"`
}

// Notification is one message for some endpoints, as EnqueueAllTx takes it.
type Notification struct {
	Endpoints []string
	Message   Message
	// Key identifies the notification for deduplication: a second
	// enqueue with the same key to the same endpoint is a no-op. It must
	// differ between events that should each be sent ("incident:12/L3/
	// trigger", "incident:12/L3/resolve", "incident:12/L3/renotify/2").
	Key string
}

// maxKey bounds a stored dedup key; longer keys are stored as their hash
// (an index entry has a size limit on PostgreSQL).
const maxKey = 255

// ErrNoKey is returned when a notification has no dedup key.
var ErrNoKey = errors.New("notify: a notification needs a dedup key")

// EnqueueTx adds one delivery of m per endpoint inside tx: they are sent
// only if tx commits (call Wake after it does). It returns how many are
// new; a key already enqueued for an endpoint adds nothing. An endpoint
// the policy does not name is recorded as dead, with the reason, and does
// not fail tx.
func (o *Outbox) EnqueueTx(ctx context.Context, tx *sql.Tx, endpoints []string, m Message, key string) (int, error) {
	return o.EnqueueAllTx(ctx, tx, []Notification{{Endpoints: endpoints, Message: m, Key: key}})
}

// EnqueueAllTx is EnqueueTx for several notifications, written with
// multi-row inserts.
func (o *Outbox) EnqueueAllTx(ctx context.Context, tx *sql.Tx, ns []Notification) (int, error) {
	now := o.now()
	var rows [][]any
	for _, n := range ns {
		r, err := o.rows(n, now)
		if err != nil {
			return 0, err
		}
		rows = append(rows, r...)
	}
	added := 0
	var dead []string
	err := o.insert.Query(ctx, tx, rows, func(r *sql.Rows) error {
		var endpoint, state string
		if err := r.Scan(&endpoint, &state); err != nil {
			return err
		}
		added++
		if state == StateDead {
			dead = append(dead, endpoint)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("enqueue notifications: %w", err)
	}
	for _, name := range dead {
		o.logger.Error("notification to an endpoint the policy does not name; recorded as dead", "endpoint", name)
		o.metrics.outcome(o.label(name), StateDead)
	}
	return added, nil
}

// rows are n's delivery rows, one per distinct endpoint.
func (o *Outbox) rows(n Notification, now time.Time) ([][]any, error) {
	if n.Key == "" {
		return nil, ErrNoKey
	}
	if len(n.Key) > maxKey {
		sum := sha256.Sum256([]byte(n.Key))
		n.Key = "sha256:" + hex.EncodeToString(sum[:])
	}
	body, err := json.Marshal(n.Message)
	if err != nil {
		return nil, fmt.Errorf("encode notification: %w", err)
	}
	seen := map[string]bool{}
	var rows [][]any
	for _, name := range n.Endpoints {
		if seen[name] {
			continue
		}
		seen[name] = true
		kind, state, lastErr := KindUnknown, StateDead, fmt.Sprintf("endpoint %q is not in the policy's notify.endpoints", name)
		if e, ok := o.endpoints[name]; ok {
			kind, state, lastErr = e.kind, StatePending, ""
		}
		rows = append(rows, []any{name, kind, n.Key, n.Message.IncidentRef, string(body), state, 0, now, lastErr, 0, now})
	}
	return rows, nil
}

// Wake asks Run to look for due deliveries now. Call it after the
// transaction that enqueued them commits.
func (o *Outbox) Wake() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// now is the clock's time as the store keeps it.
func (o *Outbox) now() time.Time { return o.clock.Now().UTC().Truncate(time.Microsecond) }

// label is the metrics label for an endpoint name: configured names only.
func (o *Outbox) label(name string) string {
	if _, ok := o.endpoints[name]; ok {
		return name
	}
	return KindUnknown
}

// Prune deletes the deliveries created before before that are finished
// (delivered, failed or dead), with their attempts, and returns how many.
// Pending and sending deliveries are kept whatever their age.
func (o *Outbox) Prune(ctx context.Context, before time.Time) (int64, error) {
	return o.db.DeleteOldest(ctx, "deliveries", "created_at < $1 AND state IN ('delivered', 'failed', 'dead')", before.UTC())
}
