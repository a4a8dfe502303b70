package conversation

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hotdash/hotdash/internal/chatwoot"
	"github.com/hotdash/hotdash/internal/clock"
	"github.com/hotdash/hotdash/internal/decisionlog"
	"github.com/hotdash/hotdash/internal/store"
	"github.com/hotdash/hotdash/internal/validation"
)

// The actions an operator can take on a conversation from HotDash.
const (
	ActResolve     = "resolve"
	ActReopen      = "reopen"
	ActSnooze      = "snooze"
	ActAssign      = "assign"
	ActPriority    = "priority"
	ActAddLabel    = "add_label"
	ActRemoveLabel = "remove_label"
	// ActEscalate adds the "escalation" label, which the CX Escalations
	// tile and Chatwoot automations watch.
	ActEscalate = "escalate"
)

// EscalationLabel is the label ActEscalate adds.
const EscalationLabel = "escalation"

// ActionKinds lists every action kind.
func ActionKinds() []string {
	return []string{ActResolve, ActReopen, ActSnooze, ActAssign, ActPriority, ActAddLabel, ActRemoveLabel, ActEscalate}
}

// The states of an action.
const (
	// ActionDryRun: recorded but not sent (Chatwoot dry run).
	ActionDryRun = "dry_run"
	// ActionSent: Chatwoot accepted it; waiting for its webhook.
	ActionSent = "sent"
	// ActionConfirmed: a webhook showed the change.
	ActionConfirmed = "confirmed"
	// ActionFailed: Chatwoot refused it or could not be reached.
	ActionFailed = "failed"
)

// ActionRequest is what an operator asks for.
type ActionRequest struct {
	ConversationID int64
	Kind           string
	SnoozeUntil    time.Time // snooze; zero: until the customer replies
	AssigneeID     int64     // assign
	TeamID         int64     // assign
	Priority       string    // priority: urgent, high, medium, low or "" to clear
	Label          string    // add_label, remove_label
	// Actor is who asked (recorded_by of the Decision Log entry).
	Actor string
	// Note says why; it becomes the decision's rationale.
	Note string
}

// Action is a recorded action.
type Action struct {
	ID             int64
	ConversationID int64
	Kind           string
	Params         map[string]any
	Actor          string
	State          string
	Detail         string
	DecisionID     int64
	RequestedAt    time.Time
	SentAt         time.Time
	ConfirmedAt    time.Time
}

// ChatwootActions is the part of Chatwoot's API actions use.
type ChatwootActions interface {
	ToggleStatus(ctx context.Context, displayID int64, status string, snoozedUntil time.Time) (string, error)
	TogglePriority(ctx context.Context, displayID int64, priority string) error
	Assign(ctx context.Context, displayID int64, a chatwoot.Assignment) error
	AddLabels(ctx context.Context, displayID int64, labels ...string) ([]string, error)
	RemoveLabels(ctx context.Context, displayID int64, labels ...string) ([]string, error)
}

// Actions carries operators' actions to Chatwoot and records them.
type Actions struct {
	db        *store.DB
	queue     *Queue
	chatwoot  ChatwootActions
	decisions *decisionlog.Log
	clock     clock.Clock
	dryRun    bool
	logger    *slog.Logger
}

// NewActions returns Actions. chatwoot may be nil when Chatwoot is not
// configured: then every action is refused. With dryRun, actions are
// recorded (and logged as decisions) but nothing is sent.
func NewActions(db *store.DB, queue *Queue, cw ChatwootActions, decisions *decisionlog.Log, clk clock.Clock, dryRun bool, logger *slog.Logger) *Actions {
	return &Actions{db: db, queue: queue, chatwoot: cw, decisions: decisions, clock: clk, dryRun: dryRun, logger: logger}
}

// DryRun reports whether actions are only recorded.
func (a *Actions) DryRun() bool { return a.dryRun }

// ErrChatwootNotConfigured is returned when there is no Chatwoot to act on.
var ErrChatwootNotConfigured = errors.New("chatwoot is not configured: set CHATWOOT_BASE_URL, CHATWOOT_API_TOKEN and CHATWOOT_ACCOUNT_ID")

