package cli_test

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/hotdash/hotdash/client"
	"github.com/hotdash/hotdash/internal/apptest"
	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/cli"
)

// TestMain lets the test binary act as the hotdash command when a test
// starts it as a child process, so a real signal can reach a real server.
func TestMain(m *testing.M) {
	if os.Getenv("HOTDASH_CLI_TEST_AS_MAIN") == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
		code := cli.Run(ctx, os.Args[1:], cli.IO{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Environ: os.Environ()})
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

type result struct {
	code           int
	stdout, stderr string
}

// run executes the command line in-process with the given environment.
func run(t *testing.T, env []string, stdin string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	code := cli.Run(context.Background(), args, cli.IO{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errOut, Environ: env})
	return result{code: code, stdout: out.String(), stderr: errOut.String()}
}

func TestUserAndTokenCommands(t *testing.T) {
	env := []string{"HOTDASH_DATA_DIR=" + t.TempDir()}
	r := run(t, env, "", "user", "create", "--email", "lead@example.com", "--role", "admin")
	if r.code == 0 || !strings.Contains(r.stderr, "--password-stdin") {
		t.Fatalf("user create without --password-stdin: %+v", r)
	}
	r = run(t, env, "a long enough password\n", "user", "create", "--email", "Lead@Example.com", "--role", "admin", "--password-stdin")
	if r.code != 0 || !strings.Contains(r.stdout, "created user lead@example.com (admin)") {
		t.Fatalf("user create: %+v", r)
	}
	r = run(t, env, "short\n", "user", "create", "--email", "op@example.com", "--role", "operator", "--password-stdin")
	if r.code == 0 || !strings.Contains(r.stderr, "password: must be at least") {
		t.Fatalf("weak password: %+v", r)
	}
	r = run(t, env, "", "user", "set-role", "--email", "lead@example.com", "--role", "lead")
	if r.code == 0 || !strings.Contains(r.stderr, "at least one active admin") {
		t.Fatalf("demoting the only admin: %+v", r)
	}
	r = run(t, env, "", "token", "create", "--name", "nightly", "--role", "lead")
	secret := strings.TrimSpace(r.stdout)
	if r.code != 0 || !regexp.MustCompile(`^hdt_[A-Z2-7]{32}$`).MatchString(secret) || r.stderr != "" {
		t.Fatalf("token create must print only the token: %+v", r)
	}
	r = run(t, env, "", "token", "list")
	if r.code != 0 || !strings.Contains(r.stdout, "nightly") || strings.Contains(r.stdout, secret) {
		t.Fatalf("token list: %+v", r)
	}
	r = run(t, env, "", "token", "revoke", "1")
	if r.code != 0 || !strings.Contains(run(t, env, "", "token", "list").stdout, "revoked") {
		t.Fatalf("token revoke: %+v", r)
	}
	r = run(t, env, "", "user", "list")
	if r.code != 0 || !strings.Contains(r.stdout, "lead@example.com") {
		t.Fatalf("user list: %+v", r)
	}
}

func TestDecisionCommandsTalkToARunningServer(t *testing.T) {
	a := apptest.Start(t, apptest.Options{})
	env := []string{"HOTDASH_SERVER=" + a.URL(), "HOTDASH_TOKEN=" + a.Token(auth.Lead)}
	r := run(t, nil, "", "decision", "list", "--server", a.URL())
	if r.code == 0 || !strings.Contains(r.stderr, "HOTDASH_TOKEN") {
		t.Fatalf("no token: %+v", r)
	}
	r = run(t, env, "", "decision", "log", "--actor", "support", "--action", "daily_shutdown",
		"--rationale", "queue clear", "--next-action", "refund #4312", "--next-action-due", "2020-01-01T00:00:00Z",
		"--evidence", "https://runbooks.example.com/a", "--payload", `{"tickets": 3}`)
	if r.code != 0 || !strings.HasPrefix(r.stdout, "logged decision #1 (hash ") {
		t.Fatalf("decision log: %+v", r)
	}
	r = run(t, env, "", "decision", "log", "--actor", "support", "--action", "x", "--rationale", "r", "--severity", "S9")
	if r.code == 0 || !strings.Contains(r.stderr, "severity: must be one of") {
		t.Fatalf("invalid severity: %+v", r)
	}
	r = run(t, env, "", "decision", "list", "--overdue")
	if r.code != 0 || !strings.Contains(r.stdout, "daily_shutdown") || !strings.Contains(r.stdout, "refund #4312") {
		t.Fatalf("decision list --overdue: %+v", r)
	}
	r = run(t, env, "", "decision", "list", "--json", "--scope", "ops")
	var page client.DecisionPage
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &page) != nil || len(page.Decisions) != 0 {
		t.Fatalf("decision list --json --scope ops: %+v", r)
	}
	out := filepath.Join(t.TempDir(), "d.csv")
	r = run(t, env, "", "decision", "export", "--format", "csv", "-o", out)
	csv, _ := os.ReadFile(out)
	if r.code != 0 || !strings.HasPrefix(string(csv), "id,created_at,scope") || !strings.Contains(string(csv), "daily_shutdown") {
		t.Fatalf("decision export: %+v %s", r, csv)
	}
}

