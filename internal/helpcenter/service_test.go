package helpcenter_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/hotdash/hotdash/internal/clock"
	"github.com/hotdash/hotdash/internal/decisionlog"
	"github.com/hotdash/hotdash/internal/helpcenter"
	"github.com/hotdash/hotdash/internal/store"
	"github.com/hotdash/hotdash/internal/store/storetest"
	"github.com/hotdash/hotdash/internal/validation"
)

var t0 = time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)

type fixture struct {
	db  *storetest.DB
	clk *clock.Manual
	log *decisionlog.Log
	svc *helpcenter.Service
}

// newFixture is a Help Center over a fresh store whose shipped content is
// testdata/articles, loaded.
func newFixture(t *testing.T, db *storetest.DB) *fixture {
	t.Helper()
	f := &fixture{db: db, clk: clock.NewManual(t0)}
	f.log = decisionlog.New(db.DB, f.clk, decisionlog.Options{})
	t.Cleanup(f.log.Close)
	f.svc = helpcenter.New(helpcenter.Deps{DB: db.DB, Clock: f.clk, Decisions: f.log, Shipped: os.DirFS("testdata/articles")})
	n, err := f.svc.LoadShipped(context.Background())
	if err != nil {
		t.Fatalf("load shipped: %v", err)
	}
	if n != 6 {
		t.Fatalf("loaded %d articles, want 6", n)
	}
	return f
}

func (f *fixture) search(t *testing.T, q string) []helpcenter.Hit {
	t.Helper()
	hits, err := f.svc.Search(context.Background(), q, helpcenter.SearchOptions{Actor: "op@example.com", Record: true})
	if err != nil {
		t.Fatalf("search %q: %v", q, err)
	}
	return hits
}

func urls(hits []helpcenter.Hit) []string {
	var out []string
	for _, h := range hits {
		out = append(out, h.URL)
	}
	return out
}

// The same corpus gives the same top results on both engines: title
// matches outrank heading and keyword matches, which outrank body matches.
func TestSearchRanksTitleOverHeadingsOverBody(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		f := newFixture(t, db)
		for _, c := range []struct {
			query string
			top   []string
		}{
			// "health" is in one title, one body (sla-clocks) and nowhere else.
			{"health", []string{"/help/chatwoot-health", "/help/sla-clocks#sla-bands"}},
			// "webhook" is webhook-setup's title (and one of its headings);
			// chatwoot-health only has it in a heading and body.
			{"webhook", []string{"/help/webhook-setup#configure-the-webhook", "/help/chatwoot-health#webhook-freshness"}},
			// A heading beats body text in the same article.
			{"signature", []string{"/help/webhook-setup#webhook-signature", "/help/chatwoot-health#webhook-freshness"}},
			{"exit code 3 token", []string{"/help/chatwoot-health#health-exit-3"}},
			// An article is shown at the section whose heading holds every word.
			{"exit code 3", []string{"/help/chatwoot-health#health-exit-3"}},
			// The last word is a prefix, as typed.
			{"escal", []string{"/help/escalation-ladder"}},
			// Stemming: "breaches" finds "breached".
			{"deadlines breaches", []string{"/help/sla-clocks#sla-bands"}},
		} {
			got := urls(f.search(t, c.query))
			if len(got) < len(c.top) || !slices.Equal(got[:len(c.top)], c.top) {
				t.Errorf("search %q: got %q, want it to start with %q", c.query, got, c.top)
			}
		}
	})
}

