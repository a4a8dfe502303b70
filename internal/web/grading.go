package web

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hotdash/hotdash/internal/api"
	"github.com/hotdash/hotdash/internal/approval"
	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/httpx"
)

// registerGrading adds the grading page and its export.
func (h *Handler) registerGrading(r *httpx.Router) {
	r.Page("GET /approvals/grading", auth.ReviewDrafts, h.grading)
	r.Page("GET /approvals/grading/export.jsonl", auth.ReviewDrafts, h.gradingExport)
}

// gradingPeriods are the periods the page offers, in days.
func gradingPeriods() []int { return []int{7, 30, 90} }

// gradingPage is the grading panel: the targets, the edit sizes, the daily
// trend, and the figures by agent and by model.
type gradingPage struct {
	Days              int
	FirstDay, LastDay string
	Periods           []periodChoice
	ExportURL         string
	Count             int
	Targets           []targetCard
	Edits             []editRow
	GradesChart       chart
	UneditedChart     chart
	Daily             []figureRow
	Agents, Models    []figureRow
}

// periodChoice is one link of the period selector.
type periodChoice struct {
	Days    int
	URL     string
	Current bool
}

// targetCard is one figure held against its target.
type targetCard struct {
	ID, Name, Value, Target string
	// State is "met", "below" or "none" (no replies to judge).
	State string
}

// StateText says State in words, so meaning never rests on colour.
func (c targetCard) StateText() string {
	switch c.State {
	case "met":
		return "Target met"
	case "below":
		return "Below target"
	}
	return "No replies"
}

// editRow is one edit size of the distribution.
type editRow struct {
	Name, Range, Share string
	Count              int
	// Bar is the share as a bar length out of 100.
	Bar string
}

// figureRow is one row of the daily, agent and model tables.
type figureRow struct {
	Name                             string
	Count                            int
	Tone, Accuracy, Policy, Unedited cell
}

// cell is a figure as a table shows it; Below marks one under its target.
type cell struct {
	Text  string
	Below bool
}

func (h *Handler) grading(w http.ResponseWriter, r *http.Request) {
	p, err := api.ParseGradingPeriod(r.URL.Query(), h.Clock.Now())
	if err != nil {
		h.renderError(w, r, badPeriod())
		return
	}
	g, err := h.Approvals.Grading(r.Context(), p.From, p.To)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "grading", view{Title: "Grading", Nav: "approvals", Page: newGradingPage(p, g)})
}

func (h *Handler) gradingExport(w http.ResponseWriter, r *http.Request) {
	p, err := api.ParseGradingPeriod(r.URL.Query(), h.Clock.Now())
	if err != nil {
		h.renderError(w, r, badPeriod())
		return
	}
	if err := api.WriteTrainingExport(w, r, h.Approvals, p); err != nil {
		h.fail(w, r, err)
	}
}

func badPeriod() *httpx.Error {
	return httpx.NewError(http.StatusUnprocessableEntity, "invalid",
		fmt.Sprintf("The period is not one HotDash can show: days must be a whole number from 1 to %d. Pick 7, 30 or 90 days from the grading page.", approval.MaxGradingDays))
}

func newGradingPage(p api.GradingPeriod, g approval.Grading) gradingPage {
	out := gradingPage{Days: p.Days, FirstDay: p.From.Format(time.DateOnly), LastDay: p.To.AddDate(0, 0, -1).Format(time.DateOnly),
		ExportURL: "/approvals/grading/export.jsonl?days=" + strconv.Itoa(p.Days), Count: g.Total.Count,
		Targets: targetCards(g.Total), Edits: editRows(g.Total), GradesChart: gradesChart(g.Days), UneditedChart: uneditedChart(g.Days)}
	for _, d := range gradingPeriods() {
		out.Periods = append(out.Periods, periodChoice{Days: d, URL: "/approvals/grading?days=" + strconv.Itoa(d), Current: d == p.Days})
	}
	for _, d := range g.Days {
		out.Daily = append(out.Daily, newFigureRow(d.Date, d.Figures))
	}
	for _, a := range g.Agents {
		out.Agents = append(out.Agents, newFigureRow(a.Name, a.Figures))
	}
	for _, m := range g.Models {
		out.Models = append(out.Models, newFigureRow(m.Name, m.Figures))
	}
	return out
}

// gradeText is an average grade as pages show it: two decimals.
func gradeText(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }

// shareText is a share (0–1) as a percentage with one decimal.
func shareText(v float64) string { return strconv.FormatFloat(v*100, 'f', 1, 64) + " %" }

