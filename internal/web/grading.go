package web

import (
	"github.com/hotdash/hotdash/internal/httpx"
)

// registerGrading adds the grading page and its export.
func (h *Handler) registerGrading(r *httpx.Router) {}
