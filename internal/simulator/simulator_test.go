package simulator_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hotdash/hotdash/internal/chatwoot"
	"github.com/hotdash/hotdash/internal/clock"
	"github.com/hotdash/hotdash/internal/simulator"
)

var start = time.Date(2026, 9, 22, 9, 0, 0, 0, time.UTC)

func newSim(t *testing.T, o simulator.Options) *simulator.Simulator {
	t.Helper()
	if o.Clock == nil {
		o.Clock = clock.NewManual(start)
	}
	s, err := simulator.New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func check(t *testing.T, errs ...error) {
	t.Helper()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

func flush(t *testing.T, s *simulator.Simulator) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
}

// delivered is one webhook request a receiver got.
type delivered struct {
	header http.Header
	body   []byte
}

// receiver is a webhook endpoint that records what arrives.
type receiver struct {
	srv    *httptest.Server
	status int
	mu     sync.Mutex
	got    []delivered
}

func newReceiver(t *testing.T, status int) *receiver {
	r := &receiver{status: status}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got = append(r.got, delivered{header: req.Header.Clone(), body: b})
		r.mu.Unlock()
		w.WriteHeader(r.status)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) deliveries() []delivered {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

// events decodes every delivery, verifying its signature when secret is set.
func (r *receiver) events(t *testing.T, secret string, now time.Time) []chatwoot.Event {
	t.Helper()
	var out []chatwoot.Event
	for _, d := range r.deliveries() {
		if secret != "" {
			// The clock may have moved on since the delivery was signed:
			// check the timestamp lies between the start and now, and the
			// signature as of that moment.
			ts := d.header.Get(chatwoot.HeaderTimestamp)
			sec, err := strconv.ParseInt(ts, 10, 64)
			if err != nil || sec < start.Unix() || sec > now.Unix() {
				t.Fatalf("timestamp %q outside [%d, %d]", ts, start.Unix(), now.Unix())
			}
			if err := chatwoot.Verify(secret, ts, d.body, d.header.Get(chatwoot.HeaderSignature), time.Unix(sec, 0), 0); err != nil {
				t.Fatalf("signature: %v", err)
			}
		}
		ev, err := chatwoot.DecodeEvent(d.body)
		if err != nil {
			t.Fatalf("decode %s: %v", d.body, err)
		}
		out = append(out, ev)
	}
	return out
}

func names(evs []chatwoot.Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.Name)
	}
	return out
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestScriptedWebhooks(t *testing.T) {
	clk := clock.NewManual(start)
	rcv := newReceiver(t, 200)
	sim := newSim(t, simulator.Options{Clock: clk, Workers: 1, Webhooks: []simulator.Webhook{{URL: rcv.srv.URL, Secret: "whsec"}}})
	web, _ := sim.InboxByChannel("Channel::WebWidget")

	id := must(sim.NewConversation(web.ID, 0, "Hi, my invoice INV-2291 was charged twice."))
	clk.Advance(2 * time.Minute)
	replyID := must(sim.AgentReply(id, 2, "Looking into it"))
	clk.Advance(time.Minute)
	noteID := must(sim.PrivateNote(id, 2, "[@Lee Tanaka](mention://user/3/Lee%20Tanaka) please check Stripe"))
	clk.Advance(time.Minute)
	check(t, sim.SetStatus(id, "resolved", time.Time{}))
	clk.Advance(time.Hour)
	must(sim.CustomerMessage(id, "Thanks, but it happened again"))
	check(t, sim.AssignAgent(id, 3), sim.SetPriority(id, "urgent"), sim.SetLabels(id, "billing", "vip"), sim.AssignTeam(id, 1))
	check(t, sim.SetLabels(id, "billing", "vip")) // no change: no event
	check(t, sim.UpdateMessage(id, replyID, "Looking into it now"))
	flush(t, sim)

	evs := rcv.events(t, "whsec", clk.Now())
	want := []string{
		"contact_created", "conversation_created", "message_created", // a customer writes in
		"message_created", "conversation_updated", // first reply: first_reply_created_at, waiting_since
		"message_created",                                     // private note: nothing else changes
		"conversation_status_changed", "conversation_updated", // resolved
		"message_created", "conversation_status_changed", "conversation_updated", // the customer reopens it
		"conversation_updated", "conversation_updated", "conversation_updated", "conversation_updated", // assignee, priority, labels, team
		"message_updated",
	}
	if got := names(evs); !reflect.DeepEqual(got, want) {
		t.Fatalf("events:\n got %v\nwant %v", got, want)
	}
	ids := map[string]bool{}
	for _, d := range rcv.deliveries() {
		id := d.header.Get(chatwoot.HeaderDelivery)
		if !uuidRE.MatchString(id) || ids[id] {
			t.Errorf("delivery id %q not a fresh UUID", id)
		}
		ids[id] = true
		if d.header.Get("Content-Type") != "application/json" || !strings.HasPrefix(d.header.Get(chatwoot.HeaderSignature), "sha256=") {
			t.Errorf("headers %v", d.header)
		}
	}
	keys := map[string]bool{}
	for _, e := range evs {
		if k := chatwoot.EventKey(e); keys[k] {
			t.Errorf("EventKey %s repeats", k)
		} else {
			keys[k] = true
		}
	}

	created, first := evs[1].Conversation, evs[2]
	if created.DisplayID != id || created.Status != "open" || created.Channel != "Channel::WebWidget" || len(created.Messages) != 0 ||
		!created.WaitingSince.Equal(start) || created.Contact == nil || created.InboxID != web.ID || evs[1].Account.ID != 1 {
		t.Errorf("conversation_created: %+v", created)
	}
	if m := first.Message; m.Type != chatwoot.MessageIncoming || m.Private || m.Sender.Type != chatwoot.SenderContact || m.Sender.ID != created.Contact.ID ||
		m.ConversationDisplayID != id || !m.CreatedAt.Equal(start) || first.Conversation.UnreadCount != 1 || first.Conversation.InboxName != "Website Chat" ||
		len(first.Conversation.Messages) != 1 || first.Conversation.Messages[0].Type != chatwoot.MessageIncoming {
		t.Errorf("first message_created: %+v / %+v", m, first.Conversation)
	}
	reply, replyUpd := evs[3], evs[4]
	if reply.Message.ID != replyID || reply.Message.Type != chatwoot.MessageOutgoing || reply.Message.Sender != (chatwoot.Sender{Type: "user", ID: 2, Name: "Priya Shah", Email: "priya@acme.example"}) {
		t.Errorf("reply: %+v", reply.Message)
	}
	if c := replyUpd.Conversation; !c.WaitingSince.IsZero() || !c.FirstReplyCreatedAt.Equal(start.Add(2*time.Minute)) ||
		!hasKeys(replyUpd.Changed, "first_reply_created_at", "waiting_since", "updated_at") || string(replyUpd.Changed["waiting_since"].Current) != "null" {
		t.Errorf("after the first reply: %+v %v", c, replyUpd.Changed)
	}
	if n := evs[5].Message; n.ID != noteID || !n.Private || n.Type != chatwoot.MessageOutgoing || evs[5].Conversation.Messages[0].ID != replyID {
		t.Errorf("private note: %+v (last public message %+v)", n, evs[5].Conversation.Messages)
	}
	if ch := evs[6].Changed["status"]; string(ch.Previous) != `"open"` || string(ch.Current) != `"resolved"` || evs[6].Conversation.Status != "resolved" {
		t.Errorf("resolved: %v", evs[6].Changed)
	}
	if !reflect.DeepEqual(evs[6].Changed, evs[7].Changed) {
		t.Error("status_changed and updated differ in changed_attributes")
	}
	if c := evs[10]; c.Conversation.Status != "open" || !hasKeys(c.Changed, "status", "waiting_since", "updated_at") {
		t.Errorf("reopened: %+v", c.Changed)
	}
	if c := evs[11]; c.Conversation.Assignee == nil || c.Conversation.Assignee.ID != 3 || string(c.Changed["assignee_id"].Previous) != "null" || string(c.Changed["assignee_id"].Current) != "3" {
		t.Errorf("assigned: %+v", c.Changed)
	}
	if c := evs[12]; c.Conversation.Priority != "urgent" || string(c.Changed["priority"].Current) != `"urgent"` {
		t.Errorf("priority: %+v", c.Changed)
	}
	if c := evs[13]; !reflect.DeepEqual(c.Conversation.Labels, []string{"billing", "vip"}) || string(c.Changed["label_list"].Current) != `["billing","vip"]` {
		t.Errorf("labels: %+v", c.Changed)
	}
	if c := evs[14]; c.Conversation.Team == nil || c.Conversation.Team.Name != "billing" {
		t.Errorf("team: %+v", c.Conversation.Team)
	}
	if m := evs[15].Message; m.ID != replyID || m.Content != "Looking into it now" {
		t.Errorf("message_updated: %+v", m)
	}

	// The REST view matches, activity messages included.
	conv, ok := sim.Conversation(id)
	if !ok || conv.Status != "open" || conv.Assignee.ID != 3 || conv.Team.ID != 1 || conv.Priority != "urgent" || conv.AccountID != 1 {
		t.Errorf("Conversation = %+v", conv)
	}
	var activity []string
	for _, m := range sim.Messages(id) {
		if m.Type == chatwoot.MessageActivity {
			activity = append(activity, m.Content)
		}
	}
	wantActivity := []string{"Conversation was marked resolved by Marco Reyes", "Assigned to Lee Tanaka by Marco Reyes",
		"Marco Reyes set the priority to urgent", "Marco Reyes added billing, vip", "Assigned to billing team by Marco Reyes"}
	if !reflect.DeepEqual(activity, wantActivity) {
		t.Errorf("activity messages = %q", activity)
	}
	if _, err := sim.CustomerMessage(999, "x"); err == nil {
		t.Error("unknown conversation accepted")
	}
	if err := sim.SetStatus(id, "closed", time.Time{}); err == nil {
		t.Error("unknown status accepted")
	}
}

func hasKeys(m map[string]chatwoot.Change, keys ...string) bool {
	if len(m) != len(keys) {
		return false
	}
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			return false
		}
	}
	return true
}

