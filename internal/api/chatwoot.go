package api

import (
	"net/http"

	"github.com/hotdash/hotdash/client"
	"github.com/hotdash/hotdash/internal/httpx"
	"github.com/hotdash/hotdash/internal/ingest"
)

// ChatwootLink describes the link to Chatwoot, for the status endpoint.
type ChatwootLink struct {
	Configured         bool
	DryRun             bool
	WebhooksConfigured bool
}

func (a *API) chatwootStatus(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	out := client.ChatwootStatus{Configured: a.Chatwoot.Configured, DryRun: a.Chatwoot.DryRun,
		WebhooksConfigured: a.Chatwoot.WebhooksConfigured, Syncs: []client.Sync{}}
	last, err := ingest.LastReceived(ctx, a.DB)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	out.LastWebhookAt = optionalTimePtr(last)
	if out.PendingEvents, err = ingest.Pending(ctx, a.DB); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	good, err := ingest.LastGoodSync(ctx, a.DB)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	if good.ID != 0 {
		out.LastGoodSyncAt = optionalTimePtr(good.Started)
	}
	syncs, err := ingest.RecentSyncs(ctx, a.DB, 10)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	for _, s := range syncs {
		out.Syncs = append(out.Syncs, client.Sync{StartedAt: s.Started, FinishedAt: optionalTimePtr(s.Finished),
			Since: optionalTimePtr(s.Since), Fetched: s.Fetched, Repaired: s.Repaired, Error: s.Error})
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}
