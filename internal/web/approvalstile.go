package web

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/hotdash/hotdash/internal/approval"
	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/httpx"
)

// approvalsEvent is the SSE event carrying the Approvals tile.
const approvalsEvent = "approvals-tile"

// approvalsTile is what the dashboard's Approvals tile shows.
type approvalsTile struct {
	Counts approval.Counts
	// Oldest is when the oldest draft waiting arrived (zero: none waits).
	Oldest time.Time
	Risks  []tab
}

// canReadDrafts reports whether the signed-in principal sees approvals.
func canReadDrafts(ctx context.Context) bool {
	p, ok := httpx.PrincipalFrom(ctx)
	return ok && p.Can(auth.ReadDrafts)
}

func (h *Handler) loadApprovalsTile(ctx context.Context) (approvalsTile, error) {
	c, err := h.Approvals.Counts(ctx)
	if err != nil {
		return approvalsTile{}, err
	}
	t := approvalsTile{Counts: c, Oldest: c.Oldest()}
	for _, lvl := range approval.Risks() {
		t.Risks = append(t.Risks, tab{Label: riskLabel(lvl), Value: lvl, URL: "/approvals?risk=" + lvl, Count: c.Pending[lvl]})
	}
	return t, nil
}

// renderApprovalsTile renders the tile's body alone (for the live stream).
func (h *Handler) renderApprovalsTile(ctx context.Context) ([]byte, error) {
	t, err := h.loadApprovalsTile(ctx)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := h.partials.ExecuteTemplate(&buf, "approvals-tile", t); err != nil {
		return nil, fmt.Errorf("render approvals tile: %w", err)
	}
	return buf.Bytes(), nil
}
