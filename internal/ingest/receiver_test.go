package ingest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/chatwoot"
	"github.com/hotdash/hotdash/internal/clock"
	"github.com/hotdash/hotdash/internal/httpx"
	"github.com/hotdash/hotdash/internal/ingest"
	"github.com/hotdash/hotdash/internal/store/storetest"
)

const secret = "webhook-secret-for-tests"

var t0 = time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)

type endpoint struct {
	url      string
	receiver *ingest.Receiver
	db       *storetest.DB
}

// serve mounts a Receiver on HotDash's router behind a loopback server; its
// clock stands at t0.
func serve(t *testing.T, db *storetest.DB, cfg ingest.ReceiverConfig) *endpoint {
	t.Helper()
	return serveAt(t, db, cfg, clock.NewManual(t0))
}

// serveWithClock is serve with a given clock and the test secret.
func serveWithClock(t *testing.T, db *storetest.DB, clk clock.Clock) *endpoint {
	t.Helper()
	return serveAt(t, db, ingest.ReceiverConfig{Secret: secret}, clk)
}

func serveAt(t *testing.T, db *storetest.DB, cfg ingest.ReceiverConfig, clk clock.Clock) *endpoint {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	rec := ingest.NewReceiver(db.DB, clk, cfg, prometheus.NewRegistry(), logger, nil)
	t.Cleanup(rec.Close)
	r := httpx.NewRouter(nil, logger, nil)
	r.Handle("POST /webhooks/chatwoot", httpx.API, auth.Public, rec)
	ts := httptest.NewServer(r)
	t.Cleanup(ts.Close)
	return &endpoint{url: ts.URL + "/webhooks/chatwoot", receiver: rec, db: db}
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("../../../shared/reference/chatwoot-fixtures/" + name)
	if err != nil {
		b, err = os.ReadFile("../chatwoot/testdata/" + name)
	}
	if err != nil {
		t.Fatalf("fixture %s: %v", name, err)
	}
	return b
}

type delivery struct {
	body      []byte
	delivery  string
	timestamp string
	signature string
	query     string
}

func signed(body []byte, id string, at time.Time) delivery {
	ts := strconv.FormatInt(at.Unix(), 10)
	return delivery{body: body, delivery: id, timestamp: ts, signature: chatwoot.Sign(secret, ts, body)}
}

