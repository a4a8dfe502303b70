package chatwoot

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"
)

// EventKey returns a deduplication key for a delivery without an
// X-Chatwoot-Delivery header (Chatwoot before v4.11.2):
//
//	event:<name>:<object kind>:<object id>:<time in unix microseconds>
//
// For message events the object is the message and the time its updated_at
// when the payload has one (push format), else its created_at. For events
// about a conversation it is the conversation's display id and updated_at,
// or last_activity_at when updated_at is absent (older versions). For
// contact events it is the contact id and changed_attributes' updated_at.
// When there is no object or no time (inbox events, unknown events,
// payloads without timestamps) the key ends in "body:<sha256 of the body,
// 16 bytes hex>:0", so only byte-identical deliveries collapse.
//
// Two distinct message_updated deliveries for one message in the same
// microsecond (an edit and a status change, say) share a key; Chatwoot
// versions that send no delivery id cannot tell them apart better.
func EventKey(e Event) string {
	kind, id, at := "", int64(0), time.Time{}
	switch {
	case e.Message != nil:
		kind, id, at = "message", e.Message.ID, e.Message.UpdatedAt
		if at.IsZero() {
			at = e.Message.CreatedAt
		}
	case e.Conversation != nil:
		kind, id, at = "conversation", e.Conversation.DisplayID, e.Conversation.UpdatedAt
		if at.IsZero() {
			at = e.Conversation.LastActivityAt
		}
	case e.Contact != nil:
		kind, id = "contact", e.Contact.ID
		if ch, ok := e.Changed["updated_at"]; ok {
			at, _ = ParseTime(ch.Current)
		}
	}
	if kind == "" || id == 0 || at.IsZero() {
		sum := sha256.Sum256(e.Raw)
		return "event:" + e.Name + ":body:" + hex.EncodeToString(sum[:16]) + ":0"
	}
	return "event:" + e.Name + ":" + kind + ":" + strconv.FormatInt(id, 10) + ":" + strconv.FormatInt(at.UnixMicro(), 10)
}
