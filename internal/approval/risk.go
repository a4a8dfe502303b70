package approval

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Risk levels, most urgent first.
const (
	RiskHigh   = "high"
	RiskMedium = "medium"
	RiskLow    = "low"
)

// Risks lists the levels, most urgent first.
func Risks() []string { return []string{RiskHigh, RiskMedium, RiskLow} }

// riskRank orders levels for the queue: high first.
func riskRank(level string) int {
	switch level {
	case RiskHigh:
		return 0
	case RiskMedium:
		return 1
	}
	return 2
}

// Reason is one rule that set a draft's risk.
type Reason struct {
	// Rule names the rule: public_reply, internal, topic:<name>,
	// angry_customer, vip, low_confidence, pii_card, pii_phone, pii_email.
	Rule string `json:"rule"`
	// Level is the level the rule gives.
	Level string `json:"level"`
	// Text explains it to a reviewer.
	Text string `json:"text"`
	// Spans are byte ranges [start, end) of the draft's text that set
	// it off, for highlighting.
	Spans [][2]int `json:"spans,omitempty"`
}

// Assessment is a draft's risk and every reason for it.
type Assessment struct {
	Level   string
	Reasons []Reason
}

// RiskRules are the configured rules (config.RiskConfig, compiled).
type RiskRules struct {
	MinConfidence float64
	topics        []topic
	angry         []term
	vipLabels     []string
	allowedEmails []string
	allowedPhones []string
}

type topic struct {
	name  string
	terms []term
}

// term is a word, a word prefix ("refund*") or a phrase.
type term struct {
	words  []string
	prefix bool // the last word matches as a prefix
	text   string
}

// RiskConfig is what NewRiskRules compiles (mirrors config.RiskConfig).
type RiskConfig struct {
	MinConfidence float64
	Topics        map[string][]string
	AngryTerms    []string
	VIPLabels     []string
	AllowedEmails []string
	AllowedPhones []string
}

// NewRiskRules compiles the rules.
func NewRiskRules(c RiskConfig) RiskRules {
	r := RiskRules{MinConfidence: c.MinConfidence, angry: compileTerms(c.AngryTerms)}
	names := make([]string, 0, len(c.Topics))
	for n := range c.Topics {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if terms := compileTerms(c.Topics[n]); len(terms) > 0 {
			r.topics = append(r.topics, topic{name: n, terms: terms})
		}
	}
	for _, l := range c.VIPLabels {
		r.vipLabels = append(r.vipLabels, strings.ToLower(l))
	}
	for _, e := range c.AllowedEmails {
		r.allowedEmails = append(r.allowedEmails, strings.ToLower(strings.TrimSpace(e)))
	}
	for _, p := range c.AllowedPhones {
		r.allowedPhones = append(r.allowedPhones, digits(p))
	}
	return r
}

func compileTerms(in []string) []term {
	var out []term
	for _, s := range in {
		t := term{text: s}
		s = strings.ToLower(strings.TrimSpace(s))
		t.prefix = strings.HasSuffix(s, "*")
		for _, w := range words(strings.TrimSuffix(s, "*")) {
			t.words = append(t.words, w.text)
		}
		if len(t.words) > 0 {
			out = append(out, t)
		}
	}
	return out
}

// Subject is what the rules look at.
type Subject struct {
	Kind       string
	Text       string
	Confidence *float64
	// Labels are the conversation's labels.
	Labels []string
	// CustomerEmail and CustomerPhone may appear in a reply.
	CustomerEmail string
	CustomerPhone string
	// CustomerText is the customer's latest messages.
	CustomerText string
}

