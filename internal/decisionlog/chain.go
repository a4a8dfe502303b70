package decisionlog

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"time"
)

// chainFormat names the canonical encoding; it is the first thing hashed, so a
// future format cannot be confused with this one.
const chainFormat = "hotdash-decision-v1"

// timeLayout is how times enter the hash: UTC, microseconds, the precision
// both engines store.
const timeLayout = "2006-01-02T15:04:05.000000Z"

// hasher computes entry hashes, reusing its buffer between entries.
type hasher struct {
	buf []byte
}

// sum returns the hex SHA-256 of e's canonical encoding, with evidence as the
// evidence column's stored text. The encoding is a sequence of netstrings
// (`<length>:<bytes>,`), one per stored column in a fixed order, with
// prev_hash last; docs/decision-log.md spells it out so the log can be checked
// by tools other than HotDash.
func (h *hasher) sum(e *Entry, evidence string) string {
	b := h.buf[:0]
	b = netstring(b, chainFormat)
	b = netstring(b, strconv.FormatInt(e.ID, 10))
	b = netstringTime(b, e.CreatedAt)
	b = netstring(b, e.Scope)
	b = netstring(b, e.Actor)
	b = netstring(b, e.Action)
	b = netstring(b, e.Rationale)
	b = netstring(b, evidence)
	b = netstring(b, e.Severity)
	b = netstring(b, e.Status)
	b = netstring(b, e.IncidentRef)
	b = netstring(b, e.ConversationRef)
	b = netstring(b, e.ApprovalRef)
	b = netstring(b, optionalID(e.CorrectsID))
	b = netstring(b, optionalID(e.ClosesID))
	b = netstring(b, e.NextAction)
	b = netstring(b, e.NextActionOwner)
	b = netstringTime(b, e.NextActionDue)
	b = netstring(b, string(e.Payload))
	b = netstring(b, e.RecordedBy)
	b = netstring(b, e.IdempotencyKey)
	b = netstring(b, e.PrevHash)
	h.buf = b
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func netstring(b []byte, s string) []byte {
	b = strconv.AppendInt(b, int64(len(s)), 10)
	b = append(b, ':')
	b = append(b, s...)
	return append(b, ',')
}

// evidenceText is the evidence column's stored form: a JSON array of strings.
func evidenceText(links []string) string {
	if len(links) == 0 {
		return "[]"
	}
	b, err := json.Marshal(links)
	if err != nil {
		panic(err) // a []string always marshals
	}
	return string(b)
}

func optionalID(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}

// netstringTime appends t in timeLayout as a netstring (the zero time as an
// empty one). It writes the digits itself: this runs for every entry that
// verify checks, and time.Format re-reads its layout on every call.
func netstringTime(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(b, "0:,"...)
	}
	t = t.UTC()
	b = append(b, "27:"...)
	b = appendDigits(b, t.Year(), 4)
	b = append(b, '-')
	b = appendDigits(b, int(t.Month()), 2)
	b = append(b, '-')
	b = appendDigits(b, t.Day(), 2)
	b = append(b, 'T')
	b = appendDigits(b, t.Hour(), 2)
	b = append(b, ':')
	b = appendDigits(b, t.Minute(), 2)
	b = append(b, ':')
	b = appendDigits(b, t.Second(), 2)
	b = append(b, '.')
	b = appendDigits(b, t.Nanosecond()/1000, 6)
	return append(b, "Z,"...)
}

// appendDigits appends n zero-padded to width digits.
func appendDigits(b []byte, n, width int) []byte {
	var buf [9]byte
	for i := width - 1; i >= 0; i-- {
		buf[i] = byte('0' + n%10)
		n /= 10
	}
	return append(b, buf[:width]...)
}
