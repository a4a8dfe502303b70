package chatwoot_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hotdash/hotdash/internal/chatwoot"
)

// The fixtures in testdata are copies of ../shared/reference/chatwoot-fixtures
// (payloads composed from the reference's field lists, not captured). Their
// ISO dates and unix times are a day apart (09-21 vs 09-22); the tests take
// each value as written.
func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func decodeFixture(t *testing.T, name string) chatwoot.Event {
	t.Helper()
	ev, err := chatwoot.DecodeEvent(readFixture(t, name))
	if err != nil {
		t.Fatalf("decode %s: %v", name, err)
	}
	return ev
}

func iso(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return v.UTC()
}

func unix(sec int64, nsec int64) time.Time { return time.Unix(sec, nsec).UTC() }

type check struct {
	name      string
	got, want any
}

func runChecks(t *testing.T, checks []check) {
	t.Helper()
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %#v, want %#v", c.name, c.got, c.want)
		}
	}
}

func TestDecodeFixtureMessageCreatedIncoming(t *testing.T) {
	ev := decodeFixture(t, "composed_message_created_incoming.json")
	if ev.Message == nil || ev.Conversation == nil || ev.Contact != nil {
		t.Fatalf("objects: message %v conversation %v contact %v", ev.Message != nil, ev.Conversation != nil, ev.Contact != nil)
	}
	m, c := ev.Message, ev.Conversation
	runChecks(t, []check{
		{"Name", ev.Name, chatwoot.EventMessageCreated},
		{"Account", ev.Account, chatwoot.Account{ID: 7, Name: "Acme Support"}},
		{"Changed", ev.Changed, map[string]chatwoot.Change(nil)},
		{"Message.ID", m.ID, int64(48211)},
		{"Message.ConversationDisplayID", m.ConversationDisplayID, int64(915)},
		{"Message.AccountID", m.AccountID, int64(7)},
		{"Message.InboxID", m.InboxID, int64(12)},
		{"Message.Content", m.Content, "Hi, my invoice INV-2291 was charged twice. Can you refund one?"},
		{"Message.Type", m.Type, chatwoot.MessageIncoming},
		{"Message.Private", m.Private, false},
		{"Message.ContentType", m.ContentType, "text"},
		{"Message.ContentAttributes", string(m.ContentAttributes), "{}"},
		{"Message.SourceID", m.SourceID, ""},
		{"Message.CreatedAt", m.CreatedAt, iso(t, "2026-09-21T09:14:05.412Z")},
		// The contact's webhook object has no "type": incoming means contact.
		{"Message.Sender", m.Sender, chatwoot.Sender{Type: chatwoot.SenderContact, ID: 3301, Name: "Dana Silva", Email: "dana@example.com"}},
		{"Message.Attachments", m.Attachments, 0},
		{"DisplayID", c.DisplayID, int64(915)},
		{"AccountID", c.AccountID, int64(7)},
		{"InboxID", c.InboxID, int64(12)},
		{"InboxName", c.InboxName, "Website Chat"},
		{"Channel", c.Channel, "Channel::WebWidget"},
		{"Status", c.Status, "open"},
		{"Priority", c.Priority, "high"},
		{"Labels", c.Labels, []string{"billing"}},
		{"Assignee", c.Assignee, (*chatwoot.User)(nil)},
		{"Team", c.Team, &chatwoot.Team{ID: 3, Name: "billing"}},
		{"Contact", c.Contact, &chatwoot.Contact{ID: 3301, Name: "Dana Silva", Email: "dana@example.com", Identifier: "cust_8812"}},
		{"CreatedAt", c.CreatedAt, unix(1790068420, 0)},
		{"UpdatedAt", c.UpdatedAt, unix(1790068445, 420000000)},
		{"LastActivityAt", c.LastActivityAt, unix(1790068445, 0)},
		{"WaitingSince", c.WaitingSince, unix(1790068420, 0)},
		{"FirstReplyCreatedAt", c.FirstReplyCreatedAt.IsZero(), true},
		{"SnoozedUntil", c.SnoozedUntil.IsZero(), true},
		{"CanReply", c.CanReply, true},
		{"UnreadCount", c.UnreadCount, int64(1)},
		{"SLAPolicyID", c.SLAPolicyID, int64(2)},
		{"len(Messages)", len(c.Messages), 1},
	})
	if !strings.Contains(string(c.AppliedSLA), `"sla_frt_due_at": 1790070220`) {
		t.Errorf("AppliedSLA = %s", c.AppliedSLA)
	}
	if len(c.Messages) == 1 {
		n := c.Messages[0]
		runChecks(t, []check{
			{"nested.ID", n.ID, int64(48211)},
			{"nested.Type", n.Type, chatwoot.MessageIncoming},
			{"nested.ConversationDisplayID", n.ConversationDisplayID, int64(915)},
			{"nested.CreatedAt", n.CreatedAt, unix(1790068445, 0)},
			{"nested.UpdatedAt", n.UpdatedAt, iso(t, "2026-09-21T09:14:05.412Z")},
			{"nested.Status", n.Status, "sent"},
			{"nested.Sender", n.Sender, chatwoot.Sender{Type: chatwoot.SenderContact, ID: 3301, Name: "Dana Silva"}},
			{"nested.AccountID", n.AccountID, int64(7)},
		})
	}
	if string(ev.Raw) != strings.TrimSpace(string(readFixture(t, "composed_message_created_incoming.json"))) {
		t.Error("Raw is not the body")
	}
	if got, want := chatwoot.EventKey(ev), "event:message_created:message:48211:"+itoa(iso(t, "2026-09-21T09:14:05.412Z").UnixMicro()); got != want {
		t.Errorf("EventKey = %q, want %q", got, want)
	}
}

