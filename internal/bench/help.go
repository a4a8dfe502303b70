package bench

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hotdash/hotdash/client"
	"github.com/hotdash/hotdash/internal/auth"
)

// HelpOptions configure the Help Center benchmark.
type HelpOptions struct {
	// Engine is "sqlite" or "postgres"; PostgresURL the server for it.
	Engine      string
	PostgresURL string
	// Articles is how many articles are generated and imported.
	Articles int
	// Searches is how many searches are timed, from Clients concurrent
	// clients.
	Searches int
	Clients  int
	Progress io.Writer
}

// HelpResult holds the figures.
type HelpResult struct {
	Engine         string        `json:"engine"`
	Articles       int           `json:"articles"`
	Sections       int           `json:"sections"`
	ImportDuration time.Duration `json:"import_duration_ns"`
	Searches       int           `json:"searches"`
	Clients        int           `json:"clients"`
	Errors         int           `json:"errors"`
	ZeroResults    int           `json:"zero_results"`
	P50            time.Duration `json:"p50_ns"`
	P90            time.Duration `json:"p90_ns"`
	P99            time.Duration `json:"p99_ns"`
	Max            time.Duration `json:"max_ns"`
}

// sectionsPerArticle is how many headed sections each generated article has.
const sectionsPerArticle = 4

// Help generates Articles markdown files, times `hotdash help import` of
// them into a fresh store (the same Import the CLI calls), then times
// searches through GET /api/v1/help/search: single common words, two and
// three words with the last one half typed, rare words, and words found
// nowhere, as people type them.
func Help(ctx context.Context, o HelpOptions) (HelpResult, error) {
	progress := o.Progress
	if progress == nil {
		progress = io.Discard
	}
	res := HelpResult{Engine: o.Engine, Articles: o.Articles, Clients: o.Clients, Sections: o.Articles * (sectionsPerArticle + 1)}
	dir, err := os.MkdirTemp("", "hotdash-bench-help-")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(dir)
	words := vocabulary(3000)
	_, _ = fmt.Fprintf(progress, "%s: writing %d articles\n", o.Engine, o.Articles)
	if err := writeArticles(dir, o.Articles, words); err != nil {
		return res, err
	}
	a, cleanup, err := startServer(ctx, o.Engine, o.PostgresURL, nil)
	if err != nil {
		return res, err
	}
	defer cleanup()
	_, _ = fmt.Fprintf(progress, "%s: importing\n", o.Engine)
	start := time.Now()
	imported, err := a.Help.Import(ctx, os.DirFS(dir), "bench")
	res.ImportDuration = time.Since(start)
	if err != nil {
		return res, fmt.Errorf("import: %w", err)
	}
	if n := len(imported.Created) + len(imported.Updated); n != o.Articles {
		return res, fmt.Errorf("imported %d articles of %d", n, o.Articles)
	}
	secret, _, err := a.Auth.CreateToken(ctx, "bench", auth.Operator, "bench")
	if err != nil {
		return res, err
	}
	c := client.New(a.URL(), secret)
	queries := helpQueries(words, o.Searches+50)
	for _, q := range queries[:50] { // warm up
		_, _ = c.SearchHelp(ctx, q)
	}
	_, _ = fmt.Fprintf(progress, "%s: %d searches from %d clients\n", o.Engine, o.Searches, o.Clients)
	lat, errs, zero := timeSearches(ctx, c, queries[50:], o.Clients)
	res.Searches, res.Errors, res.ZeroResults = len(lat), errs, zero
	res.P50, res.P90, res.P99 = percentile(lat, 50), percentile(lat, 90), percentile(lat, 99)
	if len(lat) > 0 {
		res.Max = lat[len(lat)-1]
	}
	return res, nil
}

// timeSearches runs the queries from clients concurrent clients and returns
// the sorted latencies, the errors and how many found nothing.
func timeSearches(ctx context.Context, c *client.Client, queries []string, clients int) ([]time.Duration, int, int) {
	type outcome struct {
		d    time.Duration
		err  error
		zero bool
	}
	next := make(chan string)
	out := make(chan outcome)
	for range max(clients, 1) {
		go func() {
			for q := range next {
				t := time.Now()
				r, err := c.SearchHelp(ctx, q)
				out <- outcome{d: time.Since(t), err: err, zero: err == nil && len(r.Hits) == 0}
			}
		}()
	}
	go func() {
		defer close(next)
		for _, q := range queries {
			next <- q
		}
	}()
	var lat []time.Duration
	errs, zero := 0, 0
	for range queries {
		o := <-out
		switch {
		case o.err != nil:
			errs++
		default:
			lat = append(lat, o.d)
			if o.zero {
				zero++
			}
		}
	}
	return sortedDurations(lat), errs, zero
}

