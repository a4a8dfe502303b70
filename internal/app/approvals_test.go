package app_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hotdash/hotdash/client"
	"github.com/hotdash/hotdash/internal/apptest"
	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/chatwoot"
	"github.com/hotdash/hotdash/internal/config"
	"github.com/hotdash/hotdash/internal/notify/center"
	"github.com/hotdash/hotdash/internal/simulator"
)

// floor is HotDash wired to a simulated Chatwoot holding one open
// conversation, with an AI agent's token and a lead's.
type floor struct {
	*apptest.App
	sim     *simulator.Simulator
	display int64
	agent   *client.Client
	lead    *client.Client
	// intercept, when set, sees each request to Chatwoot first; true
	// means it answered.
	intercept atomic.Pointer[func(w http.ResponseWriter, r *http.Request) bool]
}

type floorOptions struct {
	engine   string
	dryRun   bool
	attempts int
	// noWebhooks leaves Chatwoot's webhooks off: HotDash learns only
	// from its start-up reconciliation and its own calls.
	noWebhooks bool
}

func startFloor(t *testing.T, o floorOptions) *floor {
	t.Helper()
	sim, err := simulator.New(simulator.Options{Token: "sim-token", AccountID: 1, Contacts: 3, Seed: 11,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	f := &floor{sim: sim}
	simHandler := sim.Handler()
	cw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h := f.intercept.Load(); h != nil && (*h)(w, r) {
			return
		}
		simHandler.ServeHTTP(w, r)
	}))
	t.Cleanup(cw.Close)
	display, err := sim.NewConversation(sim.Inboxes()[0].ID, 0, "Where is my parcel? It was due on Monday.")
	if err != nil {
		t.Fatal(err)
	}
	f.display = display
	attempts := o.attempts
	if attempts == 0 {
		attempts = 5
	}
	f.App = apptest.Start(t, apptest.Options{Engine: o.engine, Settings: func(s *config.Settings) {
		s.Chatwoot = config.Chatwoot{BaseURL: cw.URL, APIToken: "sim-token", AccountID: 1, WebhookSecret: "sim-secret",
			ReconcileEvery: time.Hour, DryRun: &o.dryRun, SendAttempts: attempts}
	}})
	if !o.noWebhooks {
		sim.AddWebhook(simulator.Webhook{URL: f.URL() + "/webhooks/chatwoot", Secret: "sim-secret"})
	}
	f.agent, f.lead = f.Client(auth.Agent), f.Client(auth.Lead)
	f.waitFor(t, "the conversation to arrive", func() bool {
		_, err := f.Approvals.Conversations.ByDisplayID(context.Background(), 1, display)
		return err == nil
	})
	return f
}

