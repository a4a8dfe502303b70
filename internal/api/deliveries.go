package api

import (
	"net/http"

	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/httpx"
	"github.com/hotdash/hotdash/internal/notify"
)

func (a *API) registerDeliveries(r *httpx.Router) {
	r.API("GET /api/v1/deliveries", auth.ReadIncidents, a.listDeliveries)
	r.API("GET /api/v1/deliveries/{id}", auth.ReadIncidents, a.getDelivery)
	r.API("GET /api/v1/notify/endpoints", auth.ReadIncidents, a.endpoints)
}

// listDeliveries lists outgoing notifications, newest first:
// ?incident_ref=incident:12&state=failed&endpoint=support-slack&cursor=…
func (a *API) listDeliveries(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, err := parseLimit(q.Get("limit"), notify.MaxLimit)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	list, next, err := a.Outbox.Deliveries(r.Context(), notify.Filter{IncidentRef: q.Get("incident_ref"), State: q.Get("state"),
		Endpoint: q.Get("endpoint"), Limit: limit, Cursor: q.Get("cursor")})
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	if list == nil {
		list = []notify.Delivery{}
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"deliveries": list, "next_cursor": next})
}

// getDelivery returns a delivery with every attempt.
func (a *API) getDelivery(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	d, err := a.Outbox.Get(r.Context(), id)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	attempts, err := a.Outbox.Attempts(r.Context(), id)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	if attempts == nil {
		attempts = []notify.Attempt{}
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"delivery": d, "attempts": attempts})
}

// endpoints lists the configured endpoints and any problem with each
// (a variable that is not set), never a secret.
func (a *API) endpoints(w http.ResponseWriter, r *http.Request) {
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"endpoints": nonNilEndpoints(a.Outbox.Endpoints())})
}

func nonNilEndpoints(e []notify.EndpointStatus) []notify.EndpointStatus {
	if e == nil {
		return []notify.EndpointStatus{}
	}
	return e
}
