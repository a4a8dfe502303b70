// Package web serves HotDash's pages: server-rendered html/template views,
// enhanced with vendored htmx, and live dashboard tiles streamed over
// server-sent events. Everything (templates, styles, scripts) is embedded in
// the binary; nothing is loaded from other hosts. Untrusted text is only ever
// rendered through html/template's contextual escaping.
package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hotdash/hotdash/internal/approval"
	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/clock"
	"github.com/hotdash/hotdash/internal/config"
	"github.com/hotdash/hotdash/internal/conversation"
	"github.com/hotdash/hotdash/internal/decisionlog"
	"github.com/hotdash/hotdash/internal/events"
	"github.com/hotdash/hotdash/internal/health"
	"github.com/hotdash/hotdash/internal/helpcenter"
	"github.com/hotdash/hotdash/internal/httpx"
	"github.com/hotdash/hotdash/internal/incident"
	"github.com/hotdash/hotdash/internal/notify"
	"github.com/hotdash/hotdash/internal/notify/center"
	"github.com/hotdash/hotdash/internal/report"
	"github.com/hotdash/hotdash/internal/sla"
)

//go:embed templates static
var assets embed.FS

// Deps are what the pages need.
type Deps struct {
	Settings  config.Settings
	Clock     clock.Clock
	Logger    *slog.Logger
	Auth      *auth.Service
	Decisions *decisionlog.Log
	Events    *events.Broker
	// TopicDecisions is the live-update topic the Decision Log publishes.
	TopicDecisions string

	// Conversations reads the CX queue; Actions changes conversations in
	// Chatwoot.
	Conversations *conversation.Queue
	Actions       *conversation.Actions
	// ChatwootBaseURL links conversations into Chatwoot ("" hides the
	// link); ChatwootAccountID is the account "#42" in the header search
	// looks in.
	ChatwootBaseURL   string
	ChatwootAccountID int64
	// TopicConversations and TopicSLA are the live-update topics of the
	// projection (a conversation changed) and the deadline loop (an SLA
	// band changed).
	TopicConversations string
	TopicSLA           string
	// Bands are the SLA band thresholds, for the SLA tile's explanation.
	Bands sla.Bands

	// Approvals is the queue of AI drafts; TopicApprovals its live-update
	// topic.
	Approvals      *approval.Service
	TopicApprovals string

	// Incidents runs incidents and the ladder; TopicIncidents is their
	// live-update topic.
	Incidents      *incident.Service
	TopicIncidents string

	// Notifications is each person's notification center (the header's
	// bell and /notifications); nil leaves both out.
	Notifications *center.Center
	// Outbox is the outgoing notifications, shown on incident pages.
	Outbox *notify.Outbox

	// Health is Chatwoot's health history; Freshness watches its webhooks
	// (nil: not configured); HealthEvery is how often the server checks
	// (0: it does not); TopicHealth is their live-update topic.
	Health      *health.Monitor
	Freshness   *health.FreshnessWatch
	HealthEvery time.Duration
	TopicHealth string
	// Reports keeps handoffs and computes the daily and weekly reports
	// (nil leaves their pages out); TopicHandoffs is the handoffs'
	// live-update topic.
	Reports       *report.Service
	TopicHandoffs string
	// Help is the Help Center (/help); nil leaves it out.
	Help *helpcenter.Service
}

// Handler serves the pages.
type Handler struct {
	Deps
	static fs.FS
	hashes map[string]string
	// pages holds one template set per page (the layout, the shared
	// partials and that page's blocks); partials renders fragments alone
	// (the live dashboard tile).
	pages    map[string]*template.Template
	partials *template.Template

	mu       sync.Mutex
	closing  chan struct{}
	isClosed bool

	// cx keeps the CX tiles' figures for every dashboard.
	cx *cxCache
}

// New parses the templates and fingerprints the static files.
func New(d Deps) (*Handler, error) {
	static, err := fs.Sub(assets, "static")
	if err != nil {
		return nil, fmt.Errorf("open static files: %w", err)
	}
	h := &Handler{Deps: d, static: static, hashes: map[string]string{}, closing: make(chan struct{})}
	h.cx = &cxCache{read: h.readCXTiles, wake: func() { d.Events.PublishLocal(cxRefreshedTopic) }, logger: d.Logger, done: h.closing}
	if err := h.fingerprint(); err != nil {
		return nil, err
	}
	if err := h.parseTemplates(); err != nil {
		return nil, err
	}
	return h, nil
}

// fingerprint hashes each static file so its URL changes when it does, and
// browsers may cache it forever.
func (h *Handler) fingerprint() error {
	return fs.WalkDir(h.static, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(h.static, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		h.hashes[p] = hex.EncodeToString(sum[:6])
		return nil
	})
}

// asset returns the fingerprinted URL of a static file.
func (h *Handler) asset(name string) string {
	return "/static/" + name + "?v=" + h.hashes[name]
}

