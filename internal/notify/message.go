package notify

import "time"

// Events a Message can carry.
const (
	// EventTrigger pages or escalates: something needs a person.
	EventTrigger = "trigger"
	// EventAcknowledge says someone took it (PagerDuty acknowledge).
	EventAcknowledge = "acknowledge"
	// EventResolve says it is over (PagerDuty resolve).
	EventResolve = "resolve"
	// EventUpdate is news about something already triggered.
	EventUpdate = "update"
)

// Message is a notification to people outside HotDash, independent of the
// channel that carries it: each notifier renders it in its own format
// (a Slack message, a PagerDuty event, an email, a signed JSON webhook).
type Message struct {
	// Event is EventTrigger, EventAcknowledge, EventResolve or EventUpdate.
	Event string `json:"event"`
	// IncidentRef names what it is about ("incident:12"), if anything.
	IncidentRef string `json:"incident_ref,omitempty"`
	// Severity is S0–S3 and Level L0–L4, when they apply.
	Severity string `json:"severity,omitempty"`
	Level    string `json:"level,omitempty"`
	// Summary is one line; Details is plain text (evidence, actions taken).
	Summary string `json:"summary"`
	Details string `json:"details,omitempty"`
	Links   []Link `json:"links,omitempty"`
	// DedupKey is stable for one incident at one level, so a receiver
	// (PagerDuty) folds repeats into one alert and acknowledge/resolve
	// reach the alert trigger opened.
	DedupKey string `json:"dedup_key"`
	// At is when it happened.
	At time.Time `json:"at"`
}

// Link is a titled link (a runbook, the incident page, health output).
type Link struct {
	Title string `json:"title"`
	URL   string `json:"url"`
}
