package conversation_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hotdash/hotdash/internal/chatwoot"
	"github.com/hotdash/hotdash/internal/conversation"
	"github.com/hotdash/hotdash/internal/decisionlog"
	"github.com/hotdash/hotdash/internal/store/storetest"
	"github.com/hotdash/hotdash/internal/validation"
)

// fakeChatwoot answers the conversation endpoints actions call, in
// Chatwoot's shapes, and records what it was sent.
type fakeChatwoot struct {
	mu       sync.Mutex
	labels   []string
	requests []string
	failNext bool
	// webhookFirst, when set, runs before Chatwoot answers: the webhook
	// of the change arriving ahead of the API's response.
	webhookFirst func()
}

func (f *fakeChatwoot) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f.webhookFirst != nil && r.Method == http.MethodPost {
		f.webhookFirst()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	body, _ := io.ReadAll(r.Body)
	f.requests = append(f.requests, r.Method+" "+r.URL.Path+" "+strings.TrimSpace(string(body)))
	if r.Header.Get("api_access_token") != "cw-token" {
		http.Error(w, `{"error":"Invalid Access Token"}`, http.StatusUnauthorized)
		return
	}
	if f.failNext {
		f.failNext = false
		http.Error(w, `{"error":"boom"}`, http.StatusUnprocessableEntity)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	switch {
	case strings.HasSuffix(r.URL.Path, "/labels") && r.Method == http.MethodGet:
		_ = json.NewEncoder(w).Encode(map[string]any{"payload": f.labels})
	case strings.HasSuffix(r.URL.Path, "/labels"):
		var in struct{ Labels []string }
		_ = json.Unmarshal(body, &in)
		f.labels = in.Labels
		_ = json.NewEncoder(w).Encode(map[string]any{"payload": f.labels})
	case strings.HasSuffix(r.URL.Path, "/toggle_status"):
		var in struct{ Status string }
		_ = json.Unmarshal(body, &in)
		_ = json.NewEncoder(w).Encode(map[string]any{"meta": map[string]any{}, "payload": map[string]any{"success": true, "current_status": in.Status, "conversation_id": 42}})
	default:
		_, _ = w.Write([]byte(`{}`))
	}
}

func (f *fakeChatwoot) sent() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.requests...)
}

func newActions(t *testing.T, w *world, dryRun bool) (*conversation.Actions, *fakeChatwoot, *decisionlog.Log) {
	t.Helper()
	fake := &fakeChatwoot{labels: []string{"vip"}}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	cw, err := chatwoot.NewClient(chatwoot.Config{BaseURL: srv.URL, Token: "cw-token", AccountID: 1, Retries: 1,
		Sleep: func(context.Context, time.Duration) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	log := decisionlog.New(w.db.DB, w.clock, decisionlog.Options{})
	t.Cleanup(log.Close)
	return conversation.NewActions(w.db.DB, w.queue, cw, log, w.clock, dryRun, slog.New(slog.NewTextHandler(io.Discard, nil))), fake, log
}

func TestActionsAreSentLoggedAndConfirmedByTheWebhook(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		w := newWorld(t, db)
		w.apply(message(1, 42, "incoming", false, t0, "Where is my refund?", "contact"))
		acts, fake, log := newActions(t, w, false)
		ctx := context.Background()
		c := w.get(42)
		act, err := acts.Do(ctx, conversation.ActionRequest{ConversationID: c.ID, Kind: conversation.ActResolve, Actor: "maria@example.com", Note: "Refund confirmed by phone"})
		if err != nil || act.State != conversation.ActionSent || act.DecisionID == 0 {
			t.Fatalf("resolve: %+v %v", act, err)
		}
		if got := fake.sent(); len(got) != 1 || got[0] != `POST /api/v1/accounts/1/conversations/42/toggle_status {"status":"resolved"}` {
			t.Fatalf("sent %q", got)
		}
		d, err := log.Get(ctx, act.DecisionID)
		if err != nil || d.Actor != "maria@example.com" || d.Action != "chatwoot.resolve" || d.Rationale != "Refund confirmed by phone" || d.ConversationRef != "chatwoot:1:42" {
			t.Fatalf("decision %+v %v", d, err)
		}
		w.clock.Set(t0.Add(time.Minute))
		w.apply(statusChange(42, "open", "resolved", t0.Add(time.Minute)))
		list, err := acts.List(ctx, c.ID)
		if err != nil || len(list) != 1 || list[0].State != conversation.ActionConfirmed || list[0].ConfirmedAt.IsZero() {
			t.Fatalf("after the webhook: %+v %v", list, err)
		}

		if _, err := acts.Do(ctx, conversation.ActionRequest{ConversationID: c.ID, Kind: conversation.ActEscalate, Actor: "maria@example.com"}); err != nil {
			t.Fatal(err)
		}
		got := fake.sent()
		if last := got[len(got)-1]; last != `POST /api/v1/accounts/1/conversations/42/labels {"labels":["vip","escalation"]}` {
			t.Fatalf("escalate wrote %q: Chatwoot's own labels must be kept", last)
		}
	})
}

