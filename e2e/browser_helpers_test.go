package e2e

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hotdash/hotdash/internal/apptest"
	"github.com/hotdash/hotdash/internal/store/storetest"
)

// chromiumEnv names the variable that points the tests at a Chromium binary.
const chromiumEnv = "HOTDASH_TEST_CHROMIUM"

// chromium finds the browser, or skips the test (fails it when
// HOTDASH_TEST_REQUIRE_ALL=1) with what to do about it.
func chromium(t *testing.T) string {
	t.Helper()
	path := os.Getenv(chromiumEnv)
	if path == "" {
		path = "/usr/bin/chromium"
	}
	if _, err := os.Stat(path); err != nil {
		what := "Chromium is not installed at /usr/bin/chromium"
		if os.Getenv(chromiumEnv) != "" {
			what = chromiumEnv + "=" + path + " does not exist"
		}
		storetest.SkipOrFail(t, what+": install it (apt-get install chromium) or set "+chromiumEnv+" to a Chromium or Chrome binary")
	}
	return path
}

// startApp runs the whole server in-process on loopback with a fresh SQLite
// store, until the test ends.
func startApp(t *testing.T) *apptest.App {
	t.Helper()
	return apptest.Start(t, apptest.Options{})
}

// newBrowser starts headless Chromium for the test and returns the context
// of its first tab, already running.
func newBrowser(t *testing.T, path string) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.Headless,
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("no-first-run", true),
		chromedp.WindowSize(1366, 768),
		chromedp.UserDataDir(t.TempDir()),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	// Cleanups run last-in first-out: the tab, then the browser (waiting
	// for it to exit), then the temporary profile directory.
	t.Cleanup(cancelAlloc)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium at %s: %v", path, err)
	}
	return ctx
}

// newTab opens another tab in the same browser (sharing its cookies). The
// tab is created here, without a deadline: the context of a tab's first
// action owns the tab, so a step's timeout would close it.
func newTab(t *testing.T, browser context.Context) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	return ctx
}

// step runs actions on a tab with a deadline, failing the test with what was
// being done.
func step(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// eval evaluates a JavaScript expression on a tab.
func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(sctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// waitFor polls a JavaScript predicate on a tab until it holds, up to the
// timeout; the only waiting the browser tests do.
func waitFor(t *testing.T, ctx context.Context, what, predicate string, timeout time.Duration) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, timeout+5*time.Second)
	defer cancel()
	_, err := chromedp.Run(sctx, chromedp.Poll[chromedp.Void](predicate,
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(timeout)))
	if err != nil {
		body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText.slice(0, 2000) : ""`))
		t.Fatalf("waiting for %s (%s): %v\npage text:\n%s", what, predicate, err, body)
	}
}

// consoleLog records a tab's console messages, so the test can fail on
// script errors and Content-Security-Policy refusals.
type consoleLog struct {
	mu   sync.Mutex
	msgs []chromedp.ConsoleMessage
}

func watchConsole(ctx context.Context) *consoleLog {
	l := &consoleLog{}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			l.mu.Lock()
			l.msgs = append(l.msgs, m)
			l.mu.Unlock()
		}
	}()
	return l
}

// problems lists exceptions, errors and CSP refusals seen so far.
func (l *consoleLog) problems() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, m := range l.msgs {
		// Network errors are the 4xx pages the tests open on purpose.
		if m.Source == "network" {
			continue
		}
		if m.IsException() || m.Type == chromedp.ConsoleError || strings.Contains(m.Text, "Content Security Policy") {
			out = append(out, m.String()+" ("+m.URL+")")
		}
	}
	return out
}

// shotDir is where screenshots go (outside the repository).
const shotDir = "/tmp/hotdash-shots"

// screenshot saves the tab's viewport as shotDir/name.png.
func screenshot(t *testing.T, ctx context.Context, name string) string {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.MkdirAll(shotDir, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
		t.Fatal(err)
	}
	path := shotDir + "/" + name + ".png"
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
