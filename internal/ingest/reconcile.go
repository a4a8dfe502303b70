package ingest

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hotdash/hotdash/internal/chatwoot"
	"github.com/hotdash/hotdash/internal/clock"
	"github.com/hotdash/hotdash/internal/store"
)

// firstSyncWindow is how far back the first reconciliation looks.
const firstSyncWindow = 24 * time.Hour

// ChatwootAPI is what reconciliation asks Chatwoot.
type ChatwootAPI interface {
	EachConversation(ctx context.Context, o chatwoot.ListOptions, fn func(chatwoot.Conversation) error) error
	Messages(ctx context.Context, displayID, before int64) ([]chatwoot.Message, error)
}

// Sync is one reconciliation run.
type Sync struct {
	ID       int64
	Started  time.Time
	Finished time.Time
	Since    time.Time
	Fetched  int
	Repaired int
	Error    string
}

// OK reports whether the run finished without error.
func (s Sync) OK() bool { return !s.Finished.IsZero() && s.Error == "" }

// Reconciler repairs what lost webhooks left wrong: it asks Chatwoot's API
// for every conversation changed since the last good run (with an overlap),
// and feeds snapshots newer than HotDash's, and messages it lacks, into the
// same pipeline as webhooks.
type Reconciler struct {
	api       ChatwootAPI
	receiver  *Receiver
	db        *store.DB
	clock     clock.Clock
	logger    *slog.Logger
	accountID int64
	overlap   time.Duration

	runs     *prometheus.CounterVec
	repaired prometheus.Counter
	lag      prometheus.GaugeFunc
}

// NewReconciler returns a Reconciler that runs every `every` (the overlap
// with the previous run is twice that).
func NewReconciler(api ChatwootAPI, receiver *Receiver, db *store.DB, clk clock.Clock, accountID int64, every time.Duration, reg prometheus.Registerer, logger *slog.Logger) *Reconciler {
	r := &Reconciler{api: api, receiver: receiver, db: db, clock: clk, logger: logger, accountID: accountID, overlap: 2 * every,
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hotdash_chatwoot_syncs_total",
			Help: "Reconciliation runs against Chatwoot's API, by result (ok, error).",
		}, []string{"result"}),
		repaired: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "hotdash_chatwoot_sync_repairs_total",
			Help: "Conversations and messages reconciliation found missing or stale and repaired.",
		}),
	}
	r.lag = prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "hotdash_chatwoot_sync_lag_seconds",
		Help: "Seconds since the start of the last successful reconciliation (how stale a lost webhook can leave the queue).",
	}, func() float64 {
		s, err := LastGoodSync(context.Background(), db)
		if err != nil || s.ID == 0 {
			return -1
		}
		return clk.Now().Sub(s.Started).Seconds()
	})
	reg.MustRegister(r.runs, r.repaired, r.lag)
	return r
}

// Run reconciles once and records the run.
func (r *Reconciler) Run(ctx context.Context) (Sync, error) {
	s := Sync{Started: r.clock.Now().UTC().Truncate(time.Microsecond)}
	last, err := LastGoodSync(ctx, r.db)
	if err != nil {
		return s, err
	}
	s.Since = s.Started.Add(-firstSyncWindow)
	if last.ID != 0 {
		s.Since = last.Started.Add(-r.overlap)
	}
	if err := r.begin(ctx, &s); err != nil {
		return s, err
	}
	runErr := r.api.EachConversation(ctx, chatwoot.ListOptions{Status: "all", UpdatedWithin: s.Started.Sub(s.Since)},
		func(c chatwoot.Conversation) error { return r.repair(ctx, c, &s) })
	s.Finished = r.clock.Now().UTC().Truncate(time.Microsecond)
	if runErr != nil {
		s.Error = truncate(runErr.Error(), 500)
	}
	if err := r.finish(ctx, s); err != nil {
		return s, errors.Join(runErr, err)
	}
	result := "ok"
	if runErr != nil {
		result = "error"
		r.logger.Warn("chatwoot reconciliation failed; the next run retries", "error", runErr, "fetched", s.Fetched, "repaired", s.Repaired)
	} else if s.Repaired > 0 {
		r.logger.Info("chatwoot reconciliation repaired what webhooks missed", "fetched", s.Fetched, "repaired", s.Repaired)
	}
	r.runs.WithLabelValues(result).Inc()
	return s, runErr
}

