package web

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/hotdash/hotdash/internal/decisionlog"
	"github.com/hotdash/hotdash/internal/store"
)

// decisionPage is one Decision Log entry with what refers back to it.
type decisionPage struct {
	decisionlog.Entry
	// Related are the entries that correct this one or close its next
	// action.
	Related []decisionlog.Entry
	// Open is set while the next action waits to be done; Overdue when it
	// is also past due.
	Open, Overdue bool
	// ClosedBy is the entry that closed (or corrected away) the next action.
	ClosedBy int64
}

func (h *Handler) decision(w http.ResponseWriter, r *http.Request) {
	id := pathID(r)
	if id == 0 {
		h.notFound(w, r, "Decision ids are positive numbers, such as /decisions/12. Search the Decision Log to find an entry.")
		return
	}
	e, err := h.Decisions.Get(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		h.notFound(w, r, "There is no decision #"+strconv.FormatInt(id, 10)+" in the log. Search the Decision Log to find the entry you want.")
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	related, err := h.Decisions.Related(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p := decisionPage{Entry: e, Related: related}
	for _, rel := range related {
		if p.ClosedBy == 0 && (rel.ClosesID == id || rel.CorrectsID == id) {
			p.ClosedBy = rel.ID
		}
	}
	p.Open = e.HasNextAction() && p.ClosedBy == 0
	p.Overdue = p.Open && isOverdue(e, h.Clock.Now())
	h.render(w, r, http.StatusOK, "decision", view{Title: "Decision #" + strconv.FormatInt(id, 10), Nav: "decisions", Page: p})
}
