package api

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/hotdash/hotdash/client"
	"github.com/hotdash/hotdash/internal/approval"
	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/httpx"
	"github.com/hotdash/hotdash/internal/validation"
)

// DefaultGradingDays is the period the grading endpoints and page cover
// when the request names none.
const DefaultGradingDays = 30

func (a *API) registerGrading(r *httpx.Router) {
	r.API("GET /api/v1/drafts/grading", auth.ReviewDrafts, a.grading)
	r.API("GET /api/v1/drafts/export", auth.ReviewDrafts, a.exportTraining)
}

// GradingPeriod is the period a grading request covers: the last Days UTC
// days, today included, as [From, To).
type GradingPeriod struct {
	Days     int
	From, To time.Time
}

// ParseGradingPeriod reads the days parameter (1 to
// approval.MaxGradingDays, DefaultGradingDays when absent). The period
// starts at midnight UTC Days-1 days before now and ends at the coming
// midnight, so every day in it is a whole UTC day.
func ParseGradingPeriod(q url.Values, now time.Time) (GradingPeriod, error) {
	days := DefaultGradingDays
	if s := q.Get("days"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > approval.MaxGradingDays {
			return GradingPeriod{}, validation.Errors{"days": fmt.Sprintf("must be a whole number of days from 1 to %d", approval.MaxGradingDays)}
		}
		days = n
	}
	y, m, d := now.UTC().Date()
	to := time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC)
	return GradingPeriod{Days: days, From: to.AddDate(0, 0, -days), To: to}, nil
}

func (a *API) grading(w http.ResponseWriter, r *http.Request) {
	p, err := ParseGradingPeriod(r.URL.Query(), a.Clock.Now())
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	g, err := a.Approvals.Grading(r.Context(), p.From, p.To)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, GradingOut(g))
}

func (a *API) exportTraining(w http.ResponseWriter, r *http.Request) {
	p, err := ParseGradingPeriod(r.URL.Query(), a.Clock.Now())
	if err == nil {
		err = WriteTrainingExport(w, r, a.Approvals, p)
	}
	if err != nil {
		httpx.WriteError(w, r, err)
	}
}

// WriteTrainingExport streams the training export of p as a JSON Lines
// attachment. The attachment headers go out with the first line, so an
// error before it is returned for the caller to answer in its own form;
// an error after it can only cut the download short, and is logged.
func WriteTrainingExport(w http.ResponseWriter, r *http.Request, svc *approval.Service, p GradingPeriod) error {
	out := &attachment{w: w, name: fmt.Sprintf("hotdash-training-%dd-%s.jsonl", p.Days, p.To.AddDate(0, 0, -1).Format(time.DateOnly))}
	_, err := svc.ExportTraining(r.Context(), p.From, p.To, out)
	if err != nil && out.started {
		httpx.Logger(r.Context()).Error("export training examples", "error", err)
		return nil
	}
	if err == nil && !out.started {
		out.begin()
	}
	return err
}

// attachment is a download that sends its headers with its first bytes.
type attachment struct {
	w       http.ResponseWriter
	name    string
	started bool
}

func (a *attachment) begin() {
	h := a.w.Header()
	h.Set("Content-Type", "application/jsonl; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="`+a.name+`"`)
	h.Set("Cache-Control", "no-store")
	a.w.WriteHeader(http.StatusOK)
	a.started = true
}

func (a *attachment) Write(b []byte) (int, error) {
	if !a.started {
		a.begin()
	}
	return a.w.Write(b)
}

// GradingOut is g on the wire, with the targets it is held against.
func GradingOut(g approval.Grading) client.Grading {
	out := client.Grading{From: g.From, To: g.To, Total: figuresOut(g.Total),
		Targets: client.GradingTargets{Tone: approval.TargetTone, Accuracy: approval.TargetAccuracy,
			Policy: approval.TargetPolicy, UneditedShare: approval.TargetUnedited},
		Days: make([]client.GradingDay, len(g.Days)), Agents: groupsOut(g.Agents), Models: groupsOut(g.Models)}
	for i, d := range g.Days {
		out.Days[i] = client.GradingDay{Date: d.Date, GradingFigures: figuresOut(d.Figures)}
	}
	return out
}

func figuresOut(f approval.Figures) client.GradingFigures {
	return client.GradingFigures{Count: f.Count, Tone: f.Tone, Accuracy: f.Accuracy, Policy: f.Policy, UneditedShare: f.UneditedShare,
		Edits: client.EditSizes{Unedited: f.Edits.Unedited, Light: f.Edits.Light, Moderate: f.Edits.Moderate, Heavy: f.Edits.Heavy}}
}

func groupsOut(gs []approval.Group) []client.GradingGroup {
	out := make([]client.GradingGroup, len(gs))
	for i, g := range gs {
		out[i] = client.GradingGroup{Name: g.Name, GradingFigures: figuresOut(g.Figures)}
	}
	return out
}
