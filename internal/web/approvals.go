package web

import (
	"github.com/hotdash/hotdash/internal/httpx"
)

// registerApprovals adds the approvals queue and review pages.
func (h *Handler) registerApprovals(r *httpx.Router) {}
