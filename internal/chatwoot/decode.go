package chatwoot

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// ErrInvalidPayload matches (with errors.Is) every error DecodeEvent returns:
// a *MalformedError or a *FieldError.
var ErrInvalidPayload = errors.New("chatwoot: invalid webhook payload")

// MalformedError reports a body that cannot be a webhook at all: not JSON,
// not a JSON object, or without an "event" name. A receiver answers 400 and
// stores nothing.
type MalformedError struct {
	Reason string // "not JSON", "not a JSON object", "no event name"
}

func (e *MalformedError) Error() string {
	return "chatwoot: malformed webhook payload: " + e.Reason
}

// Is makes errors.Is(err, ErrInvalidPayload) true.
func (e *MalformedError) Is(target error) bool { return target == ErrInvalidPayload }

// FieldError reports a field HotDash relies on (ids, status, labels,
// message type and content, times, assignee, team, contact,
// changed_attributes) holding a value of the wrong type, or missing when it
// is required. Field is its path, e.g. "conversation.meta.assignee.id".
// Wrong types in fields HotDash does not use are ignored instead.
type FieldError struct {
	Field string
	Err   error
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("chatwoot: field %s: %v", e.Field, e.Err)
}

func (e *FieldError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrInvalidPayload) true.
func (e *FieldError) Is(target error) bool { return target == ErrInvalidPayload }

// DecodeEvent decodes a webhook body. Unknown fields are ignored and unknown
// event names decode with only Name and Raw set. On a *FieldError the
// returned Event still carries Name and Raw, so the caller can keep the
// delivery for inspection.
func DecodeEvent(body []byte) (Event, error) {
	if !json.Valid(body) {
		return Event{}, &MalformedError{Reason: "not JSON"}
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return Event{}, &MalformedError{Reason: "not a JSON object"}
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(trimmed, &fields); err != nil {
		return Event{}, &MalformedError{Reason: "not a JSON object"}
	}
	var name string
	if err := json.Unmarshal(fields["event"], &name); err != nil || strings.TrimSpace(name) == "" {
		return Event{}, &MalformedError{Reason: "no event name"}
	}
	ev := Event{Name: name, Raw: append(json.RawMessage(nil), trimmed...)}
	var err error
	top := obj{fields: fields, err: &err}
	decodeEventBody(&ev, top)
	if err != nil {
		return Event{Name: ev.Name, Raw: ev.Raw}, err
	}
	return ev, nil
}

func decodeEventBody(ev *Event, top obj) {
	if !IsKnownEvent(ev.Name) || strings.HasPrefix(ev.Name, "inbox_") {
		// inbox_* and unknown events: nothing to project.
		return
	}
	if acc, ok := top.optChild("account"); ok {
		ev.Account = Account{ID: acc.int64("id"), Name: acc.optString("name")}
	}
	switch name := ev.Name; {
	case name == EventConversationCreated, name == EventConversationUpdated,
		name == EventConversationStatusChanged, strings.HasPrefix(name, AutomationEventPrefix):
		c := decodeConversation(top)
		ev.Conversation = &c
	case name == EventMessageCreated, name == EventMessageUpdated:
		m := decodeMessage(top, true)
		conv, ok := top.child("conversation")
		if !ok {
			if !top.has("conversation") {
				top.fail("conversation", errors.New("missing"))
			}
			return
		}
		c := decodeConversation(conv)
		if inbox, ok := top.optChild("inbox"); ok && inbox.optInt64("id") == c.InboxID {
			c.InboxName = inbox.optString("name")
		}
		if c.AccountID == 0 {
			c.AccountID = m.AccountID
		}
		ev.Conversation = &c
		if m.ConversationDisplayID == 0 {
			m.ConversationDisplayID = c.DisplayID
		}
		if m.InboxID == 0 {
			m.InboxID = c.InboxID
		}
		if m.AccountID == 0 {
			m.AccountID = c.AccountID
		}
		ev.Message = &m
	case name == EventConversationTypingOn, name == EventConversationTypingOff:
		if conv, ok := top.child("conversation"); ok {
			c := decodeConversation(conv)
			ev.Conversation = &c
		}
	case name == EventContactCreated, name == EventContactUpdated:
		c := decodeContact(top, true)
		ev.Contact = &c
	case name == EventWebwidgetTriggered:
		if ct, ok := top.child("contact"); ok {
			c := decodeContact(ct, true)
			ev.Contact = &c
		}
		if conv, ok := top.child("current_conversation"); ok {
			c := decodeConversation(conv)
			ev.Conversation = &c
		}
	}
	if top.has("changed_attributes") {
		ev.Changed = decodeChanged(top)
	}
	if ev.Account.ID == 0 {
		switch {
		case ev.Conversation != nil && ev.Conversation.AccountID != 0:
			ev.Account.ID = ev.Conversation.AccountID
		case ev.Message != nil:
			ev.Account.ID = ev.Message.AccountID
		}
	}
	if ev.Conversation != nil && ev.Conversation.AccountID == 0 {
		ev.Conversation.AccountID = ev.Account.ID
	}
}

// decodeChanged reads changed_attributes: normally an array of single-key
// objects ({"status": {"previous_value": …, "current_value": …}}); a plain
// object keyed by attribute is accepted too.
func decodeChanged(top obj) map[string]Change {
	raw := bytes.TrimSpace(top.raw("changed_attributes"))
	var items []json.RawMessage
	if len(raw) > 0 && raw[0] == '{' {
		items = []json.RawMessage{raw}
	} else {
		items = top.array("changed_attributes")
	}
	out := make(map[string]Change, len(items))
	for i, item := range items {
		entry, ok := newObj(item, fmt.Sprintf("changed_attributes[%d]", i), top.err)
		if !ok {
			continue
		}
		for attr := range entry.fields {
			vals, ok := entry.child(attr)
			if !ok {
				continue
			}
			out[attr] = Change{Previous: rawOrNull(vals.fields["previous_value"]), Current: rawOrNull(vals.fields["current_value"])}
		}
	}
	return out
}

func rawOrNull(raw json.RawMessage) json.RawMessage {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return json.RawMessage("null")
	}
	return raw
}