func TestSnoozeWakesUp(t *testing.T) {
	clk := clock.NewManual(start)
	rcv := newReceiver(t, 200)
	sim := newSim(t, simulator.Options{Clock: clk, Workers: 1, Webhooks: []simulator.Webhook{{URL: rcv.srv.URL, Events: []string{"conversation_status_changed"}}}})
	id := must(sim.NewConversation(1, 101, "hello"))
	check(t, sim.SetStatus(id, "snoozed", start.Add(time.Hour)))
	sim.Tick()
	clk.Advance(time.Hour)
	sim.Tick()
	flush(t, sim)
	evs := rcv.events(t, "", clk.Now())
	if got := names(evs); len(got) != 2 {
		t.Fatalf("events %v", got)
	}
	if c := evs[0].Conversation; c.Status != "snoozed" || !c.SnoozedUntil.Equal(start.Add(time.Hour)) {
		t.Errorf("snoozed: %+v", c)
	}
	if c := evs[1].Conversation; c.Status != "open" || !c.SnoozedUntil.IsZero() {
		t.Errorf("woken: %+v", c)
	}
}

func TestDeliveryFlaws(t *testing.T) {
	script := func(sim *simulator.Simulator) {
		id := must(sim.NewConversation(2, 101, "Cannot log in"))
		must(sim.AgentReply(id, 1, "Resetting your password"))
		check(t, sim.SetStatus(id, "resolved", time.Time{}))
	}
	t.Run("drop", func(t *testing.T) {
		rcv := newReceiver(t, 200)
		var results []simulator.DeliveryResult
		var mu sync.Mutex
		sim := newSim(t, simulator.Options{Webhooks: []simulator.Webhook{{URL: rcv.srv.URL, Secret: "s"}}, Flaws: simulator.Flaws{Drop: 1},
			OnDelivery: func(r simulator.DeliveryResult) { mu.Lock(); results = append(results, r); mu.Unlock() }})
		script(sim)
		flush(t, sim)
		st := sim.Stats()
		if len(rcv.deliveries()) != 0 || st.Dropped != st.Events || st.Events == 0 || st.Sent != 0 || len(results) != st.Events || !results[0].Dropped {
			t.Errorf("stats %+v, %d results", st, len(results))
		}
	})
	t.Run("duplicate", func(t *testing.T) {
		rcv := newReceiver(t, 200)
		sim := newSim(t, simulator.Options{Webhooks: []simulator.Webhook{{URL: rcv.srv.URL, Secret: "s"}}, Flaws: simulator.Flaws{Duplicate: 1}})
		script(sim)
		flush(t, sim)
		st := sim.Stats()
		got := rcv.deliveries()
		if len(got) != 2*st.Events || st.Duplicated != st.Events {
			t.Fatalf("%d deliveries, stats %+v", len(got), st)
		}
		bodies := map[string][]string{}
		for _, d := range got {
			bodies[string(d.body)] = append(bodies[string(d.body)], d.header.Get(chatwoot.HeaderDelivery))
		}
		for _, ids := range bodies {
			if len(ids) != 2 || ids[0] == ids[1] {
				t.Errorf("a duplicate should be a second delivery with its own id: %v", ids)
			}
		}
	})
	t.Run("redeliver", func(t *testing.T) {
		rcv := newReceiver(t, 200)
		sim := newSim(t, simulator.Options{Webhooks: []simulator.Webhook{{URL: rcv.srv.URL, Secret: "s"}}, Flaws: simulator.Flaws{Redeliver: 1}})
		script(sim)
		flush(t, sim)
		byID := map[string]int{}
		for _, d := range rcv.deliveries() {
			byID[d.header.Get(chatwoot.HeaderDelivery)]++
		}
		for id, n := range byID {
			if n != 2 {
				t.Errorf("delivery %s arrived %d times", id, n)
			}
		}
	})
	t.Run("delay reorders but delivers", func(t *testing.T) {
		rcv := newReceiver(t, 200)
		sim := newSim(t, simulator.Options{Seed: 3, Webhooks: []simulator.Webhook{{URL: rcv.srv.URL}}, Flaws: simulator.Flaws{Delay: 0.5, MaxDelay: 30 * time.Millisecond}})
		for range 5 {
			script(sim)
		}
		flush(t, sim)
		st := sim.Stats()
		if len(rcv.deliveries()) != st.Events || st.Delayed == 0 || st.Delayed == st.Events {
			t.Errorf("%d deliveries, stats %+v", len(rcv.deliveries()), st)
		}
	})
	t.Run("unsigned and legacy", func(t *testing.T) {
		unsigned, legacy := newReceiver(t, 200), newReceiver(t, 200)
		sim := newSim(t, simulator.Options{Webhooks: []simulator.Webhook{{URL: unsigned.srv.URL}, {URL: legacy.srv.URL, Secret: "ignored", Legacy: true}}})
		script(sim)
		flush(t, sim)
		for _, d := range unsigned.deliveries() {
			if d.header.Get(chatwoot.HeaderSignature) != "" || d.header.Get(chatwoot.HeaderTimestamp) != "" || d.header.Get(chatwoot.HeaderDelivery) == "" {
				t.Errorf("unsigned headers: %v", d.header)
			}
		}
		for _, d := range legacy.deliveries() {
			for k := range d.header {
				if strings.HasPrefix(strings.ToLower(k), "x-chatwoot") {
					t.Errorf("legacy delivery has %s", k)
				}
			}
		}
		if len(legacy.deliveries()) == 0 || len(legacy.deliveries()) != len(unsigned.deliveries()) {
			t.Error("both receivers should get every event")
		}
	})
	t.Run("subscriptions", func(t *testing.T) {
		rcv := newReceiver(t, 200)
		sim := newSim(t, simulator.Options{Webhooks: []simulator.Webhook{{URL: rcv.srv.URL, Events: []string{"message_created"}}}})
		script(sim)
		flush(t, sim)
		for _, e := range rcv.events(t, "", start) {
			if e.Name != "message_created" {
				t.Errorf("unsubscribed %s delivered", e.Name)
			}
		}
		if len(rcv.deliveries()) != 2 {
			t.Errorf("%d deliveries", len(rcv.deliveries()))
		}
	})
	t.Run("failures are not retried", func(t *testing.T) {
		rcv := newReceiver(t, 500)
		sim := newSim(t, simulator.Options{Webhooks: []simulator.Webhook{{URL: rcv.srv.URL}}})
		script(sim)
		flush(t, sim)
		st := sim.Stats()
		if st.Failed != st.Events || st.Sent != st.Events || len(rcv.deliveries()) != st.Events {
			t.Errorf("stats %+v, %d deliveries", st, len(rcv.deliveries()))
		}
	})
	t.Run("timeout", func(t *testing.T) {
		release := make(chan struct{})
		slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
		defer slow.Close()
		defer close(release)
		sim := newSim(t, simulator.Options{Webhooks: []simulator.Webhook{{URL: slow.URL}}, HTTP: &http.Client{Timeout: 30 * time.Millisecond}})
		must(sim.NewConversation(1, 101, "hello"))
		flush(t, sim)
		if st := sim.Stats(); st.Failed != st.Events || st.Events != 2 {
			t.Errorf("stats %+v", st)
		}
	})
	if _, err := simulator.New(simulator.Options{Flaws: simulator.Flaws{Drop: 2}}); err == nil {
		t.Error("a flaw fraction over 1 accepted")
	}
}

