package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hotdash/hotdash/internal/clock"
	"github.com/hotdash/hotdash/internal/conversation"
	"github.com/hotdash/hotdash/internal/sla"
)

// DeadlinesOptions configure the deadlines benchmark.
type DeadlinesOptions struct {
	Engine      string
	PostgresURL string
	// Conversations is how many open conversations there are.
	Conversations int
	// Due is how many of them change band during Window.
	Due    int
	Window time.Duration
	// Idle is how long the loop's idle CPU is measured, with nothing due.
	Idle     time.Duration
	Progress io.Writer
}

// DeadlinesResult holds the figures.
type DeadlinesResult struct {
	Engine         string        `json:"engine"`
	Conversations  int           `json:"conversations"`
	Due            int           `json:"due"`
	Fired          int           `json:"fired"`
	LatenessP50    time.Duration `json:"lateness_p50_ns"`
	LatenessP99    time.Duration `json:"lateness_p99_ns"`
	LatenessMax    time.Duration `json:"lateness_max_ns"`
	IdleCPUPercent float64       `json:"idle_cpu_percent_of_a_core"`
	RSSBytes       int64         `json:"rss_bytes"`
	SeedDuration   time.Duration `json:"seed_duration_ns"`
}

// Deadlines measures how late SLA band changes fire among a million open
// conversations, and what the idle loop costs.
func Deadlines(ctx context.Context, o DeadlinesOptions) (DeadlinesResult, error) {
	progress := o.Progress
	if progress == nil {
		progress = io.Discard
	}
	res := DeadlinesResult{Engine: o.Engine, Conversations: o.Conversations, Due: o.Due}
	db, cleanup, err := openStore(ctx, o.Engine, o.PostgresURL)
	if err != nil {
		return res, err
	}
	defer cleanup()
	bands := sla.DefaultBands()
	_, _ = fmt.Fprintf(progress, "%s: seeding %d open conversations…\n", o.Engine, o.Conversations)
	t := time.Now()
	open := func(i int) seeded {
		return seeded{status: "open", channel: "email", band: "ok", clock: "first_response", labels: "[]"}
	}
	// Most deadlines are days away; seed those first, then pick the window
	// (seeding a million rows takes longer than any head start would).
	far := time.Now().UTC().Add(24 * time.Hour)
	err = seedConversations(ctx, db, o.Conversations-o.Due, o.Due, time.Now().UTC(), func(i int) seeded {
		s := open(i)
		s.due = far.Add(time.Duration(i) * time.Second).Truncate(time.Microsecond)
		s.next = s.due.Add(-bands.Warning)
		return s
	})
	if err != nil {
		return res, err
	}
	start := time.Now().UTC().Add(5 * time.Second)
	err = seedConversations(ctx, db, o.Due, 0, time.Now().UTC(), func(i int) seeded {
		s := open(i)
		s.next = start.Add(time.Duration(int64(o.Window) * int64(i) / int64(max(o.Due, 1)))).Truncate(time.Microsecond)
		s.due = s.next.Add(bands.Warning)
		return s
	})
	if err != nil {
		return res, err
	}
	res.SeedDuration = time.Since(t)
	var mu sync.Mutex
	var lateness []time.Duration
	dl := conversation.NewDeadlines(db, bands, clock.System{}, prometheus.NewRegistry(), slog.New(slog.NewTextHandler(io.Discard, nil)),
		func(chs []conversation.BandChange) {
			now := time.Now()
			mu.Lock()
			defer mu.Unlock()
			for _, ch := range chs {
				lateness = append(lateness, now.Sub(ch.Due.Add(-bands.Warning)))
			}
		})
	defer dl.Close()
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go dl.Run(runCtx)
	_, _ = fmt.Fprintf(progress, "%s: %d band changes fall due over %s…\n", o.Engine, o.Due, o.Window)
	wait := time.Until(start.Add(o.Window)) + 3*time.Second
	select {
	case <-ctx.Done():
		return res, ctx.Err()
	case <-time.After(wait):
	}
	mu.Lock()
	res.Fired = len(lateness)
	res.LatenessP50, res.LatenessP99, res.LatenessMax = percentile(lateness, 50), percentile(lateness, 99), percentile(lateness, 100)
	mu.Unlock()
	_, _ = fmt.Fprintf(progress, "%s: measuring the idle loop for %s…\n", o.Engine, o.Idle)
	runtime.GC()
	debug.FreeOSMemory()
	before := cpuTime()
	time.Sleep(o.Idle)
	res.IdleCPUPercent = 100 * (cpuTime() - before).Seconds() / o.Idle.Seconds()
	res.RSSBytes = rss()
	return res, nil
}

// cpuTime is the process's user and system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// rss is the process's resident memory (Linux), or -1.
func rss() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, err := strconv.ParseInt(f[1], 10, 64)
			if err == nil {
				return kb * 1024
			}
		}
	}
	return -1
}