// DecodeConversation decodes one conversation object, as webhooks (push
// format) or the REST API (GET conversation, list payload entries) send it.
func DecodeConversation(raw []byte) (Conversation, error) {
	var err error
	o, ok := newObj(raw, "", &err)
	if !ok && err == nil {
		return Conversation{}, &FieldError{Field: "conversation", Err: errors.New("missing")}
	}
	if err != nil {
		return Conversation{}, err
	}
	c := decodeConversation(o)
	if err != nil {
		return Conversation{}, err
	}
	return c, nil
}

func decodeConversation(o obj) Conversation {
	c := Conversation{
		DisplayID:           o.requiredInt64("id"),
		InboxID:             o.int64("inbox_id"),
		Channel:             o.string("channel"),
		Status:              o.string("status"),
		Priority:            o.string("priority"),
		Labels:              o.strings("labels"),
		CreatedAt:           o.time("created_at"),
		UpdatedAt:           o.time("updated_at"),
		LastActivityAt:      o.time("last_activity_at"),
		WaitingSince:        o.time("waiting_since"),
		FirstReplyCreatedAt: o.time("first_reply_created_at"),
		SnoozedUntil:        o.time("snoozed_until"),
		CanReply:            o.optBool("can_reply"),
		UnreadCount:         o.optInt64("unread_count"),
		SLAPolicyID:         o.optInt64("sla_policy_id"),
		AppliedSLA:          o.rawObject("applied_sla"),
	}
	if c.LastActivityAt.IsZero() {
		c.LastActivityAt = o.time("timestamp")
	}
	if acc, ok := o.optChild("account"); ok {
		c.AccountID = acc.int64("id")
	}
	if c.AccountID == 0 {
		c.AccountID = o.int64("account_id")
	}
	if meta, ok := o.child("meta"); ok {
		if c.Channel == "" {
			c.Channel = meta.string("channel")
		}
		if a, ok := meta.child("assignee"); ok {
			c.Assignee = &User{ID: a.requiredInt64("id"), Name: a.string("name"), Email: a.string("email")}
		}
		if t, ok := meta.child("team"); ok {
			c.Team = &Team{ID: t.requiredInt64("id"), Name: t.string("name")}
		}
		if s, ok := meta.child("sender"); ok {
			ct := decodeContact(s, false)
			c.Contact = &ct
		}
	}
	for i, raw := range o.optArray("messages") {
		// Nested messages are a preview: one that does not decode is
		// left out rather than failing the whole payload.
		var err error
		mo, ok := newObj(raw, fmt.Sprintf("messages[%d]", i), &err)
		if !ok {
			continue
		}
		m := decodeMessage(mo, false)
		if err != nil {
			continue
		}
		if m.ConversationDisplayID == 0 {
			m.ConversationDisplayID = c.DisplayID
		}
		c.Messages = append(c.Messages, m)
		if c.AccountID == 0 {
			c.AccountID = m.AccountID
		}
	}
	return c
}

