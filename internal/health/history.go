package health

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hotdash/hotdash/internal/store"
)

// Where a recorded check came from.
const (
	// SourceSchedule is the server's own periodic check.
	SourceSchedule = "schedule"
	// SourceCLI is `hotdash ops check-chatwoot-health --server`.
	SourceCLI = "cli"
)

// Record is one stored check.
type Record struct {
	ID       int64     `json:"id"`
	At       time.Time `json:"at"`
	ExitCode int       `json:"exit_code"`
	// Source is SourceSchedule or SourceCLI; RecordedBy who sent a CLI run.
	Source     string        `json:"source"`
	RecordedBy string        `json:"recorded_by,omitempty"`
	Platform   StoredCheck   `json:"platform"`
	Auth       StoredCheck   `json:"authenticated"`
	Reason     string        `json:"reason,omitempty"`
	Latency    time.Duration `json:"-"`
}

// StoredCheck is what the history keeps of one check.
type StoredCheck struct {
	OK        bool          `json:"ok"`
	Status    int           `json:"status"`
	Latency   time.Duration `json:"-"`
	LatencyMS float64       `json:"latency_ms"`
}

// OK reports whether both checks passed.
func (r Record) OK() bool { return r.ExitCode == ExitOK }

// History is the stored record of health checks.
type History struct{ db *store.DB }

// NewHistory returns the history kept in db.
func NewHistory(db *store.DB) *History { return &History{db: db} }

// Add stores a run, made at at, from source (recordedBy: who sent it).
func (h *History) Add(ctx context.Context, r Result, at time.Time, source, recordedBy string) (int64, error) {
	p, a := r.check(Platform), r.check(Authenticated)
	var reasons []string
	for _, c := range r.Checks {
		if c.Reason != "" {
			reasons = append(reasons, c.Name+": "+c.Reason)
		}
	}
	var id int64
	err := h.db.Write.QueryRowContext(ctx, `INSERT INTO health_checks (at, exit_code, platform_ok, platform_status, platform_latency_us,
		auth_ok, auth_status, auth_latency_us, reason, source, recorded_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
		at.UTC().Truncate(time.Microsecond), r.ExitCode, p.OK, p.Status, p.Latency.Microseconds(), a.OK, a.Status, a.Latency.Microseconds(),
		strings.Join(reasons, "; "), source, recordedBy).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("record health check: %w", err)
	}
	return id, nil
}

// check returns the named check of r (zero when absent).
func (r Result) check(name string) Check {
	for _, c := range r.Checks {
		if c.Name == name {
			return c
		}
	}
	return Check{Name: name}
}

const recordColumns = `id, at, exit_code, source, recorded_by, platform_ok, platform_status, platform_latency_us,
	auth_ok, auth_status, auth_latency_us, reason`

// Between returns the checks made in [from, to), oldest first, at most
// limit of the newest.
func (h *History) Between(ctx context.Context, from, to time.Time, limit int) ([]Record, error) {
	rows, err := h.db.Read.QueryContext(ctx, `SELECT `+recordColumns+` FROM health_checks
		WHERE at >= $1 AND at < $2 ORDER BY at DESC, id DESC LIMIT $3`, from.UTC(), to.UTC(), limit)
	if err != nil {
		return nil, fmt.Errorf("read health history: %w", err)
	}
	out, err := scanRecords(rows)
	slices.Reverse(out)
	return out, err
}

// Get returns the check stored with id.
func (h *History) Get(ctx context.Context, id int64) (Record, error) {
	rows, err := h.db.Read.QueryContext(ctx, `SELECT `+recordColumns+` FROM health_checks WHERE id = $1`, id)
	if err != nil {
		return Record{}, fmt.Errorf("read health check: %w", err)
	}
	out, err := scanRecords(rows)
	if err != nil {
		return Record{}, err
	}
	if len(out) == 0 {
		return Record{}, store.ErrNotFound
	}
	return out[0], nil
}

// Latest returns the newest check; ok is false when none was made.
func (h *History) Latest(ctx context.Context) (Record, bool, error) {
	rows, err := h.db.Read.QueryContext(ctx, `SELECT `+recordColumns+` FROM health_checks ORDER BY at DESC, id DESC LIMIT 1`)
	if err != nil {
		return Record{}, false, fmt.Errorf("read latest health check: %w", err)
	}
	out, err := scanRecords(rows)
	if err != nil || len(out) == 0 {
		return Record{}, false, err
	}
	return out[0], true, nil
}

func scanRecords(rows *sql.Rows) ([]Record, error) {
	defer rows.Close()
	var out []Record
	for rows.Next() {
		var r Record
		var pUS, aUS int64
		if err := rows.Scan(&r.ID, &r.At, &r.ExitCode, &r.Source, &r.RecordedBy, &r.Platform.OK, &r.Platform.Status, &pUS,
			&r.Auth.OK, &r.Auth.Status, &aUS, &r.Reason); err != nil {
			return nil, fmt.Errorf("read health check: %w", err)
		}
		r.At = r.At.UTC()
		r.Platform.setLatency(pUS)
		r.Auth.setLatency(aUS)
		r.Latency = r.Platform.Latency + r.Auth.Latency
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read health history: %w", err)
	}
	return out, nil
}

func (c *StoredCheck) setLatency(us int64) {
	c.Latency = time.Duration(us) * time.Microsecond
	c.LatencyMS = float64(us) / 1000
}

// Prune deletes the checks made before before, and returns how many.
func (h *History) Prune(ctx context.Context, before time.Time) (int64, error) {
	return h.db.DeleteOldest(ctx, "health_checks", "at < $1", before.UTC())
}
