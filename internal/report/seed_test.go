package report_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/hotdash/hotdash/internal/clock"
	"github.com/hotdash/hotdash/internal/config"
	"github.com/hotdash/hotdash/internal/decisionlog"
	"github.com/hotdash/hotdash/internal/report"
	"github.com/hotdash/hotdash/internal/store"
	"github.com/hotdash/hotdash/internal/store/storetest"
)

// day is Monday 30 November 2026 (UTC: the default shifts' zone).
var day = time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)

func at(h, m int) time.Time {
	return day.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
}

type fixture struct {
	t   testing.TB
	db  *store.DB
	clk *clock.Manual
	log *decisionlog.Log
	svc *report.Service
	ids map[string]int64
}

func newFixture(t testing.TB, db *storetest.DB, now time.Time, mod func(*report.Deps)) *fixture {
	t.Helper()
	f := &fixture{t: t, db: db.DB, clk: clock.NewManual(now), ids: map[string]int64{}}
	f.log = decisionlog.New(db.DB, f.clk, decisionlog.Options{})
	t.Cleanup(f.log.Close)
	p := config.DefaultPolicy()
	d := report.Deps{DB: db.DB, Decisions: f.log, Clock: f.clk, Shifts: p.Shifts, Reports: p.Reports, Ladder: p.Escalation,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if mod != nil {
		mod(&d)
	}
	f.svc = report.New(d)
	return f
}

func (f *fixture) exec(q string, args ...any) {
	f.t.Helper()
	if _, err := f.db.Write.ExecContext(context.Background(), q, args...); err != nil {
		f.t.Fatalf("%s: %v", q, err)
	}
}

func (f *fixture) insert(q string, args ...any) int64 {
	f.t.Helper()
	var id int64
	if err := f.db.Write.QueryRowContext(context.Background(), q+" RETURNING id", args...).Scan(&id); err != nil {
		f.t.Fatalf("%s: %v", q, err)
	}
	return id
}

// conversation adds a conversation created at created, open with band.
func (f *fixture) conversation(name, channel string, created time.Time, status, band string, due time.Time) int64 {
	id := f.insert(`INSERT INTO conversations (source, account_id, display_id, inbox_id, inbox_name, channel, status, priority, labels,
		assignee_name, team_name, contact_name, contact_email, contact_phone, preview, created_at, source_updated_at, projected_at,
		sla_policy, sla_clock, sla_due_at, sla_band, sla_clocks)
		VALUES ('chatwoot', 1, $1, 1, 'inbox', $2, $3, '', '[]', '', '', $4, '', '', '', $5, $5, $5, 'default', 'first_response', $6, $7, '[]')`,
		len(f.ids)+100, channel, status, name, created, store.NullTime(due), band)
	f.ids[name] = id
	return id
}

func (f *fixture) resolved(conv string, t time.Time) {
	f.exec(`INSERT INTO conversation_statuses (conversation_id, status, at) VALUES ($1, 'resolved', $2)`, f.ids[conv], t)
}

func (f *fixture) met(conv, clock string, t time.Time) {
	f.exec(`INSERT INTO sla_met (conversation_id, clock, started_at, met_at) VALUES ($1, $2, $3, $4)`, f.ids[conv], clock, t.Add(-10*time.Minute), t)
}

func (f *fixture) breached(conv, clock string, due, t time.Time) {
	f.exec(`INSERT INTO sla_events (conversation_id, clock, band_from, band_to, due_at, at) VALUES ($1, $2, 'urgent', 'breached', $3, $4)`,
		f.ids[conv], clock, due, t)
}

// draft adds a draft; graded ones carry grades and an edit distance.
func (f *fixture) draft(conv, state, risk string, reviewed time.Time, grades []int, edit int) int64 {
	rank := map[string]int{"high": 0, "medium": 1, "low": 2}[risk]
	var tone, acc, pol, dist any
	var ratio any
	if grades != nil {
		tone, acc, pol, dist, ratio = grades[0], grades[1], grades[2], edit, float64(edit)/100
	}
	return f.insert(`INSERT INTO drafts (conversation_id, kind, state, version, revision, text, final_text, labels, agent, model,
		citations, submitted_by, risk, risk_rank, risk_reasons, context_message_id, due_at, grade_tone, grade_accuracy, grade_policy,
		edit_distance, edit_ratio, reviewer, review_note, state_reason, created_at, updated_at, reviewed_at, send_attempts, dry_run)
		VALUES ($1, 'reply', $2, 1, 1, 'hello', 'hello', '[]', 'agent-7', 'm1', '[]', 'token:agent', $3, $4, '[]', 0, $5,
		$6, $7, $8, $9, $10, 'rita', '', '', $5, $5, $11, 0, TRUE)`,
		f.ids[conv], state, risk, rank, day, tone, acc, pol, dist, ratio, store.NullTime(reviewed))
}

func (f *fixture) incident(sev, summary, status, cause string, level int, evidenceMissing bool, created time.Time) int64 {
	return f.insert(`INSERT INTO incidents (severity, summary, description, status, channels, customers, customers_affected, legal_risk,
		owner, cause, level, acked_level, evidence_link, comms_plan, evidence_missing, version, created_by, created_at, updated_at)
		VALUES ($1, $2, '', $3, '[]', '', FALSE, FALSE, 'lia@example.com', $4, $5, -1, '', '', $6, 1, 'test', $7, $7)`,
		sev, summary, status, cause, level, evidenceMissing, created)
}

func (f *fixture) escalation(incident int64, level int, t time.Time) {
	f.exec(`INSERT INTO escalations (incident_id, level, trigger, actor, evidence_missing, created_at, acked_by, notified)
		VALUES ($1, $2, 'timer', 'hotdash', FALSE, $3, '', 0)`, incident, level, t)
}

func (f *fixture) timer(incident int64, kind string, due time.Time) {
	f.exec(`INSERT INTO incident_timers (incident_id, kind, due_at, outcome) VALUES ($1, $2, $3, '')`, incident, kind, due)
}

func (f *fixture) health(t time.Time, exit int, reason string) {
	f.exec(`INSERT INTO health_checks (at, exit_code, platform_ok, platform_status, platform_latency_us, auth_ok, auth_status,
		auth_latency_us, reason) VALUES ($1, $2, $3, 200, 1000, $3, 200, 1000, $4)`, t, exit, exit == 0, reason)
}

func (f *fixture) decide(d decisionlog.Draft) decisionlog.Entry {
	f.t.Helper()
	if d.Scope == "" {
		d.Scope, d.Actor, d.Action, d.Rationale, d.RecordedBy = "ops", "lia", "follow_up", "because", "test"
	}
	e, _, err := f.log.Append(context.Background(), d)
	if err != nil {
		f.t.Fatal(err)
	}
	return e
}

// seedDay writes Monday's known state; the comments give the answers.
func (f *fixture) seedDay() {
	prev := day.Add(-2 * time.Hour)
	// In: web 3, email 2, sms 1 (and one web from Sunday).
	f.conversation("w1", "web", at(8, 0), "resolved", "", time.Time{})
	f.conversation("w2", "web", at(9, 0), "open", "ok", at(23, 0))
	f.conversation("w3", "web", at(10, 0), "open", "breached", at(10, 30))
	f.conversation("e1", "email", at(8, 30), "resolved", "", time.Time{})
	f.conversation("e2", "email", at(11, 0), "open", "urgent", at(19, 3))
	f.conversation("s1", "sms", at(12, 0), "open", "ok", at(23, 30))
	f.conversation("old", "web", prev, "resolved", "", time.Time{})
	// Resolved: web 2 (w1 twice counts once, old), email 1.
	f.resolved("w1", at(10, 0))
	f.resolved("w1", at(12, 0))
	f.resolved("old", at(9, 0))
	f.resolved("e1", at(9, 0))
	// SLA: first_response web 2 met / 1 missed, email 1/1; resolution web 1/0, sms 0/1.
	f.met("w1", "first_response", at(8, 10))
	f.met("w2", "first_response", at(9, 10))
	f.met("e1", "first_response", at(8, 40))
	f.met("w1", "resolution", at(10, 0))
	f.met("old", "first_response", prev.Add(5*time.Minute))
	f.breached("w3", "first_response", at(10, 30), at(10, 30))
	f.breached("w3", "first_response", at(10, 30), at(10, 31)) // the same deadline again
	f.breached("e2", "first_response", at(11, 30), at(11, 30))
	f.breached("s1", "resolution", at(13, 0), at(13, 0))
	// Drafts: 4 reviewed, 3 graded (5/5/5 unedited, 4/4/5 edited, 3/4/4 unedited).
	f.draft("w1", "sent", "medium", at(8, 5), []int{5, 5, 5}, 0)
	f.draft("w2", "approved", "medium", at(9, 5), []int{4, 4, 5}, 3)
	f.draft("e1", "sent", "high", at(8, 35), []int{3, 4, 4}, 0)
	f.draft("w3", "rejected", "high", at(10, 5), nil, 0)
	f.draft("old", "sent", "medium", prev, []int{1, 1, 1}, 9)
	// Pending: 2 high, 1 medium.
	f.draft("w3", "pending_review", "high", time.Time{}, nil, 0)
	f.draft("e2", "pending_review", "high", time.Time{}, nil, 0)
	f.draft("s1", "pending_review", "medium", time.Time{}, nil, 0)
	// Incidents: S1 and S2 open (one cause), S3 resolved; escalations L1 ×2, L3 ×1.
	i1 := f.incident("S1", "Chatwoot down", "open", "chatwoot outage", 3, true, at(13, 0))
	i2 := f.incident("S2", "Email delayed", "open", "chatwoot outage", 1, false, at(14, 0))
	f.incident("S3", "Typo in help", "resolved", "", 0, false, at(15, 0))
	f.ids["i1"], f.ids["i2"] = i1, i2
	f.escalation(i1, 1, at(13, 0))
	f.escalation(i1, 3, at(13, 1))
	f.escalation(i2, 1, at(14, 30))
	f.timer(i1, "s1_update_reminder", at(19, 20))
	f.timer(i2, "s2_to_l2", at(20, 0))
	// Follow-ups: a customer promise due tomorrow, an overdue one, a closed one.
	f.decide(decisionlog.Draft{NextAction: "Call ACME back about the refund", NextActionOwner: "lia", NextActionDue: day.Add(33 * time.Hour),
		Payload: json.RawMessage(`{"customer_promise": true}`)})
	f.decide(decisionlog.Draft{NextAction: "Rotate the Chatwoot token", NextActionOwner: "ops", NextActionDue: at(12, 0)})
	done := f.decide(decisionlog.Draft{NextAction: "Already done"})
	f.decide(decisionlog.Draft{ClosesID: done.ID})
	// Health: failing twice in a row since 18:00.
	f.health(at(17, 0), 0, "")
	f.health(at(18, 0), 2, "platform check failed: 502")
	f.health(at(18, 5), 2, "platform check failed: 502")
}
