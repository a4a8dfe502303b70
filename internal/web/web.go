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
	"strings"
	"sync"

	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/clock"
	"github.com/hotdash/hotdash/internal/config"
	"github.com/hotdash/hotdash/internal/decisionlog"
	"github.com/hotdash/hotdash/internal/events"
	"github.com/hotdash/hotdash/internal/httpx"
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
}

// Handler serves the pages.
type Handler struct {
	Deps
	static    fs.FS
	hashes    map[string]string
	templates *template.Template

	mu       sync.Mutex
	closing  chan struct{}
	isClosed bool
}

// New parses the templates and fingerprints the static files.
func New(d Deps) (*Handler, error) {
	static, err := fs.Sub(assets, "static")
	if err != nil {
		return nil, fmt.Errorf("open static files: %w", err)
	}
	h := &Handler{Deps: d, static: static, hashes: map[string]string{}, closing: make(chan struct{})}
	if err := h.fingerprint(); err != nil {
		return nil, err
	}
	if h.templates, err = h.parseTemplates(); err != nil {
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

func (h *Handler) parseTemplates() (*template.Template, error) {
	t := template.New("").Funcs(h.funcs())
	t, err := t.ParseFS(assets, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("parse templates: %w", err)
	}
	return t, nil
}

func (h *Handler) funcs() template.FuncMap {
	return template.FuncMap{"asset": h.asset}
}

// Register adds the pages, the static files and the error renderer to r.
func (h *Handler) Register(r *httpx.Router) {
	r.SetPageErrorRenderer(h.renderError)
	r.Page("GET /static/{path...}", auth.Public, h.serveStatic)
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

// errorPage is what the error template shows.
type errorPage struct {
	Status    int
	Title     string
	Message   string
	RequestID string
}

func (h *Handler) renderError(w http.ResponseWriter, r *http.Request, e *httpx.Error) {
	page := errorPage{Status: e.Status, Title: http.StatusText(e.Status), Message: e.Message, RequestID: httpx.RequestID(r.Context())}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(e.Status)
	if err := h.templates.ExecuteTemplate(w, "error.html", page); err != nil {
		h.Logger.Error("render error page", "error", err)
	}
}