func TestDecodeFixturePrivateNote(t *testing.T) {
	ev := decodeFixture(t, "composed_message_created_private_note.json")
	m, c := ev.Message, ev.Conversation
	runChecks(t, []check{
		{"Message.ID", m.ID, int64(48230)},
		{"Message.Type", m.Type, chatwoot.MessageOutgoing},
		{"Message.Private", m.Private, true},
		{"Message.Sender", m.Sender, chatwoot.Sender{Type: chatwoot.SenderUser, ID: 14, Name: "Marco Reyes", Email: "marco@acme.example"}},
		{"Message.CreatedAt", m.CreatedAt, iso(t, "2026-09-21T09:20:51.007Z")},
		{"Message.ConversationDisplayID", m.ConversationDisplayID, int64(915)},
		{"Assignee", c.Assignee, &chatwoot.User{ID: 14, Name: "Marco Reyes"}},
		{"AppliedSLA", c.AppliedSLA, json.RawMessage(nil)},
		{"WaitingSince", c.WaitingSince, unix(1790068420, 0)},
		{"UpdatedAt", c.UpdatedAt, unix(1790068851, 10000000)},
		{"UnreadCount", c.UnreadCount, int64(0)},
		// The nested message has no sender object: sender_type decides.
		{"nested.Sender", c.Messages[0].Sender, chatwoot.Sender{Type: chatwoot.SenderContact, ID: 3301}},
		{"nested.Type", c.Messages[0].Type, chatwoot.MessageIncoming},
	})
	if !strings.HasPrefix(m.Content, "[@Priya](mention://user/19/Priya)") {
		t.Errorf("Content = %q", m.Content)
	}
}

func TestDecodeFixtureStatusChangedResolved(t *testing.T) {
	ev := decodeFixture(t, "composed_conversation_status_changed_resolved.json")
	if ev.Message != nil || ev.Contact != nil || ev.Conversation == nil {
		t.Fatal("want only a conversation")
	}
	c := ev.Conversation
	runChecks(t, []check{
		{"Name", ev.Name, chatwoot.EventConversationStatusChanged},
		{"Account", ev.Account, chatwoot.Account{ID: 7, Name: "Acme Support"}},
		{"DisplayID", c.DisplayID, int64(915)},
		{"AccountID", c.AccountID, int64(7)},
		{"Status", c.Status, "resolved"},
		{"Labels", c.Labels, []string{"billing", "refund"}},
		{"WaitingSince zero (0 = not waiting)", c.WaitingSince, time.Time{}},
		{"FirstReplyCreatedAt", c.FirstReplyCreatedAt, iso(t, "2026-09-21T09:31:02.554Z")},
		{"UpdatedAt", c.UpdatedAt, unix(1790079020, 770000000)},
		{"Assignee", c.Assignee, &chatwoot.User{ID: 14, Name: "Marco Reyes"}},
		{"nested.Type", c.Messages[0].Type, chatwoot.MessageOutgoing},
		{"nested.Sender", c.Messages[0].Sender, chatwoot.Sender{Type: chatwoot.SenderUser, ID: 14, Name: "Marco Reyes"}},
		{"nested.Content", c.Messages[0].Content, "Refund issued, you'll see it in 3-5 days."},
		{"Changed[status]", ev.Changed["status"], chatwoot.Change{Previous: json.RawMessage(`"open"`), Current: json.RawMessage(`"resolved"`)}},
		{"Changed[updated_at]", ev.Changed["updated_at"], chatwoot.Change{Previous: json.RawMessage(`"2026-09-21T12:10:10.301Z"`), Current: json.RawMessage(`"2026-09-21T12:10:20.771Z"`)}},
		{"len(Changed)", len(ev.Changed), 2},
	})
	if !strings.Contains(string(c.AppliedSLA), "active_with_misses") {
		t.Errorf("AppliedSLA = %s", c.AppliedSLA)
	}
	if got, want := chatwoot.EventKey(ev), "event:conversation_status_changed:conversation:915:1790079020770000"; got != want {
		t.Errorf("EventKey = %q, want %q", got, want)
	}
}

