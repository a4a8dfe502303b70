package demo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/hotdash/hotdash/internal/config"
	"github.com/hotdash/hotdash/internal/simulator"
)

// Chatwoot is a simulated Chatwoot account running in the demo process: its
// REST API on a loopback port, and support traffic sent to HotDash as
// signed webhooks.
type Chatwoot struct {
	sim    *simulator.Simulator
	srv    *http.Server
	url    string
	token  string
	secret string
	cancel context.CancelFunc
	done   chan struct{}
}

// StartChatwoot starts the simulated account's API.
func StartChatwoot(logger *slog.Logger) (*Chatwoot, error) {
	c := &Chatwoot{token: randomHex(16), secret: randomHex(24), done: make(chan struct{})}
	sim, err := simulator.New(simulator.Options{Token: c.token, AccountID: 1, AccountName: "Demo Shop", Seed: uint64(time.Now().UnixNano()),
		Logger: logger.With("component", "demo-chatwoot")})
	if err != nil {
		return nil, fmt.Errorf("start the simulated chatwoot: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		sim.Close()
		return nil, fmt.Errorf("listen for the simulated chatwoot: %w", err)
	}
	c.sim, c.url = sim, "http://"+ln.Addr().String()
	c.srv = &http.Server{Handler: sim.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = c.srv.Serve(ln) }()
	return c, nil
}

// Settings point HotDash at the simulated account. Dry run is off: no
// customer is behind it, and the demo should show actions taking effect.
func (c *Chatwoot) Settings() config.Chatwoot {
	off := false
	return config.Chatwoot{BaseURL: c.url, APIToken: c.token, AccountID: 1, WebhookSecret: c.secret,
		ReconcileEvery: time.Minute, DryRun: &off}
}

// URL is where the simulated account's API answers.
func (c *Chatwoot) URL() string { return c.url }

// Connect subscribes HotDash's webhook endpoint, starts a handful of
// conversations at once so the queue is not empty, and keeps traffic going
// at rate changes a second until Close.
func (c *Chatwoot) Connect(hotdashURL string, rate float64) error {
	c.sim.AddWebhook(simulator.Webhook{URL: hotdashURL + "/webhooks/chatwoot", Secret: c.secret})
	ctx, cancel := context.WithCancel(context.Background())
	c.cancel = cancel
	go func() {
		defer close(c.done)
		// A quick start (a dozen changes in a few seconds), then a calm floor.
		_ = c.sim.Traffic(ctxFor(ctx, 3*time.Second), simulator.TrafficOptions{Rate: 8, Conversations: 16})
		_ = c.sim.Traffic(ctx, simulator.TrafficOptions{Rate: rate, Conversations: 16})
	}()
	return nil
}

// StopTraffic stops the simulated customers and agents and returns once
// their last change has been sent; the API keeps answering. Tests call it
// to hold the account still.
func (c *Chatwoot) StopTraffic() {
	if c.cancel != nil {
		c.cancel()
		<-c.done
	}
}

// Close stops the traffic and the API.
func (c *Chatwoot) Close() {
	c.StopTraffic()
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		_ = c.srv.Close()
	}
	c.sim.Close()
}

func ctxFor(parent context.Context, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(parent, d)
	go func() { <-ctx.Done(); cancel() }()
	return ctx
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