// Do carries out req: it records the action, sends it to Chatwoot (unless
// dry run), logs a decision with the actor, and returns the action. A
// Chatwoot failure is recorded on the action (state failed) and returned.
func (a *Actions) Do(ctx context.Context, req ActionRequest) (Action, error) {
	params, err := validateAction(req, a.clock.Now())
	if err != nil {
		return Action{}, err
	}
	if a.chatwoot == nil && !a.dryRun {
		return Action{}, ErrChatwootNotConfigured
	}
	c, err := a.queue.Get(ctx, req.ConversationID)
	if err != nil {
		return Action{}, err
	}
	if c.Source != SourceChatwoot {
		return Action{}, validation.Errors{"conversation": "only Chatwoot conversations can be changed from HotDash"}
	}
	act := Action{ConversationID: c.ID, Kind: req.Kind, Params: params, Actor: req.Actor, RequestedAt: a.clock.Now().UTC().Truncate(time.Microsecond)}
	if err := a.insert(ctx, &act); err != nil {
		return act, err
	}
	sendErr := a.send(ctx, c, req, &act)
	if err := a.logDecision(ctx, c, req, &act); err != nil {
		a.logger.Error("record conversation action in the decision log", "action_id", act.ID, "error", err)
	}
	if err := a.update(ctx, &act); err != nil {
		return act, errors.Join(sendErr, err)
	}
	return act, sendErr
}

func validateAction(req ActionRequest, now time.Time) (map[string]any, error) {
	errs := validation.Errors{}
	errs.OneOf("kind", req.Kind, ActionKinds()...)
	errs.MaxLen("note", req.Note, 2000)
	params := map[string]any{}
	switch req.Kind {
	case ActSnooze:
		if !req.SnoozeUntil.IsZero() {
			if !req.SnoozeUntil.After(now) {
				errs.Add("snooze_until", "must be in the future")
			}
			params["snooze_until"] = req.SnoozeUntil.UTC().Format(time.RFC3339)
		}
	case ActAssign:
		if req.AssigneeID <= 0 && req.TeamID <= 0 {
			errs.Add("assignee_id", "give an agent id, a team id, or both")
		}
		params["assignee_id"], params["team_id"] = req.AssigneeID, req.TeamID
	case ActPriority:
		if req.Priority != "" {
			errs.OneOf("priority", req.Priority, "urgent", "high", "medium", "low")
		}
		params["priority"] = req.Priority
	case ActAddLabel, ActRemoveLabel:
		l := strings.TrimSpace(req.Label)
		switch {
		case l == "":
			errs.Add("label", "is required")
		case len(l) > 100 || strings.ContainsAny(l, " ,\t\r\n"):
			errs.Add("label", "must be one word of at most 100 characters (letters, digits, - and _)")
		}
		params["label"] = l
	case ActEscalate:
		params["label"] = EscalationLabel
	}
	return params, errs.Err()
}

// send carries the action to Chatwoot, or records it as a dry run.
func (a *Actions) send(ctx context.Context, c Conversation, req ActionRequest, act *Action) error {
	if a.dryRun {
		act.State, act.Detail = ActionDryRun, "dry run: recorded, not sent to Chatwoot"
		return nil
	}
	id := c.DisplayID
	var err error
	switch req.Kind {
	case ActResolve:
		_, err = a.chatwoot.ToggleStatus(ctx, id, "resolved", time.Time{})
	case ActReopen:
		_, err = a.chatwoot.ToggleStatus(ctx, id, "open", time.Time{})
	case ActSnooze:
		_, err = a.chatwoot.ToggleStatus(ctx, id, "snoozed", req.SnoozeUntil)
	case ActAssign:
		err = a.chatwoot.Assign(ctx, id, chatwoot.Assignment{AssigneeID: req.AssigneeID, TeamID: req.TeamID})
	case ActPriority:
		err = a.chatwoot.TogglePriority(ctx, id, req.Priority)
	case ActAddLabel:
		_, err = a.chatwoot.AddLabels(ctx, id, strings.TrimSpace(req.Label))
	case ActRemoveLabel:
		_, err = a.chatwoot.RemoveLabels(ctx, id, strings.TrimSpace(req.Label))
	case ActEscalate:
		_, err = a.chatwoot.AddLabels(ctx, id, EscalationLabel)
	}
	act.SentAt = a.clock.Now().UTC().Truncate(time.Microsecond)
	if err != nil {
		act.State, act.Detail = ActionFailed, "Chatwoot refused or could not be reached: "+err.Error()
		return fmt.Errorf("%s conversation #%d in chatwoot: %w", req.Kind, id, err)
	}
	act.State, act.Detail = ActionSent, "sent; waiting for Chatwoot's webhook to confirm"
	return nil
}

