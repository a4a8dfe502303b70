package chatwoot_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hotdash/hotdash/internal/chatwoot"
)

// FuzzDecodeEvent: DecodeEvent never panics, fails only with its own error
// types, and whatever it decodes re-encodes.
//
//	go test -fuzz=FuzzDecodeEvent -fuzztime=30s ./internal/chatwoot/
func FuzzDecodeEvent(f *testing.F) {
	for _, name := range fixtureNames(f) {
		f.Add(readFixture(f, name))
	}
	for _, s := range []string{
		`{"event":"message_created","id":1,"message_type":0,"conversation":{"id":2,"waiting_since":0}}`,
		`{"event":"conversation_updated","id":1,"changed_attributes":[{"status":{"previous_value":"open","current_value":"resolved"}}]}`,
		`{"event":"contact_updated","id":1,"changed_attributes":{"name":{}}}`,
		`{"event":"automation_event.conversation_updated","id":1,"updated_at":"1790068445.5"}`,
		`{"event":"webwidget_triggered","contact":{"id":1},"current_conversation":{"id":3}}`,
		`{"event":"conversation_typing_off","conversation":{"id":3,"messages":[{"id":1,"message_type":"2"}]}}`,
		`{"event":"x"}`, `[]`, `{}`, `null`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, err := chatwoot.DecodeEvent(body)
		if err != nil {
			if !errors.Is(err, chatwoot.ErrInvalidPayload) {
				t.Fatalf("error of an unexpected type: %T %v", err, err)
			}
			return
		}
		if ev.Name == "" || !json.Valid(ev.Raw) {
			t.Fatalf("decoded without a name or with invalid Raw: %+v", ev)
		}
		out, err := json.Marshal(ev)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		if !json.Valid(out) {
			t.Fatal("re-encoded JSON is invalid")
		}
		if k := chatwoot.EventKey(ev); !strings.HasPrefix(k, "event:"+ev.Name+":") {
			t.Fatalf("EventKey = %q", k)
		}
		// Whitespace does not matter: the indented body decodes the same.
		var indented bytes.Buffer
		if err := json.Indent(&indented, body, "", "  "); err != nil {
			t.Fatal(err)
		}
		ev2, err := chatwoot.DecodeEvent(indented.Bytes())
		if err != nil {
			t.Fatalf("indented body fails: %v", err)
		}
		ev.Raw, ev2.Raw = nil, nil
		a, _ := json.Marshal(ev)
		b, _ := json.Marshal(ev2)
		if !bytes.Equal(a, b) {
			t.Fatalf("indented body decodes differently:\n%s\n%s", a, b)
		}
	})
}

// FuzzVerify: Verify never panics; what Sign signs verifies; changing any
// byte of the body, signature or timestamp makes it fail.
//
//	go test -fuzz=FuzzVerify -fuzztime=30s ./internal/chatwoot/
func FuzzVerify(f *testing.F) {
	for _, name := range fixtureNames(f) {
		f.Add("whsec_hotdash_test", int64(1790000000), readFixture(f, name), "", uint16(0), byte(1), uint8(0))
	}
	f.Add("s", int64(1), []byte{}, "sha256=00", uint16(3), byte(0x20), uint8(1))
	f.Add("secret", int64(1790068445), []byte(`{"event":"x"}`), "SHA256=AB", uint16(7), byte(0xff), uint8(2))
	f.Fuzz(func(t *testing.T, secret string, ts int64, body []byte, arbitrary string, at uint16, mask byte, which uint8) {
		now := time.Unix(1790068445, 0)
		// Arbitrary input: no panic, and only the sentinel errors.
		err := chatwoot.Verify(secret, strconv.FormatInt(ts, 10), body, arbitrary, now, 0)
		if err != nil && !errors.Is(err, chatwoot.ErrBadSignature) && !errors.Is(err, chatwoot.ErrStaleTimestamp) && !errors.Is(err, chatwoot.ErrNoSecret) {
			t.Fatalf("unexpected error %v", err)
		}
		_ = chatwoot.Verify(secret, arbitrary, body, arbitrary, now, time.Duration(ts))

		if secret == "" {
			return
		}
		// A fresh signature always verifies.
		if ts < 0 {
			ts = -ts
		}
		ts = 1790068445 + ts%600 - 300
		stamp := strconv.FormatInt(ts, 10)
		sig := chatwoot.Sign(secret, stamp, body)
		if err := chatwoot.Verify(secret, stamp, body, sig, now, 0); err != nil {
			t.Fatalf("own signature rejected: %v", err)
		}
		if mask == 0 {
			mask = 1
		}
		// Flip one byte of one of the three inputs.
		switch which % 3 {
		case 0:
			if len(body) == 0 {
				return
			}
			b := bytes.Clone(body)
			b[int(at)%len(b)] ^= mask
			if err := chatwoot.Verify(secret, stamp, b, sig, now, 0); err == nil {
				t.Fatalf("changed body verified")
			}
		case 1:
			s := []byte(sig)
			i := int(at) % len(s)
			s[i] ^= mask
			if strings.EqualFold(string(s), sig) {
				return // a change of letter case only: the same signature
			}
			if err := chatwoot.Verify(secret, stamp, body, string(s), now, 0); err == nil {
				t.Fatalf("changed signature %q verified", s)
			}
		case 2:
			s := []byte(stamp)
			s[int(at)%len(s)] ^= mask
			if err := chatwoot.Verify(secret, string(s), body, sig, now, 0); err == nil {
				t.Fatalf("changed timestamp %q verified", s)
			}
		}
	})
}

func BenchmarkDecodeEvent(b *testing.B) {
	body := readFixture(b, "composed_message_created_incoming.json")
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := chatwoot.DecodeEvent(body); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	body := readFixture(b, "composed_message_created_incoming.json")
	sig := chatwoot.Sign("secret", "1790000000", body)
	now := time.Unix(1790000000, 0)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if err := chatwoot.Verify("secret", "1790000000", body, sig, now, 0); err != nil {
			b.Fatal(err)
		}
	}
}