// TestReproducible: the same seed and clock give the same account and the
// same webhook bodies; another seed does not.
func TestReproducible(t *testing.T) {
	run := func(seed uint64) ([]string, string) {
		clk := clock.NewManual(start)
		rcv := newReceiver(t, 200)
		sim := newSim(t, simulator.Options{Clock: clk, Seed: seed, Workers: 1, Webhooks: []simulator.Webhook{{URL: rcv.srv.URL, Secret: "s"}}})
		for range 300 {
			if _, err := sim.Step(simulator.Mix{}, 15); err != nil {
				t.Fatal(err)
			}
			clk.Advance(7 * time.Second)
		}
		flush(t, sim)
		var bodies []string
		for _, d := range rcv.deliveries() {
			bodies = append(bodies, string(d.body))
		}
		var state []chatwoot.Conversation
		for _, id := range sim.ConversationIDs() {
			c, _ := sim.Conversation(id)
			state = append(state, c)
		}
		b, _ := json.Marshal(state)
		return bodies, string(b)
	}
	b1, s1 := run(42)
	b2, s2 := run(42)
	b3, s3 := run(43)
	if !reflect.DeepEqual(b1, b2) || s1 != s2 {
		t.Error("same seed, different results")
	}
	if reflect.DeepEqual(b1, b3) || s1 == s3 {
		t.Error("different seeds, same results")
	}
	if len(b1) < 300 {
		t.Errorf("only %d webhooks for 300 steps", len(b1))
	}
}