func TestDecodeFixtureConversationUpdatedEscalation(t *testing.T) {
	ev := decodeFixture(t, "composed_conversation_updated_escalation.json")
	c := ev.Conversation
	runChecks(t, []check{
		{"Name", ev.Name, chatwoot.EventConversationUpdated},
		{"DisplayID", c.DisplayID, int64(1022)},
		{"InboxID", c.InboxID, int64(4)},
		{"InboxName (not in conversation payloads)", c.InboxName, ""},
		{"Channel", c.Channel, "Channel::Email"},
		{"Status", c.Status, "open"},
		{"Priority", c.Priority, "urgent"},
		{"Labels", c.Labels, []string{"outage", "escalated"}},
		{"Assignee", c.Assignee, &chatwoot.User{ID: 21, Name: "Lee Tanaka"}},
		{"Team", c.Team, &chatwoot.Team{ID: 5, Name: "tier2"}},
		{"Contact", c.Contact, &chatwoot.Contact{ID: 4077, Name: "Customer Ops", Email: "ops@customer.example"}},
		{"CreatedAt", c.CreatedAt, unix(1790136131, 0)},
		{"WaitingSince", c.WaitingSince, unix(1790150400, 0)},
		{"FirstReplyCreatedAt", c.FirstReplyCreatedAt, iso(t, "2026-09-22T08:15:44.900Z")},
		{"UnreadCount", c.UnreadCount, int64(2)},
		{"SLAPolicyID", c.SLAPolicyID, int64(0)},
		{"nested.ContentType", c.Messages[0].ContentType, "incoming_email"},
		{"nested.ContentAttributes", compact(t, c.Messages[0].ContentAttributes), `{"email":{"subject":"Re: API returning 502 since 08:00"}}`},
		{"Changed[assignee_id]", ev.Changed["assignee_id"], chatwoot.Change{Previous: json.RawMessage(`14`), Current: json.RawMessage(`21`)}},
		{"Changed[team_id]", ev.Changed["team_id"], chatwoot.Change{Previous: json.RawMessage(`2`), Current: json.RawMessage(`5`)}},
		{"Changed[priority]", ev.Changed["priority"], chatwoot.Change{Previous: json.RawMessage(`"high"`), Current: json.RawMessage(`"urgent"`)}},
		{"len(Changed)", len(ev.Changed), 4},
	})
}

func TestMessageTypeForms(t *testing.T) {
	for _, tc := range []struct {
		raw  string
		want chatwoot.MessageType
		err  bool
	}{
		{`"incoming"`, chatwoot.MessageIncoming, false},
		{`"outgoing"`, chatwoot.MessageOutgoing, false},
		{`"activity"`, chatwoot.MessageActivity, false},
		{`"template"`, chatwoot.MessageTemplate, false},
		{`"Incoming"`, chatwoot.MessageIncoming, false},
		{`0`, chatwoot.MessageIncoming, false},
		{`1`, chatwoot.MessageOutgoing, false},
		{`2`, chatwoot.MessageActivity, false},
		{`3`, chatwoot.MessageTemplate, false},
		{`1.0`, chatwoot.MessageOutgoing, false},
		{`"1"`, chatwoot.MessageOutgoing, false},
		{`null`, "", false},
		{`4`, "", true},
		{`-1`, "", true},
		{`"bogus"`, "", true},
		{`true`, "", true},
		{`{}`, "", true},
	} {
		var got chatwoot.MessageType
		err := json.Unmarshal([]byte(tc.raw), &got)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("%s: got %q, %v; want %q, error %v", tc.raw, got, err, tc.want, tc.err)
		}
		// The same value inside a webhook message.
		body := `{"event":"message_created","id":1,"message_type":` + tc.raw + `,"conversation":{"id":2}}`
		ev, err := chatwoot.DecodeEvent([]byte(body))
		if tc.raw == "null" {
			if err == nil {
				t.Errorf("message_type null at the top level: want an error")
			}
			continue
		}
		if tc.err {
			var fe *chatwoot.FieldError
			if !errors.As(err, &fe) || fe.Field != "message_type" {
				t.Errorf("%s in a webhook: err %v, want a FieldError on message_type", tc.raw, err)
			}
			continue
		}
		if err != nil || ev.Message.Type != tc.want {
			t.Errorf("%s in a webhook: %v, %v", tc.raw, ev.Message, err)
		}
	}
	if chatwoot.MessageTemplate.Code() != 3 || chatwoot.MessageActivity.Code() != 2 || chatwoot.MessageType("x").Code() != -1 {
		t.Error("Code")
	}
	b, _ := json.Marshal(chatwoot.MessageOutgoing)
	if string(b) != `"outgoing"` {
		t.Errorf("marshal: %s", b)
	}
}