func TestSearchSnippetsMarkMatchesAndEscapeText(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		f := newFixture(t, db)
		hits := f.search(t, "HMAC")
		if len(hits) != 1 {
			t.Fatalf("hits = %v", urls(hits))
		}
		s := string(hits[0].Snippet)
		if !strings.Contains(s, "<mark>HMAC</mark>") || !strings.Contains(s, "signature") {
			t.Errorf("snippet %q should mark HMAC in its sentence", s)
		}
		if hits[0].Heading != "Verify the signature" || hits[0].Title != "Webhook setup" {
			t.Errorf("hit = %+v", hits[0])
		}
		_, err := f.svc.Save(context.Background(), helpcenter.Edit{Draft: helpcenter.Draft{ID: "xss", Title: "XSS", Kind: helpcenter.Reference,
			Body: "Plain words then `<script>alert(1)</script>` zebra"}}, "lead@example.com")
		if err != nil {
			t.Fatal(err)
		}
		hits = f.search(t, "zebra")
		if len(hits) != 1 {
			t.Fatalf("hits = %v", urls(hits))
		}
		s = string(hits[0].Snippet)
		// The tag is kept as text, escaped.
		if strings.Contains(s, "<script") || !strings.Contains(s, "<mark>zebra</mark>") || !strings.Contains(s, "&lt;script&gt;") {
			t.Errorf("snippet %q: article text must be escaped and the match marked", s)
		}
	})
}

// Any text a person can type is a valid query: none errors.
func TestHostileQueriesNeverFail(t *testing.T) {
	queries := []string{
		`"`, `""`, `"unbalanced`, `'`, `it's`, `can't`, `O'Brien`, `-`, `--`, `-health`, `sign-in`, `on-call`,
		`AND`, `OR`, `NOT`, `health AND`, `AND health`, `OR OR OR`, `NOT webhook`, `webhook NEAR(secret, 2)`, `NEAR`,
		`*`, `**`, `health*`, `*health`, `^`, `^health`, `health^2`, `title:`, `title:webhook`, `body:"x"`, `{title body}: x`,
		`(`, `)`, `((health)`, `:`, `::`, `;`, `\`, `\"`, `%`, `_`, `%_%`, `[`, `]`, `{`, `}`, `&`, `|`, `!`, `!health`, `<->`,
		`a & b | !c`, `'; DROP TABLE help_articles; --`, `<script>alert(1)</script>`, `🔥`, `🔥health🔥`, `👍🏽`, `日本語`, `Größe`,
		"\x00", "\u200b", "\ufeff", "\ue000health\ue001", "tab\tnew\nline", strings.Repeat("a", 1000), strings.Repeat("health ", 200),
		strings.Repeat("🔥", 1000), strings.Repeat(`"`, 1000), strings.Repeat("x ", 500) + "health", "   ", "",
	}
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		f := newFixture(t, db)
		for _, q := range queries {
			if _, err := f.svc.Search(context.Background(), q, helpcenter.SearchOptions{Record: true, Actor: "op"}); err != nil {
				t.Errorf("search %q failed: %v", q, err)
			}
		}
		if got := urls(f.search(t, `"Chatwoot health"`)); len(got) == 0 || got[0] != "/help/chatwoot-health" {
			t.Errorf("quoted query: %q", got)
		}
		if got := f.search(t, "   "); len(got) != 0 {
			t.Errorf("blank query found %v", got)
		}
	})
}

func TestZeroResultSearchesAndFeedbackFeedTheGaps(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		f.search(t, "refund policy")
		f.clk.Advance(time.Minute)
		f.search(t, "Refund  Policy")
		f.search(t, "webhook") // found something: not a gap
		f.search(t, "")        // nothing typed: not kept
		if err := f.svc.Feedback(ctx, "sla-clocks", false, "Does not say what pauses the clock", "op@example.com"); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Feedback(ctx, "sla-clocks", true, "", "lead@example.com"); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Feedback(ctx, "webhook-setup", true, "", "op@example.com"); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Feedback(ctx, "no-such-article", true, "", "op"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("feedback on a missing article: %v", err)
		}
		g, err := f.svc.Gaps(ctx, t0.Add(-time.Hour), t0.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if len(g.ZeroResultSearches) != 1 || g.ZeroResultSearches[0].Query != "refund policy" || g.ZeroResultSearches[0].Count != 2 ||
			!g.ZeroResultSearches[0].Last.Equal(t0.Add(time.Minute)) {
			t.Errorf("zero-result searches = %+v", g.ZeroResultSearches)
		}
		want := []helpcenter.ArticleVotes{{ArticleID: "sla-clocks", Title: "SLA clocks", Helpful: 1, NotHelpful: 1}}
		if !slices.Equal(g.Unhelpful, want) {
			t.Errorf("unhelpful = %+v, want %+v", g.Unhelpful, want)
		}
		if len(g.Comments) != 1 || g.Comments[0].Comment != "Does not say what pauses the clock" {
			t.Errorf("comments = %+v", g.Comments)
		}
		// Outside the period there is nothing.
		g, err = f.svc.Gaps(ctx, t0.Add(time.Hour), t0.Add(2*time.Hour))
		if err != nil || len(g.ZeroResultSearches)+len(g.Unhelpful) != 0 {
			t.Errorf("later period: %+v, %v", g, err)
		}
	})
}

