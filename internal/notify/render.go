package notify

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Headline is a Message in one line, the same in every channel (an email's
// subject, a Slack message's header): "[S1] L3 escalation: Chatwoot is
// down", "[S1] Resolved: Chatwoot is down".
func Headline(m Message) string {
	var sb strings.Builder
	if m.Severity != "" {
		sb.WriteString("[" + m.Severity + "] ")
	}
	switch m.Event {
	case EventTrigger:
		if m.Level != "" {
			sb.WriteString(m.Level + " escalation: ")
		}
	case EventAcknowledge:
		sb.WriteString("Acknowledged: ")
	case EventResolve:
		sb.WriteString("Resolved: ")
	case EventUpdate:
		sb.WriteString("Update: ")
	}
	sb.WriteString(m.Summary)
	return singleLine(sb.String())
}

// facts are a Message's labelled fields, in reading order, empty ones left
// out.
func facts(m Message) [][2]string {
	var out [][2]string
	add := func(k, v string) {
		if v != "" {
			out = append(out, [2]string{k, v})
		}
	}
	add("Severity", m.Severity)
	add("Level", m.Level)
	add("Incident", m.IncidentRef)
	add("Event", m.Event)
	if !m.At.IsZero() {
		add("At", m.At.UTC().Format(time.RFC3339))
	}
	return out
}

// plainText is a Message as plain text (an email's body).
func plainText(m Message) string {
	var sb strings.Builder
	sb.WriteString(m.Summary + "\n\n")
	for _, f := range facts(m) {
		sb.WriteString(f[0] + ": " + f[1] + "\n")
	}
	if m.Details != "" {
		sb.WriteString("\nDetails:\n" + strings.TrimRight(m.Details, "\n") + "\n")
	}
	if len(m.Links) > 0 {
		sb.WriteString("\nLinks:\n")
		for _, l := range m.Links {
			sb.WriteString("- " + linkTitle(l) + ": " + l.URL + "\n")
		}
	}
	sb.WriteString("\n-- \nSent by HotDash.\n")
	return sb.String()
}

func linkTitle(l Link) string {
	if t := singleLine(l.Title); t != "" {
		return t
	}
	return l.URL
}

// withAbsoluteLinks returns m with links that start with "/" made absolute
// against publicURL (HotDash's own pages).
func withAbsoluteLinks(m Message, publicURL string) Message {
	if publicURL == "" || len(m.Links) == 0 {
		return m
	}
	links := make([]Link, len(m.Links))
	for i, l := range m.Links {
		if strings.HasPrefix(l.URL, "/") && !strings.HasPrefix(l.URL, "//") {
			l.URL = strings.TrimRight(publicURL, "/") + l.URL
		}
		links[i] = l
	}
	m.Links = links
	return m
}

// singleLine replaces control characters (CR and LF among them) with
// spaces and collapses runs of space.
func singleLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// truncate keeps at most n runes of s, ending in "…" when it cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
