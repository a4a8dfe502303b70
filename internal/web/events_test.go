package web_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/decisionlog"
)

// sseEvent is one server-sent event.
type sseEvent struct {
	name string
	data string
}

// openStream opens the dashboard's event stream as b's signed-in user and
// delivers its events on a channel until the stream ends.
func (b *browser) openStream(ctx context.Context) (<-chan sseEvent, *http.Response) {
	b.t.Helper()
	return b.openStreamAt(ctx, "/events/dashboard")
}

// openStreamAt opens the event stream at path as b's signed-in user.
func (b *browser) openStreamAt(ctx context.Context, path string) (<-chan sseEvent, *http.Response) {
	b.t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.base+path, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	streaming := &http.Client{Jar: b.c.Jar} // no overall timeout: ctx bounds it
	resp, err := streaming.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		b.t.Fatalf("stream answered %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	events := make(chan sseEvent, 64)
	go func() {
		defer close(events)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
		var ev sseEvent
		var data []string
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev.name != "" {
					ev.data = strings.Join(data, "\n")
					events <- ev
				}
				ev, data = sseEvent{}, nil
			case strings.HasPrefix(line, "event: "):
				ev.name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				data = append(data, strings.TrimPrefix(line, "data: "))
			}
		}
	}()
	return events, resp
}

// next waits for the next event, failing the test at the deadline.
func next(t *testing.T, ctx context.Context, events <-chan sseEvent) sseEvent {
	t.Helper()
	select {
	case ev, ok := <-events:
		if !ok {
			t.Fatal("the stream ended")
		}
		return ev
	case <-ctx.Done():
		t.Fatal("no event before the deadline")
	}
	return sseEvent{}
}

// nextNamed waits for the next event called name, skipping others (the CX
// tiles the stream also sends).
func nextNamed(t *testing.T, ctx context.Context, events <-chan sseEvent, name string) sseEvent {
	t.Helper()
	for {
		if ev := next(t, ctx, events); ev.name == name {
			return ev
		}
	}
}

func TestDashboardStreamsTheTileAfterAppends(t *testing.T) {
	// Registered before start, so it runs after Stop: Stop must end the
	// stream itself, or its graceful shutdown times out.
	var held *http.Response
	t.Cleanup(func() {
		if held != nil {
			held.Body.Close()
		}
	})
	s := start(t)
	s.user(t, "op@example.com", auth.Operator)
	b := s.browser(t)
	b.signIn("op@example.com")
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()

	events, resp := b.openStream(ctx)
	defer resp.Body.Close()
	first := nextNamed(t, ctx, events, "decision-tile")
	if first.name != "decision-tile" || !strings.Contains(first.data, "No decisions logged yet") {
		t.Fatalf("first event %+v, want the tile as it is", first)
	}

	appendDecision(t, s, decisionlog.Draft{Scope: "ops", Actor: "maria", Action: "Escalate <fast>", Rationale: "r", Severity: "S1", NextAction: "Call back"})
	ev := nextNamed(t, ctx, events, "decision-tile")
	if ev.name != "decision-tile" || !strings.Contains(ev.data, `data-head="1"`) || !strings.Contains(ev.data, "Escalate &lt;fast&gt;") {
		t.Fatalf("after an append got %+v", ev)
	}
	if strings.Contains(ev.data, "<fast>") {
		t.Fatal("the streamed tile is not escaped")
	}

	for i := range 10 {
		appendDecision(t, s, decisionlog.Draft{Scope: "ops", Actor: "li", Action: fmt.Sprintf("Burst %d", i), Rationale: "r"})
	}
	renders := 0
	for {
		ev := nextNamed(t, ctx, events, "decision-tile")
		renders++
		if strings.Contains(ev.data, `data-head="11"`) {
			break
		}
	}
	if renders > 5 {
		t.Fatalf("ten quick appends caused %d renders; they should be coalesced", renders)
	}

	// A stream still open at shutdown: Stop (in the cleanup) must end it.
	_, held = b.openStream(context.Background())
}

func TestStreamNeedsSignIn(t *testing.T) {
	s := start(t)
	p := s.browser(t).get("/events/dashboard")
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/login") {
		t.Fatalf("signed-out stream answered %d → %q", p.status, p.location)
	}
}
