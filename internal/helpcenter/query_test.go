package helpcenter

import (
	"slices"
	"strings"
	"testing"
)

func TestTermsKeepOnlyPlainWords(t *testing.T) {
	for q, want := range map[string][]string{
		"Chatwoot health":              {"chatwoot", "health"},
		`"exit code" OR 3`:             {"exit", "code", "3"},
		"title:webhook":                {"webhook"},
		"webhook NEAR secret":          {"webhook", "secret"},
		"can't sign-in":                {"sign"},
		"the and of":                   nil,
		"   ":                          nil,
		"🔥 outage 🔥":                   {"outage"},
		"Größe café":                   {"größe", "café"},
		"health* ^exit -token +secret": {"health", "exit", "token", "secret"},
	} {
		if got := Terms(q); !slices.Equal(got, want) {
			t.Errorf("Terms(%q) = %q, want %q", q, got, want)
		}
	}
	if got := Terms(strings.Repeat("word ", 1000)); len(got) != 1 {
		t.Errorf("repeated words: %q", got)
	}
	if got := Terms(strings.Repeat("x", 5000)); len(got) != 1 || len([]rune(got[0])) != maxTermLen {
		t.Errorf("a 5,000-character word should be cut to %d: got %d terms", maxTermLen, len(got))
	}
}

func TestEngineQueriesQuoteEveryTerm(t *testing.T) {
	terms := []string{"exit", "near", "code"}
	if got, want := ftsQuery(terms, false), `"exit" "near" "code"`; got != want {
		t.Errorf("fts5 query without a prefix %s, want %s", got, want)
	}
	if got, want := tsQuery(terms, false, " & "), `'exit' & 'near' & 'code'`; got != want {
		t.Errorf("tsquery without a prefix %s, want %s", got, want)
	}
	if got, want := ftsQuery(terms, true), `"exit" "near" "code"*`; got != want {
		t.Errorf("ftsQuery = %s, want %s", got, want)
	}
	if got, want := tsQuery(terms, true, " | "), `'exit' | 'near' | 'code':*`; got != want {
		t.Errorf("tsQuery = %s, want %s", got, want)
	}
}
