package chatwoot

import (
	"encoding/json"
)

// A small reader of JSON that encoding/json has already validated
// (json.Valid on the whole body): it splits objects into members and
// arrays into elements without copying or re-validating, which makes
// decoding a webhook several times faster than nested json.Unmarshal calls.
// Every function here must only see sub-slices of validated JSON.

func skipWS(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// stringEnd returns the index after the string literal starting at b[i].
func stringEnd(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(b)
}

// valueEnd returns the index after the value starting at b[i].
func valueEnd(b []byte, i int) int {
	if i >= len(b) {
		return len(b)
	}
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				j = stringEnd(b, j) - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return j + 1
				}
			}
		}
		return len(b)
	default:
		j := i
		for j < len(b) {
			switch b[j] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return j
			}
			j++
		}
		return j
	}
}

// field is one object member.
type field struct {
	key string
	val json.RawMessage
}

// fieldList is an object's members, in order, without duplicates (the
// last of duplicate keys wins, as with encoding/json).
type fieldList []field

func (l fieldList) get(name string) json.RawMessage {
	for i := range l {
		if l[i].key == name {
			return l[i].val
		}
	}
	return nil
}

func (l fieldList) set(key string, val json.RawMessage) fieldList {
	for i := range l {
		if l[i].key == key {
			l[i].val = val
			return l
		}
	}
	return append(l, field{key, val})
}

// members splits a validated JSON object into the members whose names the
// decoder reads (see knownKey); the others are skipped without a copy. ok
// is false if raw is not an object.
func members(raw []byte) (fieldList, bool) { return scanObject(raw, false) }

// allMembers is members keeping every member.
func allMembers(raw []byte) (fieldList, bool) { return scanObject(raw, true) }

func scanObject(raw []byte, all bool) (fieldList, bool) {
	i := skipWS(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return nil, false
	}
	out := make(fieldList, 0, 8)
	i = skipWS(raw, i+1)
	for i < len(raw) && raw[i] == '"' {
		kEnd := stringEnd(raw, i)
		key := knownKey(raw[i+1 : kEnd-1])
		keep := key != ""
		if !keep && all {
			var ok bool
			if key, ok = fastString(raw[i:kEnd]); !ok && json.Unmarshal(raw[i:kEnd], &key) != nil {
				return nil, false
			}
			keep = true
		}
		i = skipWS(raw, kEnd) // at ':'
		i = skipWS(raw, i+1)
		vEnd := valueEnd(raw, i)
		if vEnd <= i {
			return nil, false
		}
		if keep {
			out = out.set(key, raw[i:vEnd:vEnd])
		}
		i = skipWS(raw, vEnd)
		if i < len(raw) && raw[i] == ',' {
			i = skipWS(raw, i+1)
		}
	}
	return out, true
}

// knownKey returns the member names the decoder reads, as constant strings
// (no allocation), and "" for any other name. A name written with escapes
// is not recognised, which Chatwoot never does.
func knownKey(b []byte) string {
	switch string(b) {
	case "account":
		return "account"
	case "account_id":
		return "account_id"
	case "applied_sla":
		return "applied_sla"
	case "assignee":
		return "assignee"
	case "attachments":
		return "attachments"
	case "can_reply":
		return "can_reply"
	case "changed_attributes":
		return "changed_attributes"
	case "channel":
		return "channel"
	case "contact":
		return "contact"
	case "content":
		return "content"
	case "content_attributes":
		return "content_attributes"
	case "content_type":
		return "content_type"
	case "conversation":
		return "conversation"
	case "conversation_id":
		return "conversation_id"
	case "created_at":
		return "created_at"
	case "current_conversation":
		return "current_conversation"
	case "current_value":
		return "current_value"
	case "email":
		return "email"
	case "event":
		return "event"
	case "first_reply_created_at":
		return "first_reply_created_at"
	case "id":
		return "id"
	case "identifier":
		return "identifier"
	case "inbox":
		return "inbox"
	case "inbox_id":
		return "inbox_id"
	case "labels":
		return "labels"
	case "last_activity_at":
		return "last_activity_at"
	case "message_type":
		return "message_type"
	case "messages":
		return "messages"
	case "meta":
		return "meta"
	case "name":
		return "name"
	case "phone_number":
		return "phone_number"
	case "previous_value":
		return "previous_value"
	case "priority":
		return "priority"
	case "private":
		return "private"
	case "sender":
		return "sender"
	case "sender_id":
		return "sender_id"
	case "sender_type":
		return "sender_type"
	case "sla_policy_id":
		return "sla_policy_id"
	case "snoozed_until":
		return "snoozed_until"
	case "source_id":
		return "source_id"
	case "status":
		return "status"
	case "team":
		return "team"
	case "timestamp":
		return "timestamp"
	case "type":
		return "type"
	case "unread_count":
		return "unread_count"
	case "updated_at":
		return "updated_at"
	case "waiting_since":
		return "waiting_since"
	}
	return ""
}

// elements splits a validated JSON array into its elements. ok is false if
// raw is not an array.
func elements(raw []byte) ([]json.RawMessage, bool) {
	i := skipWS(raw, 0)
	if i >= len(raw) || raw[i] != '[' {
		return nil, false
	}
	var out []json.RawMessage
	i = skipWS(raw, i+1)
	for i < len(raw) && raw[i] != ']' {
		vEnd := valueEnd(raw, i)
		if vEnd <= i {
			return nil, false
		}
		out = append(out, raw[i:vEnd:vEnd])
		i = skipWS(raw, vEnd)
		if i < len(raw) && raw[i] == ',' {
			i = skipWS(raw, i+1)
		}
	}
	return out, true
}
