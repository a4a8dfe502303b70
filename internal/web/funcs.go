package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/hotdash/hotdash/internal/approval"
	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/httpx"
)

// dict builds a map from alternating keys and values, so a template can pass
// several named values to a shared sub-template.
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, fmt.Errorf("dict needs key/value pairs, got %d arguments", len(kv))
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict key %v is not a string", kv[i])
		}
		m[k] = kv[i+1]
	}
	return m, nil
}

// rfc3339 is a time as a <time datetime> attribute wants it.
func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// utcText is the absolute time a page shows before (or without) JavaScript.
func utcText(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

// prettyJSON indents a JSON payload for reading; anything that is not valid
// JSON is shown as it is (and still escaped by the template).
func prettyJSON(raw json.RawMessage) string {
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		return string(raw)
	}
	return buf.String()
}

// linkable reports whether an evidence link may become an href: only
// absolute http(s) URLs and site-relative paths ever do.
func linkable(link string) bool {
	switch {
	case strings.HasPrefix(link, "http://"), strings.HasPrefix(link, "https://"):
		return true
	case strings.HasPrefix(link, "//"), strings.HasPrefix(link, `/\`):
		return false
	}
	return strings.HasPrefix(link, "/")
}

// decisionURL is the page of a decision.
func decisionURL(id int64) string { return "/decisions/" + strconv.FormatInt(id, 10) }

// conversationURL is the page of a conversation (by HotDash's id).
func conversationURL(id int64) string { return "/conversations/" + strconv.FormatInt(id, 10) }

// clockName is how pages name an SLA clock: "first response".
func clockName(name string) string {
	switch name {
	case "first_response":
		return "first response"
	case "next_response":
		return "next response"
	case "resolution":
		return "resolution"
	}
	return strings.ReplaceAll(name, "_", " ")
}

// clockState is how pages name a clock's state: "not started".
func clockState(state string) string {
	switch state {
	case "not_applicable":
		return "not applicable"
	case "not_started":
		return "not started"
	}
	return strings.ReplaceAll(state, "_", " ")
}

// statusLabel names a conversation status for the queue's filter.
func statusLabel(s string) string {
	switch s {
	case "":
		return "Unresolved"
	case "all":
		return "All"
	}
	return strings.ToUpper(s[:1]) + strings.ReplaceAll(s[1:], ",", ", ")
}

// durationText is a target or elapsed time the way people say it: "45 s",
// "30 min", "1 h 30 min", "24 h", "2 d 4 h".
func durationText(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d/time.Minute))
	case d < 48*time.Hour:
		h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
		if m == 0 {
			return fmt.Sprintf("%d h", h)
		}
		return fmt.Sprintf("%d h %d min", h, m)
	}
	days, h := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour)
	if h == 0 {
		return fmt.Sprintf("%d d", days)
	}
	return fmt.Sprintf("%d d %d h", days, h)
}

// dueText says how far a deadline is from now: "in 12 min", "breached 4
// min ago". app.js keeps it current in the browser; this is what a page
// without JavaScript (and the first paint) shows.
func dueText(due, now time.Time) string {
	left := due.Sub(now)
	switch {
	case left >= 45*time.Second:
		return "in " + roughly(left)
	case left > 0:
		return "in under a minute"
	case left > -45*time.Second:
		return "breached just now"
	}
	return "breached " + roughly(-left) + " ago"
}

// roughly rounds a duration to what a glance needs.
func roughly(d time.Duration) string {
	switch {
	case d < time.Hour:
		return fmt.Sprintf("%d min", max(1, int((d+30*time.Second)/time.Minute)))
	case d < 6*time.Hour:
		h, m := int(d/time.Hour), int((d%time.Hour+30*time.Second)/time.Minute)
		if m == 0 || m == 60 {
			return fmt.Sprintf("%d h", h+m/60)
		}
		return fmt.Sprintf("%d h %d min", h, m)
	case d < 24*time.Hour:
		return fmt.Sprintf("%d h", int((d+30*time.Minute)/time.Hour))
	}
	days := int((d + 12*time.Hour) / (24 * time.Hour))
	if days == 1 {
		return "1 day"
	}
	return fmt.Sprintf("%d days", days)
}

// senderLabel says who wrote a message, by Chatwoot's sender type.
func senderLabel(senderType string) string {
	switch senderType {
	case "contact":
		return "Customer"
	case "user":
		return "Agent"
	case "agent_bot":
		return "Bot"
	case "captain_assistant":
		return "Captain (AI assistant)"
	}
	return "System"
}

// canReadConversations reports whether the request's principal may see the
// CX queue.
func canReadConversations(ctx context.Context) bool {
	p, ok := httpx.PrincipalFrom(ctx)
	return ok && p.Can(auth.ReadConversations)
}

// kindLabel names a draft kind for people.
func kindLabel(kind string) string {
	switch kind {
	case approval.KindReply:
		return "reply"
	case approval.KindNote:
		return "private note"
	case approval.KindLabels:
		return "label change"
	}
	return kind
}

// labelChangeText says what a labels draft changes.
func labelChangeText(c approval.LabelChange) string {
	var parts []string
	if len(c.Add) > 0 {
		parts = append(parts, "add "+strings.Join(c.Add, ", "))
	}
	if len(c.Remove) > 0 {
		parts = append(parts, "remove "+strings.Join(c.Remove, ", "))
	}
	return strings.Join(parts, "; ")
}

// percentText shows a 0–1 share as a whole percentage; it takes a value or
// a pointer (nil shows a dash).
func percentText(v any) string {
	var f float64
	switch x := v.(type) {
	case float64:
		f = x
	case *float64:
		if x == nil {
			return "—"
		}
		f = *x
	default:
		return "—"
	}
	return strconv.Itoa(int(math.Round(f*100))) + " %"
}
