package web

import (
	"bytes"
	"context"
	"fmt"
	"github.com/hotdash/hotdash/internal/notify/center"
	"io"
	"net/http"
	"time"

	"github.com/hotdash/hotdash/internal/httpx"
)

// Live stream timing.
const (
	// keepaliveEvery sends a comment so proxies keep an idle stream open.
	keepaliveEvery = 20 * time.Second
	// minRenderGap throttles each stream to one render per interval;
	// wake-ups in between are coalesced into one render at its end.
	minRenderGap = 300 * time.Millisecond
)

// Names of the SSE events the pages swap in.
const (
	tileEvent         = "decision-tile"
	escalationsEvent  = "cx-escalations-tile"
	slaEvent          = "sla-tile"
	queueResultsEvent = "queue-results"
)

// renderFunc renders the events a stream sends for the topics that changed
// (changed is nil on connect: everything), from data read after since (the
// latest wake-up it covers). A part that fails to render is logged and left
// out, so the page keeps what it shows until the next one.
type renderFunc func(ctx context.Context, changed map[string]bool, since time.Time) []byte

// dashboardEvents streams the dashboard's tiles as server-sent events: all
// of them on connect (so a page that missed an update while connecting
// catches up), then each tile after a change to what it shows, at most once
// per minRenderGap. The CX tiles are only for those who may read
// conversations.
func (h *Handler) dashboardEvents(w http.ResponseWriter, r *http.Request) {
	topics := []string{h.TopicDecisions}
	cx := canReadConversations(r.Context())
	if cx {
		topics = append(topics, h.TopicConversations, h.TopicSLA, cxRefreshedTopic)
	}
	drafts := canReadDrafts(r.Context())
	if drafts {
		topics = append(topics, h.TopicApprovals)
	}
	incidents := canReadIncidents(r.Context())
	if incidents {
		topics = append(topics, h.TopicIncidents)
	}
	healthTile := canReadHealth(r.Context())
	if healthTile {
		topics = append(topics, h.TopicHealth)
	}
	handoffs := h.Reports != nil && canReadReports(r.Context())
	if handoffs {
		topics = append(topics, h.TopicHandoffs)
	}
	uid := h.tileUserID(r.Context())
	if uid != 0 {
		topics = append(topics, center.Topic(uid))
	}
	h.serveStream(w, r, topics, func(ctx context.Context, changed map[string]bool, since time.Time) []byte {
		var out []byte
		if healthTile && (changed == nil || changed[h.TopicHealth]) {
			body, err := h.renderHealthTile(ctx)
			if logRenderError(ctx, "health tile", err) {
				out = append(out, sseEvent(healthTileEvent, body)...)
			}
		}
		if handoffs && (changed == nil || changed[h.TopicHandoffs]) {
			body, err := h.renderHandoffTile(ctx)
			if logRenderError(ctx, "handoff tile", err) && body != nil {
				out = append(out, sseEvent(handoffTileEvent, body)...)
			}
		}
		if uid != 0 && (changed == nil || changed[center.Topic(uid)]) {
			body, err := h.renderNotificationsTile(ctx, uid)
			if logRenderError(ctx, "notifications tile", err) {
				out = append(out, sseEvent(notificationsTileEvent, body)...)
			}
		}
		if changed == nil || changed[h.TopicDecisions] {
			body, err := h.renderTile(ctx)
			if logRenderError(ctx, "decision tile", err) {
				out = append(out, sseEvent(tileEvent, body)...)
			}
		}
		if incidents && (changed == nil || changed[h.TopicIncidents]) {
			body, err := h.renderIncidentsTile(ctx)
			if logRenderError(ctx, "incidents tile", err) {
				out = append(out, sseEvent(incidentsTileEvent, body)...)
			}
		}
		if drafts && (changed == nil || changed[h.TopicApprovals]) {
			body, err := h.renderApprovalsTile(ctx)
			if logRenderError(ctx, "approvals tile", err) {
				out = append(out, sseEvent(approvalsEvent, body)...)
			}
		}
		switch {
		case !cx:
		case changed == nil || changed[h.TopicConversations] || changed[h.TopicSLA]:
			// On connect, render what there is (the page may be older).
			out = append(out, h.renderCXEvents(ctx, since, changed == nil || changed[cxRefreshedTopic])...)
		case changed[cxRefreshedTopic]:
			out = append(out, h.renderCXEvents(ctx, time.Time{}, true)...)
		}
		return out
	})
}