// Chatwoot may deliver a change's webhook before it answers the request
// that made it: the action must still end up confirmed.
func TestAnActionWhoseWebhookArrivesFirstIsConfirmed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		w := newWorld(t, db)
		w.apply(message(1, 42, "incoming", false, t0, "Where is my refund?", "contact"))
		acts, fake, _ := newActions(t, w, false)
		fake.webhookFirst = func() { w.apply(statusChange(42, "open", "resolved", t0.Add(time.Second))) }
		act, err := acts.Do(context.Background(), conversation.ActionRequest{ConversationID: w.get(42).ID, Kind: conversation.ActResolve, Actor: "op@example.com"})
		if err != nil || act.State != conversation.ActionConfirmed || act.ConfirmedAt.IsZero() {
			t.Fatalf("resolve answered %+v %v, want confirmed", act, err)
		}
		list, err := acts.List(context.Background(), act.ConversationID)
		if err != nil || len(list) != 1 || list[0].State != conversation.ActionConfirmed {
			t.Fatalf("stored %+v %v, want confirmed", list, err)
		}
	})
}

func TestDryRunRecordsButSendsNothing(t *testing.T) {
	w := newWorld(t, storetest.OpenSQLite(t))
	w.apply(message(1, 42, "incoming", false, t0, "hi", "contact"))
	acts, fake, log := newActions(t, w, true)
	act, err := acts.Do(context.Background(), conversation.ActionRequest{ConversationID: w.get(42).ID, Kind: conversation.ActSnooze,
		SnoozeUntil: t0.Add(time.Hour), Actor: "op@example.com"})
	if err != nil || act.State != conversation.ActionDryRun {
		t.Fatalf("%+v %v", act, err)
	}
	if len(fake.sent()) != 0 {
		t.Fatalf("a dry run reached Chatwoot: %v", fake.sent())
	}
	if d, err := log.Get(context.Background(), act.DecisionID); err != nil || !strings.Contains(string(d.Payload), `"dry_run"`) {
		t.Fatalf("decision %+v %v", d, err)
	}
}

func TestAFailedActionIsRecordedAsFailed(t *testing.T) {
	w := newWorld(t, storetest.OpenSQLite(t))
	w.apply(message(1, 42, "incoming", false, t0, "hi", "contact"))
	acts, fake, log := newActions(t, w, false)
	fake.failNext = true
	act, err := acts.Do(context.Background(), conversation.ActionRequest{ConversationID: w.get(42).ID, Kind: conversation.ActPriority,
		Priority: "urgent", Actor: "op@example.com"})
	if err == nil || act.State != conversation.ActionFailed || strings.Contains(err.Error(), "cw-token") {
		t.Fatalf("%+v %v", act, err)
	}
	if d, _ := log.Get(context.Background(), act.DecisionID); d.Status != "blocked" {
		t.Fatalf("the decision of a failed action has status %q", d.Status)
	}
}

func TestInvalidActionsAreRefusedBeforeAnythingHappens(t *testing.T) {
	w := newWorld(t, storetest.OpenSQLite(t))
	w.apply(message(1, 42, "incoming", false, t0, "hi", "contact"))
	acts, fake, _ := newActions(t, w, false)
	id := w.get(42).ID
	cases := []struct {
		req   conversation.ActionRequest
		field string
	}{
		{conversation.ActionRequest{ConversationID: id, Kind: "delete"}, "kind"},
		{conversation.ActionRequest{ConversationID: id, Kind: conversation.ActSnooze, SnoozeUntil: t0.Add(-time.Minute)}, "snooze_until"},
		{conversation.ActionRequest{ConversationID: id, Kind: conversation.ActAddLabel, Label: "two words"}, "label"},
		{conversation.ActionRequest{ConversationID: id, Kind: conversation.ActPriority, Priority: "asap"}, "priority"},
		{conversation.ActionRequest{ConversationID: id, Kind: conversation.ActAssign}, "assignee_id"},
	}
	for _, c := range cases {
		_, err := acts.Do(context.Background(), c.req)
		var verrs validation.Errors
		if !errors.As(err, &verrs) || verrs[c.field] == "" {
			t.Errorf("%+v: %v, want a message on %s", c.req, err, c.field)
		}
	}
	if len(fake.sent()) != 0 {
		t.Fatalf("invalid actions reached Chatwoot: %v", fake.sent())
	}
}
