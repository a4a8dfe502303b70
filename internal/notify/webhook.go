package notify

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Headers of a signed webhook delivery.
const (
	// HeaderTimestamp holds the Unix time (seconds) the delivery was signed.
	HeaderTimestamp = "X-HotDash-Timestamp"
	// HeaderSignature holds "v1=" and the lowercase hex HMAC-SHA256, keyed
	// with the endpoint's secret, of the timestamp, ".", and the body.
	HeaderSignature = "X-HotDash-Signature"
	// HeaderDelivery holds the delivery's id, the same on every retry:
	// receivers deduplicate on it.
	HeaderDelivery = "X-HotDash-Delivery"
	// HeaderEvent holds the Message's event (trigger, acknowledge, …).
	HeaderEvent = "X-HotDash-Event"
)

// DefaultWebhookTolerance is how far a signature's timestamp may be from
// the receiver's clock before VerifyWebhook refuses it.
const DefaultWebhookTolerance = 5 * time.Minute

// webhookNotifier posts a Message as JSON, signed.
type webhookNotifier struct {
	poster
	secret string
}

// Notify posts the message, signed at e.Now.
func (w *webhookNotifier) Notify(ctx context.Context, e Envelope) Outcome {
	body, err := json.Marshal(e.Message)
	if err != nil {
		return Outcome{Err: err}
	}
	ts := strconv.FormatInt(e.Now.Unix(), 10)
	h := http.Header{}
	h.Set(HeaderTimestamp, ts)
	h.Set(HeaderSignature, SignWebhook(w.secret, ts, body))
	h.Set(HeaderDelivery, strconv.FormatInt(e.DeliveryID, 10))
	h.Set(HeaderEvent, singleLine(e.Message.Event))
	return w.post(ctx, body, h, e.Now)
}

// SignWebhook returns the X-HotDash-Signature value for body sent at
// timestamp (Unix seconds, as sent in X-HotDash-Timestamp).
func SignWebhook(secret, timestamp string, body []byte) string {
	return "v1=" + hex.EncodeToString(webhookMAC(secret, timestamp, body))
}

func webhookMAC(secret, timestamp string, body []byte) []byte {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(timestamp))
	mac.Write([]byte("."))
	mac.Write(body)
	return mac.Sum(nil)
}

// Errors VerifyWebhook returns.
var (
	// ErrWebhookStale: the timestamp is missing, malformed, or further
	// than the tolerance from now.
	ErrWebhookStale = errors.New("webhook timestamp missing or outside the tolerance")
	// ErrWebhookSignature: no v1 signature matches.
	ErrWebhookSignature = errors.New("webhook signature does not match")
)

// VerifyWebhook checks a delivery as a receiver would: the timestamp
// within tolerance of now, and one of the comma-separated v1= signatures
// equal (in constant time) to the HMAC of the raw body. It is what
// docs/notifications.md describes, for Go receivers and HotDash's tests.
func VerifyWebhook(secret string, header http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	ts := header.Get(HeaderTimestamp)
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return ErrWebhookStale
	}
	if d := now.Sub(time.Unix(secs, 0)); d > tolerance || d < -tolerance {
		return ErrWebhookStale
	}
	want := webhookMAC(secret, ts, body)
	for _, part := range strings.Split(header.Get(HeaderSignature), ",") {
		hexSig, ok := strings.CutPrefix(strings.TrimSpace(part), "v1=")
		if !ok {
			continue
		}
		if got, err := hex.DecodeString(hexSig); err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return ErrWebhookSignature
}
