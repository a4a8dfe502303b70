package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/hotdash/hotdash/internal/chatwoot"
	"github.com/hotdash/hotdash/internal/config"
	"github.com/hotdash/hotdash/internal/ingest"
)

// IngestOptions configure the ingest benchmark.
type IngestOptions struct {
	Engine        string
	PostgresURL   string
	Senders       int
	Duration      time.Duration
	Conversations int
	Progress      io.Writer
}

// IngestResult holds the figures.
type IngestResult struct {
	Engine          string        `json:"engine"`
	Senders         int           `json:"senders"`
	Duration        time.Duration `json:"duration_ns"`
	Acked           int           `json:"acked"`
	Errors          int           `json:"errors"`
	PerSecond       float64       `json:"events_per_second"`
	P50             time.Duration `json:"p50_ns"`
	P90             time.Duration `json:"p90_ns"`
	P99             time.Duration `json:"p99_ns"`
	Max             time.Duration `json:"max_ns"`
	Stored          int           `json:"stored"`
	ProjectionLag   time.Duration `json:"projection_catch_up_ns"`
	ProjectedPerSec float64       `json:"projected_per_second"`
}

const ingestSecret = "bench-webhook-secret"

// Ingest measures signed webhooks per second through POST /webhooks/chatwoot
// from concurrent senders with a realistic mix of events, checks that every
// acknowledged one is stored, and times how long projection takes to catch
// up afterwards.
func Ingest(ctx context.Context, o IngestOptions) (IngestResult, error) {
	progress := o.Progress
	if progress == nil {
		progress = io.Discard
	}
	res := IngestResult{Engine: o.Engine, Senders: o.Senders}
	a, cleanup, err := startServer(ctx, o.Engine, o.PostgresURL, func(s *config.Settings) {
		s.Chatwoot.WebhookSecret = ingestSecret
	})
	if err != nil {
		return res, err
	}
	defer cleanup()
	url := a.URL() + "/webhooks/chatwoot"
	_, _ = fmt.Fprintf(progress, "%s: %d senders posting signed webhooks to %s for %s…\n", o.Engine, o.Senders, url, o.Duration)
	t := &http.Transport{MaxIdleConnsPerHost: o.Senders * 2}
	client := &http.Client{Transport: t, Timeout: 10 * time.Second}
	var mu sync.Mutex
	var lat []time.Duration
	start := time.Now()
	deadline := start.Add(o.Duration)
	var wg sync.WaitGroup
	for w := range o.Senders {
		wg.Go(func() {
			var mine []time.Duration
			bad := 0
			for i := 0; time.Now().Before(deadline); i++ {
				body := mixedEvent(w, i, o.Conversations)
				t0 := time.Now()
				if status, err := post(client, url, fmt.Sprintf("b-%d-%d", w, i), body); err != nil || status != http.StatusOK {
					bad++
					continue
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, mine...)
			res.Errors += bad
			mu.Unlock()
		})
	}
	wg.Wait()
	res.Duration = time.Since(start)
	res.Acked = len(lat)
	res.PerSecond = float64(res.Acked) / res.Duration.Seconds()
	res.P50, res.P90, res.P99, res.Max = percentile(lat, 50), percentile(lat, 90), percentile(lat, 99), percentile(lat, 100)
	if err := a.DB.Read.QueryRowContext(ctx, `SELECT count(*) FROM chatwoot_events`).Scan(&res.Stored); err != nil {
		return res, err
	}
	if res.Stored != res.Acked {
		return res, fmt.Errorf("%d events acknowledged but %d stored", res.Acked, res.Stored)
	}
	_, _ = fmt.Fprintf(progress, "%s: waiting for projection to catch up…\n", o.Engine)
	caught := time.Now()
	for {
		n, err := ingest.Pending(ctx, a.DB)
		if err != nil {
			return res, err
		}
		if n == 0 {
			break
		}
		select {
		case <-ctx.Done():
			return res, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	res.ProjectionLag = time.Since(caught)
	res.ProjectedPerSec = float64(res.Acked) / time.Since(start).Seconds()
	return res, nil
}

func post(client *http.Client, url, delivery string, body []byte) (int, error) {
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Chatwoot-Delivery", delivery)
	req.Header.Set("X-Chatwoot-Timestamp", ts)
	req.Header.Set("X-Chatwoot-Signature", chatwoot.Sign(ingestSecret, ts, body))
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// mixedEvent is sender w's i-th event: mostly customer messages, then agent
// replies, private notes, conversation updates and status changes, in
// Chatwoot's shapes and sizes (about 1.5 KB).
func mixedEvent(w, i, conversations int) []byte {
	conv := (w*7919+i*31)%conversations + 1
	msg := w*10_000_000 + i + 1
	now := time.Now().UTC()
	kind, private, event, status, changed := "incoming", false, "message_created", "open", ""
	switch i % 20 {
	case 0, 1, 2, 3:
		kind = "outgoing"
	case 4:
		kind, private = "outgoing", true
	case 5, 6:
		event, changed = "conversation_updated", `"changed_attributes":[{"priority":{"previous_value":null,"current_value":"high"}}],`
	case 7:
		event, status, changed = "conversation_status_changed", "pending", `"changed_attributes":[{"status":{"previous_value":"open","current_value":"pending"}}],`
	}
	convJSON := fmt.Sprintf(`{"id":%d,"account":{"id":1,"name":"Acme"},"inbox_id":%d,"channel":"Channel::Email","status":%q,`+
		`"priority":null,"can_reply":true,"labels":["billing"],"custom_attributes":{},"additional_attributes":{"mail_subject":"Order %d"},`+
		`"contact_inbox":{"id":%d,"contact_id":%d,"inbox_id":1,"source_id":"c-%d"},"meta":{"sender":{"id":%d,"name":"Customer %d",`+
		`"email":"c%d@example.com","phone_number":null,"identifier":null,"thumbnail":"","type":"contact"},"assignee":{"id":3,"name":"Sam",`+
		`"available_name":"Sam","type":"user"},"team":null,"hmac_verified":false},"messages":[],"unread_count":1,"first_reply_created_at":null,`+
		`"agent_last_seen_at":0,"contact_last_seen_at":0,"waiting_since":%d,"last_activity_at":%d,"timestamp":%d,"created_at":%d,"updated_at":%d.%06d}`,
		conv, 1+conv%5, status, conv, conv, conv, conv, conv, conv, conv, now.Unix(), now.Unix(), now.Unix(), now.Unix()-3600, now.Unix(), now.Nanosecond()/1000)
	if event != "message_created" {
		return fmt.Appendf(nil, `{"event":%q,%s%s`, event, changed, convJSON[1:])
	}
	return fmt.Appendf(nil, `{"event":"message_created","id":%d,"content":"Hello, I ordered item %d last week and it has not arrived. Can you check the tracking for me?",`+
		`"content_type":"text","content_attributes":{},"additional_attributes":{},"message_type":%q,"private":%t,"source_id":null,`+
		`"created_at":%q,"sender":{"id":%d,"name":"Customer %d","type":"contact"},"inbox":{"id":1,"name":"Support"},`+
		`"account":{"id":1,"name":"Acme"},"conversation":%s}`, msg, msg, kind, private, now.Format(time.RFC3339Nano), conv, conv, convJSON)
}
