package web

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/conversation"
	"github.com/hotdash/hotdash/internal/httpx"
)

// escalationsShown is how many conversations the CX Escalations tile lists.
const escalationsShown = 5

// cxTiles is what the CX Escalations and SLA tiles show.
type cxTiles struct {
	// Escalated counts unresolved conversations that breached or carry
	// the escalation label; Urgent lists the first of them by deadline.
	Escalated int
	Urgent    []conversation.Conversation
	// Bands counts unresolved conversations with a running clock, by the
	// band of their nearest deadline; Running is their total.
	Bands    []bandCount
	Running  int
	AtRisk   int // warning + urgent
	Breached int
	// Compliance is today's (UTC) SLA compliance; Percent is set when
	// HasCompliance.
	Compliance    conversation.Compliance
	Percent       int
	HasCompliance bool
	// Warning and UrgentLeft are the band thresholds, for the help text.
	Warning, UrgentLeft time.Duration
}

// cxTilesView is the tiles as one viewer sees them: the shared figures,
// and whether that viewer may act on the conversations listed.
type cxTilesView struct {
	cxTiles
	CanAct bool
}

// viewCXTiles pairs figures with the request's viewer.
func viewCXTiles(ctx context.Context, t cxTiles) cxTilesView {
	p, _ := httpx.PrincipalFrom(ctx)
	return cxTilesView{cxTiles: t, CanAct: p.Can(auth.ActOnConversations)}
}

// bandCount is one band of the SLA tile, with its share of the bar (in
// twentieths, at least one when the band has any conversation).
type bandCount struct {
	Band  string
	Count int
	Share int
}

// cxPageMaxAge is how old the CX tiles' figures on a freshly loaded
// dashboard may be before a refresh is asked for.
const cxPageMaxAge = 2 * time.Second

func (h *Handler) readCXTiles(ctx context.Context) (cxTiles, error) {
	t := cxTiles{Warning: h.Bands.Warning, UrgentLeft: h.Bands.Urgent}
	q := h.Conversations
	// Open or pending conversations that breached or carry the escalation
	// label (snoozed ones are parked on purpose).
	esc := conversation.Filter{Statuses: []string{"open", "pending"}, Escalated: true}
	var err error
	if t.Escalated, err = q.Count(ctx, esc); err != nil {
		return t, err
	}
	if t.Escalated > 0 {
		if t.Urgent, _, err = q.List(ctx, esc, conversation.Page{Limit: escalationsShown}); err != nil {
			return t, err
		}
	}
	counts, err := q.BandCounts(ctx)
	if err != nil {
		return t, err
	}
	for _, b := range conversation.Bands() {
		t.Running += counts[b]
	}
	for _, b := range conversation.Bands() {
		n := counts[b]
		share := 0
		if n > 0 {
			share = max(1, (n*20+t.Running/2)/t.Running)
		}
		t.Bands = append(t.Bands, bandCount{Band: b, Count: n, Share: share})
	}
	t.AtRisk, t.Breached = counts["warning"]+counts["urgent"], counts["breached"]
	day := h.Clock.Now().UTC().Truncate(24 * time.Hour)
	if t.Compliance, err = q.Compliance(ctx, day, day.Add(24*time.Hour)); err != nil {
		return t, err
	}
	t.Percent, t.HasCompliance = t.Compliance.Percent()
	return t, nil
}

// renderCXEvents renders both CX tiles as server-sent events. Woken by a
// change at since, it renders only figures read after it; older ones mean
// a refresh is on its way, and its wake-up (refreshed) renders what it
// read.
func (h *Handler) renderCXEvents(ctx context.Context, since time.Time, refreshed bool) []byte {
	t, fresh, err := h.cx.get(ctx, since)
	if !logRenderError(ctx, "CX tiles", err) || (!fresh && !refreshed) {
		return nil
	}
	var out []byte
	for _, part := range []struct{ event, template string }{
		{escalationsEvent, "cx-escalations-tile"},
		{slaEvent, "sla-tile"},
	} {
		var buf bytes.Buffer
		err := h.partials.ExecuteTemplate(&buf, part.template, viewCXTiles(ctx, t))
		if logRenderError(ctx, part.template, err) {
			out = append(out, sseEvent(part.event, buf.Bytes())...)
		}
	}
	return out
}

// errCX wraps a failure to read the CX tiles for the dashboard page.
func errCX(err error) error { return fmt.Errorf("read the CX tiles: %w", err) }