func (f *floor) waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// waitState waits until the draft reaches state and returns it.
func (f *floor) waitState(t *testing.T, id int64, state string) client.DraftDetail {
	t.Helper()
	var d client.DraftDetail
	f.waitFor(t, "draft to be "+state, func() bool {
		var err error
		d, err = f.lead.Draft(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		return d.State == state
	})
	return d
}

// outgoing lists the public messages agents (or HotDash) sent in the
// simulated conversation.
func (f *floor) outgoing() []chatwoot.Message {
	var out []chatwoot.Message
	for _, m := range f.sim.Messages(f.display) {
		if m.Type == chatwoot.MessageOutgoing && !m.Private {
			out = append(out, m)
		}
	}
	return out
}

// metrics scrapes /metrics.
func (f *floor) metrics(t *testing.T) string {
	t.Helper()
	resp, err := http.Get(f.URL() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func (f *floor) submit(t *testing.T, d client.NewDraft) client.Draft {
	t.Helper()
	if d.ConversationDisplayID == 0 && d.ConversationID == 0 {
		d.ConversationDisplayID = f.display
	}
	if d.Kind == "" {
		d.Kind = "reply"
	}
	if d.Agent == "" {
		d.Agent = "helper-bot"
	}
	out, err := f.agent.SubmitDraft(context.Background(), d, "")
	if err != nil {
		t.Fatalf("submit draft: %v", err)
	}
	return out
}

func apiError(t *testing.T, err error, status int, code string) *client.Error {
	t.Helper()
	var ce *client.Error
	if !errors.As(err, &ce) || ce.Status != status || (code != "" && ce.Code != code) {
		t.Fatalf("want %d %s, got %v", status, code, err)
	}
	return ce
}

var goodGrades = &client.Grades{Tone: 5, Accuracy: 4, Policy: 5}

func TestAnApprovedReplyReachesChatwootExactlyOnce(t *testing.T) {
	for _, engine := range apptest.Engines() {
		t.Run(engine, func(t *testing.T) {
			f := startFloor(t, floorOptions{engine: engine})
			ctx := context.Background()
			key := client.NewIdempotencyKey()
			conf := 0.9
			in := client.NewDraft{ConversationDisplayID: f.display, Kind: "reply", Text: "Hi! Your parcel left our depot today.",
				Agent: "helper-bot", Model: "m-2026-11", Confidence: &conf, Citations: []client.Citation{{Title: "Shipping times", URL: "https://help.example.com/shipping"}}}
			d, err := f.agent.SubmitDraft(ctx, in, key)
			if err != nil {
				t.Fatal(err)
			}
			if d.State != "pending_review" || d.Risk != "medium" || d.Version != 1 || len(d.Citations) != 1 {
				t.Fatalf("submitted draft %+v", d)
			}
			again, err := f.agent.SubmitDraft(ctx, in, key)
			if err != nil || again.ID != d.ID {
				t.Fatalf("replayed submission made draft %d (%v), want %d", again.ID, err, d.ID)
			}
			// The agent may submit and read, never review.
			_, err = f.agent.ReviewDraft(ctx, d.ID, "approve", client.DraftReview{Version: 1, Grades: goodGrades})
			apiError(t, err, http.StatusForbidden, "")

			_, err = f.lead.ReviewDraft(ctx, d.ID, "approve", client.DraftReview{Version: 1, Grades: &client.Grades{Tone: 4}})
			ce := apiError(t, err, http.StatusUnprocessableEntity, "invalid")
			if ce.Fields["grades.accuracy"] == "" || ce.Fields["grades.policy"] == "" || ce.Fields["grades.tone"] != "" {
				t.Fatalf("missing grades named %v", ce.Fields)
			}
			_, err = f.lead.ReviewDraft(ctx, d.ID, "approve", client.DraftReview{Version: 1, Grades: &client.Grades{Tone: 6, Accuracy: 0, Policy: 3}})
			ce = apiError(t, err, http.StatusUnprocessableEntity, "invalid")
			if !strings.Contains(ce.Fields["grades.tone"], "1 to 5") {
				t.Fatalf("out-of-range grade: %v", ce.Fields)
			}

			final := "Hi! Your parcel left our depot today and arrives tomorrow."
			approved, err := f.lead.ReviewDraft(ctx, d.ID, "approve", client.DraftReview{Version: 1, Text: final, Grades: goodGrades})
			if err != nil {
				t.Fatal(err)
			}
			if approved.State != "approved" || approved.FinalText != final || approved.EditDistance == nil || *approved.EditDistance != len(" and arrives tomorrow") {
				t.Fatalf("approved draft %+v", approved)
			}
			// A second reviewer acting on the same revision loses.
			_, err = f.lead.ReviewDraft(ctx, d.ID, "reject", client.DraftReview{Version: 1, Note: "too late"})
			apiError(t, err, http.StatusConflict, "stale")

			sent := f.waitState(t, d.ID, "sent")
			if sent.DryRun || sent.ChatwootMessageID == 0 || sent.SentAt == nil {
				t.Fatalf("sent draft %+v", sent.Draft)
			}
			f.waitFor(t, "Chatwoot's webhook to confirm the message", func() bool {
				got, err := f.lead.Draft(ctx, d.ID)
				return err == nil && got.ConfirmedAt != nil
			})
			out := f.outgoing()
			if len(out) != 1 || out[0].Content != final || out[0].ID != sent.ChatwootMessageID {
				t.Fatalf("Chatwoot received %+v, want the one final text", out)
			}
			metrics := f.metrics(t)
			for _, want := range []string{`hotdash_draft_send_attempts_total{outcome="sent"} 1`, `hotdash_drafts_pending{risk="medium"} 0`} {
				if !strings.Contains(metrics, want) {
					t.Errorf("metrics lack %s", want)
				}
			}
			page, err := f.lead.Decisions(ctx, client.DecisionQuery{Action: "draft.approve"})
			if err != nil || len(page.Decisions) != 1 || page.Decisions[0].ApprovalRef != "draft:"+strconv.FormatInt(d.ID, 10) || page.Decisions[0].Actor == "" {
				t.Fatalf("decision log: %+v (%v)", page.Decisions, err)
			}
		})
	}
}

func TestReviewTransitionsAndTheirErrors(t *testing.T) {
	for _, engine := range apptest.Engines() {
		t.Run(engine, func(t *testing.T) {
			f := startFloor(t, floorOptions{engine: engine, dryRun: true})
			ctx := context.Background()

			_, err := f.agent.SubmitDraft(ctx, client.NewDraft{ConversationDisplayID: 999999, Kind: "reply", Text: "Hi", Agent: "bot"}, "")
			ce := apiError(t, err, http.StatusUnprocessableEntity, "invalid")
			if !strings.Contains(ce.Fields["conversation_id"], "does not know") {
				t.Fatalf("unknown conversation: %v", ce.Fields)
			}
			_, err = f.agent.SubmitDraft(ctx, client.NewDraft{ConversationDisplayID: f.display, Kind: "tweet", Agent: ""}, "")
			ce = apiError(t, err, http.StatusUnprocessableEntity, "invalid")
			if ce.Fields["kind"] == "" || ce.Fields["agent"] == "" {
				t.Fatalf("bad draft: %v", ce.Fields)
			}
			key := client.NewIdempotencyKey()
			first, err := f.agent.SubmitDraft(ctx, client.NewDraft{ConversationDisplayID: f.display, Kind: "reply", Text: "One", Agent: "bot"}, key)
			if err != nil {
				t.Fatal(err)
			}
			_, err = f.agent.SubmitDraft(ctx, client.NewDraft{ConversationDisplayID: f.display, Kind: "reply", Text: "Two", Agent: "bot"}, key)
			apiError(t, err, http.StatusUnprocessableEntity, "idempotency_mismatch")

			// Request changes needs a note; the agent revises; the reviewer rejects with a reason.
			_, err = f.lead.ReviewDraft(ctx, first.ID, "request-changes", client.DraftReview{Version: 1})
			ce = apiError(t, err, http.StatusUnprocessableEntity, "invalid")
			if ce.Fields["note"] == "" {
				t.Fatalf("request changes without a note: %v", ce.Fields)
			}
			back, err := f.lead.ReviewDraft(ctx, first.ID, "request-changes", client.DraftReview{Version: 1, Note: "Give the tracking link"})
			if err != nil || back.State != "changes_requested" || back.ReviewNote != "Give the tracking link" {
				t.Fatalf("request changes: %+v %v", back, err)
			}
			// The agent polls the outcome and learns from it.
			polled, err := f.agent.Draft(ctx, first.ID)
			if err != nil || polled.State != "changes_requested" || polled.ReviewNote != "Give the tracking link" {
				t.Fatalf("agent polled %+v %v", polled, err)
			}
			rev, err := f.agent.ReviseDraft(ctx, first.ID, client.DraftRevision{Text: "Track it at https://track.example.com/1"})
			if err != nil || rev.State != "pending_review" || rev.Revision != 2 || rev.Version != 3 {
				t.Fatalf("revision: %+v %v", rev, err)
			}
			_, err = f.lead.ReviewDraft(ctx, first.ID, "reject", client.DraftReview{Version: rev.Version})
			apiError(t, err, http.StatusUnprocessableEntity, "invalid")
			rej, err := f.lead.ReviewDraft(ctx, first.ID, "reject", client.DraftReview{Version: rev.Version, Note: "Wrong carrier"})
			if err != nil || rej.State != "rejected" {
				t.Fatalf("reject: %+v %v", rej, err)
			}
			_, err = f.lead.ReviewDraft(ctx, first.ID, "approve", client.DraftReview{Version: rej.Version, Grades: goodGrades})
			apiError(t, err, http.StatusConflict, "wrong_state")
			_, err = f.agent.ReviseDraft(ctx, first.ID, client.DraftRevision{Text: "again"})
			apiError(t, err, http.StatusConflict, "wrong_state")
			hist, err := f.lead.Draft(ctx, first.ID)
			if err != nil || len(hist.History) != 4 {
				t.Fatalf("history %+v %v", hist.History, err)
			}

			// Bulk approval takes low risk only.
			note := f.submit(t, client.NewDraft{Kind: "note", Text: "Customer prefers email"})
			labels := f.submit(t, client.NewDraft{Kind: "labels", Labels: &client.LabelChange{Add: []string{"shipping"}}})
			reply := f.submit(t, client.NewDraft{Kind: "reply", Text: "Your refund is on its way"})
			if note.Risk != "low" || labels.Risk != "low" || reply.Risk != "high" {
				t.Fatalf("risks %s %s %s", note.Risk, labels.Risk, reply.Risk)
			}
			res, err := f.lead.BulkApprove(ctx, client.BulkApproval{Drafts: []client.DraftVersion{{ID: note.ID, Version: 1}, {ID: labels.ID, Version: 1}, {ID: reply.ID, Version: 1}}})
			if err != nil || len(res.Approved) != 2 || !strings.Contains(res.Failed[strconv.FormatInt(reply.ID, 10)], "low-risk") {
				t.Fatalf("bulk: %+v %v", res, err)
			}
			// Dry run: recorded as sent, nothing reaches the customer.
			d := f.waitState(t, note.ID, "sent")
			if !d.DryRun || !strings.Contains(d.StateReason, "dry run") || len(f.outgoing()) != 0 {
				t.Fatalf("dry-run send %+v, outgoing %v", d.Draft, f.outgoing())
			}
			page, err := f.lead.Drafts(ctx, client.DraftQuery{})
			if err != nil || len(page.Drafts) != 1 || page.Drafts[0].ID != reply.ID || page.Pending["high"] != 1 {
				t.Fatalf("queue %+v %v", page, err)
			}
		})
	}
}

func TestAnsweredOrResolvedConversationsExpireTheirDrafts(t *testing.T) {
	f := startFloor(t, floorOptions{engine: "sqlite", dryRun: true})
	d := f.submit(t, client.NewDraft{Text: "We are on it."})
	if _, err := f.sim.AgentReply(f.display, f.sim.Agents()[0].ID, "Sorted it for you already!"); err != nil {
		t.Fatal(err)
	}
	got := f.waitState(t, d.ID, "expired")
	if !strings.Contains(got.StateReason, "answered elsewhere") {
		t.Fatalf("reason %q", got.StateReason)
	}
	d2 := f.submit(t, client.NewDraft{Text: "Anything else?"})
	if err := f.sim.SetStatus(f.display, "resolved", time.Time{}); err != nil {
		t.Fatal(err)
	}
	got = f.waitState(t, d2.ID, "expired")
	if got.StateReason != "the conversation was resolved" {
		t.Fatalf("reason %q", got.StateReason)
	}
}

// TestChatwootDownEndsInSendFailedAndRetrySendsOnce: every attempt fails
// while Chatwoot is down; the draft shows send_failed with the reason, and
// a retry once it is back sends one message.
func TestChatwootDownEndsInSendFailedAndRetrySendsOnce(t *testing.T) {
	f := startFloor(t, floorOptions{engine: "sqlite", attempts: 2})
	ctx := context.Background()
	d := f.submit(t, client.NewDraft{Text: "Your parcel is on its way."})
	f.sim.SetDown(true)
	if _, err := f.lead.ReviewDraft(ctx, d.ID, "approve", client.DraftReview{Version: 1, Grades: goodGrades}); err != nil {
		t.Fatal(err)
	}
	failed := f.waitState(t, d.ID, "send_failed")
	if failed.SendAttempts != 2 || !strings.Contains(failed.StateReason, "not sent after 2 attempts") {
		t.Fatalf("failed draft %+v", failed.Draft)
	}
	f.sim.SetDown(false)
	_, err := f.agent.ReviewDraft(ctx, d.ID, "retry", client.DraftReview{Version: failed.Version})
	apiError(t, err, http.StatusForbidden, "")
	if _, err := f.lead.ReviewDraft(ctx, d.ID, "retry", client.DraftReview{Version: failed.Version}); err != nil {
		t.Fatal(err)
	}
	f.waitState(t, d.ID, "sent")
	if out := f.outgoing(); len(out) != 1 {
		t.Fatalf("Chatwoot received %d messages", len(out))
	}
}

// TestALostAnswerIsNotSentTwice: Chatwoot stores the message but its answer
// never arrives (a 502 from a proxy, as after a timeout). The job retries,
// finds the message by its reference and adopts it instead of posting again.
func TestALostAnswerIsNotSentTwice(t *testing.T) {
	f := startFloor(t, floorOptions{engine: "sqlite", noWebhooks: true})
	ctx := context.Background()
	d := f.submit(t, client.NewDraft{Text: "Thanks for waiting."})
	var posts atomic.Int32
	simHandler := f.sim.Handler()
	lose := func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/messages") {
			return false
		}
		posts.Add(1)
		simHandler.ServeHTTP(httptest.NewRecorder(), r) // stored in Chatwoot…
		w.WriteHeader(http.StatusBadGateway)            // …but the answer is lost
		return true
	}
	f.intercept.Store(&lose)
	if _, err := f.lead.ReviewDraft(ctx, d.ID, "approve", client.DraftReview{Version: 1, Grades: goodGrades}); err != nil {
		t.Fatal(err)
	}
	sent := f.waitState(t, d.ID, "sent")
	if !strings.Contains(f.metrics(t), `hotdash_draft_send_attempts_total{outcome="adopted"} 1`) {
		t.Error("the adopted send is not counted")
	}
	if posts.Load() != 1 || len(f.outgoing()) != 1 || sent.ChatwootMessageID != f.outgoing()[0].ID ||
		!strings.Contains(sent.StateReason, "not sent again") {
		t.Fatalf("posts %d, outgoing %d, draft %+v", posts.Load(), len(f.outgoing()), sent.Draft)
	}
}

// TestANewCustomerMessageSendsTheDraftBack: the customer writes while the
// send waits; the recheck before posting returns the draft for review.
func TestANewCustomerMessageSendsTheDraftBack(t *testing.T) {
	f := startFloor(t, floorOptions{engine: "sqlite", attempts: 3})
	ctx := context.Background()
	d := f.submit(t, client.NewDraft{Text: "It ships Monday."})
	f.sim.SetDown(true)
	if _, err := f.lead.ReviewDraft(ctx, d.ID, "approve", client.DraftReview{Version: 1, Grades: goodGrades}); err != nil {
		t.Fatal(err)
	}
	f.waitFor(t, "a failed attempt", func() bool {
		got, err := f.lead.Draft(ctx, d.ID)
		return err == nil && got.SendAttempts >= 1 && strings.Contains(got.StateReason, "retrying")
	})
	if _, err := f.sim.CustomerMessage(f.display, "Actually, can you send it to my office instead?"); err != nil {
		t.Fatal(err)
	}
	f.sim.SetDown(false)
	back := f.waitState(t, d.ID, "pending_review")
	if !strings.Contains(back.StateReason, "customer wrote again") || len(f.outgoing()) != 0 {
		t.Fatalf("draft %+v, outgoing %d", back.Draft, len(f.outgoing()))
	}
}

// TestAMarkedChatwootNoteBecomesADraft: an agent writes "/draft …" as a
// private note in Chatwoot; HotDash holds the text for review.
func TestAMarkedChatwootNoteBecomesADraft(t *testing.T) {
	f := startFloor(t, floorOptions{engine: "sqlite", dryRun: true})
	ctx := context.Background()
	author := f.sim.Agents()[0]
	if _, err := f.sim.PrivateNote(f.display, author.ID, "just a note for the team"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.sim.PrivateNote(f.display, author.ID, "/draft We have refunded your order."); err != nil {
		t.Fatal(err)
	}
	var page client.DraftPage
	f.waitFor(t, "the note's draft", func() bool {
		var err error
		page, err = f.lead.Drafts(ctx, client.DraftQuery{})
		return err == nil && len(page.Drafts) > 0
	})
	time.Sleep(300 * time.Millisecond) // room for a wrong second draft
	page, err := f.lead.Drafts(ctx, client.DraftQuery{})
	if err != nil || len(page.Drafts) != 1 {
		t.Fatalf("drafts %+v (%v)", page.Drafts, err)
	}
	d := page.Drafts[0]
	if d.Kind != "reply" || d.Text != "We have refunded your order." || d.Agent != author.Name || d.Risk != "high" {
		t.Fatalf("draft from the note: %+v", d)
	}
}

// TestHighRiskDraftsAndEscalationsReachPeople: a high-risk draft tells
// operators and leads (not executives) through the notification center.
func TestHighRiskDraftsReachReviewers(t *testing.T) {
	f := startFloor(t, floorOptions{engine: "sqlite", dryRun: true})
	ctx := context.Background()
	lead := f.CreateUser("lead2@example.com", auth.Lead)
	exec := f.CreateUser("exec@example.com", auth.Executive)
	d := f.submit(t, client.NewDraft{Text: "We refunded the order."})
	f.submit(t, client.NewDraft{Kind: "note", Text: "A quiet note"})
	items, _, err := f.Notifications.List(ctx, lead.ID, center.Page{})
	if err != nil || len(items) != 1 || items[0].Kind != center.DraftHighRisk || items[0].Link != "/approvals/"+strconv.FormatInt(d.ID, 10) ||
		!strings.Contains(items[0].Body, "refunds") {
		t.Fatalf("the lead's notifications %+v (%v)", items, err)
	}
	if n, err := f.Notifications.Unread(ctx, exec.ID); err != nil || n != 0 {
		t.Fatalf("the executive has %d unread (%v)", n, err)
	}
}
