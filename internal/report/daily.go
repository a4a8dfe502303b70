package report

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hotdash/hotdash/internal/decisionlog"
	"github.com/hotdash/hotdash/internal/validation"
)

// Daily is the daily summary of one calendar day in the shifts' zone,
// covering [From, To): the whole day, or up to the moment it was made
// when that was during the day.
type Daily struct {
	Date        string    `json:"date"`
	TimeZone    string    `json:"time_zone"`
	From        time.Time `json:"from"`
	To          time.Time `json:"to"`
	GeneratedAt time.Time `json:"generated_at"`
	// Channels are conversations in and resolved, by channel.
	Channels []ChannelVolume `json:"channels"`
	// SLA is compliance per clock and channel; SLATotal all of them.
	SLA      []SLACompliance `json:"sla"`
	SLATotal SLACompliance   `json:"sla_total"`
	Drafts   DraftFigures    `json:"drafts"`
	// Incidents opened by severity; Escalations reached by level.
	Incidents   []Count `json:"incidents"`
	Escalations []Count `json:"escalations"`
	// FollowUps are the Decision Log's open next actions, due first.
	FollowUps []FollowUp `json:"follow_ups"`
	// DecisionID is the Decision Log entry the summary was saved as (0:
	// not saved).
	DecisionID int64 `json:"decision_id,omitempty"`
}

// ChannelVolume is one channel's conversations.
type ChannelVolume struct {
	Channel  string `json:"channel"`
	In       int    `json:"in"`
	Resolved int    `json:"resolved"`
}

// SLACompliance counts SLA clock cycles met and missed (breached).
type SLACompliance struct {
	Clock   string `json:"clock,omitempty"`
	Channel string `json:"channel,omitempty"`
	Met     int    `json:"met"`
	Missed  int    `json:"missed"`
}

// Percent is the share met, rounded down; ok is false when none ended.
func (c SLACompliance) Percent() (int, bool) {
	if c.Met+c.Missed == 0 {
		return 0, false
	}
	return c.Met * 100 / (c.Met + c.Missed), true
}

// PercentText is Percent as "93 %", or "—".
func (c SLACompliance) PercentText() string {
	p, ok := c.Percent()
	if !ok {
		return "—"
	}
	return strconv.Itoa(p) + " %"
}

// DraftFigures are the drafts reviewed and the grades of the approved
// customer replies among them.
type DraftFigures struct {
	Reviewed int     `json:"reviewed"`
	Graded   int     `json:"graded"`
	Tone     float64 `json:"tone"`
	Accuracy float64 `json:"accuracy"`
	Policy   float64 `json:"policy"`
	// UneditedShare (0–1) of graded replies sent as drafted.
	UneditedShare float64 `json:"unedited_share"`
}

// Count is a count under a key (a severity, a level).
type Count struct {
	Key string `json:"key"`
	N   int    `json:"n"`
}

// FollowUp is an open next action of the Decision Log.
type FollowUp struct {
	DecisionID int64     `json:"decision_id"`
	Action     string    `json:"action"`
	NextAction string    `json:"next_action"`
	Owner      string    `json:"owner,omitempty"`
	Due        time.Time `json:"due,omitzero"`
	// CustomerPromise marks a promise made to a customer (the entry's
	// payload says "customer_promise": true).
	CustomerPromise bool `json:"customer_promise,omitempty"`
	Overdue         bool `json:"overdue,omitempty"`
}

// DailyAction is the Decision Log action of a saved daily summary.
const DailyAction = "daily_summary"

// maxFollowUps bounds the follow-ups a report lists.
const maxFollowUps = 100

