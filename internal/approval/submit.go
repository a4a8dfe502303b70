package approval

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/hotdash/hotdash/internal/conversation"
	"github.com/hotdash/hotdash/internal/store"
	"github.com/hotdash/hotdash/internal/validation"
)

// Limits on what a draft may hold.
const (
	MaxText      = 8000
	MaxCitations = 20
	MaxLabels    = 20
)

// Submission is an agent's draft.
type Submission struct {
	// ConversationID is HotDash's id of the conversation; or give
	// ConversationDisplayID, Chatwoot's number for it.
	ConversationID        int64
	ConversationDisplayID int64
	Kind                  string
	Text                  string
	Labels                LabelChange
	Agent                 string
	Model                 string
	Confidence            *float64
	Citations             []Citation
	// IdempotencyKey makes a retried submission return the first draft.
	IdempotencyKey string
	// SubmittedBy is the authenticated token or user.
	SubmittedBy string
}

// ErrIdempotencyMismatch: the key was used for a different draft.
var ErrIdempotencyMismatch = errors.New("this Idempotency-Key was already used for a different draft")

// content is what a submission or revision proposes.
type content struct {
	Kind       string
	Text       string
	Labels     LabelChange
	Model      string
	Confidence *float64
	Citations  []Citation
}

func (c *content) validate(errs validation.Errors) {
	errs.OneOf("kind", c.Kind, Kinds()...)
	c.Text = strings.TrimSpace(c.Text)
	errs.MaxLen("text", c.Text, MaxText)
	errs.MaxLen("model", c.Model, 100)
	switch c.Kind {
	case KindReply, KindNote:
		errs.Required("text", c.Text)
		if len(c.Labels.Add)+len(c.Labels.Remove) > 0 {
			errs.Add("labels", "only a labels draft changes labels")
		}
	case KindLabels:
		c.Labels.Add, c.Labels.Remove = cleanLabels(c.Labels.Add, "labels.add", errs), cleanLabels(c.Labels.Remove, "labels.remove", errs)
		if len(c.Labels.Add)+len(c.Labels.Remove) == 0 {
			errs.Add("labels", "name at least one label to add or remove")
		}
	}
	if c.Confidence != nil && (*c.Confidence < 0 || *c.Confidence > 1) {
		errs.Add("confidence", "must be between 0 and 1")
	}
	if len(c.Citations) > MaxCitations {
		errs.Add("citations", "at most %d citations", MaxCitations)
	}
	for i, ct := range c.Citations {
		f := fmt.Sprintf("citations[%d]", i)
		errs.MaxLen(f+".title", ct.Title, 200)
		errs.MaxLen(f+".snippet", ct.Snippet, 2000)
		if ct.URL != "" {
			u, err := url.Parse(ct.URL)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(ct.URL) > 2048 {
				errs.Add(f+".url", "must be an http or https link of at most 2048 characters")
			}
		}
		if ct.Title == "" && ct.URL == "" && ct.Snippet == "" {
			errs.Add(f, "give a title, a url or a snippet")
		}
	}
	if c.Citations == nil {
		c.Citations = []Citation{}
	}
}

func cleanLabels(in []string, field string, errs validation.Errors) []string {
	var out []string
	for _, l := range in {
		l = strings.TrimSpace(l)
		if l == "" || len(l) > 100 || strings.ContainsAny(l, " ,\t\r\n") {
			errs.Add(field, "each label is one word of at most 100 characters")
			continue
		}
		out = append(out, l)
	}
	if len(out) > MaxLabels {
		errs.Add(field, "at most %d labels", MaxLabels)
	}
	return out
}

