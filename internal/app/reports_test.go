package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/hotdash/hotdash/internal/apptest"
	"github.com/hotdash/hotdash/internal/auth"
)

// TestWeeklyGapsReadTheHelpCenter: a search that finds nothing in the Help
// Center shows up in the weekly gaps report, with a link to fix it.
func TestWeeklyGapsReadTheHelpCenter(t *testing.T) {
	a := apptest.Start(t, apptest.Options{})
	ctx := context.Background()
	lead := a.Client(auth.Lead)
	res, err := lead.SearchHelp(ctx, "quokka invoices")
	if err != nil || len(res.Hits) != 0 {
		t.Fatalf("search: %+v (%v)", res, err)
	}
	req, _ := http.NewRequest(http.MethodGet, a.URL()+"/api/v1/reports/weekly?format=json", nil)
	req.Header.Set("Authorization", "Bearer "+a.Token(auth.Lead))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var w struct {
		HelpConnected      bool `json:"help_connected"`
		ZeroResultSearches []struct {
			Title string `json:"title"`
			Count int    `json:"count"`
			Fix   string `json:"fix"`
		} `json:"zero_result_searches"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&w); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("weekly: %d (%v)", resp.StatusCode, err)
	}
	if !w.HelpConnected || len(w.ZeroResultSearches) != 1 || w.ZeroResultSearches[0].Title != "quokka invoices" ||
		w.ZeroResultSearches[0].Count != 1 || w.ZeroResultSearches[0].Fix != "/help?q=quokka+invoices" {
		t.Fatalf("weekly gaps: %+v", w)
	}
}