func TestRunbooksTurnStaleTheDayAfterTheirReviewDate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		// t0 is 2026-11-30: webhook-setup (review by 2026-11-01) is stale,
		// chatwoot-health (2026-12-31) is not.
		stale, err := f.svc.StaleRunbooks(ctx)
		if err != nil || len(stale) != 1 || stale[0].ArticleID != "webhook-setup" || stale[0].Owner != "devops" {
			t.Fatalf("stale = %+v, %v", stale, err)
		}
		a, _ := f.svc.Get(ctx, "chatwoot-health")
		if a.Stale {
			t.Error("chatwoot-health stale before its date")
		}
		f.clk.Set(time.Date(2026, 12, 31, 23, 59, 0, 0, time.UTC))
		if a, _ = f.svc.Get(ctx, "chatwoot-health"); a.Stale {
			t.Error("stale on its review-by date itself")
		}
		f.clk.Set(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))
		if a, _ = f.svc.Get(ctx, "chatwoot-health"); !a.Stale {
			t.Error("not stale the day after its review-by date")
		}
		stale, _ = f.svc.StaleRunbooks(ctx)
		if len(stale) != 2 {
			t.Errorf("stale = %+v", stale)
		}
		g, _ := f.svc.Gaps(ctx, t0, time.Date(2027, 1, 2, 0, 0, 0, 0, time.UTC))
		if len(g.StaleRunbooks) != 2 {
			t.Errorf("gaps' stale runbooks = %+v", g.StaleRunbooks)
		}
	})
}

func TestEditsConflictWhenTheArticleChangedSince(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		a, err := f.svc.Get(ctx, "sla-clocks")
		if err != nil || a.Version != 1 || a.Source != helpcenter.SourceShipped {
			t.Fatalf("get: %+v %v", a, err)
		}
		first := helpcenter.Edit{Draft: a.Draft, Version: a.Version}
		first.Body += "\n\nA zeppelin never pauses a clock."
		saved, err := f.svc.Save(ctx, first, "lead@example.com")
		if err != nil || saved.Version != 2 {
			t.Fatalf("first edit: %+v %v", saved, err)
		}
		second := helpcenter.Edit{Draft: a.Draft, Version: a.Version}
		second.Title = "Stale title"
		if _, err := f.svc.Save(ctx, second, "op@example.com"); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("stale edit: %v, want a conflict", err)
		}
		got, _ := f.svc.Get(ctx, "sla-clocks")
		if got.Title != "SLA clocks" || got.Version != 2 || got.Source != helpcenter.SourceEdited || got.UpdatedBy != "lead@example.com" {
			t.Errorf("after the conflict: %+v", got)
		}
		if hits := f.search(t, "zeppelin"); len(hits) != 1 {
			t.Errorf("the edit is not searchable: %v", urls(hits))
		}
		// A new article cannot take an existing id or topic id.
		if _, err := f.svc.Save(ctx, helpcenter.Edit{Draft: helpcenter.Draft{ID: "sla-clocks", Title: "x", Kind: helpcenter.Reference, Body: "x"}}, "lead"); !errors.Is(err, store.ErrConflict) {
			t.Errorf("duplicate id: %v", err)
		}
		var verr validation.Errors
		_, err = f.svc.Save(ctx, helpcenter.Edit{Draft: helpcenter.Draft{ID: "new-one", Title: "x", Kind: helpcenter.Reference, Body: "## Bands {#sla-bands}\n"}}, "lead")
		if !errors.As(err, &verr) || !strings.Contains(verr["body"], "sla-bands") {
			t.Errorf("taken section id: %v", err)
		}
		// Shipped content never overwrites an edited article.
		if n, err := f.svc.LoadShipped(ctx); err != nil || n != 0 {
			t.Errorf("reload: %d %v", n, err)
		}
		if got, _ := f.svc.Get(ctx, "sla-clocks"); got.Version != 2 {
			t.Errorf("shipped content overwrote an edit: %+v", got)
		}
		entries, _, err := f.log.List(ctx, decisionlog.Filter{}, decisionlog.Page{Limit: 10})
		if err != nil || len(entries) != 1 || entries[0].Action != "help.edit" || entries[0].Actor != "lead@example.com" {
			t.Errorf("decision log = %+v %v", entries, err)
		}
	})
}

