package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hotdash/hotdash/internal/api"
	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/decisionlog"
	"github.com/hotdash/hotdash/internal/httpx"
	"github.com/hotdash/hotdash/internal/report"
)

// registerReports adds the report pages and the handoffs (when the app has
// a report service).
func (h *Handler) registerReports(r *httpx.Router) {
	if h.Reports == nil {
		return
	}
	r.Page("GET /reports", auth.ReadReports, h.reports)
	r.Page("GET /reports/daily", auth.ReadReports, h.dailyReport)
	r.Page("POST /reports/daily", auth.WriteReports, h.saveDailyReport)
	r.Page("GET /reports/weekly", auth.ReadReports, h.weeklyReport)
	r.Page("GET /handoffs", auth.ReadReports, h.handoffs)
	r.Page("POST /handoffs", auth.WriteReports, h.startHandoff)
	r.Page("GET /handoffs/{id}", auth.ReadReports, h.handoff)
	r.Page("POST /handoffs/{id}/edit", auth.WriteReports, h.editHandoff)
	r.Page("POST /handoffs/{id}/acknowledge", auth.WriteReports, h.acknowledgeHandoff)
}

// reportsPage lists the reports.
type reportsPage struct {
	Today, ThisWeek string
	Saved           []decisionlog.Entry
	Handoffs        []report.Handoff
}

func (h *Handler) reports(w http.ResponseWriter, r *http.Request) {
	saved, _, err := h.Decisions.List(r.Context(), decisionlog.Filter{Action: report.DailyAction, Actor: "support"}, decisionlog.Page{Limit: 14})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	hs, err := h.Reports.List(r.Context(), 5)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	week, _ := h.Reports.WeekStart("")
	h.render(w, r, http.StatusOK, "reports", view{Title: "Reports", Nav: "reports",
		Page: reportsPage{Today: h.Reports.Today(), ThisWeek: week.Format(time.DateOnly), Saved: saved, Handoffs: hs}})
}

// dailyPage is the daily summary page.
type dailyPage struct {
	D                   report.Daily
	Prev, Next          string
	CanSave             bool
	VolumeChart         chart
	VolumeLegend        []legendKey
	TotalIn, TotalSolve int
}

// exportReport answers ?format=md|csv|json with the report v as a file
// named name; it reports whether it answered.
func (h *Handler) exportReport(w http.ResponseWriter, r *http.Request, v any, name string) bool {
	f := r.URL.Query().Get("format")
	if f == "" {
		return false
	}
	if _, err := api.ReportFormat(f); err != nil {
		h.fail(w, r, err)
		return true
	}
	api.WriteReport(w, r, v, name, f, h.Settings.BaseURL())
	return true
}