func (a *Actions) logDecision(ctx context.Context, c Conversation, req ActionRequest, act *Action) error {
	if a.decisions == nil {
		return nil
	}
	payload, err := json.Marshal(map[string]any{"kind": act.Kind, "params": act.Params, "state": act.State, "action_id": act.ID})
	if err != nil {
		return err
	}
	rationale := strings.TrimSpace(req.Note)
	if rationale == "" {
		rationale = fmt.Sprintf("%s on conversation #%d from HotDash", strings.ReplaceAll(req.Kind, "_", " "), c.DisplayID)
	}
	status := "completed"
	if act.State == ActionFailed {
		status = "blocked"
	}
	e, _, err := a.decisions.Append(ctx, decisionlog.Draft{
		Scope: decisionlog.ScopeOps, Actor: req.Actor, Action: "chatwoot." + act.Kind, Rationale: rationale,
		Status: status, ConversationRef: ConversationRef(c), Payload: payload, RecordedBy: req.Actor,
		IdempotencyKey: "conversation-action:" + strconv.FormatInt(act.ID, 10),
	})
	if err != nil {
		return err
	}
	act.DecisionID = e.ID
	return nil
}

// ConversationRef is how decisions refer to a conversation:
// chatwoot:<account>:<display id>.
func ConversationRef(c Conversation) string {
	return c.Source + ":" + strconv.FormatInt(c.AccountID, 10) + ":" + strconv.FormatInt(c.DisplayID, 10)
}

func (a *Actions) insert(ctx context.Context, act *Action) error {
	params, err := json.Marshal(act.Params)
	if err != nil {
		return fmt.Errorf("encode action: %w", err)
	}
	err = a.db.Write.QueryRowContext(ctx, `INSERT INTO conversation_actions (conversation_id, kind, params, actor, state, detail, requested_at)
		VALUES ($1, $2, $3, $4, 'requested', '', $5) RETURNING id`, act.ConversationID, act.Kind, string(params), act.Actor, act.RequestedAt).Scan(&act.ID)
	if err != nil {
		return fmt.Errorf("record action: %w", err)
	}
	return nil
}

// update records the action's outcome. Chatwoot may deliver the webhook
// that shows a sent action before its outcome is recorded, and then the
// projector, seeing no sent action, confirmed nothing: so update reads the
// conversation (locking its row, which the projector also writes) and
// confirms the action itself when the change is already there.
func (a *Actions) update(ctx context.Context, act *Action) error {
	err := a.db.InTx(ctx, func(tx *sql.Tx) error {
		if act.State == ActionSent {
			var status, priority, labels string
			var assignee, team sql.NullInt64
			err := tx.QueryRowContext(ctx, qConversationNow+a.db.ForUpdate(), act.ConversationID).Scan(&status, &priority, &labels, &assignee, &team)
			if err != nil {
				return fmt.Errorf("read conversation %d: %w", act.ConversationID, err)
			}
			now := Conversation{Status: status, Priority: priority, Labels: parseLabels(labels), AssigneeID: assignee.Int64, TeamID: team.Int64}
			if shows(now, act.Kind, act.Params) {
				act.State, act.Detail, act.ConfirmedAt = ActionConfirmed, confirmedDetail, a.clock.Now().UTC().Truncate(time.Microsecond)
			}
		}
		_, err := tx.ExecContext(ctx, `UPDATE conversation_actions SET state = $2, detail = $3, decision_id = $4, sent_at = $5, confirmed_at = $6 WHERE id = $1`,
			act.ID, act.State, truncate(act.Detail, 1000), nullID(act.DecisionID), store.NullTime(act.SentAt), store.NullTime(act.ConfirmedAt))
		return err
	})
	if err != nil {
		return fmt.Errorf("record action outcome: %w", err)
	}
	return nil
}