// TestTrafficDecodes runs random traffic through every kind of change and
// checks that each webhook verifies and decodes, and that the mix covers
// the event kinds HotDash projects.
func TestTrafficDecodes(t *testing.T) {
	clk := clock.NewManual(start)
	rcv := newReceiver(t, 200)
	sim := newSim(t, simulator.Options{Clock: clk, Seed: 7, Webhooks: []simulator.Webhook{{URL: rcv.srv.URL, Secret: "s"}}})
	ctx, cancel := context.WithCancel(context.Background())
	steps := 0
	err := sim.Traffic(ctx, simulator.TrafficOptions{Rate: 50, Conversations: 25, Wait: func(ctx context.Context, d time.Duration) error {
		if d != 20*time.Millisecond {
			t.Errorf("wait %v at rate 50", d)
		}
		clk.Advance(30 * time.Second)
		if steps++; steps > 600 {
			cancel()
		}
		return ctx.Err()
	}})
	if err != nil {
		t.Fatal(err)
	}
	flush(t, sim)
	seen := map[string]int{}
	types := map[chatwoot.MessageType]int{}
	private := 0
	for _, e := range rcv.events(t, "s", clk.Now()) {
		seen[e.Name]++
		if e.Message != nil {
			types[e.Message.Type]++
			if e.Message.Private {
				private++
			}
		}
		if e.Conversation == nil && e.Contact == nil {
			t.Errorf("%s decoded without an object", e.Name)
		}
	}
	for _, n := range []string{"conversation_created", "conversation_updated", "conversation_status_changed", "message_created", "contact_created"} {
		if seen[n] == 0 {
			t.Errorf("no %s in %v", n, seen)
		}
	}
	if types[chatwoot.MessageIncoming] == 0 || types[chatwoot.MessageOutgoing] == 0 || private == 0 || types[chatwoot.MessageActivity] != 0 {
		t.Errorf("message types %v, %d private", types, private)
	}
	statuses := map[string]int{}
	channels := map[string]int{}
	for _, id := range sim.ConversationIDs() {
		c, _ := sim.Conversation(id)
		statuses[c.Status]++
		channels[c.Channel]++
	}
	if len(channels) < 4 || statuses["resolved"] == 0 || statuses["open"] == 0 {
		t.Errorf("statuses %v channels %v", statuses, channels)
	}
	t.Logf("600 steps: %v; statuses %v", seen, statuses)
}

