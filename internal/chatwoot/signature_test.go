package chatwoot_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hotdash/hotdash/internal/chatwoot"
)

// ../shared/reference/signature-vectors.json publishes vectors for Slack,
// Twilio and PagerDuty only, none for Chatwoot. These vectors were computed
// outside Go (Python's hmac module) from the scheme in chatwoot.md §1.5:
// "sha256=" + hex HMAC-SHA256(secret, timestamp + "." + raw body).
var chatwootVectors = []struct {
	name, secret, timestamp, bodyFile, body, want string
}{
	{"fixture 8.1", "whsec_hotdash_test", "1790000000", "composed_message_created_incoming.json", "",
		"sha256=a21f5ea9bbd6aeb9bc3d181e3abcc8ddd5452eba94e1d2d51a4c2fd85a6c6dd0"},
	{"short body", "s3cr3t", "1790068445", "", `{"event":"conversation_created","id":1}`,
		"sha256=a90c23a67bba09eb0f4ff810857e567bcfe830b2d73001ef8507051785119fa7"},
	{"empty body", "s3cr3t", "1790068445", "", "",
		"sha256=dfd8d985bc080926754b9f73dec810e35bf3879e791d99d24d0b59c8daae8996"},
}

func TestSignatureVectors(t *testing.T) {
	// Confirm the shared file still has no Chatwoot section; if one
	// appears, these tests should use it.
	if raw, err := os.ReadFile("../../../shared/reference/signature-vectors.json"); err == nil {
		var sections map[string]json.RawMessage
		if json.Unmarshal(raw, &sections) == nil {
			if _, ok := sections["chatwoot"]; ok {
				t.Error("signature-vectors.json now has Chatwoot vectors: test against them")
			}
		}
	}
	for _, v := range chatwootVectors {
		body := []byte(v.body)
		if v.bodyFile != "" {
			body = readFixture(t, v.bodyFile)
		}
		if got := chatwoot.Sign(v.secret, v.timestamp, body); got != v.want {
			t.Errorf("%s: Sign = %s, want %s", v.name, got, v.want)
		}
		// Independently, with crypto/hmac.
		m := hmac.New(sha256.New, []byte(v.secret))
		m.Write([]byte(v.timestamp + "." + string(body)))
		if got := "sha256=" + hex.EncodeToString(m.Sum(nil)); got != v.want {
			t.Errorf("%s: crypto/hmac = %s", v.name, got)
		}
		ts, _ := strconv.ParseInt(v.timestamp, 10, 64)
		now := time.Unix(ts, 0)
		if err := chatwoot.Verify(v.secret, v.timestamp, body, v.want, now, 0); err != nil {
			t.Errorf("%s: Verify: %v", v.name, err)
		}
		if err := chatwoot.Verify(v.secret, v.timestamp, body, strings.ToUpper(v.want), now, 0); err != nil {
			t.Errorf("%s: Verify upper case: %v", v.name, err)
		}
		// Pitfall #13809: an HMAC of the body alone must not verify.
		bodyOnly := hmac.New(sha256.New, []byte(v.secret))
		bodyOnly.Write(body)
		if err := chatwoot.Verify(v.secret, v.timestamp, body, "sha256="+hex.EncodeToString(bodyOnly.Sum(nil)), now, 0); !errors.Is(err, chatwoot.ErrBadSignature) {
			t.Errorf("%s: body-only HMAC: %v", v.name, err)
		}
	}
}