func TestImportIsAllOrNothingAndNamesTheBadFile(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		_, err := f.svc.Import(ctx, os.DirFS("testdata/import-bad"), "admin@example.com")
		var ferr *helpcenter.FileError
		if !errors.As(err, &ferr) || ferr.File != "b-broken.md" || !strings.Contains(err.Error(), "kind") || !strings.Contains(err.Error(), "id") {
			t.Fatalf("bad import: %v", err)
		}
		if a, _ := f.svc.Get(ctx, "sla-clocks"); a.Version != 1 || a.Source != helpcenter.SourceShipped {
			t.Errorf("a good file of a failed import was written: %+v", a)
		}
		dir := fstest.MapFS{
			"new/refunds.md":   {Data: []byte("---\nid: refunds\ntitle: Refunds\nkind: how-to\nkeywords: [money]\n---\nHow to refund a customer.\n\n## Partial refunds {#partial-refunds}\n\nHalf.\n")},
			"sla-clocks.md":    {Data: []byte("---\nid: sla-clocks\ntitle: SLA clocks, revised\nkind: reference\n---\nRevised.\n")},
			"notes/readme.txt": {Data: []byte("not an article")},
		}
		res, err := f.svc.Import(ctx, dir, "admin@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(res.Created, []string{"refunds"}) || !slices.Equal(res.Updated, []string{"sla-clocks"}) {
			t.Errorf("import = %+v", res)
		}
		if ok, _ := f.svc.HasTopic(ctx, "partial-refunds"); !ok {
			t.Error("imported section id is not a topic")
		}
		if a, _ := f.svc.Get(ctx, "sla-clocks"); a.Title != "SLA clocks, revised" || a.Version != 2 {
			t.Errorf("replaced article: %+v", a)
		}
		entries, _, _ := f.log.List(ctx, decisionlog.Filter{}, decisionlog.Page{Limit: 10})
		if len(entries) != 1 || entries[0].Action != "help.import" || !strings.Contains(entries[0].Rationale, "refunds") {
			t.Errorf("decision log = %+v", entries)
		}
		// Two files claiming one topic id: nothing is written.
		dup := fstest.MapFS{
			"a.md": {Data: []byte("---\nid: dup-a\ntitle: A\nkind: how-to\n---\n## X {#same-topic}\n")},
			"b.md": {Data: []byte("---\nid: dup-b\ntitle: B\nkind: how-to\n---\n## Y {#same-topic}\n")},
		}
		if _, err := f.svc.Import(ctx, dup, "admin"); !errors.As(err, &ferr) || ferr.File != "b.md" || !strings.Contains(err.Error(), "a.md") {
			t.Errorf("duplicate topic: %v", err)
		}
		if ok, _ := f.svc.HasTopic(ctx, "dup-a"); ok {
			t.Error("half of a failed import was written")
		}
		// A topic id another article already holds: the file is named.
		clash := fstest.MapFS{
			"fine.md":  {Data: []byte("---\nid: fine\ntitle: Fine\nkind: how-to\n---\nFine.\n")},
			"clash.md": {Data: []byte("---\nid: clash\ntitle: Clash\nkind: how-to\n---\n## Token {#health-exit-3}\n")},
		}
		if _, err := f.svc.Import(ctx, clash, "admin"); !errors.As(err, &ferr) || ferr.File != "clash.md" || !strings.Contains(err.Error(), "chatwoot-health") {
			t.Errorf("taken topic: %v", err)
		}
		if ok, _ := f.svc.HasTopic(ctx, "fine"); ok {
			t.Error("the good file of a failed import was written")
		}
	})
}

