package chatwoot_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hotdash/hotdash/internal/chatwoot"
	"github.com/hotdash/hotdash/internal/clock"
)

const testToken = "cw-token-Zq8Xv2LmN4pR7sT1uW3yB5dF"

// recorded is one request the fake saw.
type recorded struct {
	Method, Path, Query string
	Header              http.Header
	Body                map[string]any
}

// fake answers with handler and records every request.
type fake struct {
	t       *testing.T
	srv     *httptest.Server
	mu      sync.Mutex
	reqs    []recorded
	handler func(w http.ResponseWriter, r recorded)
}

func newFake(t *testing.T, handler func(w http.ResponseWriter, r recorded)) *fake {
	f := &fake{t: t, handler: handler}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := recorded{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone()}
		if b, _ := io.ReadAll(r.Body); len(b) > 0 {
			if err := json.Unmarshal(b, &rec.Body); err != nil {
				t.Errorf("request body is not a JSON object: %s", b)
			}
		}
		f.mu.Lock()
		f.reqs = append(f.reqs, rec)
		f.mu.Unlock()
		f.handler(w, rec)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fake) requests() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.reqs...)
}

// sleeps records the waits a client asked for, without waiting.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) waits() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

func newTestClient(t *testing.T, baseURL string, mod func(*chatwoot.Config)) (*chatwoot.Client, *sleeps) {
	t.Helper()
	s := &sleeps{}
	cfg := chatwoot.Config{BaseURL: baseURL + "/", Token: testToken, AccountID: 7, Sleep: s.sleep,
		Backoff: func(attempt int) time.Duration { return time.Duration(attempt) * time.Millisecond }}
	if mod != nil {
		mod(&cfg)
	}
	c, err := chatwoot.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c, s
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

const convJSON = `{"meta":{"sender":{"additional_attributes":{},"availability_status":"offline","email":"dana@example.com","id":3301,"name":"Dana Silva","phone_number":null,"identifier":"cust_8812","thumbnail":"","custom_attributes":{},"last_activity_at":1790068445,"created_at":1790068420,"blocked":false,"type":"contact"},"channel":"Channel::WebWidget","assignee":{"id":14,"account_id":7,"availability_status":"online","auto_offline":true,"confirmed":true,"email":"marco@acme.example","available_name":"Marco Reyes","name":"Marco Reyes","role":"agent","thumbnail":"","custom_role_id":null},"team":{"id":3,"name":"billing","description":"","allow_auto_assign":true,"account_id":7,"is_member":false},"hmac_verified":false},
"id":915,"messages":[{"id":48211,"content":"Hi","account_id":7,"inbox_id":12,"conversation_id":915,"message_type":0,"created_at":1790068445,"updated_at":"2026-09-22T09:14:05.412Z","private":false,"status":"sent","source_id":null,"content_type":"text","content_attributes":{},"sender_type":"Contact","sender_id":3301,"external_source_ids":{},"additional_attributes":{},"processed_message_content":"Hi","sentiment":{},"conversation":{"assignee_id":14,"unread_count":1,"last_activity_at":1790068445,"contact_inbox":{"source_id":"abc"}},"sender":{"id":3301,"name":"Dana Silva","thumbnail":"","type":"contact"}}],
"account_id":7,"uuid":"0b4a0f68-0d3c-4f8e-8a0c-3c1f9d3b8e11","additional_attributes":{},"agent_last_seen_at":0,"assignee_last_seen_at":0,"can_reply":true,"contact_last_seen_at":0,"custom_attributes":{},"inbox_id":12,"labels":["billing"],"muted":false,"snoozed_until":null,"status":"open","created_at":1790068420,"updated_at":1790068445.42,"timestamp":1790068445,"first_reply_created_at":null,"unread_count":1,"last_non_activity_message":null,"last_activity_at":1790068445,"priority":"high","waiting_since":1790068420,"sla_policy_id":null,"applied_sla":null,"sla_events":[]}`

func TestClientSuccessPaths(t *testing.T) {
	labels := []string{"billing", "vip"}
	var mu sync.Mutex
	f := newFake(t, func(w http.ResponseWriter, r recorded) {
		mu.Lock()
		defer mu.Unlock()
		switch r.Method + " " + r.Path {
		case "GET /api":
			writeJSON(w, 200, `{"version":"4.11.2","timestamp":"2026-09-22 09:14:05","queue_services":"failing","data_services":"ok"}`)
		case "GET /api/v1/profile":
			writeJSON(w, 200, `{"id":14,"name":"Marco Reyes","available_name":"Marco","email":"marco@acme.example","role":"administrator","access_token":"`+testToken+`","accounts":[{"id":7,"name":"Acme Support","role":"administrator","status":"active"}]}`)
		case "GET /api/v1/accounts/7/conversations":
			writeJSON(w, 200, `{"data":{"meta":{"mine_count":1,"unassigned_count":0,"assigned_count":1,"all_count":1},"payload":[`+convJSON+`]}}`)
		case "GET /api/v1/accounts/7/conversations/915":
			writeJSON(w, 200, convJSON)
		case "GET /api/v1/accounts/7/conversations/915/messages":
			writeJSON(w, 200, `{"meta":{"labels":["billing"],"contact":{"id":3301},"assignee":null,"agent_last_seen_at":null,"assignee_last_seen_at":null},"payload":[
				{"id":48211,"content":"Hi","conversation_id":915,"message_type":0,"created_at":1790068445,"private":false,"sender_type":"Contact","sender_id":3301,"sender":{"id":3301,"name":"Dana Silva","type":"contact"}},
				{"id":48212,"content":"Marco self-assigned this conversation","conversation_id":915,"message_type":2,"created_at":1790068446,"private":false,"sender_type":null,"sender_id":null},
				{"id":48213,"content":"On it","conversation_id":915,"message_type":1,"created_at":1790068447,"private":false,"sender_type":"User","sender_id":14,"sender":{"id":14,"name":"Marco Reyes","type":"user"},"attachments":[{"id":1}]}]}`)
		case "POST /api/v1/accounts/7/conversations/915/messages":
			writeJSON(w, 200, `{"id":48300,"content":"`+r.Body["content"].(string)+`","inbox_id":12,"conversation_id":915,"message_type":1,"content_type":"text","content_attributes":{"hotdash_draft":"d1"},"created_at":1790068500,"private":true,"source_id":null,"sender":{"id":14,"name":"Marco Reyes","type":"user"}}`)
		case "POST /api/v1/accounts/7/conversations/915/toggle_status":
			writeJSON(w, 200, `{"meta":{},"payload":{"success":true,"current_status":"`+r.Body["status"].(string)+`","conversation_id":915}}`)
		case "POST /api/v1/accounts/7/conversations/915/toggle_priority":
			w.WriteHeader(200)
		case "POST /api/v1/accounts/7/conversations/915/assignments":
			writeJSON(w, 200, `{"id":21,"name":"Lee Tanaka"}`)
		case "GET /api/v1/accounts/7/conversations/915/labels":
			b, _ := json.Marshal(map[string]any{"payload": labels})
			writeJSON(w, 200, string(b))
		case "POST /api/v1/accounts/7/conversations/915/labels":
			labels = labels[:0]
			for _, l := range r.Body["labels"].([]any) {
				labels = append(labels, l.(string))
			}
			b, _ := json.Marshal(map[string]any{"payload": labels})
			writeJSON(w, 200, string(b))
		case "GET /api/v1/accounts/7/inboxes":
			writeJSON(w, 200, `{"payload":[{"id":12,"name":"Website Chat","channel_type":"Channel::WebWidget","channel_id":3,"timezone":"Europe/Lisbon","working_hours_enabled":true,"working_hours":[{"day_of_week":0,"closed_all_day":true,"open_all_day":false,"open_hour":null,"open_minutes":null,"close_hour":null,"close_minutes":null},{"day_of_week":1,"closed_all_day":false,"open_all_day":false,"open_hour":9,"open_minutes":0,"close_hour":17,"close_minutes":30}],"website_token":"x"}]}`)
		case "GET /api/v1/accounts/7/agents":
			writeJSON(w, 200, `[{"id":14,"account_id":7,"availability_status":"online","auto_offline":true,"confirmed":true,"email":"marco@acme.example","available_name":"Marco","name":"Marco Reyes","role":"agent","thumbnail":"","custom_role_id":null}]`)
		case "GET /api/v1/accounts/7/teams":
			writeJSON(w, 200, `[{"id":3,"name":"billing","description":null,"allow_auto_assign":true,"account_id":7,"is_member":true}]`)
		default:
			writeJSON(w, 404, `{"error":"Resource could not be found"}`)
		}
	})
	c, _ := newTestClient(t, f.srv.URL, nil)
	ctx := context.Background()

	h, err := c.Health(ctx)
	if err != nil || h.Version != "4.11.2" || h.OK() || h.QueueServices != "failing" {
		t.Errorf("Health = %+v, %v", h, err)
	}
	p, err := c.Profile(ctx)
	if err != nil || p.ID != 14 || !p.HasAccount(7) || p.HasAccount(8) || p.Role != "administrator" {
		t.Errorf("Profile = %+v, %v", p, err)
	}
	if b, _ := json.Marshal(p); strings.Contains(string(b), testToken) {
		t.Error("Profile keeps the access token")
	}

	list, err := c.ListConversations(ctx, chatwoot.ListOptions{UpdatedWithin: 90*time.Second + time.Millisecond, AssigneeType: "all", InboxID: 12, Page: 2})
	if err != nil || list.Counts != (chatwoot.Counts{Mine: 1, Assigned: 1, All: 1}) || len(list.Conversations) != 1 {
		t.Fatalf("ListConversations = %+v, %v", list, err)
	}
	lc := list.Conversations[0]
	if lc.DisplayID != 915 || lc.Channel != "Channel::WebWidget" || lc.Assignee.Email != "marco@acme.example" || lc.Team.Name != "billing" ||
		lc.Contact.Identifier != "cust_8812" || lc.Messages[0].Type != chatwoot.MessageIncoming || lc.AccountID != 7 || lc.UpdatedAt.UnixMilli() != 1790068445420 {
		t.Errorf("listed conversation = %+v", lc)
	}
	if q := f.requests()[2].Query; q != "assignee_type=all&inbox_id=12&page=2&status=all&updated_within=91" {
		t.Errorf("list query = %s", q)
	}

	conv, err := c.Conversation(ctx, 915)
	if err != nil || !reflect.DeepEqual(conv, lc) {
		t.Errorf("Conversation = %+v, %v", conv, err)
	}

	msgs, err := c.Messages(ctx, 915, 48300)
	if err != nil || len(msgs) != 3 {
		t.Fatalf("Messages = %+v, %v", msgs, err)
	}
	if msgs[1].Type != chatwoot.MessageActivity || msgs[1].Sender.Type != "" || msgs[2].Type != chatwoot.MessageOutgoing ||
		msgs[2].Sender != (chatwoot.Sender{Type: "user", ID: 14, Name: "Marco Reyes"}) || msgs[2].Attachments != 1 || msgs[0].ConversationDisplayID != 915 {
		t.Errorf("Messages = %+v", msgs)
	}
	if q := f.requests()[4].Query; q != "before=48300" {
		t.Errorf("messages query = %s", q)
	}

	m, err := c.CreateMessage(ctx, 915, chatwoot.NewMessage{Content: "Checking with billing", Private: true, ContentAttributes: map[string]any{"hotdash_draft": "d1"}})
	if err != nil || m.ID != 48300 || !m.Private || m.Type != chatwoot.MessageOutgoing || m.ConversationDisplayID != 915 {
		t.Errorf("CreateMessage = %+v, %v", m, err)
	}
	if b := f.requests()[5].Body; !reflect.DeepEqual(b, map[string]any{"content": "Checking with billing", "message_type": "outgoing", "private": true, "content_attributes": map[string]any{"hotdash_draft": "d1"}}) {
		t.Errorf("create body = %v", b)
	}

	until := time.Unix(1790100000, 500)
	st, err := c.ToggleStatus(ctx, 915, "snoozed", until)
	if err != nil || st != "snoozed" {
		t.Errorf("ToggleStatus = %q, %v", st, err)
	}
	if b := f.requests()[6].Body; !reflect.DeepEqual(b, map[string]any{"status": "snoozed", "snoozed_until": float64(1790100000)}) {
		t.Errorf("toggle_status body = %v", b)
	}
	if _, err := c.ToggleStatus(ctx, 915, "closed", time.Time{}); err == nil {
		t.Error("unknown status accepted")
	}
	if err := c.TogglePriority(ctx, 915, ""); err != nil {
		t.Error(err)
	}
	if b := f.requests()[7].Body; !reflect.DeepEqual(b, map[string]any{"priority": "none"}) {
		t.Errorf("toggle_priority body = %v", b)
	}
	if err := c.TogglePriority(ctx, 915, "critical"); err == nil {
		t.Error("unknown priority accepted")
	}

	n := len(f.requests())
	if err := c.Assign(ctx, 915, chatwoot.Assignment{AssigneeID: 21, TeamID: 5}); err != nil {
		t.Fatal(err)
	}
	if err := c.Assign(ctx, 915, chatwoot.Assignment{Unassign: true}); err != nil {
		t.Fatal(err)
	}
	reqs := f.requests()[n:]
	if len(reqs) != 3 || !reflect.DeepEqual(reqs[0].Body, map[string]any{"team_id": float64(5)}) ||
		!reflect.DeepEqual(reqs[1].Body, map[string]any{"assignee_id": float64(21)}) || !reflect.DeepEqual(reqs[2].Body, map[string]any{"assignee_id": nil}) {
		t.Errorf("assignment requests = %+v", reqs)
	}
	if err := c.Assign(ctx, 915, chatwoot.Assignment{}); err == nil {
		t.Error("empty assignment accepted")
	}

	got, err := c.AddLabels(ctx, 915, "escalation", "billing")
	if err != nil || !reflect.DeepEqual(got, []string{"billing", "vip", "escalation"}) {
		t.Errorf("AddLabels = %v, %v", got, err)
	}
	n = len(f.requests())
	got, err = c.AddLabels(ctx, 915, "vip")
	if err != nil || len(f.requests()) != n+1 || !reflect.DeepEqual(got, []string{"billing", "vip", "escalation"}) {
		t.Errorf("AddLabels of a present label wrote: %v, %v", got, err)
	}
	got, err = c.RemoveLabels(ctx, 915, "vip", "absent")
	if err != nil || !reflect.DeepEqual(got, []string{"billing", "escalation"}) {
		t.Errorf("RemoveLabels = %v, %v", got, err)
	}
	got, err = c.SetLabels(ctx, 915, nil)
	if err != nil || len(got) != 0 || got == nil {
		t.Errorf("SetLabels(nil) = %#v, %v", got, err)
	}
	if b := f.requests()[len(f.requests())-1].Body; !reflect.DeepEqual(b, map[string]any{"labels": []any{}}) {
		t.Errorf("SetLabels(nil) sent %v", b)
	}

	inboxes, err := c.Inboxes(ctx)
	if err != nil || len(inboxes) != 1 || inboxes[0].Timezone != "Europe/Lisbon" || !inboxes[0].WorkingHoursEnabled ||
		inboxes[0].WorkingHours[1] != (chatwoot.WorkingHours{DayOfWeek: 1, OpenHour: 9, CloseHour: 17, CloseMinutes: 30}) || !inboxes[0].WorkingHours[0].ClosedAllDay {
		t.Errorf("Inboxes = %+v, %v", inboxes, err)
	}
	agents, err := c.Agents(ctx)
	if err != nil || len(agents) != 1 || agents[0].AvailabilityStatus != "online" || agents[0].Email != "marco@acme.example" {
		t.Errorf("Agents = %+v, %v", agents, err)
	}
	teams, err := c.Teams(ctx)
	if err != nil || len(teams) != 1 || teams[0] != (chatwoot.TeamDetail{ID: 3, Name: "billing", AllowAutoAssign: true}) {
		t.Errorf("Teams = %+v, %v", teams, err)
	}

	for _, r := range f.requests() {
		if r.Header.Get("api_access_token") != testToken || r.Header.Get("User-Agent") != "hotdash" {
			t.Errorf("%s %s headers: %v", r.Method, r.Path, r.Header)
		}
		if r.Method == "POST" && r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("%s %s content type %q", r.Method, r.Path, r.Header.Get("Content-Type"))
		}
	}
}

