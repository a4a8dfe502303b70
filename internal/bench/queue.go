package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/hotdash/hotdash/client"
	"github.com/hotdash/hotdash/internal/auth"
)

// QueueOptions configure the queue benchmark.
type QueueOptions struct {
	Engine        string
	PostgresURL   string
	Conversations int
	// Requests is how many requests each query shape gets.
	Requests int
	Clients  int
	Progress io.Writer
}

// QueueShape is one query's figures.
type QueueShape struct {
	Name string        `json:"name"`
	P50  time.Duration `json:"p50_ns"`
	P99  time.Duration `json:"p99_ns"`
	Rows int           `json:"rows"`
}

// QueueResult holds the figures.
type QueueResult struct {
	Engine        string        `json:"engine"`
	Conversations int           `json:"conversations"`
	SeedDuration  time.Duration `json:"seed_duration_ns"`
	Shapes        []QueueShape  `json:"shapes"`
}

// Queue measures GET /api/v1/conversations over a large queue: 70% of the
// conversations resolved, the rest open, pending or snoozed, spread over
// bands, channels, labels and assignees.
func Queue(ctx context.Context, o QueueOptions) (QueueResult, error) {
	progress := o.Progress
	if progress == nil {
		progress = io.Discard
	}
	res := QueueResult{Engine: o.Engine, Conversations: o.Conversations}
	a, cleanup, err := startServer(ctx, o.Engine, o.PostgresURL, nil)
	if err != nil {
		return res, err
	}
	defer cleanup()
	_, _ = fmt.Fprintf(progress, "%s: seeding %d conversations…\n", o.Engine, o.Conversations)
	t := time.Now()
	now := time.Now().UTC()
	channels := []string{"email", "web", "whatsapp", "sms", "api"}
	bands := []string{"ok", "ok", "ok", "warning", "urgent", "breached"}
	// Independent dimensions (different strides), so no filter combination
	// is empty by accident.
	err = seedConversations(ctx, a.DB, o.Conversations, 0, now, func(i int) seeded {
		s := seeded{channel: channels[(i/10)%len(channels)], labels: "[]", assignee: int64((i / 11) % 21)}
		switch {
		case i%10 < 7:
			s.status = "resolved"
		case i%10 == 7:
			s.status = "pending"
		default:
			s.status, s.clock, s.band = "open", "first_response", bands[(i/3)%len(bands)]
			s.due = now.Add(time.Duration((i/2)%7200-600) * time.Second).Truncate(time.Microsecond)
		}
		switch (i / 7) % 17 {
		case 0:
			s.labels = `["vip"]`
		case 1:
			s.labels = `["billing","escalation"]`
		}
		return s
	})
	if err != nil {
		return res, err
	}
	res.SeedDuration = time.Since(t)
	secret, _, err := a.Auth.CreateToken(ctx, "bench", auth.Lead, "bench")
	if err != nil {
		return res, err
	}
	c := client.New(a.URL(), secret)
	deep, err := cursorAfter(ctx, c, 5)
	if err != nil {
		return res, err
	}
	api := func(q client.ConversationQuery) fetchFunc {
		return func(ctx context.Context) (int, error) {
			page, err := c.Conversations(ctx, q)
			return len(page.Conversations), err
		}
	}
	pages := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: o.Clients}}
	html := func(path string) fetchFunc {
		return func(ctx context.Context) (int, error) { return fetchPage(ctx, pages, a.URL()+path, secret) }
	}
	shapes := []struct {
		name  string
		fetch fetchFunc
	}{
		{"queue, first page", api(client.ConversationQuery{})},
		{"queue, page 6", api(client.ConversationQuery{Cursor: deep})},
		{"band=breached", api(client.ConversationQuery{Band: "breached"})},
		{"channel=whatsapp", api(client.ConversationQuery{Channel: "whatsapp"})},
		{"label=vip", api(client.ConversationQuery{Label: "vip"})},
		{"assignee=none", api(client.ConversationQuery{Assignee: "none"})},
		{"escalated", api(client.ConversationQuery{Escalated: true})},
		{"status=all", api(client.ConversationQuery{Statuses: []string{"all"}})},
		{"contact search", api(client.ConversationQuery{Text: "customer 4242"})},
		{"search by email", api(client.ConversationQuery{Text: "c99@exa"})},
		{"page /queue", html("/queue")},
		{"page /queue?band=breached", html("/queue?band=breached")},
		{"page / (CX tiles)", html("/")},
	}
	for _, s := range shapes {
		_, _ = fmt.Fprintf(progress, "%s: %s…\n", o.Engine, s.name)
		shape, err := timeShape(ctx, s.name, s.fetch, o.Requests, o.Clients)
		if err != nil {
			return res, fmt.Errorf("%s: %w", s.name, err)
		}
		res.Shapes = append(res.Shapes, shape)
	}
	return res, nil
}

// cursorAfter follows n pages of the default queue and returns the cursor
// of the next one.
func cursorAfter(ctx context.Context, c *client.Client, n int) (string, error) {
	cursor := ""
	for range n {
		page, err := c.Conversations(ctx, client.ConversationQuery{Cursor: cursor})
		if err != nil {
			return "", err
		}
		cursor = page.NextCursor
	}
	return cursor, nil
}

// fetchFunc makes one request of a shape and returns the rows it got.
type fetchFunc func(ctx context.Context) (rows int, err error)

// fetchPage GETs a page with an API token and returns how many queue rows
// (or, off the queue, 0) it holds.
func fetchPage(ctx context.Context, c *http.Client, url, token string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return bytes.Count(body, []byte(`id="queue-conv-`)), nil
}

// timeShape times requests of one shape after one untimed warm-up request
// (the first after start pays for cold caches, such as the dashboard's
// first count of the conversations).
func timeShape(ctx context.Context, name string, fetch fetchFunc, requests, clients int) (QueueShape, error) {
	shape := QueueShape{Name: name}
	if _, err := fetch(ctx); err != nil {
		return shape, err
	}
	var mu sync.Mutex
	var lat []time.Duration
	var firstErr error
	next := make(chan struct{}, requests)
	for range requests {
		next <- struct{}{}
	}
	close(next)
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for range next {
				t := time.Now()
				rows, err := fetch(ctx)
				d := time.Since(t)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				lat = append(lat, d)
				shape.Rows = rows
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	shape.P50, shape.P99 = percentile(lat, 50), percentile(lat, 99)
	return shape, firstErr
}
