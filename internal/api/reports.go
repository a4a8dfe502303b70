package api

import (
	"bytes"
	"encoding/json"
	"net/http"

	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/httpx"
	"github.com/hotdash/hotdash/internal/report"
	"github.com/hotdash/hotdash/internal/validation"
)

// registerReports adds the daily summary and weekly gaps endpoints (when
// the app has a report service).
func (a *API) registerReports(r *httpx.Router) {
	if a.Reports == nil {
		return
	}
	r.API("GET /api/v1/reports/daily", auth.ReadReports, a.dailyReport)
	r.API("POST /api/v1/reports/daily", auth.WriteReports, a.saveDailyReport)
	r.API("GET /api/v1/reports/weekly", auth.ReadReports, a.weeklyReport)
}

func (a *API) dailyReport(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	format, err := ReportFormat(q.Get("format"))
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	d, err := a.Reports.Daily(r.Context(), q.Get("date"))
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	WriteReport(w, r, d, "hotdash-daily-"+d.Date, format, a.PublicURL)
}

func (a *API) weeklyReport(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	format, err := ReportFormat(q.Get("format"))
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	wk, err := a.Reports.Weekly(r.Context(), q.Get("week"))
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	WriteReport(w, r, wk, "hotdash-weekly-"+wk.Week, format, a.PublicURL)
}

// SavedDaily is the answer to saving a daily summary.
type SavedDaily struct {
	Date       string `json:"date"`
	DecisionID int64  `json:"decision_id"`
	// Created is false when the day's summary was already saved (and
	// again was not asked).
	Created bool `json:"created"`
}

func (a *API) saveDailyReport(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Date  string `json:"date"`
		Again bool   `json:"again"`
	}
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	p, _ := httpx.PrincipalFrom(r.Context())
	d, created, err := a.Reports.SaveDaily(r.Context(), in.Date, p.Name, in.Again)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	httpx.WriteJSON(w, status, SavedDaily{Date: d.Date, DecisionID: d.DecisionID, Created: created})
}

// ReportFormat checks an export format ("" is JSON).
func ReportFormat(f string) (string, error) {
	switch f {
	case "":
		return report.FormatJSON, nil
	case report.FormatMarkdown, report.FormatCSV, report.FormatJSON:
		return f, nil
	}
	return "", validation.Errors{"format": "must be md, csv or json"}
}

// WriteReport sends a report (report.Daily or report.Weekly) in format:
// JSON inline, Markdown and CSV as a download named name.
func WriteReport(w http.ResponseWriter, r *http.Request, v any, name, format, baseURL string) {
	var buf bytes.Buffer
	var err error
	ctype := "application/json"
	switch format {
	case report.FormatMarkdown:
		ctype = "text/markdown; charset=utf-8"
		err = reportMarkdown(&buf, v, baseURL)
	case report.FormatCSV:
		ctype = "text/csv; charset=utf-8"
		err = reportCSV(&buf, v)
	default:
		httpx.WriteJSON(w, http.StatusOK, v)
		return
	}
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+"."+format+`"`)
	_, _ = w.Write(buf.Bytes())
}

func reportMarkdown(buf *bytes.Buffer, v any, baseURL string) error {
	switch x := v.(type) {
	case report.Daily:
		return x.WriteMarkdown(buf, baseURL)
	case report.Weekly:
		return x.WriteMarkdown(buf, baseURL)
	}
	return json.NewEncoder(buf).Encode(v)
}

func reportCSV(buf *bytes.Buffer, v any) error {
	switch x := v.(type) {
	case report.Daily:
		return x.WriteCSV(buf)
	case report.Weekly:
		return x.WriteCSV(buf)
	}
	return json.NewEncoder(buf).Encode(v)
}