func TestTopicsResolveArticlesAndExplicitSections(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		for id, want := range map[string]string{"chatwoot-health": "/help/chatwoot-health", "health-exit-3": "/help/chatwoot-health#health-exit-3", "sla-bands": "/help/sla-clocks#sla-bands"} {
			art, anchor, err := f.svc.Topic(ctx, id)
			if err != nil || helpcenter.URL(art, anchor) != want {
				t.Errorf("topic %s: %s#%s %v", id, art, anchor, err)
			}
		}
		for _, id := range []string{"configure-the-webhook", "nope", ""} {
			if ok, err := f.svc.HasTopic(ctx, id); ok || err != nil {
				t.Errorf("HasTopic(%q) = %v, %v", id, ok, err)
			}
		}
		list, err := f.svc.List(ctx)
		if err != nil || len(list) != 6 || list[0].Kind != helpcenter.Tutorial || list[len(list)-1].Kind != helpcenter.Explanation {
			t.Errorf("list = %+v %v", list, err)
		}
	})
}

// A large import (enough for PostgreSQL's index to be settled after it)
// is searchable at once on both engines.
func TestLargeImportIsSearchable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		f := newFixture(t, db)
		files := fstest.MapFS{}
		for i := range 600 {
			word := "common"
			if i == 417 {
				word = "quokka"
			}
			files[fmt.Sprintf("a%03d.md", i)] = &fstest.MapFile{Data: fmt.Appendf(nil,
				"---\nid: bulk-%d\ntitle: Bulk %d\nkind: reference\n---\nIntro %s.\n\n## Part\n\nMore %s text.\n", i, i, word, word)}
		}
		res, err := f.svc.Import(context.Background(), files, "lead@example.com")
		if err != nil || len(res.Created) != 600 {
			t.Fatalf("import: %d created, %v", len(res.Created), err)
		}
		if got := urls(f.search(t, "quokka")); len(got) != 1 || got[0] != "/help/bulk-417" {
			t.Errorf("search quokka: %q", got)
		}
		if got := f.search(t, "common"); len(got) != helpcenter.MaxResults {
			t.Errorf("search common: %d hits", len(got))
		}
	})
}

// Search as you type keeps one search per person for the gaps list, not
// one per pause: a search that extends or shortens the one before it,
// within half a minute, replaces it.
func TestSearchAsYouTypeKeepsOneZeroResultSearch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		as := func(actor, q string) {
			t.Helper()
			if _, err := f.svc.Search(ctx, q, helpcenter.SearchOptions{Actor: actor, Record: true}); err != nil {
				t.Fatal(err)
			}
			f.clk.Advance(5 * time.Second)
		}
		as("op@example.com", "quokka pol")
		as("lead@example.com", "quokka") // someone else's search is their own
		as("op@example.com", "Quokka polic")
		as("op@example.com", "quokka policy")
		as("op@example.com", "quokka polict") // a typo, then back
		as("op@example.com", "quokka polic")
		as("op@example.com", "quokka policy")
		as("op@example.com", "zebra crossing") // a new search
		f.clk.Advance(time.Minute)
		as("op@example.com", "zebra crossings") // too long after: a search of its own
		g, err := f.svc.Gaps(ctx, t0.Add(-time.Hour), t0.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		for _, z := range g.ZeroResultSearches {
			got[z.Query] = z.Count
		}
		want := map[string]int{"quokka policy": 1, "quokka": 1, "zebra crossing": 1, "zebra crossings": 1}
		if !maps.Equal(got, want) {
			t.Errorf("zero-result searches = %v, want %v", got, want)
		}
	})
}
