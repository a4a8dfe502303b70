package incident

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hotdash/hotdash/internal/store"
)

const incidentColumns = `id, severity, summary, description, status, channels, customers, customers_affected, legal_risk, owner, cause,
	conversation_id, level, acked_level, evidence_decision, evidence_link, comms_plan, evidence_missing, customer_update_at, version,
	created_by, created_at, updated_at, mitigated_at, resolved_at`

type scanner interface{ Scan(dest ...any) error }

func scanIncident(sc scanner) (Incident, error) {
	var i Incident
	var channels string
	var conv, decision sql.NullInt64
	var update, mitigated, resolved sql.NullTime
	err := sc.Scan(&i.ID, &i.Severity, &i.Summary, &i.Description, &i.Status, &channels, &i.Customers, &i.CustomersAffected, &i.LegalRisk,
		&i.Owner, &i.Cause, &conv, &i.Level, &i.AckedLevel, &decision, &i.EvidenceLink, &i.CommsPlan, &i.EvidenceMissing, &update, &i.Version,
		&i.CreatedBy, &i.CreatedAt, &i.UpdatedAt, &mitigated, &resolved)
	if err != nil {
		return i, err
	}
	_ = json.Unmarshal([]byte(channels), &i.Channels)
	i.ConversationID, i.EvidenceDecision = conv.Int64, decision.Int64
	i.CustomerUpdateAt, i.MitigatedAt, i.ResolvedAt = store.TimeOf(update), store.TimeOf(mitigated), store.TimeOf(resolved)
	i.CreatedAt, i.UpdatedAt = i.CreatedAt.UTC(), i.UpdatedAt.UTC()
	return i, nil
}

