package health

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hotdash/hotdash/internal/clock"
	"github.com/hotdash/hotdash/internal/store"
)

// Pager is the escalation ladder as the monitor sees it
// (incident.Service, adapted by the app).
type Pager interface {
	// Failing opens or updates the health incident (S1 → L3).
	Failing(ctx context.Context, summary, output, link string) error
	// Recovered resolves it, with a note for the Decision Log.
	Recovered(ctx context.Context, note string) error
}

// Monitor runs the checks on a schedule, keeps their history, and pages
// through the ladder on repeated failure: three in a row, or failing for
// longer than FailingFor; recovery resolves what it opened.
type Monitor struct {
	db    *store.DB
	clock clock.Clock
	opts  Options
	pager Pager
	// After and FailingFor define "repeated" (3, 5 min).
	After      int
	FailingFor time.Duration
}

// NewMonitor returns a Monitor checking with opts.
func NewMonitor(db *store.DB, clk clock.Clock, opts Options, pager Pager) *Monitor {
	opts.Clock = clk
	return &Monitor{db: db, clock: clk, opts: opts, pager: pager, After: 3, FailingFor: 5 * time.Minute}
}

// Check runs the checks once, records them, and pages or resolves as the
// streak of failures says.
func (m *Monitor) Check(ctx context.Context) (Result, error) {
	res, err := Run(ctx, m.opts)
	if err != nil {
		return res, err
	}
	if err := m.record(ctx, res); err != nil {
		return res, err
	}
	streak, since, err := m.streak(ctx)
	if err != nil {
		return res, err
	}
	switch {
	case res.OK() && streak.paged:
		err = m.pager.Recovered(ctx, fmt.Sprintf("Chatwoot health checks pass again after failing since %s", since.Format(time.RFC3339)))
	case !res.OK() && (streak.failures >= m.After || res.At.Sub(since) > m.FailingFor):
		err = m.pager.Failing(ctx, fmt.Sprintf("Chatwoot health checks failing: %d in a row since %s", streak.failures, since.Format("15:04 MST")),
			Describe(res), "/health")
	}
	return res, err
}

func (m *Monitor) record(ctx context.Context, r Result) error {
	p, a := r.Checks[0], r.Checks[1]
	var reasons []string
	for _, c := range r.Checks {
		if c.Reason != "" {
			reasons = append(reasons, c.Name+": "+c.Reason)
		}
	}
	_, err := m.db.Write.ExecContext(ctx, `INSERT INTO health_checks (at, exit_code, platform_ok, platform_status, platform_latency_us,
		auth_ok, auth_status, auth_latency_us, reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		r.At.Truncate(time.Microsecond), r.ExitCode, p.OK, p.Status, p.Latency.Microseconds(), a.OK, a.Status, a.Latency.Microseconds(),
		strings.Join(reasons, "; "))
	if err != nil {
		return fmt.Errorf("record health check: %w", err)
	}
	return nil
}

// streakState is the run of failures ending with the newest check (or
// just before a pass).
type streakState struct {
	failures int
	// paged reports whether the streak before a pass was long enough to
	// have paged.
	paged bool
}

// streak reads the newest checks: how many failed in a row, since when,
// and whether a streak that just ended had paged.
func (m *Monitor) streak(ctx context.Context) (streakState, time.Time, error) {
	rows, err := m.db.Read.QueryContext(ctx, `SELECT at, exit_code FROM health_checks ORDER BY id DESC LIMIT 500`)
	if err != nil {
		return streakState{}, time.Time{}, fmt.Errorf("read health history: %w", err)
	}
	defer rows.Close()
	var s streakState
	var since, newest time.Time
	first := true
	for rows.Next() {
		var at time.Time
		var code int
		if err := rows.Scan(&at, &code); err != nil {
			return s, since, err
		}
		at = at.UTC()
		if first {
			newest, first = at, false
			if code == ExitOK {
				continue // a pass: measure the streak before it
			}
		}
		if code == ExitOK {
			break
		}
		s.failures++
		since = at
	}
	if err := rows.Err(); err != nil {
		return s, since, err
	}
	s.paged = s.failures >= m.After || (!since.IsZero() && newest.Sub(since) > m.FailingFor)
	if since.IsZero() {
		since = newest
	}
	return s, since, nil
}

// Describe renders a result as plain text, the output attached as evidence.
func Describe(r Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Chatwoot health of %s (account %d) at %s: exit %d\n", r.BaseURL, r.AccountID, r.At.Format(time.RFC3339), r.ExitCode)
	for _, c := range r.Checks {
		state := "ok"
		if !c.OK {
			state = "FAIL"
		}
		fmt.Fprintf(&b, "%s: %s, HTTP %d, %s", c.Name, state, c.Status, c.Latency.Round(time.Millisecond))
		if c.Reason != "" {
			fmt.Fprintf(&b, ": %s", c.Reason)
		}
		b.WriteString("\n")
	}
	return b.String()
}