// gradeMet and shareMet judge the figure as shown, so "4.50" is never
// "below 4.5".
func gradeMet(v, target float64) bool { return math.Round(v*100)/100 >= target }

func shareMet(v, target float64) bool { return math.Round(v*1000)/1000 >= target }

func targetCards(f approval.Figures) []targetCard {
	cards := []targetCard{
		{ID: "tone", Name: "Tone", Value: gradeText(f.Tone), Target: "≥ " + gradeTarget(approval.TargetTone), State: state(gradeMet(f.Tone, approval.TargetTone))},
		{ID: "accuracy", Name: "Accuracy", Value: gradeText(f.Accuracy), Target: "≥ " + gradeTarget(approval.TargetAccuracy), State: state(gradeMet(f.Accuracy, approval.TargetAccuracy))},
		{ID: "policy", Name: "Policy", Value: gradeText(f.Policy), Target: "≥ " + gradeTarget(approval.TargetPolicy), State: state(gradeMet(f.Policy, approval.TargetPolicy))},
		{ID: "unedited", Name: "Sent unedited", Value: shareText(f.UneditedShare), Target: "≥ " + strconv.Itoa(int(approval.TargetUnedited*100)) + " %",
			State: state(shareMet(f.UneditedShare, approval.TargetUnedited))},
	}
	if f.Count == 0 {
		for i := range cards {
			cards[i].Value, cards[i].State = "—", "none"
		}
	}
	return cards
}

func gradeTarget(t float64) string { return strconv.FormatFloat(t, 'f', -1, 64) }

func state(met bool) string {
	if met {
		return "met"
	}
	return "below"
}

func editRows(f approval.Figures) []editRow {
	rows := []editRow{
		{Name: "Unedited", Range: "sent as drafted", Count: f.Edits.Unedited},
		{Name: "Light", Range: "under 10 % of the text changed", Count: f.Edits.Light},
		{Name: "Moderate", Range: "10–30 % changed", Count: f.Edits.Moderate},
		{Name: "Heavy", Range: "over 30 % changed", Count: f.Edits.Heavy},
	}
	for i := range rows {
		share := 0.0
		if f.Count > 0 {
			share = float64(rows[i].Count) / float64(f.Count)
		}
		rows[i].Share, rows[i].Bar = shareText(share), coord(share*100)
	}
	return rows
}

func newFigureRow(name string, f approval.Figures) figureRow {
	row := figureRow{Name: name, Count: f.Count}
	if f.Count == 0 {
		none := cell{Text: "—"}
		row.Tone, row.Accuracy, row.Policy, row.Unedited = none, none, none, none
		return row
	}
	row.Tone = cell{Text: gradeText(f.Tone), Below: !gradeMet(f.Tone, approval.TargetTone)}
	row.Accuracy = cell{Text: gradeText(f.Accuracy), Below: !gradeMet(f.Accuracy, approval.TargetAccuracy)}
	row.Policy = cell{Text: gradeText(f.Policy), Below: !gradeMet(f.Policy, approval.TargetPolicy)}
	row.Unedited = cell{Text: shareText(f.UneditedShare), Below: !shareMet(f.UneditedShare, approval.TargetUnedited)}
	return row
}

// The trend charts' drawing box, in SVG user units.
const (
	chartWidth  = 720.0
	chartHeight = 200.0
	plotLeft    = 44.0
	plotRight   = chartWidth - 12
	plotTop     = 10.0
	plotBottom  = chartHeight - 28
)

// chart is a daily trend drawn as inline SVG: one column per day, with
// lines (and a marker per day) or bars.
type chart struct {
	Width, Height            string
	Left, Right, Top, Bottom string
	XTicks, YTicks           []tick
	Lines                    []series
	Bars                     []bar
	// Target is a dashed reference line (empty At: none).
	Target tick
}

// tick is a labelled position on an axis.
type tick struct{ At, Label string }

// series is one line of a chart: its segments (broken where a day has no
// replies) and its markers, drawn as one path.
type series struct {
	Name, Class string
	Segments    []string
	Markers     string
}

// bar is one day's bar; Class, when set, styles it apart (trend-bar-Class).
type bar struct{ X, Y, W, H, Title, Class string }