// streamFragment streams one template fragment: rendered from load at
// once, then again after each change on topics.
func (h *Handler) streamFragment(w http.ResponseWriter, r *http.Request, topics []string, event, tmpl string, load func(ctx context.Context) (any, error)) {
	h.serveStream(w, r, topics, func(ctx context.Context, _ map[string]bool, _ time.Time) []byte {
		data, err := load(ctx)
		if !logRenderError(ctx, event, err) {
			return nil
		}
		var buf bytes.Buffer
		if err := h.partials.ExecuteTemplate(&buf, tmpl, data); !logRenderError(ctx, event, err) {
			return nil
		}
		return sseEvent(event, buf.Bytes())
	})
}

// serveStream runs one client's live stream until the client leaves or the
// handler shuts down.
func (h *Handler) serveStream(w http.ResponseWriter, r *http.Request, topics []string, render renderFunc) {
	rc := http.NewResponseController(w)
	// The server's read and write timeouts are for ordinary requests; a
	// stream lives until the client leaves or the server shuts down.
	if err := rc.SetWriteDeadline(time.Time{}); err != nil {
		h.fail(w, r, fmt.Errorf("lift write deadline for live updates: %w", err))
		return
	}
	_ = rc.SetReadDeadline(time.Time{})
	sub := h.Events.Subscribe(topics...)
	defer sub.Close()

	w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	s := &stream{h: h, w: w, rc: rc, r: r, render: render, woken: time.Now()}
	if s.comment("connected") != nil || s.send(nil) != nil {
		return
	}
	s.loop(sub.Ready(), sub.Take)
}

// stream is one client's live connection.
type stream struct {
	h      *Handler
	w      io.Writer
	rc     *http.ResponseController
	r      *http.Request
	render renderFunc
	last   time.Time
	// woken is when the latest wake-up not yet rendered arrived.
	woken time.Time
}

// loop waits for wake-ups and keepalive ticks until the client goes away or
// the handler shuts down. Topics that arrive while a throttled render waits
// are gathered, and that one render covers them all.
func (s *stream) loop(ready <-chan struct{}, take func() []string) {
	keepalive := time.NewTicker(keepaliveEvery)
	defer keepalive.Stop()
	changed := map[string]bool{}
	var pending <-chan time.Time // armed while a throttled render waits
	for {
		var err error
		select {
		case <-s.r.Context().Done():
			return
		case <-s.h.closing:
			return
		case <-keepalive.C:
			err = s.comment("keepalive")
		case <-ready:
			s.woken = time.Now()
			for _, t := range take() {
				changed[t] = true
			}
			if pending != nil {
				continue // the armed render will show this too
			}
			if wait := minRenderGap - time.Since(s.last); wait > 0 {
				pending = time.After(wait)
				continue
			}
			err = s.send(changed)
			clear(changed)
		case <-pending:
			pending = nil
			err = s.send(changed)
			clear(changed)
		}
		if err != nil {
			return
		}
	}
}

// send renders the events for changed (everything when nil) and sends them.
func (s *stream) send(changed map[string]bool) error {
	s.last = time.Now()
	b := s.render(s.r.Context(), changed, s.woken)
	if len(b) == 0 {
		return nil
	}
	return s.write(b)
}

// logRenderError logs a failed live render (unless the client left) and
// reports whether the render succeeded.
func logRenderError(ctx context.Context, what string, err error) bool {
	if err == nil {
		return true
	}
	if ctx.Err() == nil {
		httpx.Logger(ctx).Error("render live "+what, "error", err)
	}
	return false
}

func (s *stream) comment(text string) error {
	return s.write([]byte(": " + text + "\n\n"))
}

func (s *stream) write(b []byte) error {
	if _, err := s.w.Write(b); err != nil {
		return err
	}
	return s.rc.Flush()
}

// sseEvent frames data as one server-sent event: each line of data gets its
// own "data: " prefix, and a blank line ends the event.
func sseEvent(name string, data []byte) []byte {
	var b bytes.Buffer
	b.WriteString("event: " + name + "\n")
	data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	data = bytes.ReplaceAll(data, []byte("\r"), []byte("\n"))
	for line := range bytes.SplitSeq(bytes.TrimRight(data, "\n"), []byte("\n")) {
		b.WriteString("data: ")
		b.Write(line)
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	return b.Bytes()
}