// Submit records a draft for review. It returns the draft and whether it
// was created: false when the same submitter already used the idempotency
// key for the same draft, which is returned instead.
func (s *Service) Submit(ctx context.Context, in Submission) (Draft, bool, error) {
	c := content{Kind: in.Kind, Text: in.Text, Labels: in.Labels, Model: in.Model, Confidence: in.Confidence, Citations: in.Citations}
	errs := validation.Errors{}
	c.validate(errs)
	errs.Required("agent", in.Agent)
	errs.MaxLen("agent", in.Agent, 100)
	errs.MaxLen("idempotency_key", in.IdempotencyKey, 200)
	if in.ConversationID <= 0 && in.ConversationDisplayID <= 0 {
		errs.Add("conversation_id", "give the conversation's id or its Chatwoot display id")
	}
	if err := errs.Err(); err != nil {
		return Draft{}, false, err
	}
	if in.IdempotencyKey != "" {
		if d, ok, err := s.byIdempotencyKey(ctx, in.SubmittedBy, in.IdempotencyKey); err != nil || ok {
			return sameSubmission(d, in, c, err)
		}
	}
	conv, err := s.conversation(ctx, in)
	if err != nil {
		return Draft{}, false, err
	}
	ctxInfo, err := s.context(ctx, conv)
	if err != nil {
		return Draft{}, false, err
	}
	now := s.now()
	d := Draft{ConversationID: conv.ID, Kind: c.Kind, State: StatePending, Version: 1, Revision: 1, Text: c.Text, Labels: c.Labels,
		Agent: strings.TrimSpace(in.Agent), Model: strings.TrimSpace(c.Model), Confidence: c.Confidence, Citations: c.Citations,
		IdempotencyKey: in.IdempotencyKey, SubmittedBy: in.SubmittedBy, ContextMessageID: ctxInfo.lastMessage,
		DueAt: conv.SLA.Due, CreatedAt: now, UpdatedAt: now}
	a := s.Rules.Assess(ctxInfo.subject(c))
	d.Risk, d.RiskReasons = a.Level, a.Reasons
	var after func()
	err = s.DB.InTx(ctx, func(tx *sql.Tx) error {
		if err := insertDraft(ctx, tx, &d); err != nil {
			return err
		}
		if err := record(ctx, tx, d.ID, now, in.SubmittedBy, "submitted", d.State, fmt.Sprintf("revision 1 by %s (%s), %s risk", d.Agent, orDash(d.Model), d.Risk)); err != nil {
			return err
		}
		after, err = s.alertHighRisk(ctx, tx, d)
		return err
	})
	if err != nil && in.IdempotencyKey != "" && s.DB.IsUniqueViolation(err) {
		existing, ok, err2 := s.byIdempotencyKey(ctx, in.SubmittedBy, in.IdempotencyKey)
		if err2 == nil && ok {
			return sameSubmission(existing, in, c, nil)
		}
	}
	if err != nil {
		return Draft{}, false, err
	}
	after()
	s.OnChange()
	return d, true, nil
}

// sameSubmission returns an earlier draft for a replayed key, unless the
// replay asks for something else.
func sameSubmission(d Draft, in Submission, c content, err error) (Draft, bool, error) {
	if err != nil {
		return Draft{}, false, err
	}
	sameConv := (in.ConversationID == 0 || in.ConversationID == d.ConversationID)
	if d.Kind != c.Kind || (d.Revision == 1 && d.Text != c.Text) || !sameConv {
		return d, false, ErrIdempotencyMismatch
	}
	return d, false, nil
}

func (s *Service) byIdempotencyKey(ctx context.Context, by, key string) (Draft, bool, error) {
	d, err := scanDraft(s.DB.Write.QueryRowContext(ctx, `SELECT `+draftColumns+` FROM drafts d WHERE d.submitted_by = $1 AND d.idempotency_key = $2`, by, key))
	if errors.Is(err, sql.ErrNoRows) {
		return d, false, nil
	}
	if err != nil {
		return d, false, fmt.Errorf("look up idempotency key: %w", err)
	}
	return d, true, nil
}

// conversation finds the submission's conversation.
func (s *Service) conversation(ctx context.Context, in Submission) (conversation.Conversation, error) {
	var c conversation.Conversation
	var err error
	if in.ConversationID > 0 {
		c, err = s.Conversations.Get(ctx, in.ConversationID)
	} else {
		c, err = s.Conversations.ByDisplayID(ctx, s.AccountID, in.ConversationDisplayID)
	}
	if errors.Is(err, store.ErrNotFound) {
		return c, ErrUnknownConversation
	}
	if err != nil {
		return c, err
	}
	if c.Status == "resolved" {
		return c, validation.Errors{"conversation_id": "the conversation is resolved: reopen it before drafting a reply"}
	}
	return c, nil
}

// convContext is what the rules and the sender need to know about the
// conversation when a draft arrives.
type convContext struct {
	conv         conversation.Conversation
	lastMessage  int64
	customerText string
}

func (s *Service) context(ctx context.Context, c conversation.Conversation) (convContext, error) {
	msgs, err := s.Conversations.Messages(ctx, c.ID, 20)
	if err != nil {
		return convContext{}, err
	}
	out := convContext{conv: c}
	var customer []string
	for _, m := range msgs {
		out.lastMessage = max(out.lastMessage, m.SourceID)
		if m.Kind == "incoming" && !m.Private {
			customer = append(customer, m.Content)
		}
	}
	if len(customer) > 3 {
		customer = customer[len(customer)-3:]
	}
	out.customerText = strings.Join(customer, "\n")
	return out, nil
}

func (cc convContext) subject(c content) Subject {
	return Subject{Kind: c.Kind, Text: c.Text, Confidence: c.Confidence, Labels: cc.conv.Labels,
		CustomerEmail: cc.conv.ContactEmail, CustomerPhone: cc.conv.ContactPhone, CustomerText: cc.customerText}
}