func TestClientRetries(t *testing.T) {
	ctx := context.Background()
	t.Run("429 with Retry-After then success", func(t *testing.T) {
		var n counter
		f := newFake(t, func(w http.ResponseWriter, r recorded) {
			n.inc()
			if n.get() == 1 {
				w.Header().Set("Retry-After", "7")
				writeJSON(w, 429, `{"error":"Too many requests"}`)
				return
			}
			writeJSON(w, 200, `{"payload":["a"]}`)
		})
		c, s := newTestClient(t, f.srv.URL, nil)
		got, err := c.Labels(ctx, 1)
		if err != nil || !reflect.DeepEqual(got, []string{"a"}) || !reflect.DeepEqual(s.waits(), []time.Duration{7 * time.Second}) {
			t.Errorf("Labels = %v, %v; waits %v", got, err, s.waits())
		}
	})
	t.Run("Retry-After as a date, and capped", func(t *testing.T) {
		var n counter
		now := time.Date(2026, 9, 22, 9, 0, 0, 0, time.UTC)
		f := newFake(t, func(w http.ResponseWriter, r recorded) {
			switch n.inc() {
			case 1:
				w.Header().Set("Retry-After", now.Add(3*time.Second).Format(http.TimeFormat))
				writeJSON(w, 503, `{}`)
			case 2:
				w.Header().Set("Retry-After", "86400")
				writeJSON(w, 429, `{}`)
			default:
				writeJSON(w, 200, `[]`)
			}
		})
		c, s := newTestClient(t, f.srv.URL, func(c *chatwoot.Config) { c.Clock = clock.NewManual(now) })
		if _, err := c.Agents(ctx); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(s.waits(), []time.Duration{3 * time.Second, time.Minute}) {
			t.Errorf("waits = %v", s.waits())
		}
	})
	t.Run("500 three times then success", func(t *testing.T) {
		var n counter
		f := newFake(t, func(w http.ResponseWriter, r recorded) {
			n.inc()
			if n.get() <= 3 {
				writeJSON(w, 500, `{"error":"boom"}`)
				return
			}
			writeJSON(w, 200, `[]`)
		})
		c, s := newTestClient(t, f.srv.URL, nil)
		if _, err := c.Teams(ctx); err != nil || n.get() != 4 {
			t.Fatalf("Teams: %v after %d attempts", err, n.get())
		}
		if !reflect.DeepEqual(s.waits(), []time.Duration{time.Millisecond, 2 * time.Millisecond, 3 * time.Millisecond}) {
			t.Errorf("backoff waits = %v", s.waits())
		}
	})
	t.Run("500 every time: an APIError after 1+3 attempts", func(t *testing.T) {
		var n counter
		f := newFake(t, func(w http.ResponseWriter, r recorded) {
			n.inc()
			writeJSON(w, 502, `<html>Bad Gateway `+strings.Repeat("x", 2000)+`</html>`)
		})
		c, _ := newTestClient(t, f.srv.URL, nil)
		_, err := c.Conversation(ctx, 915)
		var ae *chatwoot.APIError
		if !errors.As(err, &ae) || ae.Status != 502 || ae.Method != "GET" || ae.Path != "/api/v1/accounts/7/conversations/915" || len(ae.Body) != 512 || n.get() != 4 {
			t.Errorf("err = %v (%d attempts)", err, n.get())
		}
	})
	t.Run("retries disabled", func(t *testing.T) {
		var n counter
		f := newFake(t, func(w http.ResponseWriter, r recorded) { n.inc(); writeJSON(w, 500, `{}`) })
		c, _ := newTestClient(t, f.srv.URL, func(c *chatwoot.Config) { c.Retries = -1 })
		if _, err := c.Teams(ctx); err == nil || n.get() != 1 {
			t.Errorf("%v after %d attempts", err, n.get())
		}
	})
	t.Run("idempotent POSTs are retried", func(t *testing.T) {
		var n counter
		f := newFake(t, func(w http.ResponseWriter, r recorded) {
			n.inc()
			if n.get()%2 == 1 {
				writeJSON(w, 503, `{}`)
				return
			}
			writeJSON(w, 200, `{"payload":{"success":true,"current_status":"resolved","conversation_id":1},"meta":{}}`)
		})
		c, _ := newTestClient(t, f.srv.URL, nil)
		if _, err := c.ToggleStatus(ctx, 1, "resolved", time.Time{}); err != nil || n.get() != 2 {
			t.Errorf("ToggleStatus: %v after %d", err, n.get())
		}
		if err := c.TogglePriority(ctx, 1, "high"); err != nil || n.get() != 4 {
			t.Errorf("TogglePriority: %v after %d", err, n.get())
		}
		if err := c.Assign(ctx, 1, chatwoot.Assignment{AssigneeID: 2}); err != nil || n.get() != 6 {
			t.Errorf("Assign: %v after %d", err, n.get())
		}
	})
	t.Run("CreateMessage is not retried after a 5xx", func(t *testing.T) {
		var n counter
		f := newFake(t, func(w http.ResponseWriter, r recorded) { n.inc(); writeJSON(w, 500, `{}`) })
		c, _ := newTestClient(t, f.srv.URL, nil)
		_, err := c.CreateMessage(ctx, 1, chatwoot.NewMessage{Content: "hello"})
		if chatwootStatus(err) != 500 || n.get() != 1 {
			t.Errorf("%v after %d attempts", err, n.get())
		}
	})
	t.Run("CreateMessage is retried after a 429", func(t *testing.T) {
		var n counter
		f := newFake(t, func(w http.ResponseWriter, r recorded) {
			n.inc()
			if n.get() == 1 {
				w.Header().Set("Retry-After", "1")
				writeJSON(w, 429, `{}`)
				return
			}
			writeJSON(w, 200, `{"id":5,"conversation_id":1,"message_type":1,"content":"hello","created_at":1790000000}`)
		})
		c, _ := newTestClient(t, f.srv.URL, nil)
		if m, err := c.CreateMessage(ctx, 1, chatwoot.NewMessage{Content: "hello"}); err != nil || m.ID != 5 || n.get() != 2 {
			t.Errorf("%+v, %v after %d attempts", m, err, n.get())
		}
	})
	t.Run("CreateMessage is not retried when the connection drops after sending", func(t *testing.T) {
		var n counter
		f := newFake(t, func(w http.ResponseWriter, r recorded) {
			n.inc()
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				_ = conn.Close()
			}
		})
		c, _ := newTestClient(t, f.srv.URL, nil)
		if _, err := c.CreateMessage(ctx, 1, chatwoot.NewMessage{Content: "hello"}); err == nil || n.get() != 1 {
			t.Errorf("%v after %d attempts", err, n.get())
		}
		// A GET is retried on the same failure.
		n.reset()
		if _, err := c.Labels(ctx, 1); err == nil || n.get() != 4 {
			t.Errorf("GET: %v after %d attempts", err, n.get())
		}
	})
	t.Run("CreateMessage is retried when the connection was refused", func(t *testing.T) {
		url := closedURL(t)
		c, s := newTestClient(t, url, nil)
		_, err := c.CreateMessage(ctx, 1, chatwoot.NewMessage{Content: "hello"})
		if err == nil || len(s.waits()) != 3 {
			t.Errorf("%v, waits %v", err, s.waits())
		}
		if !strings.Contains(err.Error(), "POST /api/v1/accounts/7/conversations/1/messages") {
			t.Errorf("error does not say what failed: %v", err)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		release := make(chan struct{})
		var n counter
		f := newFake(t, func(w http.ResponseWriter, r recorded) {
			n.inc()
			<-release
		})
		defer close(release)
		c, s := newTestClient(t, f.srv.URL, func(c *chatwoot.Config) { c.HTTP = &http.Client{Timeout: 50 * time.Millisecond} })
		_, err := c.Inboxes(ctx)
		var ne net.Error
		if err == nil || !errors.As(err, &ne) || !ne.Timeout() || len(s.waits()) != 3 {
			t.Errorf("%v (%T), waits %v", err, err, s.waits())
		}
	})
	t.Run("context cancelled while waiting", func(t *testing.T) {
		f := newFake(t, func(w http.ResponseWriter, r recorded) { writeJSON(w, 503, `{}`) })
		cctx, cancel := context.WithCancel(ctx)
		c, _ := newTestClient(t, f.srv.URL, func(c *chatwoot.Config) {
			c.Sleep = func(context.Context, time.Duration) error { cancel(); return context.Canceled }
		})
		_, err := c.Teams(cctx)
		if chatwootStatus(err) != 503 {
			t.Errorf("err = %v", err)
		}
	})
}

