package web

import (
	"bytes"
	"fmt"
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

// tileEvent is the SSE event name the dashboard's tile body swaps in.
const tileEvent = "decision-tile"

// dashboardEvents streams the Decision Log tile as server-sent events: once
// on connect (so a page that missed an update while connecting catches up),
// then after every append, at most once per minRenderGap.
func (h *Handler) dashboardEvents(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	// The server's read and write timeouts are for ordinary requests; a
	// stream lives until the client leaves or the server shuts down.
	if err := rc.SetWriteDeadline(time.Time{}); err != nil {
		h.fail(w, r, fmt.Errorf("lift write deadline for live updates: %w", err))
		return
	}
	_ = rc.SetReadDeadline(time.Time{})
	sub := h.Events.Subscribe(h.TopicDecisions)
	defer sub.Close()

	w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	s := &stream{h: h, w: w, rc: rc, r: r}
	if s.comment("connected") != nil || s.sendTile() != nil {
		return
	}
	s.loop(sub.Ready(), sub.Take)
}

// stream is one client's live connection.
type stream struct {
	h    *Handler
	w    io.Writer
	rc   *http.ResponseController
	r    *http.Request
	last time.Time
}

// loop waits for wake-ups and keepalive ticks until the client goes away or
// the handler shuts down.
func (s *stream) loop(ready <-chan struct{}, take func() []string) {
	keepalive := time.NewTicker(keepaliveEvery)
	defer keepalive.Stop()
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
			take()
			if pending != nil {
				continue // the armed render will show this too
			}
			if wait := minRenderGap - time.Since(s.last); wait > 0 {
				pending = time.After(wait)
				continue
			}
			err = s.sendTile()
		case <-pending:
			pending = nil
			err = s.sendTile()
		}
		if err != nil {
			return
		}
	}
}

// sendTile renders the tile body and sends it as one event. A failed render
// is logged and skipped: the page keeps what it shows until the next one.
func (s *stream) sendTile() error {
	s.last = time.Now()
	body, err := s.h.renderTile(s.r.Context())
	if err != nil {
		if s.r.Context().Err() == nil {
			httpx.Logger(s.r.Context()).Error("render live decision tile", "error", err)
		}
		return nil
	}
	return s.write(sseEvent(tileEvent, body))
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
