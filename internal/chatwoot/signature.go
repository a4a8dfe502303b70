package chatwoot

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Signature headers Chatwoot (v4.11.2+) sends with every delivery to a
// webhook that has a secret.
const (
	HeaderTimestamp = "X-Chatwoot-Timestamp" // unix seconds
	HeaderSignature = "X-Chatwoot-Signature" // "sha256=" + hex HMAC-SHA256
	HeaderDelivery  = "X-Chatwoot-Delivery"  // a UUID per delivery, for deduplication
)

// DefaultTolerance is how far a signed timestamp may be from now, either
// way, before Verify calls it stale.
const DefaultTolerance = 5 * time.Minute

// Sentinel errors of Verify. Neither message contains the secret, the
// signature or the body.
var (
	ErrBadSignature   = errors.New("chatwoot: bad webhook signature")
	ErrStaleTimestamp = errors.New("chatwoot: webhook timestamp missing, malformed or outside the allowed window")
	ErrNoSecret       = errors.New("chatwoot: no webhook secret configured")
)

const signaturePrefix = "sha256="

// Sign returns the X-Chatwoot-Signature value for body sent at timestamp (the
// X-Chatwoot-Timestamp value): "sha256=" followed by the lowercase hex
// HMAC-SHA256, keyed with secret, of timestamp + "." + body.
func Sign(secret, timestamp string, body []byte) string {
	return signaturePrefix + hex.EncodeToString(mac(secret, timestamp, body))
}

func mac(secret, timestamp string, body []byte) []byte {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(timestamp))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}

// Verify checks a delivery's signature over the raw body (before any JSON
// parsing). signature is the X-Chatwoot-Signature header: "sha256=" (any
// case) and 64 hex digits (any case). timestamp must be unix seconds within
// tolerance of now in either direction (tolerance <= 0 means
// DefaultTolerance). It returns ErrNoSecret for an empty secret,
// ErrBadSignature for a missing, garbled or wrong signature and
// ErrStaleTimestamp for a missing, non-integer or out-of-window timestamp.
// The comparison is constant-time.
func Verify(secret, timestamp string, body []byte, signature string, now time.Time, tolerance time.Duration) error {
	if secret == "" {
		return ErrNoSecret
	}
	sig, ok := parseSignature(signature)
	if !ok {
		return ErrBadSignature
	}
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	if !allDigits(timestamp) || timestamp == "" || len(timestamp) > 12 {
		return ErrStaleTimestamp
	}
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return ErrStaleTimestamp
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return ErrStaleTimestamp
	}
	if !hmac.Equal(sig, mac(secret, timestamp, body)) {
		return ErrBadSignature
	}
	return nil
}

func parseSignature(s string) ([]byte, bool) {
	if len(s) != len(signaturePrefix)+2*sha256.Size || !strings.EqualFold(s[:len(signaturePrefix)], signaturePrefix) {
		return nil, false
	}
	b, err := hex.DecodeString(s[len(signaturePrefix):])
	if err != nil {
		return nil, false
	}
	return b, true
}