func TestParseTimeForms(t *testing.T) {
	for _, tc := range []struct {
		raw  string
		want time.Time
		err  bool
	}{
		{`"2026-09-21T09:14:05.412Z"`, unix(1790068445-86400, 412000000), false},
		{`"2026-09-21T09:14:05Z"`, unix(1790068445-86400, 0), false},
		{`"2026-09-21T10:14:05+01:00"`, unix(1790068445-86400, 0), false},
		{`"2026-09-21T10:14:05.5+0100"`, unix(1790068445-86400, 500000000), false},
		{`"2026-09-21T09:14:05"`, unix(1790068445-86400, 0), false},
		{`"2026-09-21T09:14:05.123456789"`, unix(1790068445-86400, 123456789), false},
		{`"2026-09-21 09:14:05"`, unix(1790068445-86400, 0), false},
		{`"2026-09-21 09:14:05 UTC"`, unix(1790068445-86400, 0), false},
		{`"2026-09-21 11:14:05 +0200"`, unix(1790068445-86400, 0), false},
		{`"2026-09-21"`, unix(1790035200-86400, 0), false},
		{`1790068445`, unix(1790068445, 0), false},
		{`1790068445.42`, unix(1790068445, 420000000), false},
		{`1790068445.000001`, unix(1790068445, 1000), false},
		{`1.790068445e9`, unix(1790068445, 0), false},
		{`"1790068445"`, unix(1790068445, 0), false},
		{`"1790068445.77"`, unix(1790068445, 770000000), false},
		{` 1790068445 `, unix(1790068445, 0), false},
		{`null`, time.Time{}, false},
		{``, time.Time{}, false},
		{`0`, time.Time{}, false},
		{`0.0`, time.Time{}, false},
		{`""`, time.Time{}, false},
		{`"0"`, time.Time{}, false},
		{`"yesterday"`, time.Time{}, true},
		{`"2026-09-21 09:14:05 CEST"`, time.Time{}, true}, // an abbreviation Go would read as UTC
		{`true`, time.Time{}, true},
		{`{}`, time.Time{}, true},
		{`[]`, time.Time{}, true},
		{`1e300`, time.Time{}, true},
		{`99999999999999999999`, time.Time{}, true},
		{`"10000-01-01T00:00:00Z"`, time.Time{}, true},
	} {
		got, err := chatwoot.ParseTime([]byte(tc.raw))
		if (err != nil) != tc.err || !got.Equal(tc.want) || (err == nil && !got.IsZero() && got.Location() != time.UTC) {
			t.Errorf("ParseTime(%s) = %v, %v; want %v, error %v", tc.raw, got, err, tc.want, tc.err)
		}
		var wrapped chatwoot.Time
		if tc.raw != "" {
			err = json.Unmarshal([]byte(tc.raw), &wrapped)
			if (err != nil) != tc.err || !wrapped.Equal(tc.want) {
				t.Errorf("Time.UnmarshalJSON(%s) = %v, %v", tc.raw, wrapped, err)
			}
		}
	}
	b, _ := json.Marshal(struct{ A, B chatwoot.Time }{A: chatwoot.Time{Time: unix(1790068445, 5e8)}})
	if string(b) != `{"A":"2026-09-22T09:14:05.5Z","B":null}` {
		t.Errorf("marshal: %s", b)
	}
}

