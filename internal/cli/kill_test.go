package cli_test

import (
	"bytes"
	"database/sql"
	"fmt"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hotdash/hotdash/internal/chatwoot"
)

const killSecret = "kill-test-webhook-secret"

// startServe runs hotdash serve as a child process on dataDir and returns
// it with its URL.
func startServe(t *testing.T, dataDir string) (*exec.Cmd, string, *bytes.Buffer) {
	t.Helper()
	return startServeEnv(t, dataDir, "CHATWOOT_WEBHOOK_SECRET="+killSecret)
}

func webhook(display, msg int64) []byte {
	at := time.Now().UTC().Format(time.RFC3339)
	return fmt.Appendf(nil, `{"event":"message_created","id":%d,"content":"Order %d","message_type":"incoming","private":false,`+
		`"created_at":%q,"sender":{"id":1,"name":"Ada","type":"contact"},"account":{"id":1,"name":"Acme"},`+
		`"conversation":{"id":%d,"inbox_id":1,"channel":"Channel::Email","status":"open","labels":[],"created_at":%d,`+
		`"updated_at":%d,"meta":{"sender":{"id":1,"name":"Ada"}},"messages":[]}}`, msg, msg, at, display, time.Now().Unix(), time.Now().Unix())
}

func deliver(client *http.Client, url string, delivery string, body []byte) (int, error) {
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	req, err := http.NewRequest(http.MethodPost, url+"/webhooks/chatwoot", bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Chatwoot-Delivery", delivery)
	req.Header.Set("X-Chatwoot-Timestamp", ts)
	req.Header.Set("X-Chatwoot-Signature", chatwoot.Sign(killSecret, ts, body))
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// TestSIGKILLLosesNoAcknowledgedWebhook kills hotdash serve with SIGKILL
// while 32 senders deliver webhooks, restarts it, and checks that every
// delivery it answered 200 is stored and, after the restart, projected.
func TestSIGKILLLosesNoAcknowledgedWebhook(t *testing.T) {
	dir := t.TempDir()
	cmd, url, _ := startServe(t, dir)
	client := &http.Client{Timeout: 5 * time.Second}
	var (
		mu    sync.Mutex
		acked []string
		wg    sync.WaitGroup
	)
	stop := make(chan struct{})
	for w := range 32 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				id := fmt.Sprintf("w%d-%d", w, i)
				status, err := deliver(client, url, id, webhook(int64(w+1), int64(w*100000+i+1)))
				if err != nil {
					return // the process is gone: unanswered deliveries were not acknowledged
				}
				if status == http.StatusOK {
					mu.Lock()
					acked = append(acked, id)
					mu.Unlock()
				}
			}
		})
	}
	waitFor(t, 30*time.Second, func() bool { mu.Lock(); defer mu.Unlock(); return len(acked) >= 300 })
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	close(stop)
	wg.Wait()

	// Restart on the same data: the new process projects what the killed
	// one stored but had not projected yet.
	cmd2, _, stderr := startServe(t, dir)
	db, err := sql.Open("sqlite", filepath.Join(dir, "hotdash.db")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	waitFor(t, 60*time.Second, func() bool {
		var pending int
		return db.QueryRow(`SELECT count(*) FROM chatwoot_events WHERE projected = FALSE`).Scan(&pending) == nil && pending == 0
	})
	_ = cmd2.Process.Signal(syscall.SIGTERM)
	_ = cmd2.Wait()
	missing := 0
	for _, id := range acked {
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM chatwoot_events WHERE dedupe_key = $1`, "delivery:"+id).Scan(&n); err != nil || n != 1 {
			missing++
		}
	}
	if missing > 0 {
		t.Fatalf("%d of %d acknowledged deliveries are missing after SIGKILL", missing, len(acked))
	}
	var messages, failed int
	_ = db.QueryRow(`SELECT count(*) FROM conversation_messages`).Scan(&messages)
	_ = db.QueryRow(`SELECT count(*) FROM chatwoot_events WHERE error <> ''`).Scan(&failed)
	if messages < len(acked) || failed > 0 {
		t.Fatalf("after restart: %d messages projected for %d acknowledged deliveries, %d events failed\n%s", messages, len(acked), failed, tail(stderr.String()))
	}
	t.Logf("%d deliveries acknowledged before SIGKILL; all stored, all projected after restart", len(acked))
}

func tail(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > 10 {
		lines = lines[len(lines)-10:]
	}
	return strings.Join(lines, "\n")
}
