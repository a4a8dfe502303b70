package bench

import (
	"context"
	"testing"
	"time"
)

// TestHelpImportsAndSearches runs the Help Center benchmark small: every
// article is imported and every search answers.
func TestHelpImportsAndSearches(t *testing.T) {
	if testing.Short() {
		t.Skip("starts HotDash")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := Help(ctx, HelpOptions{Engine: "sqlite", Articles: 200, Searches: 100, Clients: 2})
	if err != nil {
		t.Fatal(err)
	}
	if res.Errors != 0 || res.Searches != 100 {
		t.Fatalf("searches: %+v", res)
	}
	// Every tenth query is a word found nowhere; most others find something.
	if res.ZeroResults < 10 || res.ZeroResults > 60 {
		t.Errorf("zero-result searches: %d of 100", res.ZeroResults)
	}
}