func TestTimestampFormsInConversation(t *testing.T) {
	// Every conversation time field accepts every form; waiting_since 0 is
	// "not waiting".
	for _, form := range []string{`1790068445`, `1790068445.0`, `"1790068445"`, `"2026-09-22T09:14:05Z"`, `"2026-09-22T09:14:05.000Z"`} {
		body := `{"event":"conversation_updated","id":5,"status":"open","created_at":` + form +
			`,"updated_at":` + form + `,"last_activity_at":` + form + `,"waiting_since":` + form +
			`,"first_reply_created_at":` + form + `,"snoozed_until":` + form + `}`
		ev, err := chatwoot.DecodeEvent([]byte(body))
		if err != nil {
			t.Fatalf("%s: %v", form, err)
		}
		c := ev.Conversation
		want := unix(1790068445, 0)
		for name, got := range map[string]time.Time{"created_at": c.CreatedAt, "updated_at": c.UpdatedAt, "last_activity_at": c.LastActivityAt,
			"waiting_since": c.WaitingSince, "first_reply_created_at": c.FirstReplyCreatedAt, "snoozed_until": c.SnoozedUntil} {
			if !got.Equal(want) {
				t.Errorf("%s as %s = %v", name, form, got)
			}
		}
	}
	for _, zero := range []string{`0`, `null`, `""`, `0.0`} {
		ev, err := chatwoot.DecodeEvent([]byte(`{"event":"conversation_updated","id":5,"waiting_since":` + zero + `,"snoozed_until":` + zero + `}`))
		if err != nil || !ev.Conversation.WaitingSince.IsZero() || !ev.Conversation.SnoozedUntil.IsZero() {
			t.Errorf("waiting_since %s: %v, %v", zero, ev.Conversation, err)
		}
	}
	// No updated_at and no last_activity_at: "timestamp" stands in.
	ev, err := chatwoot.DecodeEvent([]byte(`{"event":"conversation_created","id":5,"timestamp":1790068445}`))
	if err != nil || !ev.Conversation.LastActivityAt.Equal(unix(1790068445, 0)) {
		t.Errorf("timestamp fallback: %v, %v", ev.Conversation, err)
	}
	if got := chatwoot.EventKey(ev); got != "event:conversation_created:conversation:5:1790068445000000" {
		t.Errorf("EventKey with last_activity_at: %s", got)
	}
}

