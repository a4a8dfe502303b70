package approval_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hotdash/hotdash/internal/approval"
	"github.com/hotdash/hotdash/internal/store/storetest"
	"github.com/hotdash/hotdash/internal/validation"
)

// at is a time on the test's days (November 2026, UTC).
func at(day, hour, minute int) time.Time {
	return time.Date(2026, 11, day, hour, minute, 0, 0, time.UTC)
}

// graded is a draft row as the tests insert it.
type graded struct {
	conv                   int64
	kind, state            string
	agent, model           string
	text, final            string
	context                int64
	reviewed               time.Time
	tone, accuracy, policy int
	dist                   int
	ratio                  float64
}

func addConversation(t *testing.T, db *storetest.DB, display int64) int64 {
	t.Helper()
	var id int64
	now := at(1, 0, 0)
	err := db.Write.QueryRow(`INSERT INTO conversations (source, account_id, display_id, inbox_id, inbox_name, channel, status,
		priority, labels, assignee_name, team_name, contact_name, contact_email, contact_phone, preview, created_at,
		source_updated_at, projected_at, sla_policy, sla_clock, sla_band, sla_clocks)
		VALUES ('chatwoot', 1, $1, 1, 'Email', 'email', 'open', '', '[]', '', '', 'Ada', '', '', '', $2, $2, $2, '', '', '', '[]')
		RETURNING id`, display, now).Scan(&id)
	if err != nil {
		t.Fatalf("insert conversation: %v", err)
	}
	return id
}

func addMessage(t *testing.T, db *storetest.DB, conv, source int64, kind string, private bool, content string) {
	t.Helper()
	_, err := db.Write.Exec(`INSERT INTO conversation_messages (conversation_id, source_id, kind, private, sender_type, sender_name,
		content, created_at) VALUES ($1, $2, $3, $4, 'contact', 'Ada', $5, $6)`, conv, source, kind, private, content, at(1, 0, 0))
	if err != nil {
		t.Fatalf("insert message: %v", err)
	}
}

func nullable(n int) sql.NullInt64 { return sql.NullInt64{Int64: int64(n), Valid: n != 0} }

func addDraft(t *testing.T, db *storetest.DB, g graded) int64 {
	t.Helper()
	if g.kind == "" {
		g.kind = approval.KindReply
	}
	if g.final == "" {
		g.final = g.text
	}
	ratio := sql.NullFloat64{Float64: g.ratio, Valid: g.tone != 0}
	dist := sql.NullInt64{Int64: int64(g.dist), Valid: g.tone != 0}
	var id int64
	err := db.Write.QueryRow(`INSERT INTO drafts (conversation_id, kind, state, version, revision, text, final_text, labels, agent,
		model, citations, submitted_by, risk, risk_rank, risk_reasons, context_message_id, due_at, grade_tone, grade_accuracy,
		grade_policy, edit_distance, edit_ratio, reviewer, review_note, state_reason, created_at, updated_at, reviewed_at,
		send_attempts, dry_run)
		VALUES ($1, $2, $3, 2, 1, $4, $5, '{}', $6, $7, '[]', 'token:bot', 'medium', 1, '[]', $8, $9, $10, $11, $12, $13, $14,
		'lead@example.com', '', '', $15, $15, $15, 0, false) RETURNING id`,
		g.conv, g.kind, g.state, g.text, g.final, g.agent, g.model, g.context, at(31, 0, 0),
		nullable(g.tone), nullable(g.accuracy), nullable(g.policy), dist, ratio, g.reviewed).Scan(&id)
	if err != nil {
		t.Fatalf("insert draft: %v", err)
	}
	return id
}

