package web_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hotdash/hotdash/internal/approval"
	"github.com/hotdash/hotdash/internal/apptest"
	"github.com/hotdash/hotdash/internal/auth"
)

// reply is a graded customer reply as the grading tests insert it.
type reply struct {
	display                int64
	agent, model           string
	reviewed               time.Time
	tone, accuracy, policy int
	dist                   int
	ratio                  float64
}

// addReply inserts a conversation with one customer message and an
// approved, graded reply to it.
func (s *server) addReply(t *testing.T, r reply) {
	t.Helper()
	final := "Your parcel ships today."
	if r.dist > 0 {
		final = "Your parcel ships today, tracking to follow."
	}
	var conv int64
	err := s.DB.Write.QueryRow(`INSERT INTO conversations (source, account_id, display_id, inbox_id, inbox_name, channel, status,
		priority, labels, assignee_name, team_name, contact_name, contact_email, contact_phone, preview, created_at,
		source_updated_at, projected_at, sla_policy, sla_clock, sla_band, sla_clocks)
		VALUES ('chatwoot', 1, $1, 1, 'Email', 'email', 'open', '', '[]', '', '', 'Ada', '', '', '', $2, $2, $2, '', '', '', '[]')
		RETURNING id`, r.display, r.reviewed).Scan(&conv)
	if err == nil {
		_, err = s.DB.Write.Exec(`INSERT INTO conversation_messages (conversation_id, source_id, kind, private, sender_type, sender_name,
			content, created_at) VALUES ($1, 5, 'incoming', false, 'contact', 'Ada', 'Where is my <parcel>?', $2)`, conv, r.reviewed)
	}
	if err == nil {
		_, err = s.DB.Write.Exec(`INSERT INTO drafts (conversation_id, kind, state, version, revision, text, final_text, labels, agent,
			model, citations, submitted_by, risk, risk_rank, risk_reasons, context_message_id, due_at, grade_tone, grade_accuracy,
			grade_policy, edit_distance, edit_ratio, reviewer, review_note, state_reason, created_at, updated_at, reviewed_at,
			send_attempts, dry_run)
			VALUES ($1, 'reply', 'sent', 2, 1, 'Your parcel ships today.', $2, '{}', $3, $4, '[]', 'token:bot', 'medium', 1, '[]', 5,
			$5, $6, $7, $8, $9, $10, 'lead@example.com', '', '', $5, $5, $5, 0, false)`,
			conv, final, r.agent, r.model, r.reviewed, r.tone, r.accuracy, r.policy, r.dist, r.ratio)
	}
	if err != nil {
		t.Fatalf("insert graded reply: %v", err)
	}
}

// squeeze drops the white space between tags, so tests can match markup
// however the template indents it.
func squeeze(body string) string { return regexp.MustCompile(`>\s+<`).ReplaceAllString(body, "><") }