func TestVerify(t *testing.T) {
	const secret = "s3cr3t"
	body := []byte(`{"event":"message_created","id":1}`)
	now := time.Unix(1790068445, 0)
	ts := "1790068445"
	good := chatwoot.Sign(secret, ts, body)
	hexPart := strings.TrimPrefix(good, "sha256=")
	for _, tc := range []struct {
		name      string
		secret    string
		timestamp string
		body      []byte
		sig       string
		now       time.Time
		tolerance time.Duration
		want      error
	}{
		{"valid", secret, ts, body, good, now, 0, nil},
		{"prefix in capitals", secret, ts, body, "SHA256=" + hexPart, now, 0, nil},
		{"hex in capitals", secret, ts, body, "sha256=" + strings.ToUpper(hexPart), now, 0, nil},
		{"at the window's far edge", secret, ts, body, good, now.Add(5 * time.Minute), 0, nil},
		{"at the window's near edge", secret, ts, body, good, now.Add(-5 * time.Minute), 0, nil},
		{"custom tolerance", secret, ts, body, good, now.Add(59 * time.Second), time.Minute, nil},
		{"missing signature", secret, ts, body, "", now, 0, chatwoot.ErrBadSignature},
		{"no prefix", secret, ts, body, hexPart, now, 0, chatwoot.ErrBadSignature},
		{"other algorithm", secret, ts, body, "sha1=" + hexPart, now, 0, chatwoot.ErrBadSignature},
		{"not hex", secret, ts, body, "sha256=" + strings.Repeat("zz", 32), now, 0, chatwoot.ErrBadSignature},
		{"short", secret, ts, body, good[:len(good)-2], now, 0, chatwoot.ErrBadSignature},
		{"long", secret, ts, body, good + "00", now, 0, chatwoot.ErrBadSignature},
		{"padded", secret, ts, body, " " + good, now, 0, chatwoot.ErrBadSignature},
		{"two signatures", secret, ts, body, good + "," + good, now, 0, chatwoot.ErrBadSignature},
		{"wrong secret", "s3cr3", ts, body, good, now, 0, chatwoot.ErrBadSignature},
		{"body changed", secret, ts, append([]byte(nil), append(body, ' ')...), good, now, 0, chatwoot.ErrBadSignature},
		{"body re-encoded", secret, ts, []byte(`{"event": "message_created", "id": 1}`), good, now, 0, chatwoot.ErrBadSignature},
		{"no secret", "", ts, body, chatwoot.Sign("", ts, body), now, 0, chatwoot.ErrNoSecret},
		{"missing timestamp", secret, "", body, good, now, 0, chatwoot.ErrStaleTimestamp},
		{"timestamp not an integer", secret, "1790068445.5", body, chatwoot.Sign(secret, "1790068445.5", body), now, 0, chatwoot.ErrStaleTimestamp},
		{"timestamp ISO", secret, "2026-09-22T09:14:05Z", body, chatwoot.Sign(secret, "2026-09-22T09:14:05Z", body), now, 0, chatwoot.ErrStaleTimestamp},
		{"timestamp signed", secret, "+1790068445", body, chatwoot.Sign(secret, "+1790068445", body), now, 0, chatwoot.ErrStaleTimestamp},
		{"timestamp in milliseconds", secret, "1790068445000", body, chatwoot.Sign(secret, "1790068445000", body), now, 0, chatwoot.ErrStaleTimestamp},
		{"too old", secret, ts, body, good, now.Add(5*time.Minute + time.Second), 0, chatwoot.ErrStaleTimestamp},
		{"from the future", secret, ts, body, good, now.Add(-5*time.Minute - time.Second), 0, chatwoot.ErrStaleTimestamp},
		{"huge timestamp", secret, "999999999999", body, chatwoot.Sign(secret, "999999999999", body), now, 0, chatwoot.ErrStaleTimestamp},
		{"zero timestamp", secret, "0", body, chatwoot.Sign(secret, "0", body), now, 0, chatwoot.ErrStaleTimestamp},
	} {
		err := chatwoot.Verify(tc.secret, tc.timestamp, tc.body, tc.sig, tc.now, tc.tolerance)
		if !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
			t.Errorf("%s: Verify = %v, want %v", tc.name, err, tc.want)
		}
		if err != nil && (strings.Contains(err.Error(), tc.secret) && tc.secret != "" || strings.Contains(err.Error(), hexPart)) {
			t.Errorf("%s: error %q leaks the secret or signature", tc.name, err)
		}
	}
}
