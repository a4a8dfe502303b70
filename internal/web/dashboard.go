package web

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/decisionlog"
	"github.com/hotdash/hotdash/internal/httpx"
)

// Sizes of the Decision Log tile's lists.
const (
	tileLatest = 8
	tileNext   = 5
)

// decisionTile is what the Decision Log tile shows.
type decisionTile struct {
	// HeadID is the newest entry's id; the page compares it across live
	// updates to announce how many entries arrived.
	HeadID  int64
	Open    int
	Overdue int
	Latest  []tileEntry
	Next    []tileEntry
	CanLog  bool
}

// tileEntry is one line of a tile list.
type tileEntry struct {
	decisionlog.Entry
	Overdue bool
}

// dashboardPage is the home page.
type dashboardPage struct {
	Tile decisionTile
	// CX holds the CX Escalations and SLA tiles; nil for those who may not
	// read conversations.
	CX *cxTilesView
	// Approvals is the Approvals tile; nil for those who may not read
	// drafts.
	Approvals *approvalsTile
	// Incidents is the Incidents & escalations tile.
	Incidents *incidentsTile
	// Health is the Chatwoot health tile.
	Health *healthTile
	// Notifications is the signed-in person's Notifications tile; nil for
	// API tokens.
	Notifications *notificationsTile
	// Handoff is the Handoff tile; nil without reports or for those who
	// may not read them.
	Handoff *handoffTile
}

func (h *Handler) dashboard(w http.ResponseWriter, r *http.Request) {
	started := time.Now()
	tile, err := h.loadDecisionTile(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p := dashboardPage{Tile: tile}
	if canReadConversations(r.Context()) {
		// Cached figures will do: the live stream the page opens brings
		// newer ones when they are read.
		cx, _, err := h.cx.get(r.Context(), started.Add(-cxPageMaxAge))
		if err != nil {
			h.fail(w, r, errCX(err))
			return
		}
		v := viewCXTiles(r.Context(), cx)
		p.CX = &v
	}
	if canReadDrafts(r.Context()) {
		t, err := h.loadApprovalsTile(r.Context())
		if err != nil {
			h.fail(w, r, err)
			return
		}
		p.Approvals = &t
	}
	if canReadIncidents(r.Context()) {
		t, err := h.loadIncidentsTile(r.Context())
		if err != nil {
			h.fail(w, r, err)
			return
		}
		p.Incidents = &t
	}
	if canReadHealth(r.Context()) {
		t, err := h.loadHealthTile(r.Context())
		if err != nil {
			h.fail(w, r, err)
			return
		}
		p.Health = &t
	}
	if uid := h.tileUserID(r.Context()); uid != 0 {
		t, err := h.loadNotificationsTile(r.Context(), uid)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		p.Notifications = &t
	}
	if p.Handoff, err = h.loadHandoffTile(r.Context()); err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "dashboard", view{Title: "Dashboard", Nav: "dashboard", Page: p})
}

// loadDecisionTile reads the Decision Log tile's figures and lists.
func (h *Handler) loadDecisionTile(ctx context.Context) (decisionTile, error) {
	now := h.Clock.Now()
	p, ok := httpx.PrincipalFrom(ctx)
	t := decisionTile{CanLog: ok && p.Can(auth.WriteDecisions)}
	latest, _, err := h.Decisions.List(ctx, decisionlog.Filter{}, decisionlog.Page{Limit: tileLatest})
	if err != nil {
		return t, err
	}
	if len(latest) == 0 {
		return t, nil
	}
	t.HeadID = latest[0].ID
	for _, e := range latest {
		t.Latest = append(t.Latest, tileEntry{Entry: e})
	}
	if t.Open, err = h.Decisions.Count(ctx, decisionlog.Filter{OpenNextActions: true}); err != nil {
		return t, err
	}
	if t.Overdue, err = h.Decisions.Count(ctx, decisionlog.Filter{OverdueAt: now}); err != nil {
		return t, err
	}
	if t.Open > 0 {
		t.Next, err = h.dueSoonest(ctx, now, tileNext)
	}
	return t, err
}

// dueSoonest returns the n open next actions due first, marking the
// overdue ones.
func (h *Handler) dueSoonest(ctx context.Context, now time.Time, n int) ([]tileEntry, error) {
	entries, err := h.Decisions.DueSoonest(ctx, n)
	out := make([]tileEntry, len(entries))
	for i, e := range entries {
		out[i] = tileEntry{Entry: e, Overdue: !e.NextActionDue.IsZero() && e.NextActionDue.Before(now)}
	}
	return out, err
}

// renderTile renders the tile's body alone (for the live stream).
func (h *Handler) renderTile(ctx context.Context) ([]byte, error) {
	tile, err := h.loadDecisionTile(ctx)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := h.partials.ExecuteTemplate(&buf, "decision-tile", tile); err != nil {
		return nil, fmt.Errorf("render decision tile: %w", err)
	}
	return buf.Bytes(), nil
}