// Daily computes the summary of date ("2006-01-02"; "" for today).
func (s *Service) Daily(ctx context.Context, date string) (Daily, error) {
	if date == "" {
		date = s.Today()
	}
	from, to, err := s.DayBounds(date)
	if err != nil {
		return Daily{}, validation.Errors{"date": "must be a date such as 2026-11-30"}
	}
	now := s.now()
	if !from.Before(now) {
		return Daily{}, validation.Errors{"date": "must be today or earlier"}
	}
	to = minTime(to, now)
	d := Daily{Date: date, TimeZone: s.Location().String(), From: from, To: to, GeneratedAt: now}
	steps := []func(context.Context, *Daily) error{s.volume, s.compliance, s.drafts, s.incidents}
	for _, step := range steps {
		if err := step(ctx, &d); err != nil {
			return Daily{}, err
		}
	}
	if d.FollowUps, err = s.followUps(ctx, now); err != nil {
		return Daily{}, err
	}
	d.DecisionID, err = s.savedDaily(ctx, date)
	return d, err
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// volume counts conversations created and resolved, by channel.
func (s *Service) volume(ctx context.Context, d *Daily) error {
	by := map[string]*ChannelVolume{}
	get := func(ch string) *ChannelVolume {
		if by[ch] == nil {
			by[ch] = &ChannelVolume{Channel: ch}
		}
		return by[ch]
	}
	err := s.each(ctx, `SELECT channel, count(*) FROM conversations WHERE created_at >= $1 AND created_at < $2 GROUP BY channel`,
		[]any{d.From, d.To}, func(sc scanner) error {
			var ch string
			var n int
			err := sc.Scan(&ch, &n)
			get(ch).In = n
			return err
		})
	if err != nil {
		return fmt.Errorf("count conversations in: %w", err)
	}
	err = s.each(ctx, `SELECT c.channel, count(DISTINCT s.conversation_id) FROM conversation_statuses s
		JOIN conversations c ON c.id = s.conversation_id
		WHERE s.status = 'resolved' AND s.at >= $1 AND s.at < $2 GROUP BY c.channel`,
		[]any{d.From, d.To}, func(sc scanner) error {
			var ch string
			var n int
			err := sc.Scan(&ch, &n)
			get(ch).Resolved = n
			return err
		})
	if err != nil {
		return fmt.Errorf("count conversations resolved: %w", err)
	}
	d.Channels = make([]ChannelVolume, 0, len(by))
	for _, v := range by {
		d.Channels = append(d.Channels, *v)
	}
	slices.SortFunc(d.Channels, func(a, b ChannelVolume) int { return cmp.Compare(a.Channel, b.Channel) })
	return nil
}

// compliance counts SLA cycles met (sla_met) and missed (recorded
// breaches, each conversation, clock and deadline once) by clock and
// channel.
func (s *Service) compliance(ctx context.Context, d *Daily) error {
	rows, err := s.slaRows(ctx, d.From, d.To)
	if err != nil {
		return err
	}
	d.SLA = rows
	for _, r := range rows {
		d.SLATotal.Met += r.Met
		d.SLATotal.Missed += r.Missed
	}
	return nil
}

func (s *Service) slaRows(ctx context.Context, from, to time.Time) ([]SLACompliance, error) {
	by := map[[2]string]*SLACompliance{}
	get := func(clock, ch string) *SLACompliance {
		k := [2]string{clock, ch}
		if by[k] == nil {
			by[k] = &SLACompliance{Clock: clock, Channel: ch}
		}
		return by[k]
	}
	err := s.each(ctx, `SELECT m.clock, c.channel, count(*) FROM sla_met m JOIN conversations c ON c.id = m.conversation_id
		WHERE m.met_at >= $1 AND m.met_at < $2 GROUP BY m.clock, c.channel`, []any{from, to}, func(sc scanner) error {
		var clock, ch string
		var n int
		err := sc.Scan(&clock, &ch, &n)
		get(clock, ch).Met = n
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("count met SLA clocks: %w", err)
	}
	err = s.each(ctx, `SELECT b.clock, c.channel, count(*) FROM (SELECT DISTINCT conversation_id, clock, due_at FROM sla_events
		WHERE band_to = 'breached' AND at >= $1 AND at < $2) b JOIN conversations c ON c.id = b.conversation_id
		GROUP BY b.clock, c.channel`, []any{from, to}, func(sc scanner) error {
		var clock, ch string
		var n int
		err := sc.Scan(&clock, &ch, &n)
		get(clock, ch).Missed = n
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("count SLA breaches: %w", err)
	}
	out := make([]SLACompliance, 0, len(by))
	for _, v := range by {
		out = append(out, *v)
	}
	slices.SortFunc(out, func(a, b SLACompliance) int {
		return cmp.Or(cmp.Compare(clockOrder(a.Clock), clockOrder(b.Clock)), cmp.Compare(a.Clock, b.Clock), cmp.Compare(a.Channel, b.Channel))
	})
	return out, nil
}

// clockOrder lists the SLA clocks as PRODUCT.md does.
func clockOrder(c string) int {
	switch c {
	case "first_response":
		return 0
	case "next_response":
		return 1
	case "resolution":
		return 2
	}
	return 3
}

// gradedWhere selects graded customer replies reviewed in [$1, $2), as the
// grading panel counts them.
const gradedWhere = `kind = 'reply' AND state IN ('approved', 'sent', 'send_failed')
	AND grade_tone IS NOT NULL AND grade_accuracy IS NOT NULL AND grade_policy IS NOT NULL
	AND edit_distance IS NOT NULL AND reviewed_at >= $1 AND reviewed_at < $2`

func (s *Service) drafts(ctx context.Context, d *Daily) error {
	f := &d.Drafts
	err := s.DB.Read.QueryRowContext(ctx, `SELECT count(*) FROM drafts WHERE reviewed_at >= $1 AND reviewed_at < $2`,
		d.From, d.To).Scan(&f.Reviewed)
	if err != nil {
		return fmt.Errorf("count reviewed drafts: %w", err)
	}
	var tone, acc, pol, unedited int64
	err = s.DB.Read.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(grade_tone), 0), coalesce(sum(grade_accuracy), 0),
		coalesce(sum(grade_policy), 0), coalesce(sum(CASE WHEN edit_distance = 0 THEN 1 ELSE 0 END), 0)
		FROM drafts WHERE `+gradedWhere, d.From, d.To).Scan(&f.Graded, &tone, &acc, &pol, &unedited)
	if err != nil {
		return fmt.Errorf("sum grades: %w", err)
	}
	if f.Graded > 0 {
		n := float64(f.Graded)
		f.Tone, f.Accuracy, f.Policy = float64(tone)/n, float64(acc)/n, float64(pol)/n
		f.UneditedShare = float64(unedited) / n
	}
	return nil
}

func (s *Service) incidents(ctx context.Context, d *Daily) error {
	var err error
	d.Incidents, err = s.counts(ctx, `SELECT severity, count(*) FROM incidents WHERE created_at >= $1 AND created_at < $2 GROUP BY severity`, d.From, d.To)
	if err != nil {
		return fmt.Errorf("count incidents: %w", err)
	}
	levels, err := s.counts(ctx, `SELECT CAST(level AS TEXT), count(*) FROM escalations WHERE created_at >= $1 AND created_at < $2 GROUP BY level`, d.From, d.To)
	if err != nil {
		return fmt.Errorf("count escalations: %w", err)
	}
	for i := range levels {
		levels[i].Key = "L" + levels[i].Key
	}
	d.Escalations = levels
	return nil
}

func (s *Service) counts(ctx context.Context, q string, args ...any) ([]Count, error) {
	out := []Count{}
	err := s.each(ctx, q, args, func(sc scanner) error {
		var c Count
		err := sc.Scan(&c.Key, &c.N)
		out = append(out, c)
		return err
	})
	slices.SortFunc(out, func(a, b Count) int { return cmp.Compare(a.Key, b.Key) })
	return out, err
}

// followUps lists the open next actions, due first.
func (s *Service) followUps(ctx context.Context, now time.Time) ([]FollowUp, error) {
	entries, err := s.Decisions.DueSoonest(ctx, maxFollowUps)
	if err != nil {
		return nil, err
	}
	out := make([]FollowUp, 0, len(entries))
	for _, e := range entries {
		out = append(out, FollowUp{DecisionID: e.ID, Action: e.Action, NextAction: e.NextAction, Owner: e.NextActionOwner,
			Due: e.NextActionDue, CustomerPromise: IsCustomerPromise(e),
			Overdue: !e.NextActionDue.IsZero() && e.NextActionDue.Before(now)})
	}
	return out, nil
}

// IsCustomerPromise reports whether an entry's next action is a promise
// made to a customer: its payload holds "customer_promise": true. The
// payload is part of the entry's hash, so the mark is as tamper-evident as
// the rest of the entry.
func IsCustomerPromise(e decisionlog.Entry) bool {
	if len(e.Payload) == 0 {
		return false
	}
	var p struct {
		CustomerPromise bool `json:"customer_promise"`
	}
	return json.Unmarshal(e.Payload, &p) == nil && p.CustomerPromise
}

type scanner interface{ Scan(dest ...any) error }

// each runs q and calls fn for every row.
func (s *Service) each(ctx context.Context, q string, args []any, fn func(scanner) error) error {
	rows, err := s.DB.Read.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// dailyKey is the idempotency key of date's summary: one entry per day.
func dailyKey(date string) string { return "report:daily:" + date }

// savedDaily returns the id of the newest saved summary of date (0: none).
func (s *Service) savedDaily(ctx context.Context, date string) (int64, error) {
	var id int64
	err := s.DB.Read.QueryRowContext(ctx, `SELECT max(id) FROM decisions WHERE idempotency_key = $1 OR idempotency_key LIKE $2`,
		dailyKey(date), dailyKey(date)+":%").Scan(&sqlNullInt{&id})
	if err != nil {
		return 0, fmt.Errorf("find the saved daily summary: %w", err)
	}
	return id, nil
}

// sqlNullInt scans a nullable integer into *p (0 for NULL).
type sqlNullInt struct{ p *int64 }

func (n *sqlNullInt) Scan(v any) error {
	var x sql.NullInt64
	if err := x.Scan(v); err != nil {
		return err
	}
	*n.p = x.Int64
	return nil
}

// SaveDaily computes date's summary and saves it to the Decision Log (scope
// build, actor support, the follow-ups as its next action). Saving is
// idempotent by date: when the day already has a summary, that entry is
// returned and nothing is appended, unless again is set, which appends a
// new summary correcting the previous one. created says whether an entry
// was appended.
func (s *Service) SaveDaily(ctx context.Context, date, by string, again bool) (Daily, bool, error) {
	d, err := s.Daily(ctx, date)
	if err != nil {
		return Daily{}, false, err
	}
	prev := d.DecisionID
	if prev != 0 && !again {
		return d, false, nil
	}
	draft := dailyDraft(d, by)
	if prev != 0 {
		draft.CorrectsID = prev
		draft.IdempotencyKey = dailyKey(d.Date) + ":" + strconv.FormatInt(d.GeneratedAt.UnixMicro(), 10)
	}
	e, created, err := s.Decisions.Append(ctx, draft)
	if err != nil {
		return Daily{}, false, err
	}
	d.DecisionID = e.ID
	return d, created, nil
}

func dailyDraft(d Daily, by string) decisionlog.Draft {
	saved := d
	saved.DecisionID = 0
	payload, _ := json.Marshal(saved)
	if len(payload) > decisionlog.MaxPayloadSize {
		saved.FollowUps = nil
		payload, _ = json.Marshal(saved)
	}
	draft := decisionlog.Draft{Scope: decisionlog.ScopeBuild, Actor: "support", Action: DailyAction,
		Rationale: dailyRationale(d), Evidence: []string{"/reports/daily?date=" + d.Date}, Payload: payload,
		RecordedBy: cmp.Or(by, "hotdash"), IdempotencyKey: dailyKey(d.Date)}
	if len(d.FollowUps) > 0 {
		draft.NextAction, draft.NextActionOwner, draft.NextActionDue = followUpAction(d.FollowUps)
	}
	return draft
}

// dailyRationale says the day's figures in a few lines.
func dailyRationale(d Daily) string {
	var in, resolved int
	for _, c := range d.Channels {
		in += c.In
		resolved += c.Resolved
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Daily summary for %s (%s): %d conversations in, %d resolved; SLA %s met (%d breached); ",
		d.Date, d.TimeZone, in, resolved, d.SLATotal.PercentText(), d.SLATotal.Missed)
	fmt.Fprintf(&b, "%d drafts reviewed", d.Drafts.Reviewed)
	if d.Drafts.Graded > 0 {
		fmt.Fprintf(&b, " (tone %.2f, accuracy %.2f, policy %.2f, %.0f %% unedited)", d.Drafts.Tone, d.Drafts.Accuracy, d.Drafts.Policy, d.Drafts.UneditedShare*100)
	}
	fmt.Fprintf(&b, "; %d incidents opened, %d escalations; %d open follow-ups.", sumCounts(d.Incidents), sumCounts(d.Escalations), len(d.FollowUps))
	return b.String()
}

func sumCounts(cs []Count) int {
	n := 0
	for _, c := range cs {
		n += c.N
	}
	return n
}

// followUpAction folds the follow-ups into one next action: each on a line
// (within the Decision Log's limit), owned by the owner of the one due
// first, due when it is.
func followUpAction(fs []FollowUp) (string, string, time.Time) {
	var b strings.Builder
	for i, f := range fs {
		line := fmt.Sprintf("#%d %s", f.DecisionID, f.NextAction)
		if f.Owner != "" {
			line += " (" + f.Owner + ")"
		}
		if !f.Due.IsZero() {
			line += " due " + f.Due.Format(time.RFC3339)
		}
		if f.CustomerPromise {
			line += " [customer promise]"
		}
		more := fmt.Sprintf("… and %d more", len(fs)-i)
		if b.Len()+len(line)+1 > decisionlog.MaxNextAction-len(more)-1 {
			b.WriteString(more)
			break
		}
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(line)
	}
	return b.String(), fs[0].Owner, fs[0].Due
}

// MarkCustomerPromise returns payload with "customer_promise": true set, so
// the entry's next action counts as a promise to a customer (an empty
// payload becomes just that). A payload that is not a JSON object is
// returned unchanged, for the Decision Log's own check to refuse.
func MarkCustomerPromise(payload json.RawMessage) json.RawMessage {
	m := map[string]json.RawMessage{}
	if len(strings.TrimSpace(string(payload))) > 0 {
		if err := json.Unmarshal(payload, &m); err != nil || m == nil {
			return payload
		}
	}
	m["customer_promise"] = json.RawMessage("true")
	out, _ := json.Marshal(m)
	return out
}