func insertDraft(ctx context.Context, tx *sql.Tx, d *Draft) error {
	due := d.DueAt
	if due.IsZero() {
		due = noDeadline
	}
	var idem sql.NullString
	if d.IdempotencyKey != "" {
		idem = sql.NullString{String: d.IdempotencyKey, Valid: true}
	}
	err := tx.QueryRowContext(ctx, `INSERT INTO drafts (conversation_id, kind, state, version, revision, text, final_text, labels, agent, model,
		confidence, citations, idempotency_key, submitted_by, risk, risk_rank, risk_reasons, context_message_id, due_at,
		reviewer, review_note, state_reason, created_at, updated_at, send_attempts, dry_run)
		VALUES ($1, $2, $3, $4, $5, $6, '', $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, '', '', '', $19, $19, 0, false) RETURNING id`,
		d.ConversationID, d.Kind, d.State, d.Version, d.Revision, d.Text, mustJSON(d.Labels), d.Agent, d.Model,
		nullFloat(d.Confidence), mustJSON(d.Citations), idem, d.SubmittedBy, d.Risk, riskRank(d.Risk), mustJSON(d.RiskReasons),
		d.ContextMessageID, due, d.CreatedAt).Scan(&d.ID)
	if err != nil {
		return fmt.Errorf("record draft: %w", err)
	}
	return nil
}

func nullFloat(f *float64) sql.NullFloat64 {
	if f == nil {
		return sql.NullFloat64{}
	}
	return sql.NullFloat64{Float64: *f, Valid: true}
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// Revision is an agent's new text for a draft that was sent back (or is
// still waiting for review).
type Revision struct {
	DraftID    int64
	Text       string
	Labels     LabelChange
	Model      string
	Confidence *float64
	Citations  []Citation
	By         string
}

// Revise replaces a draft's text with a new revision and puts it back in
// the queue. It applies to drafts pending review or with changes requested.
func (s *Service) Revise(ctx context.Context, r Revision) (Draft, error) {
	cur, err := s.Get(ctx, r.DraftID)
	if err != nil {
		return cur, err
	}
	if r.Model == "" {
		r.Model = cur.Model
	}
	c := content{Kind: cur.Kind, Text: r.Text, Labels: r.Labels, Model: r.Model, Confidence: r.Confidence, Citations: r.Citations}
	errs := validation.Errors{}
	c.validate(errs)
	if err := errs.Err(); err != nil {
		return cur, err
	}
	conv, err := s.Conversations.Get(ctx, cur.ConversationID)
	if err != nil {
		return cur, err
	}
	cc, err := s.context(ctx, conv)
	if err != nil {
		return cur, err
	}
	a := s.Rules.Assess(cc.subject(c))
	var d Draft
	after := func() {}
	err = s.DB.InTx(ctx, func(tx *sql.Tx) error {
		d, err = s.lock(ctx, tx, r.DraftID)
		if err != nil {
			return err
		}
		if d.State != StatePending && d.State != StateChangesRequested {
			return fmt.Errorf("%w: a draft that is %s cannot be revised", ErrWrongState, d.State)
		}
		now := s.now()
		d.Revision++
		d.Version++
		d.State, d.Text, d.Labels, d.Model, d.Confidence, d.Citations = StatePending, c.Text, c.Labels, c.Model, c.Confidence, c.Citations
		d.Risk, d.RiskReasons, d.ContextMessageID, d.UpdatedAt, d.StateReason = a.Level, a.Reasons, cc.lastMessage, now, ""
		_, err := tx.ExecContext(ctx, `UPDATE drafts SET state = $2, version = $3, revision = $4, text = $5, labels = $6, model = $7,
			confidence = $8, citations = $9, risk = $10, risk_rank = $11, risk_reasons = $12, context_message_id = $13,
			updated_at = $14, state_reason = '' WHERE id = $1`,
			d.ID, d.State, d.Version, d.Revision, d.Text, mustJSON(d.Labels), d.Model, nullFloat(d.Confidence), mustJSON(d.Citations),
			d.Risk, riskRank(d.Risk), mustJSON(d.RiskReasons), d.ContextMessageID, now)
		if err != nil {
			return fmt.Errorf("revise draft: %w", err)
		}
		if err := record(ctx, tx, d.ID, now, r.By, "revised", d.State, fmt.Sprintf("revision %d, %s risk", d.Revision, d.Risk)); err != nil {
			return err
		}
		after, err = s.alertHighRisk(ctx, tx, d)
		return err
	})
	if err != nil {
		return d, err
	}
	after()
	s.OnChange()
	return d, nil
}