func TestAccessors(t *testing.T) {
	sim := newSim(t, simulator.Options{Contacts: 5})
	if len(sim.Inboxes()) != 5 || len(sim.Agents()) != 5 || len(sim.Teams()) != 3 || len(sim.Contacts()) != 5 || len(sim.Labels()) == 0 {
		t.Error("seeded account")
	}
	if sim.Agents()[0].ID != sim.ProfileID() || sim.Agents()[0].Role != "administrator" {
		t.Error("the token's user is the first agent, an administrator")
	}
	chans := map[string]bool{}
	for _, ib := range sim.Inboxes() {
		chans[ib.ChannelType] = true
		if len(ib.WorkingHours) != 7 || ib.Timezone == "" {
			t.Errorf("inbox %+v", ib)
		}
	}
	if len(chans) != 5 {
		t.Errorf("channels %v", chans)
	}
	if _, ok := sim.Conversation(1); ok {
		t.Error("conversation before any")
	}
	if _, err := sim.NewConversation(99, 0, "x"); err == nil {
		t.Error("unknown inbox accepted")
	}
	if _, err := sim.NewConversation(1, 9999, "x"); err == nil {
		t.Error("unknown contact accepted")
	}
	ids := []int64{must(sim.NewConversation(1, 0, "a")), must(sim.NewConversation(2, 0, "b"))}
	if !reflect.DeepEqual(sim.ConversationIDs(), ids) || len(sim.Contacts()) != 7 {
		t.Errorf("ids %v", sim.ConversationIDs())
	}
}

