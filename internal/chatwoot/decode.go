package chatwoot

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
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

// FieldError reports a field HotDash relies on (ids, status, priority,
// labels, channel, message type, content and privacy, times, assignee,
// team, contact, sender, changed_attributes) holding a value of the wrong
// type, or missing when it is required. Field is its path, e.g.
// "conversation.meta.assignee.id". Wrong types in fields HotDash does not
// use are ignored instead.
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
// delivery for inspection. Raw (and the raw values inside the Event) is a
// copy: the caller may reuse body.
func DecodeEvent(body []byte) (Event, error) {
	raw, fields, name, err := envelope(body)
	if err != nil {
		return Event{}, err
	}
	ev := Event{Name: name, Raw: raw}
	top := obj{fields: fields, err: &err}
	decodeEventBody(&ev, top)
	if err != nil {
		return Event{Name: ev.Name, Raw: ev.Raw}, err
	}
	return ev, nil
}

// EventName checks that body is a JSON object with an event name, and
// returns the name, without decoding the rest: what a receiver needs before
// it acknowledges a delivery that carries its own id. Its errors are
// DecodeEvent's *MalformedError.
func EventName(body []byte) (string, error) {
	_, _, name, err := envelope(body)
	return name, err
}

// envelope validates body and reads its top-level members and event name.
func envelope(body []byte) (json.RawMessage, fieldList, string, error) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || !json.Valid(trimmed) {
		return nil, nil, "", &MalformedError{Reason: "not JSON"}
	}
	raw := append(json.RawMessage(nil), trimmed...)
	fields, ok := members(raw)
	if !ok {
		return nil, nil, "", &MalformedError{Reason: "not a JSON object"}
	}
	name, err := toString(fields.get("event"), false)
	if err != nil || strings.TrimSpace(name) == "" {
		return nil, nil, "", &MalformedError{Reason: "no event name"}
	}
	return raw, fields, name, nil
}

func decodeEventBody(ev *Event, top obj) {
	if !IsKnownEvent(ev.Name) || strings.HasPrefix(ev.Name, "inbox_") {
		return // inbox_* and unknown events: nothing to project
	}
	if acc, ok := top.optChild("account"); ok {
		ev.Account = Account{ID: acc.int64("id"), Name: optString(acc.get("name"))}
	}
	withChanged := true
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
		if inbox, ok := top.optChild("inbox"); ok && optInt64(inbox.get("id")) == c.InboxID {
			c.InboxName = optString(inbox.get("name"))
		}
		if c.AccountID == 0 {
			c.AccountID = m.AccountID
		}
		if m.ConversationDisplayID == 0 {
			m.ConversationDisplayID = c.DisplayID
		}
		if m.InboxID == 0 {
			m.InboxID = c.InboxID
		}
		if m.AccountID == 0 {
			m.AccountID = c.AccountID
		}
		ev.Message, ev.Conversation = &m, &c
	case name == EventConversationTypingOn, name == EventConversationTypingOff:
		if conv, ok := top.child("conversation"); ok {
			c := decodeConversation(conv)
			ev.Conversation = &c
		}
		withChanged = false
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
		withChanged = false
	}
	if withChanged && top.has("changed_attributes") {
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
	raw := top.raw("changed_attributes")
	var items []json.RawMessage
	if isObject(raw) {
		items = []json.RawMessage{raw}
	} else {
		items = top.array("changed_attributes")
	}
	out := make(map[string]Change, len(items))
	for i, item := range items {
		path := "changed_attributes[" + strconv.Itoa(i) + "]"
		if isNull(item) {
			continue
		}
		all, ok := allMembers(item)
		if !ok {
			top.fail(path, fmt.Errorf("want an object, got %s", jsonKind(item)))
			continue
		}
		entry := obj{path: path, fields: all, err: top.err}
		attrs := make([]string, 0, len(all))
		for _, f := range all {
			attrs = append(attrs, f.key)
		}
		sort.Strings(attrs) // the first error is the same on every run
		for _, attr := range attrs {
			vals, ok := entry.child(attr)
			if !ok {
				continue
			}
			out[attr] = Change{Previous: rawOrNull(vals.get("previous_value")), Current: rawOrNull(vals.get("current_value"))}
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

// decodeObject validates and copies raw and reads it as an object.
func decodeObject(raw []byte, what string, errp *error) (obj, bool) {
	raw = bytes.TrimSpace(raw)
	switch {
	case isNull(raw):
		*errp = &FieldError{Field: what, Err: errors.New("missing")}
		return obj{}, false
	case !json.Valid(raw):
		*errp = &FieldError{Field: what, Err: errors.New("not JSON")}
		return obj{}, false
	case !isObject(raw):
		*errp = &FieldError{Field: what, Err: fmt.Errorf("want an object, got %s", jsonKind(raw))}
		return obj{}, false
	}
	fields, _ := members(append([]byte(nil), raw...))
	return obj{fields: fields, err: errp}, true
}

// DecodeConversation decodes one conversation object, as webhooks (push
// format) or the REST API (GET conversation, list payload entries) send it.
func DecodeConversation(raw []byte) (Conversation, error) {
	var err error
	o, ok := decodeObject(raw, "conversation", &err)
	if !ok {
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
		CanReply:            optBool(o.get("can_reply")),
		UnreadCount:         optInt64(o.get("unread_count")),
		SLAPolicyID:         optInt64(o.get("sla_policy_id")),
		AppliedSLA:          rawObject(o.get("applied_sla")),
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
	msgs, _ := elements(o.get("messages"))
	for i, raw := range msgs {
		// Nested messages are a preview: one that does not decode is
		// left out rather than failing the whole payload.
		var err error
		mo, ok := newObj(raw, "messages["+strconv.Itoa(i)+"]", &err)
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
	o, ok := decodeObject(raw, "message", &err)
	if !ok {
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
		ContentAttributes: rawObject(o.get("content_attributes")),
		SourceID:          optString(o.get("source_id")),
		Status:            optString(o.get("status")),
		CreatedAt:         o.time("created_at"),
		Attachments:       countArray(o.get("attachments")),
	}
	if requireType && !o.has("message_type") {
		o.fail("message_type", errors.New("missing"))
	} else {
		t, err := parseMessageType(o.get("message_type"))
		if err != nil {
			o.fail("message_type", err)
		}
		m.Type = t
	}
	// updated_at is an ISO string in push format; wrong types are ignored.
	m.UpdatedAt, _ = ParseTime(o.get("updated_at"))
	m.ConversationDisplayID = o.int64("conversation_id")
	if m.ConversationDisplayID == 0 {
		if conv, ok := o.optChild("conversation"); ok {
			m.ConversationDisplayID = optInt64(conv.get("id"))
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
			Type:  normaliseSenderType(optString(s.get("type"))),
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
