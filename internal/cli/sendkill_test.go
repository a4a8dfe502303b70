package cli_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/hotdash/hotdash/client"
	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/chatwoot"
	"github.com/hotdash/hotdash/internal/clock"
	"github.com/hotdash/hotdash/internal/simulator"
	"github.com/hotdash/hotdash/internal/store/sqlite"
)

// TestSIGKILLBetweenSendAndAcknowledgementSendsOnce approves a reply in a
// real hotdash serve process, lets Chatwoot store the message, and kills
// the process with SIGKILL before Chatwoot's answer reaches it. The
// restarted process learns of the message from Chatwoot (its start-up
// reconciliation) and marks the draft sent: the customer gets one message.
func TestSIGKILLBetweenSendAndAcknowledgementSendsOnce(t *testing.T) {
	dir := t.TempDir()
	agentToken, leadToken := seedTokens(t, dir)
	sim, err := simulator.New(simulator.Options{Token: "sim-token", AccountID: 1, Contacts: 2, Seed: 8,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	display, err := sim.NewConversation(sim.Inboxes()[0].ID, 0, "Is my order on its way?")
	if err != nil {
		t.Fatal(err)
	}
	var posts atomic.Int32
	posted, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	simHandler := sim.Handler()
	cw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/messages") {
			posts.Add(1)
			simHandler.ServeHTTP(httptest.NewRecorder(), r) // Chatwoot stores it…
			once.Do(func() { close(posted) })
			<-release // …and answers only after the sender is dead
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		simHandler.ServeHTTP(w, r)
	}))
	t.Cleanup(cw.Close)
	t.Cleanup(func() {
		select {
		case <-release:
		default:
			close(release)
		}
	})
	env := []string{"CHATWOOT_BASE_URL=" + cw.URL, "CHATWOOT_API_TOKEN=sim-token", "CHATWOOT_ACCOUNT_ID=1",
		"CHATWOOT_DRY_RUN=false", "CHATWOOT_RECONCILE_EVERY=10s"}

	cmd, url, stderr := startServeEnv(t, dir, env...)
	agent, lead := client.New(url, agentToken), client.New(url, leadToken)
	ctx := context.Background()
	var d client.Draft
	waitFor(t, 30*time.Second, func() bool { // the start-up reconciliation brings the conversation in
		d, err = agent.SubmitDraft(ctx, client.NewDraft{ConversationDisplayID: display, Kind: "reply", Text: "Yes: it arrives Thursday.", Agent: "bot"}, "k1")
		return err == nil
	})
	if _, err := lead.ReviewDraft(ctx, d.ID, "approve", client.DraftReview{Version: 1, Grades: &client.Grades{Tone: 5, Accuracy: 5, Policy: 5}}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-posted:
	case <-time.After(30 * time.Second):
		t.Fatalf("the send never reached Chatwoot\n%s", tail(stderr.String()))
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	close(release)

	_, url2, stderr2 := startServeEnv(t, dir, env...)
	lead = client.New(url2, leadToken)
	var got client.DraftDetail
	waitFor(t, 60*time.Second, func() bool {
		got, err = lead.Draft(ctx, d.ID)
		return err == nil && got.State == "sent"
	})
	time.Sleep(time.Second) // room for a wrong second send to show
	var out int
	for _, m := range sim.Messages(display) {
		if m.Type == chatwoot.MessageOutgoing && !m.Private {
			out++
		}
	}
	if posts.Load() != 1 || out != 1 || got.ChatwootMessageID == 0 {
		t.Fatalf("%d posts, %d outgoing messages, draft %+v\n%s", posts.Load(), out, got.Draft, tail(stderr2.String()))
	}
}

// seedTokens migrates a fresh SQLite store in dir and creates an agent's
// and a lead's API tokens.
func seedTokens(t *testing.T, dir string) (agent, lead string) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(dir, "hotdash.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	svc, err := auth.New(db, clock.System{}, auth.Config{SessionLifetime: time.Hour, MaxFailuresPerAccount: 5, MaxFailuresPerAddress: 5,
		FailureWindow: time.Minute, SetupLinkLifetime: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if agent, _, err = svc.CreateToken(ctx, "bot", auth.Agent, "test"); err != nil {
		t.Fatal(err)
	}
	if lead, _, err = svc.CreateToken(ctx, "lead", auth.Lead, "test"); err != nil {
		t.Fatal(err)
	}
	return agent, lead
}

// startServeEnv is startServe with extra environment.
func startServeEnv(t *testing.T, dataDir string, env ...string) (*exec.Cmd, string, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "serve")
	cmd.Env = append(append(os.Environ(), "HOTDASH_CLI_TEST_AS_MAIN=1", "HOTDASH_DATA_DIR="+dataDir, "HOTDASH_ADDR=127.0.0.1:0",
		"HOTDASH_DATABASE_URL="), env...)
	stdout, _ := cmd.StdoutPipe()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return cmd, waitForURL(t, stdout), &stderr
}