func sortedDurations(d []time.Duration) []time.Duration {
	_ = percentile(d, 50) // sorts in place
	return d
}

// vocabulary makes n distinct pronounceable words, plus support words
// every help center has.
func vocabulary(n int) []string {
	rng := rand.New(rand.NewPCG(7, 11))
	onsets := []string{"b", "c", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z", "br", "st", "tr", "pl", "gr", "sh", "ch"}
	vowels := []string{"a", "e", "i", "o", "u", "ai", "ou", "ea"}
	seen := map[string]bool{}
	words := []string{"chatwoot", "webhook", "token", "refund", "escalation", "deadline", "customer", "draft", "approval", "incident"}
	for _, w := range words {
		seen[w] = true
	}
	for len(words) < n {
		var b strings.Builder
		for range 2 + rng.IntN(3) {
			b.WriteString(onsets[rng.IntN(len(onsets))])
			b.WriteString(vowels[rng.IntN(len(vowels))])
		}
		if w := b.String(); !seen[w] {
			seen[w] = true
			words = append(words, w)
		}
	}
	return words
}

// zipfWords draws words with a Zipf distribution: a few very common, most
// rare, as in real text.
type zipfWords struct {
	words []string
	z     *rand.Zipf
}

func newZipfWords(words []string, seed uint64) *zipfWords {
	rng := rand.New(rand.NewPCG(seed, seed+1))
	return &zipfWords{words: words, z: rand.NewZipf(rng, 1.1, 2, uint64(len(words)-1))}
}

func (z *zipfWords) next() string { return z.words[z.z.Uint64()] }

func (z *zipfWords) phrase(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = z.next()
	}
	return strings.Join(parts, " ")
}

// writeArticles writes n articles: front matter, an intro, and headed
// sections, one of them with an explicit topic id.
func writeArticles(dir string, n int, words []string) error {
	z := newZipfWords(words, 42)
	kinds := []string{"tutorial", "how-to", "reference", "explanation"}
	for i := range n {
		var b strings.Builder
		fmt.Fprintf(&b, "---\nid: article-%d\ntitle: %s\nkind: %s\nkeywords: [%s, %s, %s]\n", i, z.phrase(4), kinds[i%4], z.next(), z.next(), z.next())
		if i%10 == 0 {
			b.WriteString("runbook: true\nowner: support-lead\nreview_by: 2027-06-30\n")
		}
		fmt.Fprintf(&b, "---\n%s.\n", z.phrase(40))
		for s := range sectionsPerArticle {
			id := ""
			if s == 1 {
				id = fmt.Sprintf(" {#article-%d-key}", i)
			}
			fmt.Fprintf(&b, "\n## %s%s\n\n%s.\n\n- %s\n- %s\n", z.phrase(3), id, z.phrase(70), z.phrase(8), z.phrase(8))
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("article-%05d.md", i)), []byte(b.String()), 0o600); err != nil {
			return err
		}
	}
	return nil
}

// helpQueries makes n queries in the mix people type.
func helpQueries(words []string, n int) []string {
	z := newZipfWords(words, 99)
	rng := rand.New(rand.NewPCG(5, 6))
	out := make([]string, n)
	for i := range out {
		switch i % 10 {
		case 0, 1, 2: // one word
			out[i] = z.next()
		case 3, 4, 5: // two words
			out[i] = z.phrase(2)
		case 6, 7: // three words, the last half typed
			w := z.next()
			out[i] = z.phrase(2) + " " + w[:max(2, len(w)/2)]
		case 8: // a rare word
			out[i] = words[len(words)-1-rng.IntN(len(words)/2)]
		default: // a word found nowhere, with punctuation
			out[i] = fmt.Sprintf(`"qx%dzz" AND title:`, i)
		}
	}
	return out
}