// seed inserts five graded replies reviewed from 28 to 30 November and
// drafts the grading must leave out; it returns the graded ones' ids.
func seed(t *testing.T, db *storetest.DB) []int64 {
	t.Helper()
	c1, c2 := addConversation(t, db, 41), addConversation(t, db, 42)
	addMessage(t, db, c1, 100, "incoming", false, "Where is my parcel?")
	addMessage(t, db, c1, 101, "outgoing", false, "We're on it.")
	addMessage(t, db, c1, 102, "incoming", true, "internal remark")
	addMessage(t, db, c1, 104, "incoming", false, `Any news? <b>"today"</b>`)
	addMessage(t, db, c1, 106, "incoming", false, "Hello??")
	ids := []int64{
		addDraft(t, db, graded{conv: c1, state: approval.StateSent, agent: "helper-bot", model: "m1", text: "Ships today.", context: 101,
			reviewed: at(28, 10, 0), tone: 5, accuracy: 5, policy: 5}),
		addDraft(t, db, graded{conv: c1, state: approval.StateSent, agent: "helper-bot", model: "m2", text: "Soon", final: "Soon!", context: 104,
			reviewed: at(28, 23, 59).Add(59*time.Second + 999999*time.Microsecond), tone: 4, accuracy: 5, policy: 4, dist: 3, ratio: 0.05}),
		addDraft(t, db, graded{conv: c1, state: approval.StateApproved, agent: "helper-bot", model: "m2", text: "a", final: "b", context: 105,
			reviewed: at(30, 0, 0), tone: 3, accuracy: 4, policy: 5, dist: 10, ratio: 0.10}),
		addDraft(t, db, graded{conv: c2, state: approval.StateSendFailed, agent: "triage-bot", model: "m1", text: "c", final: "d",
			reviewed: at(30, 11, 0), tone: 4, accuracy: 4, policy: 4, dist: 40, ratio: 0.30}),
		addDraft(t, db, graded{conv: c1, state: approval.StateSent, agent: "triage-bot", text: "e", final: "f", context: 102,
			reviewed: at(30, 11, 59), tone: 2, accuracy: 3, policy: 5, dist: 50, ratio: 0.5}),
	}
	ones := func(g graded) graded {
		g.conv, g.text, g.tone, g.accuracy, g.policy = c2, "x", 1, 1, 1
		return g
	}
	for _, g := range []graded{
		ones(graded{state: approval.StateSent, reviewed: at(30, 12, 0)}),              // at the period's end
		ones(graded{state: approval.StateSent, reviewed: at(27, 23, 59)}),             // before it
		ones(graded{state: approval.StatePending, reviewed: at(29, 9, 0)}),            // approved, then back for review
		ones(graded{state: approval.StateExpired, reviewed: at(29, 9, 0)}),            // answered elsewhere
		ones(graded{state: approval.StateSent, reviewed: at(29, 9, 0), kind: "note"}), // not a reply
		{conv: c2, text: "x", state: approval.StateRejected, reviewed: at(29, 9, 0)},  // never graded
	} {
		addDraft(t, db, g)
	}
	// A reply missing one grade (never written by Approve) counts nowhere.
	partial := addDraft(t, db, ones(graded{state: approval.StateSent, reviewed: at(29, 9, 0), agent: "helper-bot"}))
	if _, err := db.Write.Exec(`UPDATE drafts SET grade_policy = NULL WHERE id = $1`, partial); err != nil {
		t.Fatal(err)
	}
	return ids
}

func service(db *storetest.DB) *approval.Service {
	return approval.NewService(approval.Deps{DB: db.DB})
}

func wantFigures(t *testing.T, what string, got approval.Figures, want approval.Figures) {
	t.Helper()
	if got != want {
		t.Errorf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

func TestGradingAveragesBucketsDaysAgentsAndModels(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		seed(t, db)
		g, err := service(db).Grading(context.Background(), at(28, 0, 0), at(30, 12, 0))
		if err != nil {
			t.Fatal(err)
		}
		wantFigures(t, "total", g.Total, approval.Figures{Count: 5, Tone: 18.0 / 5, Accuracy: 21.0 / 5, Policy: 23.0 / 5,
			UneditedShare: 0.2, Edits: approval.Edits{Unedited: 1, Light: 1, Moderate: 2, Heavy: 1}})
		if len(g.Days) != 3 {
			t.Fatalf("days %+v, want 28, 29 and 30 November", g.Days)
		}
		for i, want := range []approval.Day{
			{Date: "2026-11-28", Figures: approval.Figures{Count: 2, Tone: 4.5, Accuracy: 5, Policy: 4.5, UneditedShare: 0.5,
				Edits: approval.Edits{Unedited: 1, Light: 1}}},
			{Date: "2026-11-29"},
			{Date: "2026-11-30", Figures: approval.Figures{Count: 3, Tone: 3, Accuracy: 11.0 / 3, Policy: 14.0 / 3,
				Edits: approval.Edits{Moderate: 2, Heavy: 1}}},
		} {
			if g.Days[i].Date != want.Date {
				t.Errorf("day %d is %s, want %s", i, g.Days[i].Date, want.Date)
			}
			wantFigures(t, want.Date, g.Days[i].Figures, want.Figures)
		}
		wantGroups(t, "agents", g.Agents, []approval.Group{
			{Name: "helper-bot", Figures: approval.Figures{Count: 3, Tone: 4, Accuracy: 14.0 / 3, Policy: 14.0 / 3, UneditedShare: 1.0 / 3,
				Edits: approval.Edits{Unedited: 1, Light: 1, Moderate: 1}}},
			{Name: "triage-bot", Figures: approval.Figures{Count: 2, Tone: 3, Accuracy: 3.5, Policy: 4.5,
				Edits: approval.Edits{Moderate: 1, Heavy: 1}}},
		})
		wantGroups(t, "models", g.Models, []approval.Group{
			{Name: "m1", Figures: approval.Figures{Count: 2, Tone: 4.5, Accuracy: 4.5, Policy: 4.5, UneditedShare: 0.5,
				Edits: approval.Edits{Unedited: 1, Moderate: 1}}},
			{Name: "m2", Figures: approval.Figures{Count: 2, Tone: 3.5, Accuracy: 4.5, Policy: 4.5,
				Edits: approval.Edits{Light: 1, Moderate: 1}}},
			{Name: "", Figures: approval.Figures{Count: 1, Tone: 2, Accuracy: 3, Policy: 5, Edits: approval.Edits{Heavy: 1}}},
		})
	})
}

