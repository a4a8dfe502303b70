package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/crypto/bcrypt"

	"github.com/hotdash/hotdash/client"
	"github.com/hotdash/hotdash/internal/approval"
	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/clock"
	"github.com/hotdash/hotdash/internal/httpx"
	"github.com/hotdash/hotdash/internal/store/storetest"
)

// gradingNow is the test's clock: the afternoon of 30 November 2026.
var gradingNow = time.Date(2026, 11, 30, 15, 0, 0, 0, time.UTC)

// startGrading serves only the grading routes and returns the server's URL
// and tokens for a lead and an AI agent.
func startGrading(t *testing.T, db *storetest.DB) (url, lead, agent string) {
	t.Helper()
	clk := clock.NewManual(gradingNow)
	a, err := auth.New(db.DB, clk, auth.Config{BcryptCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	r := httpx.NewRouter(a, logger, httpx.NewMetrics(prometheus.NewRegistry()))
	svc := approval.NewService(approval.Deps{DB: db.DB, Clock: clk, Logger: logger})
	New(Deps{DB: db.DB, Auth: a, Approvals: svc, Clock: clk, Logger: logger}).registerGrading(r)
	ts := httptest.NewServer(r)
	t.Cleanup(ts.Close)
	token := func(role auth.Role) string {
		secret, _, err := a.CreateToken(context.Background(), "t-"+string(role), role, "test")
		if err != nil {
			t.Fatal(err)
		}
		return secret
	}
	return ts.URL, token(auth.Lead), token(auth.Agent)
}

// addGradedReply inserts a conversation with one customer message and a
// sent reply graded tone/accuracy/policy, reviewed at reviewed.
func addGradedReply(t *testing.T, db *storetest.DB, display int64, reviewed time.Time, g approval.Grades, dist int, ratio float64) {
	t.Helper()
	var conv int64
	err := db.Write.QueryRow(`INSERT INTO conversations (source, account_id, display_id, inbox_id, inbox_name, channel, status,
		priority, labels, assignee_name, team_name, contact_name, contact_email, contact_phone, preview, created_at,
		source_updated_at, projected_at, sla_policy, sla_clock, sla_band, sla_clocks)
		VALUES ('chatwoot', 1, $1, 1, 'Email', 'email', 'open', '', '[]', '', '', 'Ada', '', '', '', $2, $2, $2, '', '', '', '[]')
		RETURNING id`, display, reviewed).Scan(&conv)
	if err == nil {
		_, err = db.Write.Exec(`INSERT INTO conversation_messages (conversation_id, source_id, kind, private, sender_type, sender_name,
			content, created_at) VALUES ($1, 10, 'incoming', false, 'contact', 'Ada', 'Is my order late?', $2)`, conv, reviewed)
	}
	final := "It ships today."
	if dist > 0 {
		final = "It ships today!"
	}
	if err == nil {
		_, err = db.Write.Exec(`INSERT INTO drafts (conversation_id, kind, state, version, revision, text, final_text, labels, agent,
			model, citations, submitted_by, risk, risk_rank, risk_reasons, context_message_id, due_at, grade_tone, grade_accuracy,
			grade_policy, edit_distance, edit_ratio, reviewer, review_note, state_reason, created_at, updated_at, reviewed_at,
			send_attempts, dry_run)
			VALUES ($1, 'reply', 'sent', 2, 1, 'It ships today.', $8, '{}', 'helper-bot', 'm1', '[]', 'token:bot',
			'medium', 1, '[]', 10, $2, $3, $4, $5, $6, $7, 'lead@example.com', '', '', $2, $2, $2, 0, false)`,
			conv, reviewed, g.Tone, g.Accuracy, g.Policy, dist, ratio, final)
	}
	if err != nil {
		t.Fatalf("insert graded reply: %v", err)
	}
}

func TestGradingAPIAnswersReviewersOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		url, lead, agent := startGrading(t, db)
		addGradedReply(t, db, 1, gradingNow.Add(-time.Hour), approval.Grades{Tone: 5, Accuracy: 4, Policy: 5}, 0, 0)
		addGradedReply(t, db, 2, gradingNow.AddDate(0, 0, -6), approval.Grades{Tone: 4, Accuracy: 5, Policy: 4}, 1, 1.0/15)
		addGradedReply(t, db, 3, gradingNow.AddDate(0, 0, -7), approval.Grades{Tone: 1, Accuracy: 1, Policy: 1}, 0, 0)
		ctx := context.Background()

		g, err := client.New(url, lead).DraftGrading(ctx, 7)
		if err != nil {
			t.Fatal(err)
		}
		wantTotal := client.GradingFigures{Count: 2, Tone: 4.5, Accuracy: 4.5, Policy: 4.5, UneditedShare: 0.5,
			Edits: client.EditSizes{Unedited: 1, Light: 1}}
		if g.Total != wantTotal || len(g.Days) != 7 || g.Days[0].Date != "2026-11-24" || g.Days[6].Date != "2026-11-30" ||
			g.Days[6].Count != 1 || !g.From.Equal(time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)) ||
			!g.To.Equal(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)) || len(g.Agents) != 1 || g.Agents[0].Name != "helper-bot" {
			t.Fatalf("grading of 7 days: %+v", g)
		}
		if g.Targets != (client.GradingTargets{Tone: 4.5, Accuracy: 4.7, Policy: 4.8, UneditedShare: 0.7}) {
			t.Fatalf("targets %+v", g.Targets)
		}
		if g, err := client.New(url, lead).DraftGrading(ctx, 0); err != nil || len(g.Days) != DefaultGradingDays || g.Total.Count != 3 {
			t.Fatalf("the default period: %d days, %d replies (%v)", len(g.Days), g.Total.Count, err)
		}

		var buf bytes.Buffer
		if err := client.New(url, lead).ExportTraining(ctx, 7, &buf); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
		if len(lines) != 2 {
			t.Fatalf("export of 7 days:\n%s", buf.String())
		}
		var e client.TrainingExample
		if err := json.Unmarshal([]byte(lines[0]), &e); err != nil || e.CustomerMessage != "Is my order late?" ||
			e.Draft != "It ships today." || e.FinalText != "It ships today." || e.Edited || e.Grades != (client.Grades{Tone: 5, Accuracy: 4, Policy: 5}) ||
			!e.ReviewedAt.Equal(gradingNow.Add(-time.Hour)) {
			t.Fatalf("export line %s (%v)", lines[0], err)
		}

		var apiErr *client.Error
		for _, path := range []string{"/api/v1/drafts/grading", "/api/v1/drafts/export"} {
			status, _, _ := get(t, url+path, agent)
			if status != http.StatusForbidden {
				t.Errorf("an agent token got %d from %s, want 403", status, path)
			}
		}
		for _, days := range []string{"0", "367", "week", "-1"} {
			status, _, body := get(t, url+"/api/v1/drafts/grading?days="+days, lead)
			if status != http.StatusUnprocessableEntity || !strings.Contains(string(body), `"days":"must be a whole number of days from 1 to 366"`) {
				t.Errorf("days=%s answered %d %s", days, status, body)
			}
		}
		if _, err := client.New(url, agent).DraftGrading(ctx, 7); !errors.As(err, &apiErr) || apiErr.Status != http.StatusForbidden {
			t.Errorf("the client saw %v for an agent", err)
		}
	})
}

