package web

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/health"
	"github.com/hotdash/hotdash/internal/httpx"
)

// healthTileEvent is the SSE event carrying the Chatwoot health tile.
const healthTileEvent = "health-tile"

// healthRows is how many recent checks the health page lists.
const healthRows = 50

func (h *Handler) registerHealth(r *httpx.Router) {
	r.Page("GET /health", auth.ReadHealth, h.healthPage)
	r.Page("GET /events/health", auth.ReadHealth, func(w http.ResponseWriter, r *http.Request) {
		h.streamFragment(w, r, []string{h.TopicHealth}, "health-page", "health-body", func(ctx context.Context) (any, error) {
			return h.loadHealthPage(ctx)
		})
	})
}

// healthView is the health page: the latest result, uptime, latency, a
// chart of the last day and the recent checks.
type healthView struct {
	State     healthState
	Scheduled bool
	Every     string
	Uptime    []uptimeCard
	Latency   []latencyRow
	Chart     *chart
	Fails     []failMark
	Rows      []healthRow
	Fresh     *freshView
	Runbook   string
}

// healthState is the current verdict in words.
type healthState struct {
	Class, Text string
	// Since is when the current run of failures began (zero unless
	// failing); Latest the newest check.
	Since    time.Time
	Failures int
	Latest   *health.Record
}

type uptimeCard struct{ Label, Value, Detail string }

type latencyRow struct{ Name, P50, P90, P99, Count string }

// failMark is a failed check on the chart.
type failMark struct{ X, Y, W, H, Title string }

// healthRow is one recent check.
type healthRow struct {
	health.Record
	Verdict string
}

// freshView is webhook freshness in words.
type freshView struct {
	health.Freshness
	Text string
}

func (h *Handler) healthPage(w http.ResponseWriter, r *http.Request) {
	v, err := h.loadHealthPage(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "health", view{Title: "Chatwoot health", Nav: "health", Page: v})
}

func (h *Handler) loadHealthPage(ctx context.Context) (healthView, error) {
	now := h.Clock.Now()
	s, err := h.Health.History().Summarize(ctx, now)
	if err != nil {
		return healthView{}, err
	}
	v := healthView{State: stateOf(s), Scheduled: h.HealthEvery > 0, Every: durationText(h.HealthEvery), Runbook: health.RunbookLink}
	for _, u := range s.Uptime {
		v.Uptime = append(v.Uptime, uptimeCard{Label: u.Label, Value: uptimeText(u.Percent), Detail: fmt.Sprintf("%d of %d checks passed", u.Passed, u.Checks)})
	}
	for _, l := range []struct {
		name string
		p    health.Percentiles
	}{{"Platform (GET /api)", s.Platform}, {"Authenticated (GET /api/v1/profile)", s.Auth}} {
		v.Latency = append(v.Latency, latencyRow{Name: l.name, P50: msText(l.p.P50, l.p.Count), P90: msText(l.p.P90, l.p.Count),
			P99: msText(l.p.P99, l.p.Count), Count: strconv.Itoa(l.p.Count)})
	}
	if len(s.Recent) > 0 {
		c, fails := latencyChart(s.Recent, now.Add(-s.LatencyWindow), now)
		v.Chart, v.Fails = &c, fails
	}
	for i := len(s.Recent) - 1; i >= 0 && len(v.Rows) < healthRows; i-- {
		v.Rows = append(v.Rows, healthRow{Record: s.Recent[i], Verdict: verdictText(s.Recent[i].ExitCode)})
	}
	v.Fresh, err = h.freshness(ctx)
	return v, err
}

func stateOf(s health.Summary) healthState {
	st := healthState{Since: s.FailingSince, Failures: s.Failures, Latest: s.Latest}
	switch s.State {
	case health.StateOK:
		st.Class, st.Text = "ok", "Passing"
	case health.StateFailing:
		st.Class, st.Text = "failing", "Failing"
	default:
		st.Class, st.Text = "unknown", "No check yet"
	}
	return st
}

// freshness judges webhook freshness (nil when webhooks are not
// configured).
func (h *Handler) freshness(ctx context.Context) (*freshView, error) {
	if h.Freshness == nil {
		return nil, nil
	}
	f, err := h.Freshness.Now(ctx)
	if err != nil {
		return nil, err
	}
	v := &freshView{Freshness: f}
	switch {
	case f.LastEvent.IsZero():
		v.Text = "No Chatwoot event received yet"
	default:
		v.Text = "Last Chatwoot event " + roughly(h.Clock.Now().Sub(f.LastEvent)) + " ago"
	}
	if f.Stale {
		v.Text += fmt.Sprintf(": %s of business hours without one (the limit is %s)", durationText(f.Quiet), durationText(f.Limit))
	} else if !f.Open {
		v.Text += " (outside business hours)"
	}
	return v, nil
}

func verdictText(code int) string {
	switch code {
	case health.ExitOK:
		return "pass"
	case health.ExitPlatform:
		return "platform failed"
	case health.ExitAuthenticated:
		return "authenticated failed"
	}
	return "both failed"
}