func wantGroups(t *testing.T, what string, got, want []approval.Group) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %+v, want %+v", what, got, want)
	}
	for i := range want {
		if got[i].Name != want[i].Name {
			t.Errorf("%s[%d] is %q, want %q", what, i, got[i].Name, want[i].Name)
		}
		wantFigures(t, what+" "+want[i].Name, got[i].Figures, want[i].Figures)
	}
}

func TestGradingOfAQuietPeriodAndBadPeriods(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		svc := service(db)
		g, err := svc.Grading(context.Background(), at(1, 12, 0), at(3, 0, 0))
		if err != nil {
			t.Fatal(err)
		}
		if g.Total != (approval.Figures{}) || len(g.Days) != 2 || g.Days[0].Date != "2026-11-01" || g.Days[1].Date != "2026-11-02" ||
			g.Agents == nil || len(g.Agents) != 0 || g.Models == nil || len(g.Models) != 0 {
			t.Fatalf("a period without replies gave %+v", g)
		}
		b, _ := json.Marshal(g)
		if !strings.Contains(string(b), `"agents":[]`) || !strings.Contains(string(b), `"models":[]`) {
			t.Fatalf("empty breakdowns are not [] in JSON: %s", b)
		}
		for _, p := range [][2]time.Time{
			{at(3, 0, 0), at(3, 0, 0)},
			{at(3, 0, 0), at(1, 0, 0)},
			{at(1, 0, 0), at(1, 0, 0).AddDate(0, 0, approval.MaxGradingDays+1)},
		} {
			var verrs validation.Errors
			if _, err := svc.Grading(context.Background(), p[0], p[1]); !errors.As(err, &verrs) {
				t.Errorf("period %v–%v: error %v, want a validation error", p[0], p[1], err)
			}
		}
		var verrs validation.Errors
		if _, err := svc.ExportTraining(context.Background(), at(3, 0, 0), at(1, 0, 0), &bytes.Buffer{}); !errors.As(err, &verrs) {
			t.Errorf("an inverted export period gave %v", err)
		}
	})
}