// parseTemplates builds one template set per file under templates/pages,
// each holding the shared templates (layout, partials, tiles) and that page's
// "title" and "content" blocks, so pages cannot overwrite each other's blocks.
func (h *Handler) parseTemplates() error {
	base, err := template.New("").Funcs(h.funcs()).ParseFS(assets, "templates/*.html")
	if err != nil {
		return fmt.Errorf("parse templates: %w", err)
	}
	names, err := fs.Glob(assets, "templates/pages/*.html")
	if err != nil {
		return fmt.Errorf("list page templates: %w", err)
	}
	h.pages = make(map[string]*template.Template, len(names))
	for _, file := range names {
		t, err := base.Clone()
		if err != nil {
			return fmt.Errorf("clone templates: %w", err)
		}
		if t, err = t.ParseFS(assets, file); err != nil {
			return fmt.Errorf("parse %s: %w", file, err)
		}
		h.pages[strings.TrimSuffix(path.Base(file), ".html")] = t
	}
	h.partials = base
	return nil
}

func (h *Handler) funcs() template.FuncMap {
	return template.FuncMap{
		"asset":       h.asset,
		"dict":        dict,
		"rfc3339":     rfc3339,
		"utc":         utcText,
		"prettyJSON":  prettyJSON,
		"linkable":    linkable,
		"decisionURL": decisionURL,

		"conversationURL": conversationURL,
		"clockName":       clockName,
		"clockState":      clockState,
		"duration":        durationText,
		"dueText":         func(t time.Time) string { return dueText(t, h.Clock.Now()) },
		"senderLabel":     senderLabel,
		"statusLabel":     statusLabel,
		"hasLabel":        slices.Contains[[]string],
		"actionName":      actionLabel,
		"list":            func(items ...string) []string { return items },

		"draftURL":    draftURL,
		"riskLabel":   riskLabel,
		"stateLabel":  func(s string) string { return stateLabels()[s] },
		"kindLabel":   kindLabel,
		"labelChange": labelChangeText,
		"percent":     percentText,
		"gradeScale":  gradeScale,

		"notificationBell": h.notificationBell,

		"helpURL":    helpTopicURL,
		"errorTopic": errorTopic,
	}
}

// Register adds the pages, the static files and the error renderer to r.
func (h *Handler) Register(r *httpx.Router) {
	r.SetPageErrorRenderer(h.renderError)
	r.Page("GET /static/{path...}", auth.Public, h.serveStatic)
	r.Page("GET /login", auth.Public, h.loginForm)
	r.Page("POST /login", auth.Public, h.login)
	r.Page("POST /logout", auth.Public, h.logout)
	r.Page("GET /setup", auth.Public, h.setupForm)
	r.Page("POST /setup", auth.Public, h.setup)
	r.Page("GET /{$}", auth.ReadDecisions, h.dashboard)
	r.Page("GET /events/dashboard", auth.ReadDecisions, h.dashboardEvents)
	r.Page("GET /queue", auth.ReadConversations, h.queue)
	r.Page("GET /events/queue", auth.ReadConversations, h.queueEvents)
	r.Page("GET /conversations/{id}", auth.ReadConversations, h.conversation)
	r.Page("POST /conversations/{id}/actions", auth.ActOnConversations, h.act)
	h.registerApprovals(r)
	h.registerGrading(r)
	h.registerIncidents(r)
	h.registerNotifications(r)
	h.registerHealth(r)
	h.registerReports(r)
	h.registerHelp(r)
	r.Page("GET /search", auth.ReadDecisions, h.search)
	r.Page("GET /decisions", auth.ReadDecisions, h.decisions)
	r.Page("GET /decisions/{id}", auth.ReadDecisions, h.decision)
	r.Page("GET /decisions/new", auth.WriteDecisions, h.newDecisionForm)
	r.Page("POST /decisions/new", auth.WriteDecisions, h.newDecision)
	r.Page("GET /admin/users", auth.ManageUsers, h.users)
	r.Page("POST /admin/users", auth.ManageUsers, h.createUser)
	r.Page("POST /admin/users/{id}/role", auth.ManageUsers, h.changeRole)
	r.Page("POST /admin/users/{id}/status", auth.ManageUsers, h.changeStatus)
	r.Page("POST /admin/users/{id}/password", auth.ManageUsers, h.resetPassword)
	r.Page("GET /admin/tokens", auth.ManageTokens, h.tokens)
	r.Page("POST /admin/tokens", auth.ManageTokens, h.createToken)
	r.Page("POST /admin/tokens/{id}/revoke", auth.ManageTokens, h.revokeToken)
	r.Page("GET /account", auth.OwnAccount, h.account)
	r.Page("POST /account/password", auth.OwnAccount, h.changePassword)
}

// Shutdown ends live streams so the server's graceful shutdown can finish.
func (h *Handler) Shutdown() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.isClosed {
		close(h.closing)
		h.isClosed = true
	}
}

func (h *Handler) serveStatic(w http.ResponseWriter, r *http.Request) {
	name := path.Clean(r.PathValue("path"))
	if _, ok := h.hashes[name]; !ok || strings.HasPrefix(name, ".") {
		http.NotFound(w, r)
		return
	}
	if r.URL.Query().Get("v") == h.hashes[name] {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	http.ServeFileFS(w, r, h.static, name)
}