func TestDecisionVerifyExitCodes(t *testing.T) {
	dir := t.TempDir()
	a := apptest.StartIn(t, apptest.Options{}, dir)
	c := a.Client(auth.Lead)
	var last client.Decision
	for i := range 3 {
		d, err := c.LogDecision(context.Background(), client.NewDecision{Scope: "build", Actor: "support", Action: fmt.Sprintf("step %d", i), Rationale: "r"}, "")
		if err != nil {
			t.Fatal(err)
		}
		last = d
	}
	env := []string{"HOTDASH_DATA_DIR=" + dir}
	r := run(t, env, "", "decision", "verify", "--anchor", fmt.Sprintf("%d:%s", last.ID, last.Hash))
	if r.code != 0 || !strings.Contains(r.stdout, "ok: 3 entries verified") {
		t.Fatalf("verify intact: %+v", r)
	}
	r = run(t, env, "", "decision", "verify", "--anchor", "3:nothex")
	if r.code != 2 {
		t.Fatalf("bad anchor: %+v", r)
	}
	db, err := sql.Open("sqlite", filepath.Join(dir, "hotdash.db")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, stmt := range []string{`DROP TRIGGER decisions_no_update`, `UPDATE decisions SET rationale = 'edited' WHERE id = 2`} {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	r = run(t, env, "", "decision", "verify")
	if r.code != 1 || !strings.Contains(r.stderr, "decision #2: content altered") {
		t.Fatalf("verify tampered: %+v", r)
	}
	r = run(t, env, "", "decision", "verify", "--json")
	var res map[string]any
	if r.code != 1 || json.Unmarshal([]byte(r.stdout), &res) != nil || res["ok"] != false || res["broken_id"] != float64(2) {
		t.Fatalf("verify --json tampered: %+v", r)
	}
}

func TestConfigCheck(t *testing.T) {
	r := run(t, []string{"HOTDASH_DATA_DIR=x"}, "", "config", "check")
	if r.code != 0 || !strings.Contains(r.stdout, "settings ok: sqlite store") {
		t.Fatalf("config check: %+v", r)
	}
	policy := filepath.Join(t.TempDir(), "p.yaml")
	_ = os.WriteFile(policy, []byte("auth:\n  sesion_lifetime: 1h\n"), 0o600)
	r = run(t, []string{"HOTDASH_CONFIG=" + policy}, "", "config", "check")
	if r.code == 0 || !strings.Contains(r.stderr, "sesion_lifetime") {
		t.Fatalf("config check with a typo: %+v", r)
	}
	r = run(t, []string{"HOTDASH_ENV=staging"}, "", "config", "check")
	if r.code == 0 || !strings.Contains(r.stderr, "HOTDASH_ENV") {
		t.Fatalf("config check with a bad env: %+v", r)
	}
}

// TestServeKeepsEveryAcceptedWriteOnSIGTERM starts hotdash serve as a real
// process, keeps 16 clients appending, sends SIGTERM, and checks that every
// decision a client was told was created is in the log afterwards, that the
// chain verifies, and that the process exited cleanly.
func TestServeKeepsEveryAcceptedWriteOnSIGTERM(t *testing.T) {
	dir := t.TempDir()
	env := append(os.Environ(), "HOTDASH_CLI_TEST_AS_MAIN=1", "HOTDASH_DATA_DIR="+dir, "HOTDASH_ADDR=127.0.0.1:0", "HOTDASH_DATABASE_URL=")
	tok := run(t, []string{"HOTDASH_DATA_DIR=" + dir}, "", "token", "create", "--name", "load", "--role", "lead")
	secret := strings.TrimSpace(tok.stdout)
	cmd := exec.Command(os.Args[0], "serve")
	cmd.Env = env
	stdout, _ := cmd.StdoutPipe()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	url := waitForURL(t, stdout)
	c := client.New(url, secret)
	c.Retries = 0
	var (
		mu      sync.Mutex
		created []client.Decision
		wg      sync.WaitGroup
	)
	stop := make(chan struct{})
	for w := range 16 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				d, err := c.LogDecision(context.Background(), client.NewDecision{Scope: "ops", Actor: "load", Action: fmt.Sprintf("w%d-%d", w, i), Rationale: "r"}, "")
				if err != nil {
					return // the server is going away: the request was not accepted
				}
				mu.Lock()
				created = append(created, d)
				mu.Unlock()
			}
		})
	}
	waitFor(t, 30*time.Second, func() bool { mu.Lock(); defer mu.Unlock(); return len(created) >= 100 })
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatalf("hotdash serve did not exit cleanly after SIGTERM: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), `"msg":"stopped"`) {
		t.Fatalf("no clean stop in the log:\n%s", stderr.String())
	}
	db, err := sql.Open("sqlite", filepath.Join(dir, "hotdash.db")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, d := range created {
		var hash string
		if err := db.QueryRow(`SELECT hash FROM decisions WHERE id = $1`, d.ID).Scan(&hash); err != nil || hash != d.Hash {
			t.Fatalf("decision #%d was acknowledged but is not stored as acknowledged (%v)", d.ID, err)
		}
	}
	r := run(t, []string{"HOTDASH_DATA_DIR=" + dir}, "", "decision", "verify")
	if r.code != 0 {
		t.Fatalf("verify after shutdown: %+v", r)
	}
	t.Logf("%d acknowledged appends all stored; %s", len(created), strings.TrimSpace(r.stdout))
}

// waitFor polls cond until it holds, failing the test after d.
func waitFor(t *testing.T, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %s", d)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitForURL reads the child's console until it prints where it listens.
func waitForURL(t *testing.T, stdout interface{ Read([]byte) (int, error) }) string {
	t.Helper()
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := regexp.MustCompile(`running at (http://\S+)`).FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
	}()
	select {
	case u := <-found:
		return u
	case <-time.After(30 * time.Second):
		t.Fatal("hotdash serve did not print its URL within 30s")
		return ""
	}
}