// Get returns an incident.
func (s *Service) Get(ctx context.Context, id int64) (Incident, error) {
	i, err := scanIncident(s.DB.Read.QueryRowContext(ctx, `SELECT `+incidentColumns+` FROM incidents WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return i, store.ErrNotFound
	}
	if err != nil {
		return i, fmt.Errorf("read incident %d: %w", id, err)
	}
	return i, nil
}

// lock reads an incident inside tx, row-locked until tx ends.
func (s *Service) lock(ctx context.Context, tx *sql.Tx, id int64) (Incident, error) {
	i, err := scanIncident(tx.QueryRowContext(ctx, `SELECT `+incidentColumns+` FROM incidents WHERE id = $1`+s.DB.ForUpdate(), id))
	if errors.Is(err, sql.ErrNoRows) {
		return i, store.ErrNotFound
	}
	if err != nil {
		return i, fmt.Errorf("read incident %d: %w", id, err)
	}
	return i, nil
}

func insertIncident(ctx context.Context, tx *sql.Tx, i *Incident) error {
	ch, err := json.Marshal(nonNil(i.Channels))
	if err != nil {
		return err
	}
	err = tx.QueryRowContext(ctx, `INSERT INTO incidents (severity, summary, description, status, channels, customers, customers_affected,
		legal_risk, owner, cause, conversation_id, level, acked_level, evidence_decision, evidence_link, comms_plan, evidence_missing,
		version, created_by, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 0, -1, $12, $13, $14, false, 1, $15, $16, $16) RETURNING id`,
		i.Severity, i.Summary, i.Description, i.Status, string(ch), i.Customers, i.CustomersAffected, i.LegalRisk, i.Owner, i.Cause,
		nullID(i.ConversationID), nullID(i.EvidenceDecision), i.EvidenceLink, i.CommsPlan, i.CreatedBy, i.CreatedAt).Scan(&i.ID)
	if err != nil {
		return fmt.Errorf("record incident: %w", err)
	}
	i.Version, i.AckedLevel = 1, -1
	return nil
}

// save writes an incident's changeable fields and bumps its version.
func (s *Service) save(ctx context.Context, tx *sql.Tx, i *Incident) error {
	ch, err := json.Marshal(nonNil(i.Channels))
	if err != nil {
		return err
	}
	i.Version++
	i.UpdatedAt = s.now()
	_, err = tx.ExecContext(ctx, `UPDATE incidents SET severity = $2, summary = $3, description = $4, status = $5, channels = $6,
		customers = $7, customers_affected = $8, legal_risk = $9, owner = $10, level = $11, acked_level = $12, evidence_decision = $13,
		evidence_link = $14, comms_plan = $15, evidence_missing = $16, customer_update_at = $17, version = $18, updated_at = $19,
		mitigated_at = $20, resolved_at = $21 WHERE id = $1`,
		i.ID, i.Severity, i.Summary, i.Description, i.Status, string(ch), i.Customers, i.CustomersAffected, i.LegalRisk, i.Owner,
		i.Level, i.AckedLevel, nullID(i.EvidenceDecision), i.EvidenceLink, i.CommsPlan, i.EvidenceMissing, store.NullTime(i.CustomerUpdateAt),
		i.Version, i.UpdatedAt, store.NullTime(i.MitigatedAt), store.NullTime(i.ResolvedAt))
	if err != nil {
		return fmt.Errorf("save incident %d: %w", i.ID, err)
	}
	return nil
}

// Filter narrows the incident list.
type Filter struct {
	// Status is one status, "active" (open or mitigated, the default) or
	// "all".
	Status   string
	Severity string
}

// List returns incidents, most severe and newest first (at most limit).
func (s *Service) List(ctx context.Context, f Filter, limit int) ([]Incident, error) {
	where, args := []string{"1 = 1"}, []any{}
	switch f.Status {
	case "", "active":
		where = append(where, "status <> 'resolved'")
	case "all":
	default:
		args = append(args, f.Status)
		where = append(where, fmt.Sprintf("status = $%d", len(args)))
	}
	if f.Severity != "" {
		args = append(args, f.Severity)
		where = append(where, fmt.Sprintf("severity = $%d", len(args)))
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	args = append(args, limit)
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT `+incidentColumns+` FROM incidents WHERE `+strings.Join(where, " AND ")+
		fmt.Sprintf(` ORDER BY CASE WHEN status = 'resolved' THEN 1 ELSE 0 END, severity, id DESC LIMIT $%d`, len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("list incidents: %w", err)
	}
	defer rows.Close()
	var out []Incident
	for rows.Next() {
		i, err := scanIncident(rows)
		if err != nil {
			return nil, fmt.Errorf("read incident: %w", err)
		}
		out = append(out, i)
	}
	return out, rows.Err()
}

// Escalations returns the levels an incident reached, lowest first.
func (s *Service) Escalations(ctx context.Context, id int64) ([]Escalation, error) {
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT id, incident_id, level, trigger, actor, evidence_missing, decision_id, created_at,
		acked_at, acked_by, notified FROM escalations WHERE incident_id = $1 ORDER BY level`, id)
	if err != nil {
		return nil, fmt.Errorf("list escalations: %w", err)
	}
	defer rows.Close()
	var out []Escalation
	for rows.Next() {
		var e Escalation
		var decision sql.NullInt64
		var acked sql.NullTime
		if err := rows.Scan(&e.ID, &e.IncidentID, &e.Level, &e.Trigger, &e.Actor, &e.EvidenceMissing, &decision, &e.CreatedAt,
			&acked, &e.AckedBy, &e.Notified); err != nil {
			return nil, fmt.Errorf("read escalation: %w", err)
		}
		e.DecisionID, e.AckedAt, e.CreatedAt = decision.Int64, store.TimeOf(acked), e.CreatedAt.UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}

// Timers returns an incident's ladder timers, soonest first.
func (s *Service) Timers(ctx context.Context, id int64) ([]Timer, error) {
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT kind, due_at, fired_at, outcome FROM incident_timers WHERE incident_id = $1 ORDER BY due_at, id`, id)
	if err != nil {
		return nil, fmt.Errorf("list timers: %w", err)
	}
	defer rows.Close()
	var out []Timer
	for rows.Next() {
		var t Timer
		var fired sql.NullTime
		if err := rows.Scan(&t.Kind, &t.DueAt, &fired, &t.Outcome); err != nil {
			return nil, fmt.Errorf("read timer: %w", err)
		}
		t.DueAt, t.FiredAt = t.DueAt.UTC(), store.TimeOf(fired)
		out = append(out, t)
	}
	return out, rows.Err()
}

// NextTimers returns, for each open incident with a pending timer, the
// soonest one (for lists and the dashboard tile).
func (s *Service) NextTimers(ctx context.Context) (map[int64]Timer, error) {
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT t.incident_id, t.kind, t.due_at, i.level, i.acked_level FROM incident_timers t
		JOIN incidents i ON i.id = t.incident_id WHERE t.fired_at IS NULL AND i.status <> 'resolved' ORDER BY t.due_at`)
	if err != nil {
		return nil, fmt.Errorf("list next timers: %w", err)
	}
	defer rows.Close()
	out := map[int64]Timer{}
	for rows.Next() {
		var id int64
		var t Timer
		var level, acked int
		if err := rows.Scan(&id, &t.Kind, &t.DueAt, &level, &acked); err != nil {
			return nil, fmt.Errorf("read timer: %w", err)
		}
		if _, seen := out[id]; !seen && stillApplies(t.Kind, level, acked) {
			t.DueAt = t.DueAt.UTC()
			out[id] = t
		}
	}
	return out, rows.Err()
}

// stillApplies reports whether a pending timer would still do something
// for an incident at level (acknowledged up to acked): a timer to L1 is
// moot once the incident is past it.
func stillApplies(kind string, level, acked int) bool {
	switch {
	case kind == timerS2L1:
		return level < 1
	case kind == timerS2L2:
		return level < 2
	case strings.HasPrefix(kind, timerRenotify):
		l, _ := strconv.Atoi(strings.TrimPrefix(kind, timerRenotify))
		return l == level && acked < level
	}
	return true
}

// schedule adds a timer (a repeat of the same kind and time is a no-op).
func schedule(ctx context.Context, tx *sql.Tx, incidentID int64, kind string, due time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO incident_timers (incident_id, kind, due_at, outcome) VALUES ($1, $2, $3, '')
		ON CONFLICT (incident_id, kind, due_at) DO NOTHING`, incidentID, kind, due.UTC().Truncate(time.Microsecond))
	if err != nil {
		return fmt.Errorf("schedule %s: %w", kind, err)
	}
	return nil
}

func nullID(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
