package approval

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hotdash/hotdash/internal/chatwoot"
	"github.com/hotdash/hotdash/internal/conversation"
	"github.com/hotdash/hotdash/internal/jobs"
)

// Chatwoot is the part of Chatwoot's API sending uses (chatwoot.Client).
type Chatwoot interface {
	Conversation(ctx context.Context, displayID int64) (chatwoot.Conversation, error)
	MessagesAfter(ctx context.Context, displayID, after int64) ([]chatwoot.Message, error)
	CreateMessage(ctx context.Context, displayID int64, m chatwoot.NewMessage) (chatwoot.Message, error)
	AddLabels(ctx context.Context, displayID int64, labels ...string) ([]string, error)
	RemoveLabels(ctx context.Context, displayID int64, labels ...string) ([]string, error)
}

// Sender works send jobs: it carries approved drafts to Chatwoot.
type Sender struct {
	svc *Service
	// cw is nil when Chatwoot is not configured.
	cw       Chatwoot
	dryRun   bool
	attempts int
	logger   *slog.Logger
	// outcomes counts attempts by how they ended.
	outcomes *prometheus.CounterVec
}

// NewSender returns a Sender that tries each send up to attempts times
// (with backoff) before it shows as send_failed. With dryRun, drafts are
// marked sent (and dry_run) without reaching Chatwoot.
func NewSender(svc *Service, cw Chatwoot, dryRun bool, attempts int, logger *slog.Logger, reg prometheus.Registerer) *Sender {
	s := &Sender{svc: svc, cw: cw, dryRun: dryRun, attempts: max(attempts, 1), logger: logger,
		outcomes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "hotdash_draft_send_attempts_total",
			Help: "Attempts to send an approved draft, by outcome: sent, adopted (found in Chatwoot already), dry_run, back_to_review, expired, retrying, failed."},
			[]string{"outcome"})}
	reg.MustRegister(s.outcomes)
	return s
}

// Handler is the JobSend handler to register with the job runner.
func (s *Sender) Handler() jobs.Handler {
	return jobs.Handler{Kind: JobSend, MaxAttempts: s.attempts, Backoff: chatwoot.DefaultBackoff, Work: s.Work}
}

// outcome is what a send attempt decided.
type outcome struct {
	state  string
	reason string
	// messageID is Chatwoot's id of the message sent or found.
	messageID int64
	dryRun    bool
	confirmed bool
	// adopted: the message was found in Chatwoot, not posted.
	adopted bool
}

// label names the outcome for the attempts counter.
func (o outcome) label() string {
	switch {
	case o.dryRun:
		return "dry_run"
	case o.adopted:
		return "adopted"
	case o.state == StatePending:
		return "back_to_review"
	case o.state == StateExpired:
		return "expired"
	case o.state == StateSendFailed:
		return "failed"
	}
	return "sent"
}

// Work sends one approved draft, exactly once: a draft that is no longer
// approved at this version was handled already, and a message that already
// carries the draft's reference in Chatwoot is adopted, not posted again.
func (s *Sender) Work(ctx context.Context, j jobs.Job) error {
	var a SendArgs
	if err := json.Unmarshal(j.Args, &a); err != nil {
		return jobs.Permanent(fmt.Errorf("decode send job: %w", err))
	}
	d, err := s.svc.Get(ctx, a.DraftID)
	if err != nil {
		return err
	}
	if d.State != StateApproved || d.Version != a.Version {
		return nil // sent, expired or retried under a newer version
	}
	conv, err := s.svc.Conversations.Get(ctx, d.ConversationID)
	if err != nil {
		return err
	}
	if err := s.svc.countAttempt(ctx, d); err != nil {
		return err
	}
	out, err := s.attempt(ctx, d, conv)
	if err != nil {
		if !j.Final() && retryable(err) {
			s.outcomes.WithLabelValues("retrying").Inc()
			s.logger.Warn("draft send failed; retrying", "draft_id", d.ID, "attempt", j.Attempt, "error", err)
			s.svc.noteRetry(ctx, d, j.Attempt, j.MaxAttempts, err)
			return err
		}
		s.logger.Error("draft not sent", "draft_id", d.ID, "attempt", j.Attempt, "error", err)
		out = outcome{state: StateSendFailed, reason: fmt.Sprintf("not sent after %d attempts: %v", j.Attempt, err)}
	}
	s.outcomes.WithLabelValues(out.label()).Inc()
	return s.svc.finishSend(ctx, d, out)
}