func TestChangedAttributes(t *testing.T) {
	for _, tc := range []struct {
		name    string
		changed string
		want    map[string]chatwoot.Change
		errPath string
	}{
		{"array of single-key objects", `[{"status":{"previous_value":"open","current_value":"snoozed"}},{"snoozed_until":{"previous_value":null,"current_value":"2026-09-22T10:00:00.000Z"}}]`,
			map[string]chatwoot.Change{
				"status":        {Previous: json.RawMessage(`"open"`), Current: json.RawMessage(`"snoozed"`)},
				"snoozed_until": {Previous: json.RawMessage(`null`), Current: json.RawMessage(`"2026-09-22T10:00:00.000Z"`)},
			}, ""},
		{"label list", `[{"label_list":{"previous_value":["a"],"current_value":["a","b"]}}]`,
			map[string]chatwoot.Change{"label_list": {Previous: json.RawMessage(`["a"]`), Current: json.RawMessage(`["a","b"]`)}}, ""},
		{"missing values are null", `[{"assignee_id":{}}]`,
			map[string]chatwoot.Change{"assignee_id": {Previous: json.RawMessage(`null`), Current: json.RawMessage(`null`)}}, ""},
		{"several keys in one entry", `[{"a":{"previous_value":1,"current_value":2},"b":{"previous_value":3,"current_value":4}}]`,
			map[string]chatwoot.Change{"a": {Previous: json.RawMessage(`1`), Current: json.RawMessage(`2`)}, "b": {Previous: json.RawMessage(`3`), Current: json.RawMessage(`4`)}}, ""},
		{"object form", `{"priority":{"previous_value":null,"current_value":"high"}}`,
			map[string]chatwoot.Change{"priority": {Previous: json.RawMessage(`null`), Current: json.RawMessage(`"high"`)}}, ""},
		{"empty array", `[]`, map[string]chatwoot.Change{}, ""},
		{"null", `null`, nil, ""},
		{"not an array", `"status"`, nil, "changed_attributes"},
		{"entry not an object", `[1]`, nil, "changed_attributes[0]"},
		{"values not an object", `[{"status":"open"}]`, nil, "changed_attributes[0].status"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := chatwoot.DecodeEvent([]byte(`{"event":"conversation_updated","id":9,"changed_attributes":` + tc.changed + `}`))
			if tc.errPath != "" {
				var fe *chatwoot.FieldError
				if !errors.As(err, &fe) || fe.Field != tc.errPath || !errors.Is(err, chatwoot.ErrInvalidPayload) {
					t.Fatalf("err = %v, want a FieldError on %s", err, tc.errPath)
				}
				if ev.Name != "conversation_updated" || len(ev.Raw) == 0 || ev.Conversation != nil {
					t.Errorf("on a field error the event keeps Name and Raw only: %+v", ev)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(ev.Changed, tc.want) {
				t.Errorf("Changed = %v, want %v", ev.Changed, tc.want)
			}
		})
	}
}

func TestDecodeMalformed(t *testing.T) {
	for _, tc := range []struct{ body, reason string }{
		{``, "not JSON"},
		{`{`, "not JSON"},
		{`{"event":"message_created"} trailing`, "not JSON"},
		{"\xff", "not JSON"},
		{`[]`, "not a JSON object"},
		{`"message_created"`, "not a JSON object"},
		{`null`, "not a JSON object"},
		{`{}`, "no event name"},
		{`{"event":""}`, "no event name"},
		{`{"event":"  "}`, "no event name"},
		{`{"event":5}`, "no event name"},
		{`{"event":null,"id":1}`, "no event name"},
	} {
		_, err := chatwoot.DecodeEvent([]byte(tc.body))
		var me *chatwoot.MalformedError
		if !errors.As(err, &me) || me.Reason != tc.reason || !errors.Is(err, chatwoot.ErrInvalidPayload) {
			t.Errorf("%q: err = %v, want MalformedError %q", tc.body, err, tc.reason)
		}
	}
}

func TestDecodeFieldErrors(t *testing.T) {
	for _, tc := range []struct{ body, field string }{
		{`{"event":"conversation_updated"}`, "id"},
		{`{"event":"conversation_updated","id":"abc"}`, "id"},
		{`{"event":"conversation_updated","id":1.5}`, "id"},
		{`{"event":"conversation_updated","id":1,"status":3}`, "status"},
		{`{"event":"conversation_updated","id":1,"labels":"billing"}`, "labels"},
		{`{"event":"conversation_updated","id":1,"labels":[1]}`, "labels"},
		{`{"event":"conversation_updated","id":1,"inbox_id":{}}`, "inbox_id"},
		{`{"event":"conversation_updated","id":1,"meta":[]}`, "meta"},
		{`{"event":"conversation_updated","id":1,"meta":{"assignee":{"id":{}}}}`, "meta.assignee.id"},
		{`{"event":"conversation_updated","id":1,"meta":{"assignee":{"name":"x"}}}`, "meta.assignee.id"},
		{`{"event":"conversation_updated","id":1,"meta":{"team":{"id":1,"name":5}}}`, "meta.team.name"},
		{`{"event":"conversation_updated","id":1,"meta":{"sender":{"id":1,"email":false}}}`, "meta.sender.email"},
		{`{"event":"conversation_updated","id":1,"waiting_since":"soon"}`, "waiting_since"},
		{`{"event":"conversation_updated","id":1,"updated_at":true}`, "updated_at"},
		{`{"event":"automation_event.conversation_created","id":"x"}`, "id"},
		{`{"event":"message_created","id":1,"message_type":"incoming"}`, "conversation"},
		{`{"event":"message_created","id":1,"message_type":"incoming","conversation":5}`, "conversation"},
		{`{"event":"message_created","message_type":"incoming","conversation":{"id":1}}`, "id"},
		{`{"event":"message_created","id":1,"conversation":{"id":1}}`, "message_type"},
		{`{"event":"message_created","id":1,"message_type":"incoming","content":7,"conversation":{"id":1}}`, "content"},
		{`{"event":"message_created","id":1,"message_type":"incoming","private":"no","conversation":{"id":1}}`, "private"},
		{`{"event":"message_created","id":1,"message_type":"incoming","created_at":"later","conversation":{"id":1}}`, "created_at"},
		{`{"event":"message_created","id":1,"message_type":"incoming","sender":{"id":"me"},"conversation":{"id":1}}`, "sender.id"},
		{`{"event":"message_created","id":1,"message_type":"incoming","conversation":{"id":1,"status":false}}`, "conversation.status"},
		{`{"event":"message_created","id":1,"message_type":"incoming","conversation":{"id":1,"meta":{"team":{"id":"t"}}}}`, "conversation.meta.team.id"},
		{`{"event":"contact_created","name":"x"}`, "id"},
		{`{"event":"contact_updated","id":3,"phone_number":5}`, "phone_number"},
	} {
		_, err := chatwoot.DecodeEvent([]byte(tc.body))
		var fe *chatwoot.FieldError
		if !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("%s: err = %v, want a FieldError on %q", tc.body, err, tc.field)
			continue
		}
		if !strings.Contains(err.Error(), tc.field) {
			t.Errorf("error %q does not name %s", err, tc.field)
		}
	}
}

