package approval

import (
	"regexp"
	"slices"
	"strings"
)

// The PII guard's patterns. Candidates are checked further in code: card
// numbers by length and the Luhn checksum, phone numbers by their count
// of digits.
var (
	cardPattern  = regexp.MustCompile(`\d(?:[ -]?\d){12,18}`)
	phonePattern = regexp.MustCompile(`\+?\(?\d[\d ().-]{6,}\d`)
	emailPattern = regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}`)
)

// pii finds what a public reply must not reveal: a full card number, a
// full phone number (other than the allowed ones) and an email address
// other than the customer's own (or an allowed one).
func (r RiskRules) pii(s Subject) []Reason {
	var out []Reason
	text := s.Text
	var cards [][2]int
	for _, m := range cardPattern.FindAllStringIndex(text, -1) {
		d := digits(text[m[0]:m[1]])
		if len(d) >= 13 && len(d) <= 19 && luhn(d) && standalone(text, m[0], m[1]) {
			cards = append(cards, [2]int{m[0], m[1]})
		}
	}
	if len(cards) > 0 {
		out = append(out, Reason{Rule: "pii_card", Level: RiskHigh, Text: "the reply shows a full card number", Spans: cards})
	}
	var phones [][2]int
	for _, m := range phonePattern.FindAllStringIndex(text, -1) {
		start, end := m[0], m[1]
		d := digits(text[start:end])
		if len(d) < 9 || len(d) > 15 || overlaps(cards, start, end) || !standalone(text, start, end) ||
			(start > 0 && text[start-1] == '#') || slices.Contains(r.allowedPhones, d) || looksLikeDate(text[start:end]) {
			continue
		}
		phones = append(phones, [2]int{start, end})
	}
	if len(phones) > 0 {
		out = append(out, Reason{Rule: "pii_phone", Level: RiskHigh, Text: "the reply shows a full phone number", Spans: phones})
	}
	var emails [][2]int
	own := strings.ToLower(strings.TrimSpace(s.CustomerEmail))
	for _, m := range emailPattern.FindAllStringIndex(text, -1) {
		e := strings.ToLower(text[m[0]:m[1]])
		if (own != "" && e == own) || slices.Contains(r.allowedEmails, e) {
			continue
		}
		emails = append(emails, [2]int{m[0], m[1]})
	}
	if len(emails) > 0 {
		out = append(out, Reason{Rule: "pii_email", Level: RiskHigh, Text: "the reply shows an email address that is not the customer's own", Spans: emails})
	}
	return out
}

// digits keeps the ASCII digits of s.
func digits(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// luhn reports whether a string of digits passes the Luhn checksum.
func luhn(d string) bool {
	sum, double := 0, false
	for i := len(d) - 1; i >= 0; i-- {
		n := int(d[i] - '0')
		if double {
			n *= 2
			if n > 9 {
				n -= 9
			}
		}
		sum += n
		double = !double
	}
	return sum%10 == 0
}

// standalone reports that text[start:end] is not part of a longer word or
// number (an order id, a URL path).
func standalone(text string, start, end int) bool {
	isWordByte := func(b byte) bool {
		return b == '_' || b == '/' || (b >= '0' && b <= '9') || (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z')
	}
	return (start == 0 || !isWordByte(text[start-1])) && (end == len(text) || !isWordByte(text[end]))
}

func overlaps(spans [][2]int, start, end int) bool {
	for _, s := range spans {
		if start < s[1] && s[0] < end {
			return true
		}
	}
	return false
}

// looksLikeDate skips ISO dates and times run together ("2026-11-30 09").
var datePattern = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}`)

func looksLikeDate(s string) bool { return datePattern.MatchString(s) }