// rest calls the simulator's REST API with a token.
func rest(t *testing.T, h http.Handler, token, method, path, body string) (int, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	if token != "" {
		req.Header.Set("api_access_token", token)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

func TestRESTChangesEmitWebhooks(t *testing.T) {
	clk := clock.NewManual(start)
	rcv := newReceiver(t, 200)
	sim := newSim(t, simulator.Options{Clock: clk, Token: "tok", Workers: 1, Webhooks: []simulator.Webhook{{URL: rcv.srv.URL, Secret: "s"}}})
	id := must(sim.NewConversation(3, 101, "hi"))
	h := sim.Handler()
	base := "/api/v1/accounts/1/conversations/" + strconv.FormatInt(id, 10)
	for _, c := range []struct{ method, path, body string }{
		{"POST", base + "/messages", `{"content":"Approved reply","message_type":"outgoing","private":false,"content_attributes":{"hotdash_draft_id":"d-9"}}`},
		{"POST", base + "/messages", `{"content":"a note","private":"true"}`},
		{"POST", base + "/messages", `{"content":"from the customer","message_type":"incoming"}`},
		{"POST", base + "/toggle_status", `{}`}, // no status: open -> resolved
		{"POST", base + "/toggle_priority", `{"priority":"low"}`},
		{"POST", base + "/assignments", `{"team_id":3}`},
		{"POST", base + "/labels", `{"labels":["Shipping","vip","vip"]}`},
	} {
		if code, body := rest(t, h, "tok", c.method, c.path, c.body); code != 200 {
			t.Fatalf("%s %s: %d %s", c.method, c.path, code, body)
		}
	}
	flush(t, sim)
	evs := rcv.events(t, "s", clk.Now())
	want := []string{"conversation_created", "message_created",
		"message_created", "conversation_updated", // reply: first reply, waiting ends
		"message_created",                         // note
		"message_created", "conversation_updated", // customer: waiting again
		"conversation_status_changed", "conversation_updated",
		"conversation_updated", "conversation_updated", "conversation_updated"}
	if got := names(evs); !reflect.DeepEqual(got, want) {
		t.Fatalf("events:\n got %v\nwant %v", got, want)
	}
	if m := evs[2].Message; m.Sender.ID != sim.ProfileID() || string(m.ContentAttributes) != `{"hotdash_draft_id":"d-9"}` {
		t.Errorf("REST reply: %+v %s", m, m.ContentAttributes)
	}
	if !evs[4].Message.Private || evs[5].Message.Type != chatwoot.MessageIncoming {
		t.Errorf("note %+v, customer %+v", evs[4].Message, evs[5].Message)
	}
	if c := evs[11].Conversation; !reflect.DeepEqual(c.Labels, []string{"shipping", "vip"}) || c.Team.ID != 3 || c.Priority != "low" || c.Status != "resolved" {
		t.Errorf("final state %+v", c)
	}
}

func TestRESTErrors(t *testing.T) {
	sim := newSim(t, simulator.Options{Token: "tok", AccountID: 4})
	id := must(sim.NewConversation(1, 101, "hi"))
	h := sim.Handler()
	conv := "/api/v1/accounts/4/conversations/" + strconv.FormatInt(id, 10)
	for _, c := range []struct {
		token, method, path, body string
		code                      int
		contains                  string
	}{
		{"", "GET", "/api/v1/profile", "", 401, "sign in"},
		{"bad", "GET", "/api/v1/profile", "", 401, "Invalid Access Token"},
		{"tok", "GET", "/api/v1/accounts/5/inboxes", "", 401, "not authorized"},
		{"", "GET", "/api", "", 200, "queue_services"},
		{"tok", "GET", "/api/v1/accounts/4/conversations/999", "", 404, "could not be found"},
		{"tok", "GET", "/api/v1/accounts/4/conversations/abc", "", 404, "could not be found"},
		{"tok", "GET", "/api/v1/nothing", "", 404, "could not be found"},
		{"tok", "DELETE", conv, "", 404, "could not be found"}, // Rails: no route
		{"tok", "POST", conv + "/messages", `{"content":`, 400, "malformed"},
		{"tok", "POST", conv + "/messages", `{"content":"  "}`, 422, "blank"},
		{"tok", "POST", conv + "/messages", `{"content":"x","message_type":"activity"}`, 422, ""},
		{"tok", "POST", conv + "/toggle_status", `{"status":"closed"}`, 422, "status"},
		{"tok", "POST", conv + "/toggle_priority", `{"priority":"critical"}`, 422, "priority"},
		{"tok", "POST", conv + "/toggle_priority", `{}`, 422, "required"},
		{"tok", "POST", conv + "/assignments", `{"assignee_id":99}`, 404, ""},
		{"tok", "POST", conv + "/assignments", `{}`, 422, ""},
		{"tok", "POST", conv + "/labels", `{"labels":"vip"}`, 422, "array"},
		{"tok", "GET", "/api/v1/accounts/4/conversations?status=closed", "", 422, "status"},
	} {
		code, body := rest(t, h, c.token, c.method, c.path, c.body)
		if code != c.code || !strings.Contains(body, c.contains) {
			t.Errorf("%s %s %s: %d %s; want %d containing %q", c.method, c.path, c.body, code, body, c.code, c.contains)
		}
	}
	// Faults come before authentication, as a proxy's would.
	sim.FailNext(2, 503)
	if code, _ := rest(t, h, "", "GET", "/api", ""); code != 503 {
		t.Errorf("first faulted request: %d", code)
	}
	sim.FailNext(1, 429)
	req := httptest.NewRequest("GET", "/api", nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 429 || rec.Header().Get("Retry-After") != "1" {
		t.Errorf("429: %d %v", rec.Code, rec.Header())
	}
	if code, _ := rest(t, h, "", "GET", "/api", ""); code != 200 {
		t.Errorf("after the faults: %d", code)
	}
}