func (h *Handler) dailyReport(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d, err := h.Reports.Daily(r.Context(), q.Get("date"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if h.exportReport(w, r, d, "hotdash-daily-"+d.Date) {
		return
	}
	p := dailyPage{D: d, CanSave: can(r, auth.WriteReports), VolumeChart: volumeChart(d.Channels), VolumeLegend: volumeBars()}
	day, _ := time.Parse(time.DateOnly, d.Date)
	p.Prev = day.AddDate(0, 0, -1).Format(time.DateOnly)
	if next := day.AddDate(0, 0, 1).Format(time.DateOnly); next <= h.Reports.Today() {
		p.Next = next
	}
	for _, c := range d.Channels {
		p.TotalIn, p.TotalSolve = p.TotalIn+c.In, p.TotalSolve+c.Resolved
	}
	h.render(w, r, http.StatusOK, "report_daily", view{Title: "Daily summary " + d.Date, Nav: "reports", Page: p})
}

func can(r *http.Request, perm auth.Permission) bool {
	p, ok := httpx.PrincipalFrom(r.Context())
	return ok && p.Can(perm)
}

func (h *Handler) saveDailyReport(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	p, _ := httpx.PrincipalFrom(r.Context())
	date := r.PostForm.Get("date")
	d, created, err := h.Reports.SaveDaily(r.Context(), date, p.Name, r.PostForm.Get("again") == "1")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	msg := fmt.Sprintf("Saved the summary of %s to the Decision Log as #%d.", d.Date, d.DecisionID)
	if !created {
		msg = fmt.Sprintf("The summary of %s was already saved as #%d; nothing new was logged.", d.Date, d.DecisionID)
	}
	h.setFlash(w, "ok", msg)
	seeOther(w, r, "/reports/daily?date="+d.Date)
}

// volumeChart draws conversations in and resolved by channel as bars.
func volumeChart(chs []report.ChannelVolume) chart {
	labels := make([]string, len(chs))
	top := 1
	for i, c := range chs {
		labels[i] = c.Channel
		top = max(top, c.In, c.Resolved)
	}
	c := newColumnChart(labels)
	if len(chs) == 0 {
		return c
	}
	hi := niceCeil(top)
	ticks := []int{0, hi}
	if hi%2 == 0 {
		ticks = []int{0, hi / 2, hi}
	}
	for _, v := range ticks {
		c.YTicks = append(c.YTicks, tick{At: coord(valueY(float64(v), 0, float64(hi))), Label: strconv.Itoa(v)})
	}
	width := min((plotRight-plotLeft)/float64(len(chs))*0.3, 40)
	for i, ch := range chs {
		for k, v := range []int{ch.In, ch.Resolved} {
			top := min(valueY(float64(v), 0, float64(hi)), plotBottom-1.5)
			x := dayX(i, len(chs)) - width + float64(k)*width
			kind := volumeBars()[k]
			c.Bars = append(c.Bars, bar{X: coord(x), Y: coord(top), W: coord(width * 0.9), H: coord(plotBottom - top),
				Title: fmt.Sprintf("%s: %d %s", ch.Channel, v, kind.Name), Class: kind.Class})
		}
	}
	return c
}

// legendKey names a kind of bar in a chart's legend.
type legendKey struct{ Name, Class string }

// volumeBars are the volume chart's two bars per channel.
func volumeBars() []legendKey { return []legendKey{{"in", ""}, {"resolved", "alt"}} }

// niceCeil rounds n up to 1, 2 or 5 times a power of ten.
func niceCeil(n int) int {
	for p := 1; ; p *= 10 {
		for _, m := range []int{1, 2, 5} {
			if m*p >= n {
				return m * p
			}
		}
	}
}

// weeklyPage is the gaps report page.
type weeklyPage struct {
	W          report.Weekly
	Prev, Next string
	SLAChart   chart
	GradeChart chart
	HasGrades  bool
}

func (h *Handler) weeklyReport(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	wk, err := h.Reports.Weekly(r.Context(), q.Get("week"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if h.exportReport(w, r, wk, "hotdash-weekly-"+wk.Week) {
		return
	}
	p := weeklyPage{W: wk, SLAChart: slaTrendChart(wk)}
	start, _ := time.Parse(time.DateOnly, wk.Week)
	p.Prev = start.AddDate(0, 0, -7).Format(time.DateOnly)
	if next := start.AddDate(0, 0, 7); !next.After(h.Clock.Now()) {
		p.Next = next.Format(time.DateOnly)
	}
	if h.Approvals != nil {
		// Days of the shifts' time zone, as the rest of the report.
		g, err := h.Approvals.Grading(r.Context(), wk.From.In(h.Reports.Location()), minTime(wk.To, h.Clock.Now()))
		if err != nil {
			h.fail(w, r, err)
			return
		}
		p.GradeChart, p.HasGrades = gradesChart(g.Days), g.Total.Count > 0
	}
	h.render(w, r, http.StatusOK, "report_weekly", view{Title: "Weekly gaps " + wk.Week, Nav: "reports", Page: p})
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// slaTrendChart draws each channel's compliance, 0–100 %, day by day.
func slaTrendChart(wk report.Weekly) chart {
	c := newColumnChart(wk.Days)
	for _, v := range []float64{0, 0.5, 1} {
		c.YTicks = append(c.YTicks, tick{At: coord(valueY(v, 0, 1)), Label: strconv.Itoa(int(v*100)) + " %"})
	}
	classes := []string{"tone", "accuracy", "policy"}
	markers := []func(x, y float64) string{circle, square, triangle}
	for k, t := range wk.SLATrend {
		s := series{Name: t.Channel, Class: classes[k%3]}
		var seg, marks []string
		for i, d := range t.Days {
			pct, ok := d.Percent()
			if !ok {
				s.Segments, seg = appendSegment(s.Segments, seg), nil
				continue
			}
			x, y := dayX(i, len(wk.Days)), valueY(float64(pct)/100, 0, 1)
			seg, marks = append(seg, coord(x)+","+coord(y)), append(marks, markers[k%3](x, y))
		}
		s.Segments = appendSegment(s.Segments, seg)
		s.Markers = strings.Join(marks, " ")
		c.Lines = append(c.Lines, s)
	}
	return c
}

// handoffsPage lists handoffs.
type handoffsPage struct {
	Handoffs []report.Handoff
	CanWrite bool
	Now      time.Time
}

func (h *Handler) handoffs(w http.ResponseWriter, r *http.Request) {
	hs, err := h.Reports.List(r.Context(), 50)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "handoffs", view{Title: "Handoffs", Nav: "reports",
		Page: handoffsPage{Handoffs: hs, CanWrite: can(r, auth.WriteReports), Now: h.Clock.Now()}})
}

func (h *Handler) startHandoff(w http.ResponseWriter, r *http.Request) {
	p, _ := httpx.PrincipalFrom(r.Context())
	ho, err := h.Reports.Start(r.Context(), p.Name)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.setFlash(w, "ok", "Drafted from the live state: edit it, add your notes, then save it.")
	seeOther(w, r, ho.Path())
}

// handoffPage is one handoff: an edit form while it is a draft.
type handoffPage struct {
	H        report.Handoff
	CanWrite bool
	Overdue  bool
	Error    string
	Fields   map[string]string
}

func (h *Handler) handoff(w http.ResponseWriter, r *http.Request) {
	ho, err := h.Reports.Get(r.Context(), pathID(r))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.renderHandoff(w, r, http.StatusOK, ho, "", nil)
}

func (h *Handler) renderHandoff(w http.ResponseWriter, r *http.Request, status int, ho report.Handoff, msg string, fields map[string]string) {
	h.render(w, r, status, "handoff", view{Title: fmt.Sprintf("Handoff #%d", ho.ID), Nav: "reports",
		Page: handoffPage{H: ho, CanWrite: can(r, auth.WriteReports), Overdue: ho.Overdue(h.Clock.Now()), Error: msg, Fields: fields}})
}

func (h *Handler) editHandoff(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	f := r.PostForm
	p, _ := httpx.PrincipalFrom(r.Context())
	version, _ := strconv.Atoi(f.Get("version"))
	e := report.Edit{ID: pathID(r), Version: version, Summary: f.Get("summary"), Blockers: f.Get("blockers"), Notes: f.Get("notes"), Actor: p.Name}
	save := f.Get("do") == "save"
	var ho report.Handoff
	var err error
	if save {
		ho, err = h.Reports.Save(r.Context(), e)
	} else {
		ho, err = h.Reports.Update(r.Context(), e)
	}
	if err == nil {
		msg := "Draft kept. Save the handoff when it is ready."
		if save {
			msg = fmt.Sprintf("Handoff saved to the Decision Log as #%d. The %s shift acknowledges it by %s.", ho.DecisionID, ho.NextShift, ho.AckDueAt.Format("15:04 MST"))
		}
		h.setFlash(w, "ok", msg)
		seeOther(w, r, ho.Path())
		return
	}
	h.handoffFailed(w, r, e, err)
}

// handoffFailed shows the form again with what was typed and why nothing
// was saved.
func (h *Handler) handoffFailed(w http.ResponseWriter, r *http.Request, e report.Edit, err error) {
	cur, gerr := h.Reports.Get(r.Context(), e.ID)
	if gerr != nil {
		h.fail(w, r, gerr)
		return
	}
	status, msg, fields := http.StatusConflict, "Nothing was saved: "+err.Error()+". Reload to see the current handoff.", map[string]string(nil)
	if p := httpx.Problem(err); p.Status == http.StatusUnprocessableEntity {
		status, msg, fields = p.Status, "Nothing was saved: fix the fields marked below.", p.Fields
	} else if !errors.Is(err, report.ErrStale) && !errors.Is(err, report.ErrWrongState) {
		h.fail(w, r, err)
		return
	}
	if cur.State == report.HandoffDraft {
		cur.Content.Summary, cur.Content.Blockers, cur.Notes = e.Summary, e.Blockers, e.Notes
	}
	h.renderHandoff(w, r, status, cur, msg, fields)
}

func (h *Handler) acknowledgeHandoff(w http.ResponseWriter, r *http.Request) {
	p, _ := httpx.PrincipalFrom(r.Context())
	ho, err := h.Reports.Acknowledge(r.Context(), pathID(r), p.Name)
	if errors.Is(err, report.ErrWrongState) {
		cur, gerr := h.Reports.Get(r.Context(), pathID(r))
		if gerr != nil {
			h.fail(w, r, gerr)
			return
		}
		h.renderHandoff(w, r, http.StatusConflict, cur, "Only a saved handoff can be acknowledged; this one is "+cur.State+".", nil)
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.setFlash(w, "ok", fmt.Sprintf("Acknowledged handoff #%d of the %s shift.", ho.ID, ho.Shift))
	seeOther(w, r, ho.Path())
}

// handoffTile is the dashboard's Handoff tile: saved handoffs waiting for
// acknowledgement, and the last one.
type handoffTile struct {
	Last     *report.Handoff
	Pending  []report.Handoff
	CanWrite bool
	Now      time.Time
}

func (h *Handler) loadHandoffTile(ctx context.Context) (*handoffTile, error) {
	p, signedIn := httpx.PrincipalFrom(ctx)
	if h.Reports == nil || !signedIn || !p.Can(auth.ReadReports) {
		return nil, nil
	}
	last, ok, pending, err := h.Reports.Latest(ctx)
	if err != nil {
		return nil, err
	}
	t := &handoffTile{Pending: pending, CanWrite: p.Can(auth.WriteReports), Now: h.Clock.Now()}
	if ok {
		t.Last = &last
	}
	return t, nil
}

// handoffTileEvent is the SSE event carrying the Handoff tile.
const handoffTileEvent = "handoff-tile"

// renderHandoffTile renders the Handoff tile alone (nil: not shown).
func (h *Handler) renderHandoffTile(ctx context.Context) ([]byte, error) {
	t, err := h.loadHandoffTile(ctx)
	if err != nil || t == nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := h.partials.ExecuteTemplate(&buf, "handoff-tile", t); err != nil {
		return nil, fmt.Errorf("render handoff tile: %w", err)
	}
	return buf.Bytes(), nil
}

// canReadReports reports whether the signed-in principal sees reports and
// handoffs.
func canReadReports(ctx context.Context) bool {
	p, ok := httpx.PrincipalFrom(ctx)
	return ok && p.Can(auth.ReadReports)
}
