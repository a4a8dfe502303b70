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

// RunbookLink is the Chatwoot health runbook in the Help Center, linked
// from the incidents the monitor opens.
const RunbookLink = "/help?topic=chatwoot-health"

// Monitor runs the checks on a schedule, keeps their history, and pages
// through the ladder on repeated failure: three in a row, or failing for
// longer than FailingFor; recovery resolves what it opened. Runs of the
// command that a person sends in (--server) count the same.
type Monitor struct {
	history *History
	clock   clock.Clock
	opts    Options
	pager   Pager
	// After and FailingFor define "repeated" (3, 5 min).
	After      int
	FailingFor time.Duration
	// OnRecord, when set, is called after each check is stored (the live
	// pages listen).
	OnRecord func()
}

// NewMonitor returns a Monitor checking with opts.
func NewMonitor(db *store.DB, clk clock.Clock, opts Options, pager Pager) *Monitor {
	opts.Clock = clk
	return &Monitor{history: NewHistory(db), clock: clk, opts: opts, pager: pager, After: 3, FailingFor: 5 * time.Minute}
}

// History is the record the monitor keeps.
func (m *Monitor) History() *History { return m.history }

// Check runs the checks once, records them, and pages or resolves as the
// run of failures says.
func (m *Monitor) Check(ctx context.Context) (Result, error) {
	res, err := Run(ctx, m.opts)
	if err != nil {
		return res, err
	}
	_, err = m.Observe(ctx, res, SourceSchedule, "")
	return res, err
}

// Observe records a run made elsewhere (or by Check) at the monitor's
// clock, then pages or resolves as the run of failures says. It returns
// the stored record's id.
func (m *Monitor) Observe(ctx context.Context, res Result, source, recordedBy string) (int64, error) {
	id, err := m.history.Add(ctx, res, m.clock.Now(), source, recordedBy)
	if err != nil {
		return 0, err
	}
	if m.OnRecord != nil {
		m.OnRecord()
	}
	st, err := m.history.Streak(ctx)
	if err != nil {
		return id, err
	}
	repeated := st.Failures >= m.After || (st.Failures > 0 && st.Newest.Sub(st.Since) > m.FailingFor)
	switch {
	case st.NewestOK && repeated:
		err = m.pager.Recovered(ctx, fmt.Sprintf("Chatwoot health checks pass again after failing since %s", st.Since.Format(time.RFC3339)))
	case !st.NewestOK && repeated:
		err = m.pager.Failing(ctx, fmt.Sprintf("Chatwoot health checks failing: %d in a row since %s", st.Failures, st.Since.Format("15:04 MST")),
			Describe(res), RunbookLink)
	}
	return id, err
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
