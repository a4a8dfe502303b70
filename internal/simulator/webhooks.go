package simulator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/hotdash/hotdash/internal/chatwoot"
	"github.com/hotdash/hotdash/internal/clock"
)

// emit sends event (with payload as its body, plus "event") to every
// subscribed webhook, applying the configured flaws. Caller holds s.mu: the
// payload is the account's state at the moment of the change, and the
// random draws happen in a reproducible order.
func (s *Simulator) emit(event string, payload map[string]any) {
	if len(s.hooks) == 0 {
		return
	}
	payload["event"] = event
	body := mustJSON(payload)
	for _, h := range s.hooks {
		if len(h.Events) > 0 && !slices.Contains(h.Events, event) {
			continue
		}
		d := delivery{hook: h, event: event, id: s.uuid(), body: body}
		f := s.flaws
		s.out.count(func(st *Stats) { st.Events++ })
		if f.Drop > 0 && s.rng.Float64() < f.Drop {
			s.out.drop(d)
			continue
		}
		copies := []delivery{d}
		if f.Duplicate > 0 && s.rng.Float64() < f.Duplicate {
			dup := d
			dup.id = s.uuid()
			copies = append(copies, dup)
		}
		if f.Redeliver > 0 && s.rng.Float64() < f.Redeliver {
			copies = append(copies, d)
		}
		for i, c := range copies {
			var delay time.Duration
			if f.Delay > 0 && s.rng.Float64() < f.Delay {
				maxDelay := f.MaxDelay
				if maxDelay <= 0 {
					maxDelay = 2 * time.Second
				}
				delay = time.Duration(s.rng.Int64N(int64(maxDelay))) + time.Millisecond
			}
			s.out.enqueue(c, delay, i > 0)
		}
	}
}

// uuid returns a random (version 4) UUID from the seeded source. Caller
// holds s.mu.
func (s *Simulator) uuid() string {
	var b [16]byte
	for i := 0; i < 16; i += 8 {
		v := s.rng.Uint64()
		for j := range 8 {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// redactURL drops a URL's query and credentials.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable url)"
	}
	u.User = nil
	if u.RawQuery != "" {
		u.RawQuery = "redacted"
	}
	return u.String()
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("simulator: encode: %v", err))
	}
	return b
}

type delivery struct {
	hook  Webhook
	event string
	id    string
	body  []byte
}

// dispatcher delivers webhooks from a queue with a few workers, each
// delivery attempted once (Chatwoot does not retry account webhooks).
type dispatcher struct {
	http       *http.Client
	clock      clock.Clock
	log        *slog.Logger
	onDelivery func(DeliveryResult)
	ctx        context.Context
	cancel     context.CancelFunc
	wg         sync.WaitGroup
	wake       chan struct{}

	mu      sync.Mutex
	queue   []delivery
	pending int // queued, delayed or in flight
	closed  bool
	st      Stats
}

func newDispatcher(hc *http.Client, workers int, clk clock.Clock, log *slog.Logger, onDelivery func(DeliveryResult)) *dispatcher {
	ctx, cancel := context.WithCancel(context.Background())
	d := &dispatcher{http: hc, clock: clk, log: log, onDelivery: onDelivery, ctx: ctx, cancel: cancel, wake: make(chan struct{}, 1)}
	for range workers {
		d.wg.Add(1)
		go d.work()
	}
	return d
}

func (d *dispatcher) count(f func(*Stats)) {
	d.mu.Lock()
	f(&d.st)
	d.mu.Unlock()
}

func (d *dispatcher) stats() Stats {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.st
}

func (d *dispatcher) drop(dl delivery) {
	d.count(func(st *Stats) { st.Dropped++ })
	if d.onDelivery != nil {
		d.onDelivery(DeliveryResult{URL: dl.hook.URL, Event: dl.event, DeliveryID: dl.id, Dropped: true})
	}
}

// enqueue queues dl now or after delay.
func (d *dispatcher) enqueue(dl delivery, delay time.Duration, extra bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return
	}
	d.pending++
	if extra {
		d.st.Duplicated++
	}
	if delay > 0 {
		d.st.Delayed++
		time.AfterFunc(delay, func() {
			d.mu.Lock()
			defer d.mu.Unlock()
			if d.closed {
				return
			}
			d.queue = append(d.queue, dl)
			d.signal()
		})
		return
	}
	d.queue = append(d.queue, dl)
	d.signal()
}

// signal wakes a worker. Caller holds d.mu.
func (d *dispatcher) signal() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

func (d *dispatcher) work() {
	defer d.wg.Done()
	for {
		d.mu.Lock()
		if d.closed {
			d.mu.Unlock()
			return
		}
		if len(d.queue) == 0 {
			d.mu.Unlock()
			select {
			case <-d.wake:
			case <-d.ctx.Done():
				return
			}
			continue
		}
		dl := d.queue[0]
		d.queue = d.queue[1:]
		if len(d.queue) > 0 {
			d.signal() // let another worker take the next one
		}
		d.mu.Unlock()
		d.send(dl)
		d.mu.Lock()
		d.pending--
		d.mu.Unlock()
	}
}

func (d *dispatcher) send(dl delivery) {
	res := DeliveryResult{URL: dl.hook.URL, Event: dl.event, DeliveryID: dl.id}
	req, err := http.NewRequestWithContext(d.ctx, http.MethodPost, dl.hook.URL, bytes.NewReader(dl.body))
	if err == nil {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json")
		req.Header.Set("User-Agent", "Chatwoot")
		if !dl.hook.Legacy {
			req.Header.Set(chatwoot.HeaderDelivery, dl.id)
			if dl.hook.Secret != "" {
				ts := strconv.FormatInt(d.clock.Now().Unix(), 10)
				req.Header.Set(chatwoot.HeaderTimestamp, ts)
				req.Header.Set(chatwoot.HeaderSignature, chatwoot.Sign(dl.hook.Secret, ts, dl.body))
			}
		}
		var resp *http.Response
		resp, err = d.http.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
			_ = resp.Body.Close()
			res.Status = resp.StatusCode
		}
	}
	res.Err = err
	ok := err == nil && res.Status >= 200 && res.Status < 300
	d.count(func(st *Stats) {
		st.Sent++
		if ok {
			st.Succeeded++
		} else {
			st.Failed++
		}
	})
	if !ok && d.ctx.Err() == nil {
		// Chatwoot logs and drops a failed delivery. The URL's query (it
		// may hold a token) stays out of the log.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		d.log.Warn("simulator: webhook delivery failed", "url", redactURL(dl.hook.URL), "event", dl.event,
			"delivery", dl.id, "status", res.Status, "error", err)
	}
	if d.onDelivery != nil {
		d.onDelivery(res)
	}
}

// flush waits until nothing is queued, delayed or in flight.
func (d *dispatcher) flush(ctx context.Context) error {
	t := time.NewTicker(2 * time.Millisecond)
	defer t.Stop()
	for {
		d.mu.Lock()
		n, closed := d.pending, d.closed
		d.mu.Unlock()
		if n == 0 || closed {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("simulator: %d webhook deliveries still pending: %w", n, ctx.Err())
		case <-t.C:
		}
	}
}

// close abandons queued and delayed deliveries, aborts those in flight and
// waits for the workers to stop.
func (d *dispatcher) close() {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return
	}
	d.closed = true
	d.queue = nil
	d.mu.Unlock()
	d.cancel()
	d.wg.Wait()
}