func TestExportTrainingWritesOneLinePerGradedReply(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		ids := seed(t, db)
		var buf bytes.Buffer
		n, err := service(db).ExportTraining(context.Background(), at(28, 0, 0), at(30, 12, 0), &buf)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
		if n != 5 || len(lines) != 5 {
			t.Fatalf("wrote %d (%d lines), want 5:\n%s", n, len(lines), buf.String())
		}
		if !strings.Contains(lines[1], `"customer_message":"Any news? <b>\"today\"</b>"`) {
			t.Errorf("the export escapes HTML or mangles quotes: %s", lines[1])
		}
		var first approval.TrainingExample
		if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf(`{"draft_id":%d,"conversation_id":%d,"agent":"helper-bot","model":"m1",`+
			`"customer_message":"Where is my parcel?","draft":"Ships today.","final_text":"Ships today.","edited":false,`+
			`"edit_distance":0,"grades":{"tone":5,"accuracy":5,"policy":5},"reviewed_at":"2026-11-28T10:00:00Z"}`, ids[0], first.ConversationID)
		if lines[0] != want {
			t.Errorf("line 1:\n got %s\nwant %s", lines[0], want)
		}
		for i, w := range []struct {
			customer, draft, final string
			edited                 bool
			dist                   int
			grades                 approval.Grades
			reviewed               time.Time
		}{
			{"Where is my parcel?", "Ships today.", "Ships today.", false, 0, approval.Grades{Tone: 5, Accuracy: 5, Policy: 5}, at(28, 10, 0)},
			{`Any news? <b>"today"</b>`, "Soon", "Soon!", true, 3, approval.Grades{Tone: 4, Accuracy: 5, Policy: 4}, at(28, 23, 59).Add(59*time.Second + 999999*time.Microsecond)},
			{`Any news? <b>"today"</b>`, "a", "b", true, 10, approval.Grades{Tone: 3, Accuracy: 4, Policy: 5}, at(30, 0, 0)},
			{"", "c", "d", true, 40, approval.Grades{Tone: 4, Accuracy: 4, Policy: 4}, at(30, 11, 0)},
			{"Where is my parcel?", "e", "f", true, 50, approval.Grades{Tone: 2, Accuracy: 3, Policy: 5}, at(30, 11, 59)},
		} {
			var e approval.TrainingExample
			if err := json.Unmarshal([]byte(lines[i]), &e); err != nil {
				t.Fatalf("line %d is not JSON: %v", i+1, err)
			}
			if e.DraftID != ids[i] || e.CustomerMessage != w.customer || e.Draft != w.draft || e.FinalText != w.final ||
				e.Edited != w.edited || e.EditDistance != w.dist || e.Grades != w.grades || !e.ReviewedAt.Equal(w.reviewed) {
				t.Errorf("line %d: %s, want draft %d %+v", i+1, lines[i], ids[i], w)
			}
		}
	})
}

func TestExportTrainingPagesThroughManyReplies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		conv := addConversation(t, db, 7)
		const total = 1203
		tx, err := db.Write.Begin()
		if err != nil {
			t.Fatal(err)
		}
		for i := range total {
			_, err := tx.Exec(`INSERT INTO drafts (conversation_id, kind, state, version, revision, text, final_text, labels, agent,
				model, citations, submitted_by, risk, risk_rank, risk_reasons, context_message_id, due_at, grade_tone, grade_accuracy,
				grade_policy, edit_distance, edit_ratio, reviewer, review_note, state_reason, created_at, updated_at, reviewed_at,
				send_attempts, dry_run)
				VALUES ($1, 'reply', 'sent', 2, 1, 't', 't', '{}', 'bot', '', '[]', 'x', 'medium', 1, '[]', 0, $2, 5, 5, 5, 0, 0,
				'r', '', '', $2, $2, $3, 0, false)`, conv, at(1, 0, 0), at(2, 0, 0).Add(time.Duration(total-i)*time.Second))
			if err != nil {
				t.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		n, err := service(db).ExportTraining(context.Background(), at(1, 0, 0), at(3, 0, 0), &buf)
		if err != nil || n != total {
			t.Fatalf("exported %d (%v), want %d", n, err, total)
		}
		dec := json.NewDecoder(&buf)
		var last int64
		for i := 0; dec.More(); i++ {
			var e approval.TrainingExample
			if err := dec.Decode(&e); err != nil {
				t.Fatal(err)
			}
			if e.DraftID <= last {
				t.Fatalf("line %d has draft %d after %d: out of order or repeated", i+1, e.DraftID, last)
			}
			last = e.DraftID
		}
	})
}

// Days are those of the period's time zone: a reply reviewed at 00:00 UTC
// on the 30th belongs to the 29th in New York.
func TestGradingCutsDaysInThePeriodsTimeZone(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		seed(t, db)
		from := time.Date(2026, 11, 28, 0, 0, 0, 0, ny) // 05:00 UTC
		g, err := service(db).Grading(context.Background(), from, at(30, 12, 0))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, d := range g.Days {
			got = append(got, fmt.Sprintf("%s:%d", d.Date, d.Count))
		}
		if want := "2026-11-28:2 2026-11-29:1 2026-11-30:2"; strings.Join(got, " ") != want {
			t.Errorf("days %q, want %q", strings.Join(got, " "), want)
		}
		if g.Total.Count != 5 || !g.From.Equal(from) || g.From.Location() != time.UTC {
			t.Errorf("total %d from %s", g.Total.Count, g.From)
		}
	})
}
