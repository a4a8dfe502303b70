package helpcenter

import (
	"regexp"
	"strings"
	"unicode"
)

// Limits on a search query. Longer queries are cut, not refused.
const (
	// MaxQuery is the most characters of a query that are read.
	MaxQuery = 1000
	// maxTerms is the most words a query is searched by.
	maxTerms = 16
	// maxTermLen is the longest word kept, in characters.
	maxTermLen = 40
)

// columnFilter matches FTS5-style column filters ("title:"), which a
// person may type expecting them to work: the filter word is dropped and the
// rest searched everywhere.
var columnFilter = regexp.MustCompile(`(?i)\b(title|heading|headings|keywords|body)\s*:`)

// nearOperator matches the NEAR operator written in capitals.
var nearOperator = regexp.MustCompile(`\bNEAR\b`)

// stopWords are words too common to search by: both engines then ask the
// same thing (PostgreSQL's english configuration drops these on its own).
var stopWords = map[string]bool{
	"a": true, "an": true, "and": true, "are": true, "as": true, "at": true, "be": true, "but": true,
	"by": true, "for": true, "if": true, "in": true, "into": true, "is": true, "it": true, "no": true,
	"not": true, "of": true, "on": true, "or": true, "such": true, "that": true, "the": true,
	"their": true, "then": true, "there": true, "these": true, "they": true, "this": true, "to": true,
	"was": true, "will": true, "with": true, "i": true, "me": true, "my": true, "we": true, "our": true,
	"you": true, "your": true, "he": true, "she": true, "him": true, "her": true, "its": true,
	"what": true, "which": true, "who": true, "whom": true, "do": true, "does": true, "did": true,
	"how": true, "when": true, "where": true, "why": true, "can": true, "s": true, "t": true,
	"am": true, "been": true, "being": true, "have": true, "has": true, "had": true, "so": true,
	"than": true, "too": true, "very": true, "just": true, "from": true, "up": true, "out": true,
	"about": true, "all": true, "any": true, "some": true, "each": true, "own": true, "same": true,
	"only": true, "over": true, "under": true, "again": true, "off": true, "here": true, "them": true,
}

// Terms splits a query into the words it is searched by: runs of letters
// and digits, lower-cased, without common English words, at most 16 of at
// most 40 characters each. Everything else a person may type (quotes,
// operators, column filters, emoji) only separates words, so any text is a
// valid query; a query with no words finds nothing.
func Terms(query string) []string {
	if r := []rune(query); len(r) > MaxQuery {
		query = string(r[:MaxQuery])
	}
	query = columnFilter.ReplaceAllString(query, " ")
	query = nearOperator.ReplaceAllString(query, " ")
	words := strings.FieldsFunc(strings.ToLower(query), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	var out []string
	seen := map[string]bool{}
	for _, w := range words {
		if r := []rune(w); len(r) > maxTermLen {
			w = string(r[:maxTermLen])
		}
		if stopWords[w] || seen[w] || !plainWord(w) {
			continue
		}
		seen[w] = true
		out = append(out, w)
		if len(out) == maxTerms {
			break
		}
	}
	return out
}

// plainWord reports whether w holds only letters and digits of the kinds
// both engines' tokenizers keep whole (no marks, no combining characters).
func plainWord(w string) bool {
	for _, r := range w {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			return false
		}
	}
	return w != ""
}

// ftsQuery builds an FTS5 MATCH expression from terms: each term a quoted
// string (so AND, OR, NOT, NEAR and column names are just words), all
// required, the last one a prefix so results come as the person types.
func ftsQuery(terms []string, prefix bool) string {
	parts := make([]string, len(terms))
	for i, t := range terms {
		parts[i] = `"` + strings.ReplaceAll(t, `"`, `""`) + `"`
	}
	if len(parts) > 0 && prefix {
		parts[len(parts)-1] += "*"
	}
	return strings.Join(parts, " ")
}

// tsQuery builds a to_tsquery('english', …) argument from terms: each a
// quoted lexeme, joined by op (" & " for all, " | " for any), the last a
// prefix (:*) when prefix is set.
func tsQuery(terms []string, prefix bool, op string) string {
	parts := make([]string, len(terms))
	for i, t := range terms {
		parts[i] = "'" + strings.ReplaceAll(t, "'", "''") + "'"
	}
	if len(parts) > 0 && prefix {
		parts[len(parts)-1] += ":*"
	}
	return strings.Join(parts, op)
}
