package health

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// Streak is the run of failed checks ending with the newest one, or, when
// the newest passed, the run just before it.
type Streak struct {
	// Failures counts the failed checks in the run; Since is the first.
	Failures int
	Since    time.Time
	// Newest is the newest check's time; NewestOK whether it passed.
	Newest   time.Time
	NewestOK bool
}

// Streak reads the newest checks (at most 500) and measures the run.
func (h *History) Streak(ctx context.Context) (Streak, error) {
	rows, err := h.db.Read.QueryContext(ctx, `SELECT at, exit_code FROM health_checks ORDER BY at DESC, id DESC LIMIT 500`)
	if err != nil {
		return Streak{}, fmt.Errorf("read health history: %w", err)
	}
	defer rows.Close()
	var s Streak
	first := true
	for rows.Next() {
		var at time.Time
		var code int
		if err := rows.Scan(&at, &code); err != nil {
			return s, fmt.Errorf("read health history: %w", err)
		}
		at = at.UTC()
		if first {
			first, s.Newest, s.NewestOK = false, at, code == ExitOK
			if s.NewestOK {
				continue // a pass: measure the run before it
			}
		}
		if code == ExitOK {
			break
		}
		s.Failures++
		s.Since = at
	}
	if err := rows.Err(); err != nil {
		return s, fmt.Errorf("read health history: %w", err)
	}
	return s, nil
}

// The states a summary can report.
const (
	StateOK      = "ok"
	StateFailing = "failing"
	StateUnknown = "unknown"
)

// Uptime is the share of checks that passed over a window.
type Uptime struct {
	Label  string        `json:"window"`
	Span   time.Duration `json:"-"`
	Checks int           `json:"checks"`
	Passed int           `json:"passed"`
	// Percent is 100·Passed/Checks, or -1 when no check was made.
	Percent float64 `json:"percent"`
}

// Percentiles are latency percentiles (nearest rank) over Count checks.
type Percentiles struct {
	Count int           `json:"count"`
	P50   time.Duration `json:"-"`
	P90   time.Duration `json:"-"`
	P99   time.Duration `json:"-"`
}

// Summary is what the health page and tile show.
type Summary struct {
	Now time.Time `json:"now"`
	// State is StateOK, StateFailing or StateUnknown (no check yet).
	State  string  `json:"state"`
	Latest *Record `json:"latest,omitempty"`
	// Failures is the current run of failed checks and FailingSince the
	// first of them (zero unless failing).
	Failures     int       `json:"failures"`
	FailingSince time.Time `json:"failing_since,omitzero"`
	// Uptime covers the last 24 hours, 7 days and 30 days.
	Uptime []Uptime `json:"uptime"`
	// Platform and Auth are each check's latency over LatencyWindow.
	LatencyWindow time.Duration `json:"-"`
	Platform      Percentiles   `json:"platform_latency"`
	Auth          Percentiles   `json:"authenticated_latency"`
	// Recent are the checks of the last 24 hours, oldest first (at most
	// maxRecent).
	Recent []Record `json:"-"`
}

// maxRecent bounds the checks a summary reads for its chart and
// percentiles: a day at one check a minute.
const maxRecent = 1440

// UptimeWindows are the windows a summary measures.
func UptimeWindows() []Uptime {
	return []Uptime{{Label: "24h", Span: 24 * time.Hour}, {Label: "7d", Span: 7 * 24 * time.Hour}, {Label: "30d", Span: 30 * 24 * time.Hour}}
}

// Summarize measures the history as of now.
func (h *History) Summarize(ctx context.Context, now time.Time) (Summary, error) {
	s := Summary{Now: now, State: StateUnknown, LatencyWindow: 24 * time.Hour}
	latest, ok, err := h.Latest(ctx)
	if err != nil {
		return s, err
	}
	if ok {
		s.Latest, s.State = &latest, StateOK
		if !latest.OK() {
			st, err := h.Streak(ctx)
			if err != nil {
				return s, err
			}
			s.State, s.Failures, s.FailingSince = StateFailing, st.Failures, st.Since
		}
	}
	for _, w := range UptimeWindows() {
		if w.Checks, w.Passed, err = h.count(ctx, now.Add(-w.Span), now); err != nil {
			return s, err
		}
		w.Percent = -1
		if w.Checks > 0 {
			w.Percent = 100 * float64(w.Passed) / float64(w.Checks)
		}
		s.Uptime = append(s.Uptime, w)
	}
	if s.Recent, err = h.Between(ctx, now.Add(-s.LatencyWindow), now.Add(time.Microsecond), maxRecent); err != nil {
		return s, err
	}
	s.Platform = percentiles(s.Recent, func(r Record) time.Duration { return r.Platform.Latency })
	s.Auth = percentiles(s.Recent, func(r Record) time.Duration { return r.Auth.Latency })
	return s, nil
}

// count returns how many checks were made in [from, to] and how many passed.
func (h *History) count(ctx context.Context, from, to time.Time) (checks, passed int, err error) {
	err = h.db.Read.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN exit_code = 0 THEN 1 ELSE 0 END), 0)
		FROM health_checks WHERE at >= $1 AND at <= $2`, from.UTC(), to.UTC()).Scan(&checks, &passed)
	if err != nil {
		return 0, 0, fmt.Errorf("count health checks: %w", err)
	}
	return checks, passed, nil
}

// percentiles takes nearest-rank percentiles of the latencies of, in
// records.
func percentiles(records []Record, of func(Record) time.Duration) Percentiles {
	if len(records) == 0 {
		return Percentiles{}
	}
	ds := make([]time.Duration, len(records))
	for i, r := range records {
		ds[i] = of(r)
	}
	slices.Sort(ds)
	rank := func(p int) time.Duration {
		i := (p*len(ds)+99)/100 - 1
		return ds[max(0, min(i, len(ds)-1))]
	}
	return Percentiles{Count: len(ds), P50: rank(50), P90: rank(90), P99: rank(99)}
}