func decodeContact(o obj, requireID bool) Contact {
	c := Contact{
		Name:       o.string("name"),
		Email:      o.string("email"),
		Phone:      o.string("phone_number"),
		Identifier: o.string("identifier"),
	}
	if requireID {
		c.ID = o.requiredInt64("id")
	} else {
		c.ID = o.int64("id")
	}
	return c
}

// DecodeMessage decodes one message object: a webhook's top level or the
// push format of REST answers and nested messages.
func DecodeMessage(raw []byte) (Message, error) {
	var err error
	o, ok := newObj(raw, "", &err)
	if !ok && err == nil {
		return Message{}, &FieldError{Field: "message", Err: errors.New("missing")}
	}
	if err != nil {
		return Message{}, err
	}
	m := decodeMessage(o, true)
	if err != nil {
		return Message{}, err
	}
	return m, nil
}

func decodeMessage(o obj, requireType bool) Message {
	m := Message{
		ID:                o.requiredInt64("id"),
		Content:           o.string("content"),
		Private:           o.bool("private"),
		ContentType:       o.string("content_type"),
		ContentAttributes: o.rawObject("content_attributes"),
		SourceID:          o.optString("source_id"),
		Status:            o.optString("status"),
		CreatedAt:         o.time("created_at"),
		Attachments:       len(o.optArray("attachments")),
	}
	if requireType && !o.has("message_type") {
		o.fail("message_type", errors.New("missing"))
	} else {
		t, err := parseMessageType(o.raw("message_type"))
		if err != nil {
			o.fail("message_type", err)
		}
		m.Type = t
	}
	// updated_at is an ISO string in push format; wrong types are ignored.
	m.UpdatedAt, _ = ParseTime(o.raw("updated_at"))
	m.ConversationDisplayID = o.int64("conversation_id")
	if m.ConversationDisplayID == 0 {
		if conv, ok := o.optChild("conversation"); ok {
			m.ConversationDisplayID = conv.optInt64("id")
		}
	}
	m.InboxID = o.int64("inbox_id")
	if inbox, ok := o.optChild("inbox"); ok && m.InboxID == 0 {
		m.InboxID = inbox.int64("id")
	}
	m.AccountID = o.int64("account_id")
	if acc, ok := o.optChild("account"); ok && m.AccountID == 0 {
		m.AccountID = acc.int64("id")
	}

	// Sender: the object when present, else sender_type/sender_id.
	if s, ok := o.child("sender"); ok {
		m.Sender = Sender{
			Type:  normaliseSenderType(s.optString("type")),
			ID:    s.int64("id"),
			Name:  s.string("name"),
			Email: s.string("email"),
		}
	}
	if m.Sender.Type == "" {
		m.Sender.Type = normaliseSenderType(o.string("sender_type"))
	}
	if m.Sender.ID == 0 {
		m.Sender.ID = o.int64("sender_id")
	}
	// Contacts' webhook objects often carry no type: an incoming message
	// with a sender is from the contact.
	if m.Sender.Type == "" && m.Type == MessageIncoming && m.Sender.ID != 0 {
		m.Sender.Type = SenderContact
	}
	return m
}