func TestTrainingExportIsAnAttachmentEvenWhenEmpty(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		url, lead, _ := startGrading(t, db)
		status, h, body := get(t, url+"/api/v1/drafts/export?days=1", lead)
		if status != http.StatusOK || len(body) != 0 || h.Get("Content-Type") != "application/jsonl; charset=utf-8" ||
			h.Get("Content-Disposition") != `attachment; filename="hotdash-training-1d-2026-11-30.jsonl"` {
			t.Fatalf("empty export: %d %v %q", status, h, body)
		}
		addGradedReply(t, db, 1, gradingNow, approval.Grades{Tone: 5, Accuracy: 5, Policy: 5}, 0, 0)
		status, h, body = get(t, url+"/api/v1/drafts/export", lead)
		if status != http.StatusOK || bytes.Count(body, []byte("\n")) != 1 || h.Get("Cache-Control") != "no-store" ||
			h.Get("Content-Disposition") != `attachment; filename="hotdash-training-30d-2026-11-30.jsonl"` {
			t.Fatalf("export: %d %v %s", status, h, body)
		}
		status, h, _ = get(t, url+"/api/v1/drafts/export?days=x", lead)
		if status != http.StatusUnprocessableEntity || h.Get("Content-Disposition") != "" {
			t.Fatalf("a bad period answered %d with %q", status, h.Get("Content-Disposition"))
		}
	})
}

func get(t *testing.T, url, token string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}