// repair stores c when HotDash's copy is missing or older, and any of its
// recent messages HotDash lacks. Messages are always checked: a snapshot
// that arrived later may carry the newest activity time while the message
// webhook itself was lost.
func (r *Reconciler) repair(ctx context.Context, c chatwoot.Conversation, s *Sync) error {
	s.Fetched++
	account := c.AccountID
	if account == 0 {
		account = r.accountID
	}
	var ourUpdated sql.NullTime
	var id int64
	err := r.db.Read.QueryRowContext(ctx, `SELECT id, source_updated_at FROM conversations
		WHERE source = 'chatwoot' AND account_id = $1 AND display_id = $2`, account, c.DisplayID).Scan(&id, &ourUpdated)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("read conversation %d: %w", c.DisplayID, err)
	}
	theirs := c.UpdatedAt
	if theirs.IsZero() {
		theirs = c.LastActivityAt
	}
	stale := id == 0 || store.TimeOf(ourUpdated).Before(theirs.Truncate(time.Microsecond))
	if stale {
		key := "reconcile:conversation:" + strconv.FormatInt(c.DisplayID, 10) + ":" + strconv.FormatInt(theirs.UnixMicro(), 10)
		if err := r.store(ctx, key, chatwoot.Event{Name: "reconcile.conversation", Account: chatwoot.Account{ID: account}, Conversation: &c}, s); err != nil {
			return err
		}
	}
	return r.repairMessages(ctx, account, id, c.DisplayID, s)
}

func (r *Reconciler) repairMessages(ctx context.Context, account, id, displayID int64, s *Sync) error {
	msgs, err := r.api.Messages(ctx, displayID, 0)
	if err != nil {
		return fmt.Errorf("fetch messages of conversation %d: %w", displayID, err)
	}
	for _, m := range msgs {
		if m.Type == chatwoot.MessageActivity || m.ID == 0 {
			continue
		}
		if id != 0 {
			var n int
			if err := r.db.Read.QueryRowContext(ctx, `SELECT count(*) FROM conversation_messages WHERE conversation_id = $1 AND source_id = $2`, id, m.ID).Scan(&n); err != nil {
				return fmt.Errorf("check message %d: %w", m.ID, err)
			}
			if n > 0 {
				continue
			}
		}
		if m.ConversationDisplayID == 0 {
			m.ConversationDisplayID = displayID
		}
		key := "reconcile:message:" + strconv.FormatInt(m.ID, 10)
		if err := r.store(ctx, key, chatwoot.Event{Name: "reconcile.message", Account: chatwoot.Account{ID: account}, Message: &m}, s); err != nil {
			return err
		}
	}
	return nil
}

// store feeds a repair into the webhook pipeline (durably, deduplicated).
func (r *Reconciler) store(ctx context.Context, key string, ev chatwoot.Event, s *Sync) error {
	body, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("encode repair: %w", err)
	}
	isNew, err := r.receiver.Store(ctx, Raw{Key: key, Event: ev.Name, Origin: OriginReconcile, Body: body})
	if err != nil {
		return err
	}
	if isNew {
		s.Repaired++
		r.repaired.Inc()
	}
	return nil
}

func (r *Reconciler) begin(ctx context.Context, s *Sync) error {
	err := r.db.Write.QueryRowContext(ctx, `INSERT INTO chatwoot_syncs (started_at, since, fetched, repaired, error)
		VALUES ($1, $2, 0, 0, '') RETURNING id`, s.Started, s.Since).Scan(&s.ID)
	if err != nil {
		return fmt.Errorf("record reconciliation start: %w", err)
	}
	return nil
}

func (r *Reconciler) finish(ctx context.Context, s Sync) error {
	_, err := r.db.Write.ExecContext(ctx, `UPDATE chatwoot_syncs SET finished_at = $2, fetched = $3, repaired = $4, error = $5 WHERE id = $1`,
		s.ID, s.Finished, s.Fetched, s.Repaired, s.Error)
	if err != nil {
		return fmt.Errorf("record reconciliation end: %w", err)
	}
	return nil
}

const selectSyncs = `SELECT id, started_at, finished_at, since, fetched, repaired, error FROM chatwoot_syncs`

// LastGoodSync returns the newest run that finished without error (ID 0
// when there is none).
func LastGoodSync(ctx context.Context, db *store.DB) (Sync, error) {
	syncs, err := querySyncs(ctx, db, selectSyncs+` WHERE finished_at IS NOT NULL AND error = '' ORDER BY id DESC LIMIT 1`)
	if err != nil || len(syncs) == 0 {
		return Sync{}, err
	}
	return syncs[0], nil
}

// RecentSyncs returns the newest runs, newest first.
func RecentSyncs(ctx context.Context, db *store.DB, limit int) ([]Sync, error) {
	return querySyncs(ctx, db, selectSyncs+` ORDER BY id DESC LIMIT $1`, limit)
}

func querySyncs(ctx context.Context, db *store.DB, q string, args ...any) ([]Sync, error) {
	rows, err := db.Read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("read reconciliation runs: %w", err)
	}
	defer rows.Close()
	var out []Sync
	for rows.Next() {
		var s Sync
		var finished, since sql.NullTime
		if err := rows.Scan(&s.ID, &s.Started, &finished, &since, &s.Fetched, &s.Repaired, &s.Error); err != nil {
			return nil, fmt.Errorf("read reconciliation run: %w", err)
		}
		s.Started, s.Finished, s.Since = s.Started.UTC(), store.TimeOf(finished), store.TimeOf(since)
		out = append(out, s)
	}
	return out, rows.Err()
}
