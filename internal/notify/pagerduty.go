package notify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"
)

// DefaultPagerDutyURL is the Events API v2 endpoint.
const DefaultPagerDutyURL = "https://events.pagerduty.com/v2/enqueue"

// PagerDuty's limits.
const (
	pagerDutySummaryMax = 1024
	pagerDutyDedupMax   = 255
	// pagerDutyDetailsMax keeps an event well under the API's 512 KB.
	pagerDutyDetailsMax = 64 << 10
)

// pagerDutyNotifier sends Events API v2 events. PagerDuty answers 202;
// 400 (an invalid event) will not change on a retry; 429 and 5xx will.
type pagerDutyNotifier struct {
	poster
	routingKey string
	publicURL  func() string
}

// Notify sends the event.
func (p *pagerDutyNotifier) Notify(ctx context.Context, e Envelope) Outcome {
	body, err := json.Marshal(p.event(e.Message))
	if err != nil {
		return Outcome{Err: err}
	}
	return p.post(ctx, body, nil, e.Now)
}

// pagerDutyEvent is an Events API v2 event.
type pagerDutyEvent struct {
	RoutingKey  string            `json:"routing_key"`
	EventAction string            `json:"event_action"`
	DedupKey    string            `json:"dedup_key"`
	Payload     *pagerDutyPayload `json:"payload,omitempty"`
	Links       []pagerDutyLink   `json:"links,omitempty"`
	Client      string            `json:"client,omitempty"`
	ClientURL   string            `json:"client_url,omitempty"`
}

type pagerDutyPayload struct {
	Summary       string            `json:"summary"`
	Source        string            `json:"source"`
	Severity      string            `json:"severity"`
	Timestamp     string            `json:"timestamp,omitempty"`
	Component     string            `json:"component,omitempty"`
	Class         string            `json:"class,omitempty"`
	CustomDetails map[string]string `json:"custom_details,omitempty"`
}

type pagerDutyLink struct {
	Href string `json:"href"`
	Text string `json:"text"`
}

// event renders m. A trigger (and an update, which PagerDuty adds to the
// open alert's log) carries the payload and links; acknowledge and resolve
// carry only the dedup key they apply to.
func (p *pagerDutyNotifier) event(m Message) pagerDutyEvent {
	ev := pagerDutyEvent{RoutingKey: p.routingKey, EventAction: pagerDutyAction(m.Event), DedupKey: PagerDutyDedupKey(m)}
	if ev.EventAction != EventTrigger {
		return ev
	}
	ev.Payload = &pagerDutyPayload{
		Summary:   truncate(Headline(m), pagerDutySummaryMax),
		Source:    "hotdash",
		Severity:  PagerDutySeverity(m.Severity),
		Component: m.IncidentRef,
		Class:     m.Level,
	}
	if !m.At.IsZero() {
		ev.Payload.Timestamp = m.At.UTC().Format(time.RFC3339Nano)
	}
	details := map[string]string{}
	for _, f := range facts(m) {
		details[strings.ToLower(f[0])] = f[1]
	}
	if m.Details != "" {
		details["details"] = truncate(m.Details, pagerDutyDetailsMax)
	}
	ev.Payload.CustomDetails = details
	for _, l := range m.Links {
		ev.Links = append(ev.Links, pagerDutyLink{Href: l.URL, Text: linkTitle(l)})
	}
	if p.publicURL != nil && p.publicURL() != "" {
		ev.Client, ev.ClientURL = "HotDash", p.publicURL()
	}
	return ev
}

// pagerDutyAction maps an Event to an event_action.
func pagerDutyAction(event string) string {
	switch event {
	case EventAcknowledge, EventResolve:
		return event
	}
	return EventTrigger
}

// PagerDutySeverity maps S0–S3 to PagerDuty's severities: critical, error,
// warning, info. A page without a severity is an error.
func PagerDutySeverity(s string) string {
	switch s {
	case "S0":
		return "critical"
	case "S2":
		return "warning"
	case "S3":
		return "info"
	}
	return "error"
}

// PagerDutyDedupKey is the dedup_key sent for m: its DedupKey (else
// "hotdash:<incident>:<level>"), replaced by "hotdash:" and its SHA-256
// when longer than PagerDuty's 255 characters. The same Message always
// gives the same key, so acknowledge and resolve reach the alert a
// trigger opened.
func PagerDutyDedupKey(m Message) string {
	k := m.DedupKey
	if k == "" {
		k = strings.Join([]string{"hotdash", m.IncidentRef, m.Level}, ":")
	}
	if len(k) > pagerDutyDedupMax {
		sum := sha256.Sum256([]byte(k))
		k = "hotdash:" + hex.EncodeToString(sum[:])
	}
	return k
}