func TestGradingPageShowsTargetsEditsTrendAndBreakdowns(t *testing.T) {
	for _, engine := range apptest.Engines() {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			a := apptest.Start(t, apptest.Options{Engine: engine})
			s := &server{App: a, url: a.URL()}
			y, m, d := time.Now().UTC().Date()
			today := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
			for _, r := range []reply{
				{display: 1, agent: "helper-bot", model: "m1", reviewed: today.Add(time.Minute), tone: 5, accuracy: 5, policy: 5},
				{display: 2, agent: "helper-bot", model: "m1", reviewed: today.Add(2 * time.Minute), tone: 5, accuracy: 4, policy: 5, dist: 6, ratio: 0.2},
				{display: 3, agent: "triage-bot", model: "m2 <b>beta</b>", reviewed: today.AddDate(0, 0, -3).Add(time.Hour), tone: 4, accuracy: 5, policy: 4, dist: 40, ratio: 0.5},
				{display: 4, agent: "helper-bot", model: "m1", reviewed: today.AddDate(0, 0, -40), tone: 1, accuracy: 1, policy: 1},
			} {
				s.addReply(t, r)
			}
			s.user(t, "op@example.com", auth.Operator)
			b := s.browser(t)
			b.signIn("op@example.com")

			p := b.get("/approvals/grading?days=7")
			p.want(t, http.StatusOK, "<title>Grading · HotDash</title>", `<strong class="grading-count">3</strong> replies`)
			body := squeeze(p.body)
			for _, want := range []string{
				`<a class="btn btn-small" href="/approvals/grading?days=7" aria-current="page">Last 7 days</a>`,
				`<a class="btn btn-small" href="/approvals/grading?days=30">Last 30 days</a>`,
				`<h2 class="grading-card-title">Tone</h2><p class="headline-number">4.67</p><p class="grading-card-state"><span class="grading-state grading-met">Target met</span><span class="muted">target ≥ 4.5</span>`,
				`<h2 class="grading-card-title">Accuracy</h2><p class="headline-number">4.67</p><p class="grading-card-state"><span class="grading-state grading-below">Below target</span><span class="muted">target ≥ 4.7</span>`,
				`<h2 class="grading-card-title">Policy</h2><p class="headline-number">4.67</p><p class="grading-card-state"><span class="grading-state grading-below">Below target</span><span class="muted">target ≥ 4.8</span>`,
				`<h2 class="grading-card-title">Sent unedited</h2><p class="headline-number">33.3 %</p><p class="grading-card-state"><span class="grading-state grading-below">Below target</span><span class="muted">target ≥ 70 %</span>`,
				`<th scope="row">Unedited <span class="muted">· sent as drafted</span></th><td class="num">1</td><td class="num">33.3 %</td>`,
				`<th scope="row">Light <span class="muted">· under 10 % of the text changed</span></th><td class="num">0</td><td class="num">0.0 %</td>`,
				`<th scope="row">Moderate <span class="muted">· 10–30 % changed</span></th><td class="num">1</td><td class="num">33.3 %</td>`,
				`<th scope="row">Heavy <span class="muted">· over 30 % changed</span></th><td class="num">1</td><td class="num">33.3 %</td>`,
				`<rect class="grading-bar-fill" width="33.3" height="10"/>`,
				`<svg class="trend" viewBox="0 0 720.0 200.0" role="img" aria-labelledby="grades-chart-title grades-chart-desc"><title id="grades-chart-title">Average grades by day</title>`,
				`<title id="unedited-chart-title">Share sent unedited by day</title>`,
				`<title>` + today.Format(time.DateOnly) + `: 50.0 % of 2 sent unedited</title>`,
				`<th scope="row">` + today.Format(time.DateOnly) + `</th><td class="num">2</td><td class="num">5.00</td><td class="num grading-below-cell"><span aria-hidden="true">▼ </span><span class="visually-hidden">below target: </span>4.50</td>`,
				`<th scope="row">` + today.AddDate(0, 0, -1).Format(time.DateOnly) + `</th><td class="num">0</td><td class="num">—</td>`,
				`<th scope="row">helper-bot</th><td class="num">2</td><td class="num">5.00</td>`,
				`<th scope="row">triage-bot</th><td class="num">1</td><td class="num grading-below-cell"><span aria-hidden="true">▼ </span><span class="visually-hidden">below target: </span>4.00</td>`,
				`<th scope="row">m2 &lt;b&gt;beta&lt;/b&gt;</th><td class="num">1</td>`,
				`href="/approvals/grading/export.jsonl?days=7" download>`,
			} {
				if !strings.Contains(body, want) {
					t.Errorf("the page lacks %s", want)
				}
			}
			if rows := strings.Count(body, `<td class="grading-bar-cell">`); rows != 4 {
				t.Errorf("%d edit-size rows, want 4", rows)
			}
			for _, banned := range []string{"<b>beta", " style=", "<script>"} {
				if strings.Contains(p.body, banned) {
					t.Errorf("the page contains %q", banned)
				}
			}

			b.get("/approvals/grading").want(t, http.StatusOK, `<strong class="grading-count">3</strong>`, `href="/approvals/grading?days=30" aria-current="page"`)
			b.get("/approvals/grading?days=90").want(t, http.StatusOK, `<strong class="grading-count">4</strong>`)
			b.get("/approvals/grading?days=1").want(t, http.StatusOK, `<strong class="grading-count">2</strong>`)
			b.get("/approvals/grading?days=week").want(t, http.StatusUnprocessableEntity, "days must be a whole number from 1 to 366")
		})
	}
}

