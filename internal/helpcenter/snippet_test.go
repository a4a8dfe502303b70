package helpcenter

import (
	"strings"
	"testing"
)

// marked renders a snippet with [brackets] for the markers.
func marked(s string) string {
	return strings.NewReplacer(markOpen, "[", markClose, "]").Replace(s)
}

func TestSnippetMarksEveryFormOfTheWordsAndCutsAroundThem(t *testing.T) {
	long := strings.Repeat("filler ", 40) + "We refunded the order. Refunds take five days. " + strings.Repeat("tail ", 40)
	for _, c := range []struct {
		name   string
		terms  []string
		prefix bool
		text   string
		want   string
	}{
		{"stems", []string{"refund"}, false, "Refunds are refunded; a refund is final.",
			"[Refunds] are [refunded]; a [refund] is final."},
		{"query word stemmed too", []string{"breaches"}, false, "The clock breached its deadline.",
			"The clock [breached] its deadline."},
		{"half-typed last word", []string{"order", "refu"}, true, "Orders we refuse, and ordering refunds.",
			"[Orders] we [refuse], and [ordering] [refunds]."},
		{"cut on both sides around the densest run", []string{"refund"}, false, long,
			"… filler filler We [refunded] the order. [Refunds] take five days. tail tail tail tail tail tail tail tail tail tail tail tail tail tail …"},
		{"no match: the start", []string{"zebra"}, false, long, "filler " + strings.Repeat("filler ", 22) + "filler …"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := marked(newMatcher(c.terms, c.prefix).snippet(c.text)); got != c.want {
				t.Errorf("snippet:\n got %q\nwant %q", got, c.want)
			}
		})
	}
}

func TestBestSectionPrefersTheHeadingThenTheMostMatches(t *testing.T) {
	secs := []hitSection{
		{Hit: Hit{Anchor: ""}, body: "Exit codes: one mention of code."},
		{Hit: Hit{Anchor: "codes", Heading: "Codes"}, body: "exit code 3 exit code 4 exit code 2"},
		{Hit: Hit{Anchor: "health-exit-3", Heading: "Exit code 3"}, body: "The token was refused."},
	}
	if got := bestSection(secs, newMatcher([]string{"exit", "code", "3"}, false)).Anchor; got != "health-exit-3" {
		t.Errorf("heading holding every word: opened %q", got)
	}
	if got := bestSection(secs, newMatcher([]string{"code"}, false)).Anchor; got != "codes" {
		t.Errorf("first heading holding the word: opened %q", got)
	}
	if got := bestSection(secs, newMatcher([]string{"exit", "4"}, false)).Anchor; got != "codes" {
		t.Errorf("most matches: opened %q", got)
	}
	if got := bestSection(secs, newMatcher([]string{"zebra"}, false)).Anchor; got != "" {
		t.Errorf("no match: opened %q, want the article's start", got)
	}
}