func coord(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

func newChart(days []approval.Day) chart {
	dates := make([]string, len(days))
	for i, d := range days {
		dates[i] = d.Date
	}
	return newColumnChart(dates)
}

// newColumnChart is an empty chart with one column per label; labels
// that are dates ("2006-01-02") show as "Jan 2".
func newColumnChart(labels []string) chart {
	return chart{Width: coord(chartWidth), Height: coord(chartHeight), Left: coord(plotLeft), Right: coord(plotRight),
		Top: coord(plotTop), Bottom: coord(plotBottom), XTicks: dayTicks(labels)}
}

// dayX is the centre of day i of n.
func dayX(i, n int) float64 { return plotLeft + (float64(i)+0.5)*(plotRight-plotLeft)/float64(n) }

// valueY places v of [lo, hi] on the vertical axis.
func valueY(v, lo, hi float64) float64 { return plotBottom - (v-lo)/(hi-lo)*(plotBottom-plotTop) }

// dayTicks labels about seven columns, always the last one.
func dayTicks(labels []string) []tick {
	n := len(labels)
	step := max(1, (n+6)/7)
	var out []tick
	for i := (n - 1) % step; i < n; i += step {
		label := labels[i]
		if t, err := time.Parse(time.DateOnly, label); err == nil {
			label = t.Format("Jan 2")
		}
		out = append(out, tick{At: coord(dayX(i, n)), Label: label})
	}
	return out
}

// gradesChart draws the three average grades, 1 to 5, day by day.
func gradesChart(days []approval.Day) chart {
	c := newChart(days)
	for g := 1; g <= 5; g++ {
		c.YTicks = append(c.YTicks, tick{At: coord(valueY(float64(g), 1, 5)), Label: strconv.Itoa(g)})
	}
	pick := []struct {
		name, class string
		value       func(approval.Figures) float64
		marker      func(x, y float64) string
	}{
		{"Tone", "tone", func(f approval.Figures) float64 { return f.Tone }, circle},
		{"Accuracy", "accuracy", func(f approval.Figures) float64 { return f.Accuracy }, square},
		{"Policy", "policy", func(f approval.Figures) float64 { return f.Policy }, triangle},
	}
	// Each series sits a little left or right of the day's centre, so equal
	// grades do not hide each other's markers.
	dodge := min(4, (plotRight-plotLeft)/float64(len(days))/4)
	for k, p := range pick {
		s := series{Name: p.name, Class: p.class}
		var seg, marks []string
		for i, d := range days {
			if d.Count == 0 {
				s.Segments, seg = appendSegment(s.Segments, seg), nil
				continue
			}
			x, y := dayX(i, len(days))+float64(k-1)*dodge, valueY(p.value(d.Figures), 1, 5)
			seg, marks = append(seg, coord(x)+","+coord(y)), append(marks, p.marker(x, y))
		}
		s.Segments, s.Markers = appendSegment(s.Segments, seg), strings.Join(marks, " ")
		c.Lines = append(c.Lines, s)
	}
	return c
}

func appendSegment(segs, seg []string) []string {
	if len(seg) < 2 {
		return segs // a lone day shows as its marker
	}
	return append(segs, strings.Join(seg, " "))
}

// Markers differ in shape, so the lines can be told apart without colour.
func circle(x, y float64) string {
	return fmt.Sprintf("M%s,%s a3.5,3.5 0 1,0 7,0 a3.5,3.5 0 1,0 -7,0", coord(x-3.5), coord(y))
}

func square(x, y float64) string {
	return fmt.Sprintf("M%s,%s h6 v6 h-6 Z", coord(x-3), coord(y-3))
}

func triangle(x, y float64) string {
	return fmt.Sprintf("M%s,%s l4,7 h-8 Z", coord(x), coord(y-4))
}

// uneditedChart draws each day's share sent unedited as a bar, against
// the target.
func uneditedChart(days []approval.Day) chart {
	c := newChart(days)
	for _, v := range []float64{0, 0.5, 1} {
		c.YTicks = append(c.YTicks, tick{At: coord(valueY(v, 0, 1)), Label: strconv.Itoa(int(v*100)) + " %"})
	}
	c.Target = tick{At: coord(valueY(approval.TargetUnedited, 0, 1)), Label: "target " + strconv.Itoa(int(approval.TargetUnedited*100)) + " %"}
	width := (plotRight - plotLeft) / float64(len(days)) * 0.7
	for i, d := range days {
		if d.Count == 0 {
			continue
		}
		top := min(valueY(d.UneditedShare, 0, 1), plotBottom-1.5) // a 0 % day still shows
		c.Bars = append(c.Bars, bar{X: coord(dayX(i, len(days)) - width/2), Y: coord(top), W: coord(width), H: coord(plotBottom - top),
			Title: fmt.Sprintf("%s: %s of %d sent unedited", d.Date, shareText(d.UneditedShare), d.Count)})
	}
	return c
}