// Assess gives a draft its risk level and the reasons for it. Private
// notes and label changes are low risk; a public reply is medium, and high
// when any high rule fires.
func (r RiskRules) Assess(s Subject) Assessment {
	if s.Kind != KindReply {
		return Assessment{Level: RiskLow, Reasons: []Reason{{Rule: "internal", Level: RiskLow,
			Text: "internal action (" + kindName(s.Kind) + "): the customer does not see it"}}}
	}
	var reasons []Reason
	draft := words(s.Text)
	customer := words(s.CustomerText)
	for _, tp := range r.topics {
		if spans, hit := matchTerms(draft, tp.terms); len(spans) > 0 {
			reasons = append(reasons, Reason{Rule: "topic:" + tp.name, Level: RiskHigh,
				Text: fmt.Sprintf("the reply touches %s (%q)", tp.name, hit), Spans: spans})
		} else if spans, hit := matchTerms(customer, tp.terms); len(spans) > 0 {
			reasons = append(reasons, Reason{Rule: "topic:" + tp.name, Level: RiskHigh,
				Text: fmt.Sprintf("the customer raised %s (%q)", tp.name, hit)})
		}
	}
	if spans, hit := matchTerms(customer, r.angry); len(spans) > 0 {
		reasons = append(reasons, Reason{Rule: "angry_customer", Level: RiskHigh, Text: fmt.Sprintf("the customer sounds angry (%q)", hit)})
	} else if shouting(s.CustomerText) {
		reasons = append(reasons, Reason{Rule: "angry_customer", Level: RiskHigh, Text: "the customer is writing in capitals"})
	}
	for _, l := range s.Labels {
		if slices.Contains(r.vipLabels, strings.ToLower(l)) {
			reasons = append(reasons, Reason{Rule: "vip", Level: RiskHigh, Text: fmt.Sprintf("VIP customer (label %q)", l)})
			break
		}
	}
	if s.Confidence != nil && *s.Confidence < r.MinConfidence {
		reasons = append(reasons, Reason{Rule: "low_confidence", Level: RiskHigh,
			Text: fmt.Sprintf("the agent's confidence %.2f is below %.2f", *s.Confidence, r.MinConfidence)})
	}
	reasons = append(reasons, r.pii(s)...)
	if len(reasons) == 0 {
		return Assessment{Level: RiskMedium, Reasons: []Reason{{Rule: "public_reply", Level: RiskMedium, Text: "a public reply to the customer"}}}
	}
	return Assessment{Level: RiskHigh, Reasons: reasons}
}

// word is a lower-cased word of a text and where it is.
type word struct {
	text       string
	start, end int
}

// words splits s into lower-cased words (letters, digits, apostrophes
// inside a word) with their byte offsets.
func words(s string) []word {
	var out []word
	start := -1
	for i, r := range s {
		in := unicode.IsLetter(r) || unicode.IsDigit(r) || (r == '\'' && start >= 0)
		switch {
		case in && start < 0:
			start = i
		case !in && start >= 0:
			out = append(out, word{text: strings.ToLower(strings.TrimRight(s[start:i], "'")), start: start, end: i})
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, word{text: strings.ToLower(strings.TrimRight(s[start:], "'")), start: start, end: len(s)})
	}
	return out
}

// matchTerms returns the spans of every match of any term in ws, and the
// text of the first match.
func matchTerms(ws []word, terms []term) (spans [][2]int, first string) {
	for i := range ws {
		for _, t := range terms {
			if n := len(t.words); i+n <= len(ws) && t.matchAt(ws[i:i+n]) {
				spans = append(spans, [2]int{ws[i].start, ws[i+n-1].end})
				if first == "" {
					first = t.text
				}
				break
			}
		}
	}
	return spans, first
}

func (t term) matchAt(ws []word) bool {
	last := len(t.words) - 1
	for j, w := range t.words {
		if j == last && t.prefix {
			if !strings.HasPrefix(ws[j].text, w) {
				return false
			}
		} else if ws[j].text != w {
			return false
		}
	}
	return true
}

// shouting reports a message written mostly in capitals: at least three
// words of three or more letters, and four in five of its letters upper case.
func shouting(s string) bool {
	long := 0
	for _, w := range strings.Fields(s) {
		if utf8.RuneCountInString(w) >= 3 {
			long++
		}
	}
	if long < 3 {
		return false
	}
	upper, letters := 0, 0
	for _, r := range s {
		if unicode.IsLetter(r) {
			letters++
			if unicode.IsUpper(r) {
				upper++
			}
		}
	}
	return letters >= 12 && upper*5 >= letters*4
}

func kindName(k string) string {
	switch k {
	case KindNote:
		return "private note"
	case KindLabels:
		return "label change"
	}
	return k
}
