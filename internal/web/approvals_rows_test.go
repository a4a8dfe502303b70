package web

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/hotdash/hotdash/internal/approval"
	"github.com/hotdash/hotdash/internal/clock"
)

// BenchmarkApprovalsResults renders the approvals queue's first page (50
// drafts, replies of a few hundred words) as the page and its live stream
// do.
func BenchmarkApprovalsResults(b *testing.B) {
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	h := &Handler{Deps: Deps{Clock: clock.NewManual(now)}}
	if err := h.parseTemplates(); err != nil {
		b.Fatal(err)
	}
	conf := 0.82
	res := approvalsResults{State: approval.StatePending, Total: 100_000, CanBulk: true, NextURL: "/approvals?cursor=x"}
	var items []approval.Item
	for i := range 50 {
		d := approval.Draft{ID: int64(1000 + i), Version: 2, Kind: approval.KindReply, Risk: []string{"high", "medium", "low"}[i%3],
			Text:  strings.Repeat(fmt.Sprintf("Thanks for waiting, we have refunded order %d & checked <the> courier. ", i), 20),
			Agent: "helper-bot", Model: "m1", Confidence: &conf, ConversationID: int64(i), DueAt: now.Add(time.Duration(i) * time.Minute),
			CreatedAt: now.Add(-time.Hour)}
		items = append(items, approval.Item{Draft: d, ConversationDisplayID: int64(4000 + i), ContactName: "Ada Lovelace", Channel: "email", SLABand: "warning"})
	}
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		res.Rows = approvalRows(items, res.State)
		if err := h.partials.ExecuteTemplate(&buf, "approvals-results", res); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len()), "bytes/page")
}

func TestCutKeepsAtMostNCharacters(t *testing.T) {
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"eleven char", 10, "eleven ch…"},
		{"ääääääääääää", 5, "ääää…"},
		{"", 5, ""},
	} {
		if got := cut(c.in, c.n); got != c.want {
			t.Errorf("cut(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
}

func TestApprovalRowsCutLongTextsAndNameWhatWaits(t *testing.T) {
	created, updated := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC), time.Date(2026, 11, 30, 8, 30, 0, 0, time.UTC)
	items := []approval.Item{
		{Draft: approval.Draft{ID: 7, Kind: approval.KindReply, Risk: approval.RiskLow, Text: strings.Repeat("word ", 300), CreatedAt: created, UpdatedAt: updated},
			ConversationDisplayID: 42},
		{Draft: approval.Draft{ID: 8, Kind: approval.KindLabels, Labels: approval.LabelChange{Add: []string{"vip"}}, CreatedAt: created, UpdatedAt: updated}},
	}
	rows := approvalRows(items, approval.StatePending)
	r := rows[0]
	if utf8.RuneCountInString(r.Preview) != previewChars || !strings.HasSuffix(r.Preview, "…") ||
		utf8.RuneCountInString(r.Full) != tooltipChars || r.Title != "#7 reply" || r.Conversation != "#42" ||
		r.Contact != "Unknown contact" || !r.Bulk || !r.Since.Equal(created) {
		t.Errorf("reply row %+v", r)
	}
	if rows[1].Preview != "add vip" || rows[1].Full != "" || rows[1].Bulk {
		t.Errorf("labels row %+v", rows[1])
	}
	if got := approvalRows(items, approval.StateSent)[0].Since; !got.Equal(updated) {
		t.Errorf("a finished draft shows %s, want when it last changed", got)
	}
}