func (e *endpoint) send(t *testing.T, d delivery) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.url+d.query, bytes.NewReader(d.body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range map[string]string{"X-Chatwoot-Delivery": d.delivery, "X-Chatwoot-Timestamp": d.timestamp, "X-Chatwoot-Signature": d.signature} {
		if v != "" {
			req.Header.Set(k, v)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var env struct {
		Status string `json:"status"`
		Error  struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	_ = json.Unmarshal(b, &env)
	if env.Status != "" {
		return resp.StatusCode, env.Status
	}
	return resp.StatusCode, env.Error.Code
}

func (e *endpoint) stored(t *testing.T) []string {
	t.Helper()
	rows, err := e.db.Read.Query(`SELECT dedupe_key FROM chatwoot_events ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var keys []string
	for rows.Next() {
		var k string
		_ = rows.Scan(&k)
		keys = append(keys, k)
	}
	return keys
}

func TestSignedDeliveriesAreStoredOnceAndBadOnesNotAtAll(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		e := serve(t, db, ingest.ReceiverConfig{Secret: secret})
		body := fixture(t, "composed_message_created_incoming.json")
		good := signed(body, "8f0c2f7e-2b1a-4c55-9d3e-6a1f0b7c9e21", t0)
		tampered := good
		tampered.body = bytes.Replace(body, []byte("refund"), []byte("REFUND"), 1)
		wrongSecret := good
		wrongSecret.signature = chatwoot.Sign("another secret", good.timestamp, body)
		unsigned := good
		unsigned.signature = ""
		stale := signed(body, "d-stale", t0.Add(-6*time.Minute))
		future := signed(body, "d-future", t0.Add(6*time.Minute))
		huge := signed([]byte(`{"event":"message_created","content":"`+strings.Repeat("x", 1<<20)+`"}`), "d-huge", t0)
		notJSON := signed([]byte(`{"event": "message_created",`), "d-bad", t0)
		noEvent := signed([]byte(`{"id": 1}`), "d-noevent", t0)
		cases := []struct {
			name    string
			d       delivery
			status  int
			outcome string
		}{
			{"signed delivery", good, 200, "stored"},
			{"same delivery again", good, 200, "duplicate"},
			{"body changed after signing", tampered, 401, "bad_signature"},
			{"wrong secret", wrongSecret, 401, "bad_signature"},
			{"no signature", unsigned, 401, "bad_signature"},
			{"timestamp 6 min old", stale, 401, "stale_timestamp"},
			{"timestamp 6 min ahead", future, 401, "stale_timestamp"},
			{"body over 1 MiB", huge, 413, "too_large"},
			{"malformed JSON", notJSON, 400, "malformed"},
			{"no event name", noEvent, 400, "malformed"},
		}
		for _, c := range cases {
			status, outcome := e.send(t, c.d)
			if status != c.status || outcome != c.outcome {
				t.Errorf("%s: %d %q, want %d %q", c.name, status, outcome, c.status, c.outcome)
			}
		}
		if keys := e.stored(t); len(keys) != 1 || keys[0] != "delivery:8f0c2f7e-2b1a-4c55-9d3e-6a1f0b7c9e21" {
			t.Fatalf("stored %v, want the one good delivery", keys)
		}
		var raw string
		if err := db.Read.QueryRow(`SELECT body FROM chatwoot_events`).Scan(&raw); err != nil || raw != string(body) {
			t.Fatalf("the stored body differs from the bytes received (%v)", err)
		}
	})
}

func TestDeliveriesWithoutAnIDAreDeduplicatedByContent(t *testing.T) {
	e := serve(t, storetest.OpenSQLite(t), ingest.ReceiverConfig{Secret: secret})
	body := fixture(t, "composed_conversation_updated_escalation.json")
	for range 3 {
		if status, outcome := e.send(t, signed(body, "", t0)); status != 200 {
			t.Fatalf("%d %s", status, outcome)
		}
	}
	if keys := e.stored(t); len(keys) != 1 || !strings.HasPrefix(keys[0], "event:conversation_updated:") {
		t.Fatalf("stored %v, want one row keyed by event and object", keys)
	}
}

func TestUnknownEventsAreStored(t *testing.T) {
	e := serve(t, storetest.OpenSQLite(t), ingest.ReceiverConfig{Secret: secret})
	status, outcome := e.send(t, signed([]byte(`{"event":"captain_thought","id":7}`), "d-unknown", t0))
	if status != 200 || outcome != "stored" {
		t.Fatalf("unknown event: %d %s", status, outcome)
	}
}

func TestUnsignedFallbackNeedsTheURLToken(t *testing.T) {
	token := strings.Repeat("t", 32)
	e := serve(t, storetest.OpenSQLite(t), ingest.ReceiverConfig{Token: token})
	body := fixture(t, "composed_message_created_incoming.json")
	if status, _ := e.send(t, delivery{body: body, delivery: "a", query: "?token=" + token}); status != 200 {
		t.Fatalf("unsigned with the token: %d", status)
	}
	if status, _ := e.send(t, delivery{body: body, delivery: "b", query: "?token=" + token[1:] + "x"}); status != 401 {
		t.Fatalf("unsigned with a wrong token: %d", status)
	}
	if status, _ := e.send(t, delivery{body: body, delivery: "c"}); status != 401 {
		t.Fatalf("unsigned without a token: %d", status)
	}
}

func TestUnconfiguredEndpointSaysSo(t *testing.T) {
	e := serve(t, storetest.OpenSQLite(t), ingest.ReceiverConfig{})
	status, outcome := e.send(t, signed([]byte(`{"event":"message_created"}`), "x", t0))
	if status != 503 || outcome != "not_configured" {
		t.Fatalf("%d %s", status, outcome)
	}
}

func TestConcurrentDeliveriesShareCommitsAndEachIsStored(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		e := serve(t, db, ingest.ReceiverConfig{Secret: secret})
		errs := make(chan error, 64)
		for i := range 64 {
			go func() {
				body := fmt.Appendf(nil, `{"event":"message_created","id":%d,"content":"hi","message_type":"incoming",`+
					`"created_at":"2026-11-30T09:00:00Z","private":false,"conversation":{"id":7,"inbox_id":1,"status":"open"}}`, i)
				status, outcome := e.send(t, signed(body, fmt.Sprintf("d-%d", i%48), t0))
				if status != 200 || (outcome != "stored" && outcome != "duplicate") {
					errs <- fmt.Errorf("delivery %d: %d %s", i, status, outcome)
					return
				}
				errs <- nil
			}()
		}
		for range 64 {
			if err := <-errs; err != nil {
				t.Error(err)
			}
		}
		if n := len(e.stored(t)); n != 48 {
			t.Fatalf("stored %d events for 48 distinct deliveries", n)
		}
	})
}
