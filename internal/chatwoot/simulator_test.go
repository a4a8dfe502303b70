package chatwoot_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hotdash/hotdash/internal/chatwoot"
	"github.com/hotdash/hotdash/internal/clock"
	"github.com/hotdash/hotdash/internal/simulator"
)

// The client against the simulator, which answers in Chatwoot's shapes
// (checked against Chatwoot's OpenAPI document in package simulator).

const simToken = "sim-token-8d1f0c2b7a9e4e11"

func newSimClient(t *testing.T, mod func(*chatwoot.Config)) (*chatwoot.Client, *simulator.Simulator, *clock.Manual) {
	t.Helper()
	clk := clock.NewManual(time.Date(2026, 9, 22, 9, 0, 0, 0, time.UTC))
	sim, err := simulator.New(simulator.Options{Clock: clk, Token: simToken, AccountID: 7})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	c, _ := newTestClient(t, srv.URL, func(cfg *chatwoot.Config) {
		cfg.Token = simToken
		cfg.Clock = clk
		if mod != nil {
			mod(cfg)
		}
	})
	return c, sim, clk
}

func mustID(t *testing.T) func(int64, error) int64 {
	return func(v int64, err error) int64 {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func TestClientAgainstSimulator(t *testing.T) {
	ctx := context.Background()
	c, sim, clk := newSimClient(t, nil)
	id := mustID(t)

	h, err := c.Health(ctx)
	if err != nil || !h.OK() || h.Version != "4.11.2" {
		t.Errorf("Health = %+v, %v", h, err)
	}
	sim.SetQueueFailing(true)
	if h, err := c.Health(ctx); err != nil || h.OK() || h.QueueServices != "failing" {
		t.Errorf("Health with a failing queue = %+v, %v", h, err)
	}
	p, err := c.Profile(ctx)
	if err != nil || p.ID != sim.ProfileID() || !p.HasAccount(7) {
		t.Errorf("Profile = %+v, %v", p, err)
	}

	// 30 conversations, every 10 s; the first 3 resolved, 5 assigned to the
	// token's user.
	var ids []int64
	for i := range 30 {
		ids = append(ids, id(sim.NewConversation(int64(1+i%5), 0, "Hello there")))
		clk.Advance(10 * time.Second)
	}
	for _, cid := range ids[:3] {
		if err := sim.SetStatus(cid, "resolved", time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	for _, cid := range ids[10:15] {
		if err := sim.AssignAgent(cid, sim.ProfileID()); err != nil {
			t.Fatal(err)
		}
	}
	page1, err := c.ListConversations(ctx, chatwoot.ListOptions{})
	if err != nil || len(page1.Conversations) != 25 || page1.Counts != (chatwoot.Counts{Mine: 5, Unassigned: 25, Assigned: 5, All: 30}) {
		t.Fatalf("page 1: %d conversations, %+v, %v", len(page1.Conversations), page1.Counts, err)
	}
	page2, err := c.ListConversations(ctx, chatwoot.ListOptions{Page: 2})
	if err != nil || len(page2.Conversations) != 5 {
		t.Fatalf("page 2: %+v, %v", page2, err)
	}
	seen := map[int64]bool{}
	for _, cv := range append(page1.Conversations, page2.Conversations...) {
		seen[cv.DisplayID] = true
		if cv.AccountID != 7 || cv.Contact == nil || cv.Channel == "" || cv.CreatedAt.IsZero() {
			t.Errorf("listed %+v", cv)
		}
	}
	if len(seen) != 30 {
		t.Errorf("pages cover %d conversations", len(seen))
	}
	open, _ := c.ListConversations(ctx, chatwoot.ListOptions{Status: "open"})
	resolved, _ := c.ListConversations(ctx, chatwoot.ListOptions{Status: "resolved"})
	mine, _ := c.ListConversations(ctx, chatwoot.ListOptions{AssigneeType: "me"})
	email, _ := c.ListConversations(ctx, chatwoot.ListOptions{InboxID: 2})
	if open.Counts.All != 27 || len(resolved.Conversations) != 3 || len(mine.Conversations) != 5 || email.Counts.All != 6 {
		t.Errorf("filters: open %d, resolved %d, mine %d, email %d", open.Counts.All, len(resolved.Conversations), len(mine.Conversations), email.Counts.All)
	}
	for _, cv := range email.Conversations {
		if cv.Channel != "Channel::Email" {
			t.Errorf("inbox filter let through %s", cv.Channel)
		}
	}
	// updated_within: only what changed in the window, unpaginated.
	clk.Advance(time.Hour)
	for _, cid := range ids[20:] {
		_ = sim.SetPriority(cid, "high")
	}
	recent, err := c.ListConversations(ctx, chatwoot.ListOptions{UpdatedWithin: time.Minute})
	if err != nil || len(recent.Conversations) != 10 {
		t.Errorf("updated within a minute: %d, %v", len(recent.Conversations), err)
	}
	n := 0
	if err := c.EachConversation(ctx, chatwoot.ListOptions{}, func(chatwoot.Conversation) error { n++; return nil }); err != nil || n != 30 {
		t.Errorf("EachConversation: %d, %v", n, err)
	}

	// One conversation through every action.
	cid := ids[5]
	for i := range 24 {
		if _, err := sim.CustomerMessage(cid, "message "+string(rune('a'+i))); err != nil {
			t.Fatal(err)
		}
	}
	msgs, err := c.Messages(ctx, cid, 0)
	if err != nil || len(msgs) != 20 || msgs[19].Content != "message x" {
		t.Fatalf("latest messages: %d, %v", len(msgs), err)
	}
	older, err := c.Messages(ctx, cid, msgs[0].ID)
	if err != nil || len(older) != 5 || older[0].Content != "Hello there" || older[4].ID >= msgs[0].ID {
		t.Errorf("older messages: %+v, %v", older, err)
	}
	after, err := c.MessagesAfter(ctx, cid, older[0].ID)
	if err != nil || len(after) != 24 {
		t.Errorf("MessagesAfter: %d, %v", len(after), err)
	}

	m, err := c.CreateMessage(ctx, cid, chatwoot.NewMessage{Content: "We're on it", ContentAttributes: map[string]any{"hotdash_draft_id": "d-1"}})
	if err != nil || m.Type != chatwoot.MessageOutgoing || m.Private || m.Sender.ID != sim.ProfileID() || !strings.Contains(string(m.ContentAttributes), "d-1") {
		t.Errorf("CreateMessage = %+v, %v", m, err)
	}
	note, err := c.CreateMessage(ctx, cid, chatwoot.NewMessage{Content: "internal", Private: true})
	if err != nil || !note.Private {
		t.Errorf("note = %+v, %v", note, err)
	}
	conv, err := c.Conversation(ctx, cid)
	if err != nil || conv.FirstReplyCreatedAt.IsZero() || !conv.WaitingSince.IsZero() || conv.Messages[0].ID != m.ID {
		t.Errorf("after the reply: %+v, %v", conv, err)
	}

	until := clk.Now().Add(2 * time.Hour)
	if st, err := c.ToggleStatus(ctx, cid, "snoozed", until); err != nil || st != "snoozed" {
		t.Errorf("ToggleStatus = %q, %v", st, err)
	}
	if conv, _ := c.Conversation(ctx, cid); !conv.SnoozedUntil.Equal(until.Truncate(time.Second)) {
		t.Errorf("snoozed until %v", conv.SnoozedUntil)
	}
	if err := c.TogglePriority(ctx, cid, "urgent"); err != nil {
		t.Error(err)
	}
	if err := c.Assign(ctx, cid, chatwoot.Assignment{AssigneeID: 3, TeamID: 2}); err != nil {
		t.Error(err)
	}
	conv, _ = c.Conversation(ctx, cid)
	if conv.Priority != "urgent" || conv.Assignee == nil || conv.Assignee.ID != 3 || conv.Team == nil || conv.Team.ID != 2 || conv.Status != "snoozed" {
		t.Errorf("after actions: %+v", conv)
	}
	if err := c.Assign(ctx, cid, chatwoot.Assignment{Unassign: true}); err != nil {
		t.Error(err)
	}
	if conv, _ := c.Conversation(ctx, cid); conv.Assignee != nil {
		t.Errorf("still assigned: %+v", conv.Assignee)
	}

	// Labels: someone else adds one between HotDash's writes; merging
	// keeps it, SetLabels would not.
	if _, err := c.SetLabels(ctx, cid, []string{"billing"}); err != nil {
		t.Fatal(err)
	}
	if err := sim.AddLabels(cid, "vip"); err != nil {
		t.Fatal(err)
	}
	got, err := c.AddLabels(ctx, cid, "escalation")
	if err != nil || !reflect.DeepEqual(got, []string{"billing", "vip", "escalation"}) {
		t.Errorf("AddLabels = %v, %v", got, err)
	}
	got, err = c.RemoveLabels(ctx, cid, "billing")
	if err != nil || !reflect.DeepEqual(got, []string{"vip", "escalation"}) {
		t.Errorf("RemoveLabels = %v, %v", got, err)
	}
	if l, err := c.Labels(ctx, cid); err != nil || !reflect.DeepEqual(l, got) {
		t.Errorf("Labels = %v, %v", l, err)
	}

	inboxes, err := c.Inboxes(ctx)
	if err != nil || len(inboxes) != 5 || inboxes[0].Timezone != "Europe/Lisbon" || len(inboxes[0].WorkingHours) != 7 ||
		inboxes[0].WorkingHours[1] != (chatwoot.WorkingHours{DayOfWeek: 1, OpenHour: 9, CloseHour: 18}) {
		t.Errorf("Inboxes = %+v, %v", inboxes, err)
	}
	agents, err := c.Agents(ctx)
	if err != nil || !reflect.DeepEqual(agents, sim.Agents()) {
		t.Errorf("Agents = %+v, %v", agents, err)
	}
	teams, err := c.Teams(ctx)
	if err != nil || !reflect.DeepEqual(teams, sim.Teams()) {
		t.Errorf("Teams = %+v, %v", teams, err)
	}

	if _, err := c.Conversation(ctx, 9999); !chatwoot.IsNotFound(err) {
		t.Errorf("unknown conversation: %v", err)
	}
}

func TestClientSimulatorFaults(t *testing.T) {
	ctx := context.Background()
	t.Run("500s then success", func(t *testing.T) {
		c, sim, _ := newSimClient(t, nil)
		sim.FailNext(3, 500)
		if _, err := c.Agents(ctx); err != nil || sim.Requests() != 4 {
			t.Errorf("%v after %d requests", err, sim.Requests())
		}
	})
	t.Run("500s beyond the retries", func(t *testing.T) {
		c, sim, _ := newSimClient(t, nil)
		sim.FailNext(4, 500)
		if _, err := c.Agents(ctx); chatwootStatus(err) != 500 || sim.Requests() != 4 {
			t.Errorf("%v after %d requests", err, sim.Requests())
		}
		if _, err := c.Agents(ctx); err != nil {
			t.Errorf("after the fault: %v", err)
		}
	})
	t.Run("429", func(t *testing.T) {
		var waits []time.Duration
		c, sim, _ := newSimClient(t, func(cfg *chatwoot.Config) {
			cfg.Sleep = func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }
		})
		conv := mustID(t)(sim.NewConversation(1, 0, "hi"))
		sim.FailNext(1, 429)
		if _, err := c.CreateMessage(ctx, conv, chatwoot.NewMessage{Content: "hello"}); err != nil || !reflect.DeepEqual(waits, []time.Duration{time.Second}) {
			t.Errorf("%v, waits %v", err, waits)
		}
	})
	t.Run("a failed message is not sent twice", func(t *testing.T) {
		c, sim, _ := newSimClient(t, nil)
		conv := mustID(t)(sim.NewConversation(1, 0, "hi"))
		sim.FailNext(1, 503)
		if _, err := c.CreateMessage(ctx, conv, chatwoot.NewMessage{Content: "hello"}); chatwootStatus(err) != 503 || sim.Requests() != 1 {
			t.Errorf("%v after %d requests", err, sim.Requests())
		}
	})
	t.Run("down", func(t *testing.T) {
		c, sim, _ := newSimClient(t, nil)
		sim.SetDown(true)
		_, err := c.Profile(ctx)
		var ae *chatwoot.APIError
		if err == nil || errors.As(err, &ae) || sim.Requests() != 4 || strings.Contains(err.Error(), simToken) {
			t.Errorf("%v after %d requests", err, sim.Requests())
		}
		sim.SetDown(false)
		if _, err := c.Profile(ctx); err != nil {
			t.Error(err)
		}
	})
	t.Run("latency beyond the timeout", func(t *testing.T) {
		c, sim, _ := newSimClient(t, func(cfg *chatwoot.Config) {
			cfg.HTTP = &http.Client{Timeout: 20 * time.Millisecond}
			cfg.Retries = -1
		})
		sim.SetLatency(200 * time.Millisecond)
		if _, err := c.Teams(ctx); err == nil {
			t.Error("no timeout")
		}
	})
	t.Run("bad token and wrong account", func(t *testing.T) {
		_, sim, _ := newSimClient(t, nil)
		srv := httptest.NewServer(sim.Handler())
		defer srv.Close()
		bad, _ := newTestClient(t, srv.URL, func(cfg *chatwoot.Config) { cfg.Token = "wrong-token-123456" })
		if _, err := bad.Profile(ctx); !chatwoot.IsUnauthorized(err) || !strings.Contains(err.Error(), "Invalid Access Token") {
			t.Errorf("bad token: %v", err)
		}
		other, _ := newTestClient(t, srv.URL, func(cfg *chatwoot.Config) { cfg.Token = simToken; cfg.AccountID = 8 })
		if _, err := other.Inboxes(ctx); !chatwoot.IsUnauthorized(err) {
			t.Errorf("wrong account: %v", err)
		}
		req, _ := http.NewRequest("GET", srv.URL+"/api/v1/profile", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 401 {
			t.Errorf("no token: %v %v", resp, err)
		}
		_ = resp.Body.Close()
	})
}
