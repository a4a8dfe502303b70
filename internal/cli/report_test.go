package cli_test

import (
	"strings"
	"testing"

	"github.com/hotdash/hotdash/internal/apptest"
	"github.com/hotdash/hotdash/internal/auth"
)

func TestReportCommands(t *testing.T) {
	a := apptest.Start(t, apptest.Options{})
	env := []string{"HOTDASH_SERVER=" + a.URL(), "HOTDASH_TOKEN=" + a.Token(auth.Lead)}
	today := a.Reports.Today()
	r := run(t, env, "", "report", "daily")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "# Daily summary — "+today+"\n") || !strings.Contains(r.stdout, "| **All** | **0** | **0** |") {
		t.Fatalf("report daily: %+v", r)
	}
	r = run(t, env, "", "report", "daily", "--date", today, "--format", "csv")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "section,name,measure,value\n") {
		t.Fatalf("report daily csv: %+v", r)
	}
	r = run(t, env, "", "report", "daily", "--save")
	if r.code != 0 || r.stdout != "saved the daily summary of "+today+" as decision #1\n" {
		t.Fatalf("report daily --save: %+v", r)
	}
	r = run(t, env, "", "report", "daily", "--save")
	if r.code != 0 || !strings.Contains(r.stdout, "was already saved as decision #1") {
		t.Fatalf("second --save: %+v", r)
	}
	r = run(t, env, "", "report", "daily", "--save", "--again")
	if r.code != 0 || r.stdout != "saved the daily summary of "+today+" as decision #2\n" {
		t.Fatalf("--again: %+v", r)
	}
	r = run(t, env, "", "report", "daily", "--date", "30.11.2026")
	if r.code == 0 || !strings.Contains(r.stderr, "date") {
		t.Fatalf("bad date: %+v", r)
	}
	r = run(t, env, "", "report", "weekly", "--format", "json")
	if r.code != 0 || !strings.Contains(r.stdout, `"help_connected":true`) || !strings.Contains(r.stdout, `"missing_runbooks":[`) {
		t.Fatalf("report weekly: %+v", r)
	}
	exec := []string{"HOTDASH_SERVER=" + a.URL(), "HOTDASH_TOKEN=" + a.Token(auth.Executive)}
	if r = run(t, exec, "", "report", "daily", "--save"); r.code == 0 {
		t.Fatalf("an executive token saved a summary: %+v", r)
	}
}