func TestGradingExportStreamsTrainingLinesToReviewersOnly(t *testing.T) {
	s := start(t)
	now := time.Now().UTC()
	s.addReply(t, reply{display: 1, agent: "helper-bot", model: "m1", reviewed: now.Add(-time.Hour), tone: 5, accuracy: 4, policy: 5})
	s.addReply(t, reply{display: 2, agent: "helper-bot", model: "m1", reviewed: now.Add(-2 * time.Hour), tone: 3, accuracy: 4, policy: 5, dist: 20, ratio: 0.45})
	s.user(t, "op@example.com", auth.Operator)
	s.user(t, "exec@example.com", auth.Executive)
	b := s.browser(t)
	b.signIn("op@example.com")

	p := b.get("/approvals/grading/export.jsonl?days=7")
	p.want(t, http.StatusOK)
	if cd := p.header.Get("Content-Disposition"); !regexp.MustCompile(`^attachment; filename="hotdash-training-7d-\d{4}-\d\d-\d\d\.jsonl"$`).MatchString(cd) {
		t.Fatalf("Content-Disposition %q", cd)
	}
	if ct := p.header.Get("Content-Type"); ct != "application/jsonl; charset=utf-8" {
		t.Fatalf("Content-Type %q", ct)
	}
	lines := strings.Split(strings.TrimSuffix(p.body, "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines, want 2:\n%s", len(lines), p.body)
	}
	var first, second approval.TrainingExample
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(lines[1]), &second); err != nil {
		t.Fatal(err)
	}
	if first.CustomerMessage != "Where is my <parcel>?" || first.Draft != "Your parcel ships today." || first.FinalText != first.Draft ||
		first.Edited || first.Grades != (approval.Grades{Tone: 5, Accuracy: 4, Policy: 5}) || first.Agent != "helper-bot" || first.Model != "m1" {
		t.Errorf("line 1: %s", lines[0])
	}
	if !second.Edited || second.EditDistance != 20 || second.FinalText == second.Draft || second.Grades.Tone != 3 {
		t.Errorf("line 2: %s", lines[1])
	}

	if status := s.bearer(t, s.Token(auth.Agent), "/approvals/grading/export.jsonl?days=7"); status != http.StatusForbidden {
		t.Errorf("an agent token got %d from the export, want 403", status)
	}
	if status := s.bearer(t, s.Token(auth.Agent), "/approvals/grading"); status != http.StatusForbidden {
		t.Errorf("an agent token got %d from the page, want 403", status)
	}
	exec := s.browser(t)
	exec.signIn("exec@example.com")
	exec.get("/approvals/grading").want(t, http.StatusForbidden)
	exec.get("/approvals/grading/export.jsonl").want(t, http.StatusForbidden)
	if p := s.browser(t).get("/approvals/grading"); p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/login") {
		t.Errorf("a signed-out visitor got %d → %q", p.status, p.location)
	}
	b.get("/approvals/grading/export.jsonl?days=400").want(t, http.StatusUnprocessableEntity, "days must be a whole number from 1 to 366")
}

func TestGradingPageWithoutRepliesSaysWhatToDo(t *testing.T) {
	s := start(t)
	s.user(t, "lead@example.com", auth.Lead)
	b := s.browser(t)
	b.signIn("lead@example.com")
	p := b.get("/approvals/grading?days=90")
	p.want(t, http.StatusOK, "No replies were graded in the last 90 days", `<span class="grading-state grading-none">No replies</span>`)
	if strings.Contains(p.body, `<svg class="trend"`) {
		t.Error("an empty period draws charts")
	}
	if e := b.get("/approvals/grading/export.jsonl?days=90"); e.status != http.StatusOK || e.body != "" || e.header.Get("Content-Disposition") == "" {
		t.Errorf("an empty export answered %d %q %v", e.status, e.body, e.header)
	}
}
