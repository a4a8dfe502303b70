package helpcenter

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kljensen/snowball/english"
)

// The index finds articles; this file decides, for each article found,
// which section to open and which words of it to show. Doing it here
// rather than in each engine keeps the two engines' results alike and
// costs only the text of the articles shown.

// snippetWords is how many words a snippet shows.
const snippetWords = 24

// hitSection is a section of a found article, with the article's title
// and kind already in the Hit.
type hitSection struct {
	Hit
	body string
}

// matcher tells which words of a text match a query's terms, as the
// engines do: by English stem, and the last term also as the start of a
// word when the search read it as a prefix.
type matcher struct {
	terms  []string
	stems  map[string]bool
	prefix string
	// initials are the first letters of the terms: stemming never changes
	// a word's first letter, so a word starting with none of them is not
	// stemmed at all (stemming is most of the cost).
	initials string
	// seen remembers each lower-cased word's answer for this search.
	seen map[string]bool
}

func newMatcher(terms []string, prefix bool) matcher {
	m := matcher{terms: terms, stems: map[string]bool{}, seen: map[string]bool{}}
	for i, t := range terms {
		r, _ := utf8.DecodeRuneInString(t)
		m.initials += string(r)
		if prefix && i == len(terms)-1 {
			m.prefix = t
			continue
		}
		m.stems[stem(t)] = true
	}
	return m
}

// stem is a word's English (Snowball) stem.
func stem(w string) string { return english.Stem(w, true) }

// matches reports whether word (as written in the text) matches a term.
func (m matcher) matches(word string) bool {
	w := strings.ToLower(word)
	if ok, seen := m.seen[w]; seen {
		return ok
	}
	ok := false
	if r, _ := utf8.DecodeRuneInString(w); strings.ContainsRune(m.initials, r) {
		s := stem(w)
		ok = m.stems[s] || m.prefix != "" && (strings.HasPrefix(w, m.prefix) || strings.HasPrefix(s, stem(m.prefix)))
	}
	m.seen[w] = ok
	return ok
}

// span is a word's place in a text, in bytes.
type span struct{ start, end int }

// words finds the words of text as Terms splits a query: runs of letters
// and digits.
func words(text string) []span {
	var out []span
	eachWord(text, func(w span) { out = append(out, w) })
	return out
}

// eachWord calls f with each word of text, in order.
func eachWord(text string, f func(span)) {
	start := -1
	for i, r := range text {
		word := unicode.IsLetter(r) || unicode.IsDigit(r)
		switch {
		case word && start < 0:
			start = i
		case !word && start >= 0:
			f(span{start, i})
			start = -1
		}
	}
	if start >= 0 {
		f(span{start, len(text)})
	}
}

// count is how many words of text match.
func (m matcher) count(text string) int {
	n := 0
	eachWord(text, func(w span) {
		if m.matches(text[w.start:w.end]) {
			n++
		}
	})
	return n
}

// bestSection is the section a hit opens at: the first whose heading holds
// every term (so "exit code 3" opens the section headed "Exit code 3"),
// else the one with the most matching words (the first of equals), else
// the article's start.
func bestSection(secs []hitSection, m matcher) hitSection {
	for _, s := range secs {
		if headingCovers(s.Heading, m.terms) {
			return s
		}
	}
	found, most := secs[0], 0
	for _, s := range secs {
		if n := m.count(s.Heading) + m.count(s.body); n > most {
			found, most = s, n
		}
	}
	return found
}

// headingCovers reports whether every term starts a word of heading.
func headingCovers(heading string, terms []string) bool {
	words := strings.FieldsFunc(strings.ToLower(heading), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	for _, t := range terms {
		if !slices.ContainsFunc(words, func(w string) bool { return strings.HasPrefix(w, t) }) {
			return false
		}
	}
	return len(terms) > 0
}

// snippet is the run of snippetWords words of text holding the most
// matches, with the markers around each match and "…" where text was
// cut. Whitespace is collapsed; the text is not escaped (Highlight does
// that).
func (m matcher) snippet(text string) string {
	ws := words(text)
	if len(ws) == 0 {
		return strings.Join(strings.Fields(text), " ")
	}
	hit := make([]bool, len(ws))
	for i, w := range ws {
		hit[i] = m.matches(text[w.start:w.end])
	}
	from := window(hit, snippetWords)
	to := min(from+snippetWords, len(ws))
	var b strings.Builder
	if from > 0 {
		b.WriteString("… ")
	}
	at := ws[from].start
	for i := from; i < to; i++ {
		b.WriteString(text[at:ws[i].start])
		if hit[i] {
			b.WriteString(markOpen + text[ws[i].start:ws[i].end] + markClose)
		} else {
			b.WriteString(text[ws[i].start:ws[i].end])
		}
		at = ws[i].end
	}
	end := len(text)
	if to < len(ws) {
		end = ws[to].start
	}
	b.WriteString(strings.TrimRightFunc(text[at:end], unicode.IsSpace))
	if to < len(ws) {
		b.WriteString(" …")
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// window is where a size-long run of words starts: the first run holding
// the most matches, moved to begin a few words before its first match
// when its last match stays in, and never running short at the end (0
// when nothing matches).
func window(hit []bool, size int) int {
	n := 0
	for i := range min(size, len(hit)) {
		if hit[i] {
			n++
		}
	}
	start, most := 0, n
	for i := size; i < len(hit); i++ {
		if hit[i] {
			n++
		}
		if hit[i-size] {
			n--
		}
		if n > most {
			start, most = i-size+1, n
		}
	}
	if most == 0 {
		return 0
	}
	first, last := start, min(start+size, len(hit))-1
	for !hit[first] {
		first++
	}
	for !hit[last] {
		last--
	}
	if from := max(0, first-3); last < from+size {
		start = from
	}
	return max(0, min(start, len(hit)-size))
}
