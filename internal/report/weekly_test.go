package report_test

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hotdash/hotdash/internal/config"
	"github.com/hotdash/hotdash/internal/report"
	"github.com/hotdash/hotdash/internal/store/storetest"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// helpCenter is a Help Center's gaps as the report receives them, and
// the topics its articles have.
type helpCenter struct {
	data     report.HelpGapData
	topics   map[string]bool
	from, to time.Time
}

func (h *helpCenter) HasTopic(_ context.Context, id string) (bool, error) { return h.topics[id], nil }

func (h *helpCenter) HelpGaps(_ context.Context, from, to time.Time) (report.HelpGapData, error) {
	h.from, h.to = from, to
	return h.data, nil
}

// thursday is in the week of Monday 30 November.
var thursday = time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)

func TestWeeklyGapsNameEachGapAndWhereToFixIt(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		help := &helpCenter{data: report.HelpGapData{
			ZeroResultSearches: []report.ZeroSearch{{Query: "refund <script>", Count: 4, Last: day.Add(30 * time.Hour)}},
			Unhelpful:          []report.ArticleVotes{{ArticleID: "chatwoot-health", Title: "Chatwoot health runbook", Helpful: 1, NotHelpful: 5}},
			StaleRunbooks:      []report.StaleRunbook{{ArticleID: "l3", Title: "On-call runbook", Owner: "erik", ReviewBy: day.AddDate(0, 0, -3)}},
		}, topics: map[string]bool{"runbook-l1": true, "runbook-l2": true}}
		f := newFixture(t, db, thursday, func(d *report.Deps) {
			d.Help = help
			d.Ladder.Levels = map[string]config.LevelConfig{"L3": {Runbook: "https://runbooks.example.com/l3"}}
		})
		f.seedDay()
		// Tuesday: web meets one first response.
		f.met("w2", "next_response", day.Add(33*time.Hour))
		w, err := f.svc.Weekly(context.Background(), "2026-12-02")
		if err != nil {
			t.Fatal(err)
		}
		if w.Week != "2026-11-30" || !help.from.Equal(day) || !help.to.Equal(day.AddDate(0, 0, 7)) {
			t.Fatalf("week = %s, help asked for %s–%s", w.Week, help.from, help.to)
		}
		// L1 and L2 link the shipped runbook's sections, which exist; L3
		// links its own; L4's section is missing from this Help Center.
		if len(w.MissingRunbooks) != 1 || w.MissingRunbooks[0].Title != "L4 executive" || w.MissingRunbooks[0].Fix != "/help/new" ||
			!strings.Contains(w.MissingRunbooks[0].Detail, "topic runbook-l4, which no article has") {
			t.Errorf("missing runbooks = %+v", w.MissingRunbooks)
		}
		if !w.HelpConnected || len(w.StaleRunbooks) != 1 || w.StaleRunbooks[0].Fix != "/help?topic=l3" ||
			len(w.ZeroResultSearches) != 1 || w.ZeroResultSearches[0].Fix != "/help?q=refund+%3Cscript%3E" || w.Unhelpful[0].Count != 5 {
			t.Errorf("help gaps = %+v %+v %+v", w.StaleRunbooks, w.ZeroResultSearches, w.Unhelpful)
		}
		if len(w.RepeatedCauses) != 1 || w.RepeatedCauses[0].Title != "chatwoot outage" || w.RepeatedCauses[0].Count != 3 ||
			w.RepeatedCauses[0].Detail != "3 escalations across 2 incidents" {
			t.Errorf("repeated causes = %+v", w.RepeatedCauses)
		}
		if len(w.LowestDrafts) != 3 || w.LowestDrafts[0].Count != 11 || w.LowestDrafts[1].Count != 13 || w.LowestDrafts[2].Count != 15 ||
			!strings.HasPrefix(w.LowestDrafts[0].Fix, "/approvals/") {
			t.Errorf("lowest drafts = %+v", w.LowestDrafts)
		}
		if w.Weakest == nil || w.Weakest.Name != "tone" || !near(w.Weakest.Average, 4) || w.Weakest.Graded != 3 {
			t.Errorf("weakest = %+v", w.Weakest)
		}
		if len(w.Days) != 4 || len(w.SLATrend) != 3 {
			t.Fatalf("days = %v, trend = %+v", w.Days, w.SLATrend)
		}
		web := w.SLATrend[2]
		if web.Channel != "web" || web.Days[0].Met != 3 || web.Days[0].Missed != 1 || web.Days[1].Met != 1 || web.Days[2].Met != 0 ||
			web.Total.PercentText() != "80 %" {
			t.Errorf("web trend = %+v", web)
		}
	})
}

func TestWeeklyWithoutAHelpCenterSaysSo(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		f := newFixture(t, db, thursday, nil)
		w, err := f.svc.Weekly(context.Background(), "")
		if err != nil {
			t.Fatal(err)
		}
		if w.HelpConnected || len(w.MissingRunbooks) != 0 || w.Weakest != nil {
			t.Fatalf("weekly = %+v", w)
		}
		var b bytes.Buffer
		if err := w.WriteMarkdown(&b, ""); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), "## Stale runbooks\n\nThe Help Center isn't connected") {
			t.Fatalf("markdown:\n%s", b.String())
		}
	})
}

func TestMarkdownExportsMatchTheGoldenFiles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		f := newFixture(t, db, thursday, func(d *report.Deps) {
			d.Help = &helpCenter{data: report.HelpGapData{ZeroResultSearches: []report.ZeroSearch{{Query: "how to *cancel* | refund", Count: 2, Last: day}}}}
		})
		f.seedDay()
		ctx := context.Background()
		d, _, err := f.svc.SaveDaily(ctx, "2026-11-30", "rita", false)
		if err != nil {
			t.Fatal(err)
		}
		w, err := f.svc.Weekly(ctx, "2026-11-30")
		if err != nil {
			t.Fatal(err)
		}
		var daily, weekly bytes.Buffer
		if err := d.WriteMarkdown(&daily, "https://hotdash.example.com"); err != nil {
			t.Fatal(err)
		}
		if err := w.WriteMarkdown(&weekly, "https://hotdash.example.com"); err != nil {
			t.Fatal(err)
		}
		golden(t, "daily.md", daily.Bytes())
		golden(t, "weekly.md", weekly.Bytes())
	})
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -run Golden -update to accept):\n%s", name, got)
	}
}