func TestDecodeIgnoresWrongTypesInUnusedFields(t *testing.T) {
	var m map[string]any
	if err := json.Unmarshal(readFixture(t, "composed_message_created_incoming.json"), &m); err != nil {
		t.Fatal(err)
	}
	conv := m["conversation"].(map[string]any)
	m["content_attributes"] = "not an object"
	m["additional_attributes"] = 5
	m["source_id"] = 12345
	m["attachments"] = map[string]any{"odd": true}
	m["inbox"] = "Website Chat"
	m["brand_new_field"] = []any{1, "two"}
	conv["can_reply"] = "yes"
	conv["unread_count"] = "many"
	conv["custom_attributes"] = []any{}
	conv["additional_attributes"] = "x"
	conv["contact_inbox"] = 7
	conv["applied_sla"] = 5
	conv["sla_events"] = "none"
	conv["sla_policy_id"] = "two"
	conv["agent_last_seen_at"] = "whenever"
	conv["messages"] = []any{"garbage", map[string]any{"id": "x"}, map[string]any{"id": 7, "message_type": 9}, map[string]any{"id": 8, "message_type": 1}}
	conv["meta"].(map[string]any)["hmac_verified"] = "maybe"
	conv["meta"].(map[string]any)["sender"].(map[string]any)["thumbnail"] = 0
	body, _ := json.Marshal(m)
	ev, err := chatwoot.DecodeEvent(body)
	if err != nil {
		t.Fatal(err)
	}
	c := ev.Conversation
	if c.CanReply || c.UnreadCount != 0 || c.AppliedSLA != nil || c.SLAPolicyID != 0 || ev.Message.ContentAttributes != nil ||
		ev.Message.SourceID != "12345" || ev.Message.Attachments != 0 || c.InboxName != "" {
		t.Errorf("lenient fields: %+v %+v", c, ev.Message)
	}
	if len(c.Messages) != 1 || c.Messages[0].ID != 8 {
		t.Errorf("nested messages that do not decode are left out: %+v", c.Messages)
	}
	if ev.Message.ID != 48211 || c.DisplayID != 915 || c.Team.ID != 3 {
		t.Error("needed fields lost")
	}
}

func TestDecodeOtherEvents(t *testing.T) {
	t.Run("unknown event", func(t *testing.T) {
		ev, err := chatwoot.DecodeEvent([]byte(`{"event":"contact_won","id":"whatever","account":{"id":"x"}}`))
		if err != nil || ev.Name != "contact_won" || ev.Conversation != nil || ev.Message != nil || ev.Contact != nil || ev.Changed != nil || ev.Account != (chatwoot.Account{}) || len(ev.Raw) == 0 {
			t.Errorf("%+v, %v", ev, err)
		}
		if chatwoot.IsKnownEvent("contact_won") || !chatwoot.IsKnownEvent("automation_event.message_created") || !chatwoot.IsKnownEvent("inbox_updated") {
			t.Error("IsKnownEvent")
		}
		if k := chatwoot.EventKey(ev); !strings.HasPrefix(k, "event:contact_won:body:") || !strings.HasSuffix(k, ":0") {
			t.Errorf("EventKey = %s", k)
		}
	})
	t.Run("inbox event", func(t *testing.T) {
		ev, err := chatwoot.DecodeEvent([]byte(`{"event":"inbox_updated","id":4,"name":"Email","working_hours":[],"changed_attributes":[{"name":{"previous_value":"a","current_value":"Email"}}]}`))
		if err != nil || ev.Conversation != nil || ev.Changed != nil {
			t.Errorf("%+v, %v", ev, err)
		}
	})
	t.Run("contact_updated", func(t *testing.T) {
		ev, err := chatwoot.DecodeEvent([]byte(`{"event":"contact_updated","account":{"id":7,"name":"Acme"},"id":3301,"name":"Dana Silva","email":"dana@example.com","phone_number":"+351900000000","identifier":null,"blocked":"no","changed_attributes":[{"updated_at":{"previous_value":"2026-09-21T09:00:00.000Z","current_value":"2026-09-21T09:05:00.250Z"}}]}`))
		if err != nil {
			t.Fatal(err)
		}
		want := &chatwoot.Contact{ID: 3301, Name: "Dana Silva", Email: "dana@example.com", Phone: "+351900000000"}
		if !reflect.DeepEqual(ev.Contact, want) || ev.Account.ID != 7 {
			t.Errorf("%+v", ev)
		}
		if k := chatwoot.EventKey(ev); k != "event:contact_updated:contact:3301:"+itoa(iso(t, "2026-09-21T09:05:00.250Z").UnixMicro()) {
			t.Errorf("EventKey = %s", k)
		}
	})
	t.Run("automation event", func(t *testing.T) {
		ev, err := chatwoot.DecodeEvent([]byte(`{"event":"automation_event.message_created","id":77,"status":"open","account_id":7,"updated_at":1790068445.5}`))
		if err != nil || ev.Conversation == nil || ev.Conversation.DisplayID != 77 || ev.Message != nil || ev.Account.ID != 7 {
			t.Errorf("%+v, %v", ev, err)
		}
	})
	t.Run("typing", func(t *testing.T) {
		ev, err := chatwoot.DecodeEvent([]byte(`{"event":"conversation_typing_on","user":{"id":1,"name":"A","type":"user"},"is_private":false,"conversation":{"id":12,"status":"open","inbox_id":3}}`))
		if err != nil || ev.Conversation == nil || ev.Conversation.DisplayID != 12 {
			t.Errorf("%+v, %v", ev, err)
		}
	})
	t.Run("webwidget_triggered", func(t *testing.T) {
		ev, err := chatwoot.DecodeEvent([]byte(`{"event":"webwidget_triggered","id":4410,"contact":{"id":3301,"name":"Dana"},"inbox":{"id":12,"name":"Web"},"current_conversation":null,"event_info":{"referer":"x"}}`))
		if err != nil || ev.Contact == nil || ev.Contact.ID != 3301 || ev.Conversation != nil {
			t.Errorf("%+v, %v", ev, err)
		}
	})
	t.Run("message_updated push format with sender_type only", func(t *testing.T) {
		ev, err := chatwoot.DecodeEvent([]byte(`{"event":"message_updated","id":5,"message_type":3,"content":null,"sender_type":"Captain::Assistant","sender_id":9,"account_id":7,"conversation":{"id":44,"inbox_id":2},"updated_at":"2026-09-21T09:00:00.000001Z","created_at":1790000000}`))
		if err != nil {
			t.Fatal(err)
		}
		m := ev.Message
		if m.Type != chatwoot.MessageTemplate || m.Sender != (chatwoot.Sender{Type: chatwoot.SenderCaptainAssistant, ID: 9}) || m.ConversationDisplayID != 44 || m.InboxID != 2 || ev.Account.ID != 7 {
			t.Errorf("%+v", m)
		}
		if k := chatwoot.EventKey(ev); k != "event:message_updated:message:5:"+itoa(iso(t, "2026-09-21T09:00:00.000001Z").UnixMicro()) {
			t.Errorf("EventKey prefers updated_at: %s", k)
		}
	})
	t.Run("sender types", func(t *testing.T) {
		for in, want := range map[string]string{`"sender":{"id":1,"type":"agent_bot"}`: "agent_bot", `"sender_type":"AgentBot"`: "agent_bot",
			`"sender":{"id":1,"type":"captain_assistant"}`: "captain_assistant", `"sender_type":"User"`: "user", `"sender_type":"Contact"`: "contact",
			`"sender":{"id":1,"type":"Robot"}`: "", `"sender":null`: ""} {
			ev, err := chatwoot.DecodeEvent([]byte(`{"event":"message_created","id":5,"message_type":"outgoing",` + in + `,"conversation":{"id":4}}`))
			if err != nil || ev.Message.Sender.Type != want {
				t.Errorf("%s: %+v, %v; want %q", in, ev.Message, err, want)
			}
		}
	})
}