// counter counts requests a fake handled (handlers run on other goroutines).
type counter struct{ v atomic.Int64 }

func (c *counter) inc() int64 { return c.v.Add(1) }
func (c *counter) get() int64 { return c.v.Load() }
func (c *counter) reset()     { c.v.Store(0) }

func chatwootStatus(err error) int {
	var ae *chatwoot.APIError
	if errors.As(err, &ae) {
		return ae.Status
	}
	return 0
}

// closedURL returns the URL of a port nothing listens on.
func closedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return "http://" + addr
}

func TestClientErrors(t *testing.T) {
	ctx := context.Background()
	t.Run("401", func(t *testing.T) {
		var n counter
		f := newFake(t, func(w http.ResponseWriter, r recorded) {
			n.inc()
			writeJSON(w, 401, `{"error":"Invalid Access Token"}`)
		})
		c, _ := newTestClient(t, f.srv.URL, nil)
		_, err := c.Profile(ctx)
		if !chatwoot.IsUnauthorized(err) || chatwoot.IsNotFound(err) || n.get() != 1 || !strings.Contains(err.Error(), "Invalid Access Token") {
			t.Errorf("err = %v after %d attempts", err, n.get())
		}
	})
	t.Run("404", func(t *testing.T) {
		f := newFake(t, func(w http.ResponseWriter, r recorded) { writeJSON(w, 404, `{"error":"Resource could not be found"}`) })
		c, _ := newTestClient(t, f.srv.URL, nil)
		if _, err := c.Conversation(ctx, 99); !chatwoot.IsNotFound(err) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("malformed JSON", func(t *testing.T) {
		for _, body := range []string{`{"data":`, `<html>ok</html>`, `{"data":{"payload":[{"id":"x"}]}}`, `{}`, `{"data":{"payload":5}}`} {
			f := newFake(t, func(w http.ResponseWriter, r recorded) { writeJSON(w, 200, body) })
			c, _ := newTestClient(t, f.srv.URL, nil)
			if _, err := c.ListConversations(ctx, chatwoot.ListOptions{}); err == nil || !strings.Contains(err.Error(), "decode") {
				t.Errorf("%s: err = %v", body, err)
			}
		}
	})
	t.Run("bad config", func(t *testing.T) {
		for _, cfg := range []chatwoot.Config{
			{BaseURL: "", Token: testToken, AccountID: 1},
			{BaseURL: "ftp://x", Token: testToken, AccountID: 1},
			{BaseURL: "http://x", AccountID: 1},
			{BaseURL: "http://x", Token: testToken},
		} {
			if _, err := chatwoot.NewClient(cfg); err == nil || strings.Contains(err.Error(), testToken) {
				t.Errorf("%+v: %v", cfg, err)
			}
		}
	})
}

// TestTokenNeverInErrors makes requests fail in every way it can and checks
// that no error message carries the token, even when the server echoes it.
func TestTokenNeverInErrors(t *testing.T) {
	ctx := context.Background()
	echo := func(status int) func(w http.ResponseWriter, r recorded) {
		return func(w http.ResponseWriter, r recorded) {
			writeJSON(w, status, `{"error":"bad token `+r.Header.Get("api_access_token")+`","headers":"`+strings.Repeat("api_access_token: "+r.Header.Get("api_access_token")+" ", 30)+`"}`)
		}
	}
	var errs []error
	collect := func(_ any, err error) { errs = append(errs, err) }
	for _, status := range []int{400, 401, 403, 404, 422, 429, 500, 503} {
		f := newFake(t, echo(status))
		c, _ := newTestClient(t, f.srv.URL, nil)
		collect(c.Profile(ctx))
		collect(c.CreateMessage(ctx, 1, chatwoot.NewMessage{Content: "x"}))
		errs = append(errs, c.TogglePriority(ctx, 1, "high"))
	}
	// Malformed answers that echo the token.
	f := newFake(t, func(w http.ResponseWriter, r recorded) {
		writeJSON(w, 200, `{"data":"`+r.Header.Get("api_access_token")+`"`)
	})
	c, _ := newTestClient(t, f.srv.URL, nil)
	collect(c.ListConversations(ctx, chatwoot.ListOptions{}))
	collect(c.Health(ctx))
	// Connection refused, dropped, timed out.
	c, _ = newTestClient(t, closedURL(t), nil)
	collect(c.Agents(ctx))
	collect(c.CreateMessage(ctx, 1, chatwoot.NewMessage{Content: "x"}))
	f = newFake(t, func(w http.ResponseWriter, r recorded) {
		conn, _, _ := w.(http.Hijacker).Hijack()
		_ = conn.Close()
	})
	c, _ = newTestClient(t, f.srv.URL, nil)
	collect(c.Teams(ctx))
	f = newFake(t, func(w http.ResponseWriter, r recorded) { time.Sleep(100 * time.Millisecond) })
	c, _ = newTestClient(t, f.srv.URL, func(c *chatwoot.Config) { c.HTTP = &http.Client{Timeout: 20 * time.Millisecond}; c.Retries = -1 })
	collect(c.Inboxes(ctx))
	// A token that is not a valid header value.
	c, _ = newTestClient(t, f.srv.URL, func(c *chatwoot.Config) { c.Token = testToken + "\n" })
	collect(c.Agents(ctx))
	// A cancelled context.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	c, _ = newTestClient(t, f.srv.URL, nil)
	collect(c.Agents(cctx))

	for i, err := range errs {
		if err == nil {
			t.Errorf("request %d did not fail", i)
			continue
		}
		if strings.Contains(err.Error(), testToken) {
			t.Errorf("error %d carries the token: %v", i, err)
		}
	}
}

func TestDefaultBackoff(t *testing.T) {
	for attempt, want := range map[int]time.Duration{1: 250 * time.Millisecond, 2: 500 * time.Millisecond, 3: time.Second, 5: 4 * time.Second, 6: 5 * time.Second, 40: 5 * time.Second} {
		for range 50 {
			d := chatwoot.DefaultBackoff(attempt)
			if d < want/2 || d > want {
				t.Fatalf("DefaultBackoff(%d) = %v, want within [%v, %v]", attempt, d, want/2, want)
			}
		}
	}
}
