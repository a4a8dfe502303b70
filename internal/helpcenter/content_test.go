package helpcenter_test

import (
	"context"
	"io/fs"
	"path"
	"strings"
	"testing"

	"github.com/hotdash/hotdash/internal/clock"
	"github.com/hotdash/hotdash/internal/config"
	"github.com/hotdash/hotdash/internal/helpcenter"
	"github.com/hotdash/hotdash/internal/store/storetest"
)

// productTopics are the topic ids product surfaces link to (docs: the
// topic-id contract): dashboard tiles, error pages, runbook exit codes.
var productTopics = []string{
	"getting-started", "daily-rhythm", "start-of-shift", "hourly-checks", "handoff", "daily-summary", "weekly-gaps",
	"reviewing-drafts", "risk", "grading", "send-failed", "sla-clocks", "sla-bands",
	"escalation-ladder", "severities", "evidence-gate", "on-call",
	"chatwoot-health", "health-exit-0", "health-exit-1", "health-exit-2", "health-exit-3", "health-exit-4", "webhook-freshness",
	"webhook-setup", "webhook-signature", "decision-log", "notifications", "keyboard-shortcuts", "troubleshooting",
	"error-400", "error-401", "error-403", "error-404", "error-409", "error-413", "error-422", "error-429", "error-500",
	"incident-runbook", "runbook-first-steps",
}

// The shipped articles load, and every /help?topic= link inside them, and
// every topic the product links to, opens an article or section.
func TestShippedContentLoadsAndEveryTopicLinkResolves(t *testing.T) {
	db := storetest.OpenSQLite(t)
	ctx := context.Background()
	svc := helpcenter.New(helpcenter.Deps{DB: db.DB, Clock: clock.NewManual(t0)})
	n, err := svc.LoadShipped(ctx)
	if err != nil {
		t.Fatalf("shipped content does not load: %v", err)
	}
	shipped := helpcenter.Shipped()
	files, err := fs.Glob(shipped, "*.md")
	if err != nil {
		t.Fatal(err)
	}
	if n != len(files) {
		t.Errorf("loaded %d articles from %d files", n, len(files))
	}
	r := helpcenter.NewRenderer()
	links := 0
	for _, name := range files {
		src, err := fs.ReadFile(shipped, name)
		if err != nil {
			t.Fatal(err)
		}
		d, err := helpcenter.Parse(src)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if want := strings.TrimSuffix(path.Base(name), ".md"); d.ID != want {
			t.Errorf("%s: id %q, but the file must be named after it (%s.md)", name, d.ID, d.ID)
		}
		out, err := r.Render(d.Body)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range out.TopicLinks {
			links++
			if ok, err := svc.HasTopic(ctx, id); err != nil || !ok {
				t.Errorf("%s links /help?topic=%s, which is no article or section id", name, id)
			}
		}
	}
	for _, id := range productTopics {
		if ok, err := svc.HasTopic(ctx, id); err != nil || !ok {
			t.Errorf("the product links /help?topic=%s, but no shipped article or section has that id", id)
		}
	}
	// Every escalation links its level's runbook: by default, a section of
	// the shipped incident runbook.
	ladder := config.DefaultEscalation()
	for _, level := range config.LadderLevels()[1:] {
		link := ladder.Level(level).Runbook
		id, ok := strings.CutPrefix(link, "/help?topic=")
		if has, err := svc.HasTopic(ctx, id); !ok || err != nil || !has {
			t.Errorf("escalations to %s link %q, which opens no shipped article or section", level, link)
		}
	}
	t.Logf("%d articles, %d topic links checked", n, links)
}
