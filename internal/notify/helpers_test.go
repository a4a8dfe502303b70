package notify

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hotdash/hotdash/internal/clock"
	"github.com/hotdash/hotdash/internal/config"
	"github.com/hotdash/hotdash/internal/store"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// t0 is when every test starts.
var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// sample is an L3 escalation with everything filled in.
func sample() Message {
	return Message{
		Event: EventTrigger, IncidentRef: "incident:12", Severity: "S1", Level: "L3",
		Summary:  "Chatwoot API failing health checks",
		Details:  "3 health checks failed in a row since 09:52 UTC.\nGET /api answered 503 <service unavailable> & timed out twice.",
		Links:    []Link{{Title: "Incident", URL: "/incidents/12"}, {Title: "Runbook: Chatwoot down", URL: "https://help.example.com/runbooks/chatwoot?x=1|2"}},
		DedupKey: "incident:12:L3",
		At:       time.Date(2026, 3, 2, 9, 58, 30, 0, time.UTC),
	}
}

// harness is an Outbox on a test database with a manual clock and
// captured logs and metrics.
type harness struct {
	*Outbox
	db    *store.DB
	clock *clock.Manual
	logs  *syncBuffer
	reg   *prometheus.Registry
}

type harnessOptions struct {
	cfg    config.NotifyConfig
	env    map[string]string
	smtp   config.SMTP
	pdURL  string
	tuning Tuning
}

func newHarness(t *testing.T, db *store.DB, o harnessOptions) *harness {
	t.Helper()
	h := &harness{db: db, clock: clock.NewManual(t0), logs: &syncBuffer{}, reg: prometheus.NewRegistry()}
	if o.tuning.Jitter == nil {
		o.tuning.Jitter = func() float64 { return 0 }
	}
	ob, err := New(context.Background(), Deps{DB: db, Clock: h.clock, Config: o.cfg, SMTP: o.smtp,
		Env:    func(k string) string { return o.env[k] },
		HTTP:   &http.Client{Timeout: 5 * time.Second},
		Logger: slog.New(slog.NewJSONHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug})), Registerer: h.reg,
		PublicURL: func() string { return "https://hotdash.example.com" }, PagerDutyURL: o.pdURL, Tuning: o.tuning})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ob.Close)
	h.Outbox = ob
	return h
}

// enqueue enqueues in its own transaction and wakes the outbox.
func (h *harness) enqueue(t *testing.T, endpoints []string, m Message, key string) int {
	t.Helper()
	var n int
	err := h.db.InTx(context.Background(), func(tx *sql.Tx) error {
		var err error
		n, err = h.EnqueueTx(context.Background(), tx, endpoints, m, key)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	h.Wake()
	return n
}

// deliverDue runs DeliverDue and fails the test on error.
func (h *harness) deliverDue(t *testing.T) int {
	t.Helper()
	n, err := h.DeliverDue(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// all lists every delivery, oldest first.
func (h *harness) all(t *testing.T) []Delivery {
	t.Helper()
	ds, _, err := h.Deliveries(context.Background(), Filter{Limit: MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	for i, j := 0, len(ds)-1; i < j; i, j = i+1, j-1 {
		ds[i], ds[j] = ds[j], ds[i]
	}
	return ds
}

// only returns the one delivery there is.
func (h *harness) only(t *testing.T) Delivery {
	t.Helper()
	ds := h.all(t)
	if len(ds) != 1 {
		t.Fatalf("%d deliveries, want 1: %+v", len(ds), ds)
	}
	return ds[0]
}

func (h *harness) attempts(t *testing.T, id int64) []Attempt {
	t.Helper()
	as, err := h.Attempts(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return as
}

// request is what a fake receiver got.
type request struct {
	Path   string
	Query  string
	Header http.Header
	Body   []byte
}

// receiver is a fake HTTP endpoint: it records requests and answers with
// what answer returns (200 "ok" when nil).
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	got    []request
	answer func(r request) (int, http.Header, string)
}

func newReceiver(t *testing.T, answer func(request) (int, http.Header, string)) *receiver {
	rc := &receiver{answer: answer}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		req := request{Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: body}
		rc.mu.Lock()
		rc.got = append(rc.got, req)
		rc.mu.Unlock()
		status, header, text := http.StatusOK, http.Header(nil), "ok"
		if rc.answer != nil {
			status, header, text = rc.answer(req)
		}
		for k, v := range header {
			w.Header()[k] = v
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, text)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) requests() []request {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]request(nil), rc.got...)
}

// closedURL is an address nothing listens on.
func closedURL(t *testing.T, path string) string {
	srv := httptest.NewServer(http.NotFoundHandler())
	u := srv.URL + path
	srv.Close()
	return u
}

// syncBuffer is a bytes.Buffer safe for concurrent loggers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from what was sent.\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// indentJSON pretty-prints a JSON body for a golden file.
func indentJSON(t *testing.T, body []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := json.Indent(&b, body, "", "  "); err != nil {
		t.Fatalf("body is not JSON: %v\n%s", err, body)
	}
	b.WriteByte('\n')
	return b.Bytes()
}