// uptimeText shows an uptime percentage to two decimals (99.95 %), or a
// dash when no check was made.
func uptimeText(p float64) string {
	if p < 0 {
		return "–"
	}
	if p == 100 {
		return "100 %"
	}
	return strconv.FormatFloat(p, 'f', 2, 64) + " %"
}

func msText(d time.Duration, n int) string {
	if n == 0 {
		return "–"
	}
	ms := float64(d.Microseconds()) / 1000
	if ms >= 100 {
		return strconv.FormatFloat(ms, 'f', 0, 64) + " ms"
	}
	return strconv.FormatFloat(ms, 'f', 1, 64) + " ms"
}

// latencyChart draws each check's latency over [from, to], with a mark
// along the top for every failed check.
func latencyChart(recs []health.Record, from, to time.Time) (chart, []failMark) {
	c := chart{Width: coord(chartWidth), Height: coord(chartHeight), Left: coord(plotLeft), Right: coord(plotRight),
		Top: coord(plotTop), Bottom: coord(plotBottom)}
	span := to.Sub(from)
	x := func(t time.Time) float64 { return plotLeft + float64(t.Sub(from))/float64(span)*(plotRight-plotLeft) }
	for t := from.Truncate(4 * time.Hour).Add(4 * time.Hour); t.Before(to); t = t.Add(4 * time.Hour) {
		c.XTicks = append(c.XTicks, tick{At: coord(x(t)), Label: t.UTC().Format("15:04")})
	}
	top := niceCeiling(maxLatency(recs))
	for i := 0; i <= 4; i++ {
		v := top * float64(i) / 4
		c.YTicks = append(c.YTicks, tick{At: coord(valueY(v, 0, top)), Label: strconv.FormatFloat(v, 'f', -1, 64)})
	}
	var fails []failMark
	lines := []series{{Name: "Platform", Class: "platform"}, {Name: "Authenticated", Class: "auth"}}
	pts := make([][]string, 2)
	for _, r := range recs {
		px := x(r.At)
		pts[0] = append(pts[0], coord(px)+","+coord(valueY(ms(r.Platform.Latency), 0, top)))
		pts[1] = append(pts[1], coord(px)+","+coord(valueY(ms(r.Auth.Latency), 0, top)))
		if !r.OK() {
			fails = append(fails, failMark{X: coord(px - 2), Y: coord(plotTop), W: "4", H: coord(plotBottom - plotTop),
				Title: utcText(r.At) + ": " + verdictText(r.ExitCode)})
		}
	}
	for i := range lines {
		lines[i].Segments = []string{strings.Join(pts[i], " ")}
	}
	c.Lines = lines
	return c, fails
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func maxLatency(recs []health.Record) float64 {
	m := 0.0
	for _, r := range recs {
		m = max(m, ms(r.Platform.Latency), ms(r.Auth.Latency))
	}
	return m
}

// niceCeiling rounds v up to 1, 2 or 5 times a power of ten (at least 10).
func niceCeiling(v float64) float64 {
	step := 10.0
	for {
		for _, f := range []float64{1, 2, 5} {
			if v <= step*f {
				return step * f
			}
		}
		step *= 10
	}
}

// healthTile is the dashboard's Chatwoot health tile.
type healthTile struct {
	State    healthState
	Uptime24 string
	Spark    *sparkline
	Fresh    *freshView
}

// sparkline is the tile's tiny latency chart of the last day.
type sparkline struct {
	Points string
	Fails  []tick
}

// Sparkline box, in SVG user units.
const (
	sparkW = 160.0
	sparkH = 32.0
)

func (h *Handler) loadHealthTile(ctx context.Context) (healthTile, error) {
	now := h.Clock.Now()
	s, err := h.Health.History().Summarize(ctx, now)
	if err != nil {
		return healthTile{}, err
	}
	t := healthTile{State: stateOf(s), Uptime24: uptimeText(s.Uptime[0].Percent)}
	if len(s.Recent) > 1 {
		t.Spark = spark(s.Recent, now.Add(-s.LatencyWindow), now)
	}
	t.Fresh, err = h.freshness(ctx)
	return t, err
}

func spark(recs []health.Record, from, to time.Time) *sparkline {
	top := niceCeiling(maxLatency(recs))
	span := float64(to.Sub(from))
	var pts []string
	var fails []tick
	for _, r := range recs {
		x := float64(r.At.Sub(from)) / span * sparkW
		y := sparkH - 2 - ms(r.Latency)/top*(sparkH-4)
		pts = append(pts, coord(x)+","+coord(y))
		if !r.OK() {
			fails = append(fails, tick{At: coord(x), Label: utcText(r.At)})
		}
	}
	return &sparkline{Points: strings.Join(pts, " "), Fails: fails}
}

func (h *Handler) renderHealthTile(ctx context.Context) ([]byte, error) {
	t, err := h.loadHealthTile(ctx)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := h.partials.ExecuteTemplate(&buf, "health-tile", t); err != nil {
		return nil, fmt.Errorf("render health tile: %w", err)
	}
	return buf.Bytes(), nil
}

// canReadHealth reports whether the signed-in principal sees Chatwoot's
// health.
func canReadHealth(ctx context.Context) bool {
	p, ok := httpx.PrincipalFrom(ctx)
	return ok && p.Can(auth.ReadHealth)
}