func compact(t *testing.T, raw []byte) string {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

func TestDecodeConversationAndMessage(t *testing.T) {
	c, err := chatwoot.DecodeConversation([]byte(`{"id":3,"account_id":1,"inbox_id":2,"status":"pending","meta":{"channel":"Channel::Api","assignee":null,"team":null,"sender":{"id":5,"name":"C"}},"messages":[],"labels":[],"waiting_since":0,"created_at":1790000000,"updated_at":1790000001.25,"timestamp":1790000001}`))
	if err != nil || c.Channel != "Channel::Api" || c.AccountID != 1 || c.Contact.ID != 5 || c.Assignee != nil || !c.WaitingSince.IsZero() || !c.LastActivityAt.Equal(unix(1790000001, 0)) {
		t.Errorf("%+v, %v", c, err)
	}
	if _, err := chatwoot.DecodeConversation([]byte(`null`)); err == nil {
		t.Error("null conversation")
	}
	if _, err := chatwoot.DecodeConversation([]byte(`{"id":"x"}`)); err == nil {
		t.Error("bad id")
	}
	m, err := chatwoot.DecodeMessage([]byte(`{"id":9,"conversation_id":3,"message_type":2,"content":"Conversation was marked resolved by Marco","created_at":1790000000,"private":false,"sender_type":null}`))
	if err != nil || m.Type != chatwoot.MessageActivity || m.ConversationDisplayID != 3 || m.Sender.Type != "" {
		t.Errorf("%+v, %v", m, err)
	}
	if _, err := chatwoot.DecodeMessage([]byte(`[]`)); err == nil {
		t.Error("array message")
	}
}

func TestEventReencodes(t *testing.T) {
	for _, name := range fixtureNames(t) {
		ev := decodeFixture(t, name)
		b, err := json.Marshal(ev)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var back map[string]any
		if err := json.Unmarshal(b, &back); err != nil || back["name"] != ev.Name {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func fixtureNames(t testing.TB) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join("testdata", "composed_*.json"))
	if err != nil || len(names) != 4 {
		t.Fatalf("fixtures: %v %v", names, err)
	}
	for i, n := range names {
		names[i] = filepath.Base(n)
	}
	return names
}