// attempt does the send, or decides not to.
func (s *Sender) attempt(ctx context.Context, d Draft, conv conversation.Conversation) (outcome, error) {
	if s.dryRun {
		return outcome{state: StateSent, dryRun: true, reason: "dry run: recorded, not sent to Chatwoot (CHATWOOT_DRY_RUN, or HOTDASH_ENV other than production)"}, nil
	}
	if s.cw == nil {
		return outcome{}, errNotConfigured
	}
	id := conv.DisplayID
	if d.Kind == KindLabels {
		if len(d.Labels.Add) > 0 {
			if _, err := s.cw.AddLabels(ctx, id, d.Labels.Add...); err != nil {
				return outcome{}, err
			}
		}
		if len(d.Labels.Remove) > 0 {
			if _, err := s.cw.RemoveLabels(ctx, id, d.Labels.Remove...); err != nil {
				return outcome{}, err
			}
		}
		return outcome{state: StateSent, reason: "labels changed in Chatwoot"}, nil
	}
	if out, decided, err := s.recheck(ctx, d, id); err != nil || decided {
		return out, err
	}
	msg, err := s.cw.CreateMessage(ctx, id, chatwoot.NewMessage{Content: d.OutgoingText(), Private: d.Kind == KindNote,
		ContentAttributes: map[string]any{conversation.RefAttribute: d.Ref()}})
	if err != nil {
		return outcome{}, err
	}
	return outcome{state: StateSent, messageID: msg.ID, reason: "sent to Chatwoot"}, nil
}

// recheck re-reads the conversation in Chatwoot just before posting. It
// decides instead of sending when the message is there already (an earlier
// attempt's answer was lost), when the customer wrote again or the
// conversation was resolved (back for review), or when someone else
// answered (expired).
func (s *Sender) recheck(ctx context.Context, d Draft, displayID int64) (outcome, bool, error) {
	msgs, err := s.cw.MessagesAfter(ctx, displayID, d.ContextMessageID)
	if err != nil {
		return outcome{}, false, err
	}
	for _, m := range msgs {
		if refOf(m) == d.Ref() {
			return outcome{state: StateSent, messageID: m.ID, adopted: true, reason: "already in Chatwoot from an earlier attempt; not sent again"}, true, nil
		}
	}
	if d.Kind != KindReply {
		return outcome{}, false, nil
	}
	for _, m := range msgs {
		switch {
		case m.Private:
		case m.Type == chatwoot.MessageIncoming:
			return outcome{state: StatePending, reason: "the customer wrote again before it was sent: review it against the new message"}, true, nil
		case m.Type == chatwoot.MessageOutgoing:
			return outcome{state: StateExpired, reason: "answered elsewhere before it was sent (" + answeredBy(m) + ")"}, true, nil
		}
	}
	c, err := s.cw.Conversation(ctx, displayID)
	if err != nil {
		return outcome{}, false, err
	}
	if c.Status == "resolved" {
		return outcome{state: StatePending, reason: "the conversation was resolved in Chatwoot before it was sent: review whether to reopen it"}, true, nil
	}
	return outcome{}, false, nil
}

func refOf(m chatwoot.Message) string {
	if len(m.ContentAttributes) == 0 {
		return ""
	}
	var attrs map[string]any
	if json.Unmarshal(m.ContentAttributes, &attrs) != nil {
		return ""
	}
	ref, _ := attrs[conversation.RefAttribute].(string)
	return ref
}

func answeredBy(m chatwoot.Message) string {
	if ref := refOf(m); ref != "" {
		return "by HotDash " + ref
	}
	if m.Sender.Name != "" {
		return "by " + m.Sender.Name
	}
	return fmt.Sprintf("message %d", m.ID)
}

// errNotConfigured: there is no Chatwoot to send to.
var errNotConfigured = errors.New("chatwoot is not configured: set CHATWOOT_BASE_URL, CHATWOOT_API_TOKEN and CHATWOOT_ACCOUNT_ID")

// retryable reports whether another attempt could succeed: network
// errors, timeouts, 408, 429 and 5xx. Chatwoot refusing the message (other
// 4xx) will refuse it again.
func retryable(err error) bool {
	if errors.Is(err, errNotConfigured) {
		return false
	}
	var api *chatwoot.APIError
	if errors.As(err, &api) {
		return api.Status == http.StatusRequestTimeout || api.Status == http.StatusTooManyRequests || api.Status >= 500
	}
	return true
}
