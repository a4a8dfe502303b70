// Package api serves HotDash's JSON API under /api/v1. Handlers decode and
// check input, call the domain packages, and answer with the wire types of
// package client, so the server and its Go client cannot disagree. Errors use
// the envelope from httpx; lists use keyset pagination.
package api

import (
	"log/slog"
	"net/http"

	"github.com/hotdash/hotdash/client"
	"github.com/hotdash/hotdash/internal/approval"
	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/clock"
	"github.com/hotdash/hotdash/internal/conversation"
	"github.com/hotdash/hotdash/internal/decisionlog"
	"github.com/hotdash/hotdash/internal/helpcenter"
	"github.com/hotdash/hotdash/internal/httpx"
	"github.com/hotdash/hotdash/internal/incident"
	"github.com/hotdash/hotdash/internal/notify"
	"github.com/hotdash/hotdash/internal/notify/center"
	"github.com/hotdash/hotdash/internal/report"
	"github.com/hotdash/hotdash/internal/store"
)

// Deps are what the API needs.
type Deps struct {
	DB        *store.DB
	Auth      *auth.Service
	Decisions *decisionlog.Log
	// Conversations is the CX queue, Actions what operators do to it.
	Conversations *conversation.Queue
	Actions       *conversation.Actions
	// Approvals is the queue of AI drafts.
	Approvals *approval.Service
	// Incidents runs incidents and the escalation ladder.
	Incidents *incident.Service
	// Notifications is each person's notification center.
	Notifications *center.Center
	// Outbox is the outgoing notifications (Slack, PagerDuty, email,
	// webhooks).
	Outbox *notify.Outbox
	// ChatwootBaseURL links conversations into Chatwoot ("" for no links).
	ChatwootBaseURL string
	// Chatwoot says how the link to Chatwoot is configured.
	Chatwoot ChatwootLink
	// Health keeps Chatwoot's health history.
	Health Health
	Clock  clock.Clock
	Logger *slog.Logger
	// Reports computes the daily summary and weekly gaps (nil: no
	// report endpoints).
	Reports *report.Service
	// PublicURL prefixes links in Markdown exports.
	PublicURL string
	// Help is the Help Center; nil leaves its endpoints out.
	Help *helpcenter.Service
}

// API holds the handlers.
type API struct {
	Deps
}

// New returns the API.
func New(d Deps) *API { return &API{Deps: d} }

// Register adds every /api/v1 route to r.
func (a *API) Register(r *httpx.Router) {
	r.API("GET /api/v1/me", auth.Signedin, a.me)
	r.API("POST /api/v1/decisions", auth.WriteDecisions, a.logDecision)
	r.API("GET /api/v1/decisions", auth.ReadDecisions, a.listDecisions)
	r.API("GET /api/v1/decisions/{id}", auth.ReadDecisions, a.getDecision)
	r.API("GET /api/v1/decisions/export", auth.ReadDecisions, a.exportDecisions)
	r.API("GET /api/v1/decisions/verify", auth.VerifyDecisions, a.verifyDecisions)
	r.API("GET /api/v1/chatwoot/status", auth.ReadConversations, a.chatwootStatus)
	r.API("GET /api/v1/conversations", auth.ReadConversations, a.listConversations)
	r.API("GET /api/v1/conversations/{id}", auth.ReadConversations, a.getConversation)
	r.API("GET /api/v1/conversations/{id}/actions", auth.ReadConversations, a.listActions)
	r.API("POST /api/v1/conversations/{id}/actions", auth.ActOnConversations, a.actOnConversation)
	a.registerDrafts(r)
	a.registerIncidents(r)
	a.registerNotifications(r, a.Notifications)
	a.registerDeliveries(r)
	a.registerHealth(r)
	a.registerReports(r)
	a.registerHelp(r)
	r.API("GET /api/v1/users", auth.ManageUsers, a.listUsers)
	r.API("POST /api/v1/users", auth.ManageUsers, a.createUser)
	r.API("PATCH /api/v1/users/{id}", auth.ManageUsers, a.updateUser)
	r.API("GET /api/v1/tokens", auth.ManageTokens, a.listTokens)
	r.API("POST /api/v1/tokens", auth.ManageTokens, a.createToken)
	r.API("DELETE /api/v1/tokens/{id}", auth.ManageTokens, a.revokeToken)
}

func (a *API) me(w http.ResponseWriter, r *http.Request) {
	p, _ := httpx.PrincipalFrom(r.Context())
	kind := "token"
	if p.IsUser() {
		kind = "user"
	}
	httpx.WriteJSON(w, http.StatusOK, client.Principal{Kind: kind, Name: p.Name, DisplayName: p.DisplayName, Role: string(p.Role)})
}