// List returns a conversation's actions, newest first.
func (a *Actions) List(ctx context.Context, conversationID int64) ([]Action, error) {
	rows, err := a.db.Read.QueryContext(ctx, `SELECT id, conversation_id, kind, params, actor, state, detail, decision_id,
		requested_at, sent_at, confirmed_at FROM conversation_actions WHERE conversation_id = $1 ORDER BY id DESC LIMIT 100`, conversationID)
	if err != nil {
		return nil, fmt.Errorf("list actions: %w", err)
	}
	defer rows.Close()
	var out []Action
	for rows.Next() {
		var act Action
		var params string
		var decision sql.NullInt64
		var sent, confirmed sql.NullTime
		if err := rows.Scan(&act.ID, &act.ConversationID, &act.Kind, &params, &act.Actor, &act.State, &act.Detail, &decision,
			&act.RequestedAt, &sent, &confirmed); err != nil {
			return nil, fmt.Errorf("read action: %w", err)
		}
		_ = json.Unmarshal([]byte(params), &act.Params)
		act.DecisionID, act.RequestedAt = decision.Int64, act.RequestedAt.UTC()
		act.SentAt, act.ConfirmedAt = store.TimeOf(sent), store.TimeOf(confirmed)
		out = append(out, act)
	}
	return out, rows.Err()
}

const (
	qPendingActions  = `SELECT id, kind, params FROM conversation_actions WHERE conversation_id = $1 AND state = 'sent'`
	qConfirmAction   = `UPDATE conversation_actions SET state = 'confirmed', confirmed_at = $2, detail = $3 WHERE id = $1`
	qConversationNow = `SELECT status, priority, labels, assignee_id, team_id FROM conversations WHERE id = $1`
)

// confirmedDetail is a confirmed action's detail.
const confirmedDetail = "confirmed by Chatwoot's webhook"

// confirmActions marks the conversation's sent actions whose effect its
// current state shows (the webhook came back).
func (p *Projection) confirmActions(ctx context.Context, tx *sql.Tx, id int64, now time.Time) error {
	rows, err := p.stmts.In(ctx, tx, qPendingActions).QueryContext(ctx, id)
	if err != nil {
		return fmt.Errorf("read pending actions: %w", err)
	}
	type pending struct {
		id     int64
		kind   string
		params map[string]any
	}
	var acts []pending
	for rows.Next() {
		var pa pending
		var params string
		if err := rows.Scan(&pa.id, &pa.kind, &params); err != nil {
			rows.Close()
			return fmt.Errorf("read pending action: %w", err)
		}
		_ = json.Unmarshal([]byte(params), &pa.params)
		acts = append(acts, pa)
	}
	rows.Close()
	if len(acts) == 0 {
		return rows.Err()
	}
	var status, priority, labels string
	var assignee, team sql.NullInt64
	if err := p.stmts.In(ctx, tx, qConversationNow).QueryRowContext(ctx, id).Scan(&status, &priority, &labels, &assignee, &team); err != nil {
		return fmt.Errorf("read conversation %d: %w", id, err)
	}
	state := Conversation{Status: status, Priority: priority, Labels: parseLabels(labels), AssigneeID: assignee.Int64, TeamID: team.Int64}
	for _, pa := range acts {
		if !shows(state, pa.kind, pa.params) {
			continue
		}
		if _, err := p.stmts.In(ctx, tx, qConfirmAction).ExecContext(ctx, pa.id, now, confirmedDetail); err != nil {
			return fmt.Errorf("confirm action %d: %w", pa.id, err)
		}
	}
	return nil
}

// shows reports whether c's state reflects an action.
func shows(c Conversation, kind string, params map[string]any) bool {
	num := func(k string) int64 {
		switch v := params[k].(type) {
		case float64: // decoded from the stored JSON
			return int64(v)
		case int64: // as validateAction built it
			return v
		}
		return 0
	}
	str := func(k string) string {
		v, _ := params[k].(string)
		return v
	}
	switch kind {
	case ActResolve:
		return c.Status == "resolved"
	case ActReopen:
		return c.Status == "open"
	case ActSnooze:
		return c.Status == "snoozed"
	case ActAssign:
		return (num("assignee_id") == 0 || c.AssigneeID == num("assignee_id")) && (num("team_id") == 0 || c.TeamID == num("team_id"))
	case ActPriority:
		return c.Priority == str("priority")
	case ActAddLabel, ActEscalate:
		return slices.Contains(c.Labels, str("label"))
	case ActRemoveLabel:
		return !slices.Contains(c.Labels, str("label"))
	}
	return false
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}
