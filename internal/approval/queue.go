package approval

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hotdash/hotdash/internal/validation"
)

// Filter narrows the approvals queue.
type Filter struct {
	// State is one draft state; "" means pending_review.
	State string
	// Risk is one risk level, or "" for all.
	Risk string
	// ConversationID keeps one conversation's drafts.
	ConversationID int64
}

// Item is a draft as the queue lists it, with its conversation.
type Item struct {
	Draft
	ConversationDisplayID int64  `json:"conversation_display_id"`
	ContactName           string `json:"contact_name"`
	Channel               string `json:"channel"`
	SLABand               string `json:"sla_band"`
}

// Page sizes.
const (
	DefaultLimit = 50
	MaxLimit     = 200
)

// worked reports whether drafts in state s are worked in queue order
// (risk, then deadline); the rest are history, newest first.
func worked(s string) bool {
	return s == StatePending || s == StateChangesRequested || s == StateApproved || s == StateSendFailed
}

// List returns up to limit drafts after cursor and the cursor of the next
// page ("" at the end). Drafts waiting on someone come high risk first,
// then by their conversation's SLA deadline; finished ones newest first.
func (s *Service) List(ctx context.Context, f Filter, limit int, cursor string) ([]Item, string, error) {
	if f.State == "" {
		f.State = StatePending
	}
	errs := validation.Errors{}
	errs.OneOf("state", f.State, States()...)
	if f.Risk != "" {
		errs.OneOf("risk", f.Risk, Risks()...)
	}
	cur, ok := parseCursor(cursor)
	if !ok {
		errs.Add("cursor", "is not a cursor this API returned")
	}
	if err := errs.Err(); err != nil {
		return nil, "", err
	}
	if limit <= 0 || limit > MaxLimit {
		limit = DefaultLimit
	}
	where, args := []string{"d.state = $1"}, []any{f.State}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if f.Risk != "" {
		where = append(where, "d.risk_rank = "+arg(riskRank(f.Risk)))
	}
	if f.ConversationID > 0 {
		where = append(where, "d.conversation_id = "+arg(f.ConversationID))
	}
	order := "d.risk_rank, d.due_at, d.id"
	if worked(f.State) {
		if cur.set {
			where = append(where, fmt.Sprintf("(d.risk_rank, d.due_at, d.id) > (%s, %s, %s)", arg(cur.rank), arg(cur.due), arg(cur.id)))
		}
	} else {
		order = "d.id DESC"
		if cur.set {
			where = append(where, "d.id < "+arg(cur.id))
		}
	}
	// The page is chosen from drafts alone (on the queue index) before
	// joining conversations: joining first lets a planner sort every
	// waiting draft to keep fifty.
	q := `SELECT ` + draftColumns + `, c.display_id, c.contact_name, c.channel, c.sla_band FROM (SELECT * FROM drafts d WHERE ` +
		strings.Join(where, " AND ") + ` ORDER BY ` + order + ` LIMIT ` + arg(limit+1) + `) d
		JOIN conversations c ON c.id = d.conversation_id ORDER BY ` + order
	rows, err := s.DB.Read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, "", fmt.Errorf("list drafts: %w", err)
	}
	defer rows.Close()
	var out []Item
	for rows.Next() {
		var it Item
		d, err := scanDraft(rows, &it.ConversationDisplayID, &it.ContactName, &it.Channel, &it.SLABand)
		if err != nil {
			return nil, "", fmt.Errorf("read draft: %w", err)
		}
		it.Draft = d
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("list drafts: %w", err)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = makeCursor(out[limit-1].Draft)
	}
	return out, next, nil
}

type cursor struct {
	set  bool
	rank int
	due  time.Time
	id   int64
}

func makeCursor(d Draft) string {
	due := d.DueAt
	if due.IsZero() {
		due = noDeadline
	}
	return fmt.Sprintf("%d.%d.%d", riskRank(d.Risk), due.UnixMicro(), d.ID)
}

func parseCursor(s string) (cursor, bool) {
	if s == "" {
		return cursor{}, true
	}
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return cursor{}, false
	}
	rank, err1 := strconv.Atoi(parts[0])
	micros, err2 := strconv.ParseInt(parts[1], 10, 64)
	id, err3 := strconv.ParseInt(parts[2], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil || rank < 0 || rank > 2 || id <= 0 {
		return cursor{}, false
	}
	return cursor{set: true, rank: rank, due: time.UnixMicro(micros).UTC(), id: id}, true
}

// Counts are the queue's numbers for tiles and tabs.
type Counts struct {
	// Pending counts drafts waiting for review, by risk.
	Pending map[string]int `json:"pending"`
	// OldestPending is when the oldest draft waiting for review arrived,
	// by risk (absent when none waits).
	OldestPending map[string]time.Time `json:"oldest_pending"`
	// ByState counts drafts in each open state.
	ByState map[string]int `json:"by_state"`
}

// Total is the number of drafts waiting for review.
func (c Counts) Total() int {
	n := 0
	for _, v := range c.Pending {
		n += v
	}
	return n
}

// Oldest is when the oldest draft waiting for review arrived (zero: none).
func (c Counts) Oldest() time.Time {
	var t time.Time
	for _, v := range c.OldestPending {
		if t.IsZero() || v.Before(t) {
			t = v
		}
	}
	return t
}

// countsFresh is how long counted figures are served as they are; older
// ones are still served while one refresh runs in the background. Every
// change this process makes drops them, so the next reader counts afresh;
// another replica's changes show within about this long.
const countsFresh = time.Second

// countsCache keeps the last counts: every page and tile asks for them,
// and counting 100,000 waiting drafts takes tens of milliseconds.
type countsCache struct {
	mu  sync.Mutex
	val Counts
	// at is when val was counted (wall time: it measures the cache, not
	// the support floor); zero when dropped.
	at         time.Time
	refreshing bool
}

// get returns the cached counts, whether they are fresh, and whether
// there are any.
func (c *countsCache) get() (Counts, bool, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.at.IsZero() {
		return Counts{}, false, false
	}
	return c.val.clone(), time.Since(c.at) <= countsFresh, true
}

// startRefresh reports whether the caller should refresh (no one else is).
func (c *countsCache) startRefresh() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.refreshing {
		return false
	}
	c.refreshing = true
	return true
}

func (c *countsCache) put(v Counts, started time.Time, generation uint64, current func() uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.refreshing = false
	if generation == current() { // nothing changed while counting
		c.val, c.at = v.clone(), started
	}
}

func (c *countsCache) endRefresh() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.refreshing = false
}

func (c *countsCache) drop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at = time.Time{}
}

func (c Counts) clone() Counts {
	out := Counts{Pending: map[string]int{}, OldestPending: map[string]time.Time{}, ByState: map[string]int{}}
	for k, v := range c.Pending {
		out.Pending[k] = v
	}
	for k, v := range c.OldestPending {
		out.OldestPending[k] = v
	}
	for k, v := range c.ByState {
		out.ByState[k] = v
	}
	return out
}

// Counts counts the open drafts (served from a short cache). It reads
// only the queue index (the oldest draft is the lowest id).
func (s *Service) Counts(ctx context.Context) (Counts, error) {
	c, fresh, have := s.counts.get()
	switch {
	case have && fresh:
		return c, nil
	case have:
		if s.counts.startRefresh() {
			go s.refreshCounts()
		}
		return c, nil
	}
	return s.countAndKeep(ctx)
}

func (s *Service) countAndKeep(ctx context.Context) (Counts, error) {
	started, generation := time.Now(), s.generation.Load()
	c, err := s.count(ctx)
	if err == nil {
		s.counts.put(c, started, generation, s.generation.Load)
	}
	return c, err
}

// refreshCounts recounts in the background (one at a time).
func (s *Service) refreshCounts() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := s.countAndKeep(ctx); err != nil {
		s.counts.endRefresh()
		s.Logger.Warn("recount the approvals queue", "error", err)
	}
}

func (s *Service) count(ctx context.Context) (Counts, error) {
	c := Counts{Pending: map[string]int{}, OldestPending: map[string]time.Time{}, ByState: map[string]int{}}
	for _, r := range Risks() {
		c.Pending[r] = 0
	}
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT state, risk_rank, count(*), min(id) FROM drafts
		WHERE state IN ('pending_review', 'changes_requested', 'approved', 'send_failed') GROUP BY state, risk_rank`)
	if err != nil {
		return c, fmt.Errorf("count drafts: %w", err)
	}
	oldest := map[string]int64{}
	for rows.Next() {
		var state string
		var rank, n int
		var first int64
		if err := rows.Scan(&state, &rank, &n, &first); err != nil {
			rows.Close()
			return c, fmt.Errorf("count drafts: %w", err)
		}
		c.ByState[state] += n
		if state == StatePending {
			risk := Risks()[min(max(rank, 0), 2)]
			c.Pending[risk] = n
			oldest[risk] = first
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return c, fmt.Errorf("count drafts: %w", err)
	}
	for risk, id := range oldest {
		var at time.Time
		if err := s.DB.Read.QueryRowContext(ctx, `SELECT created_at FROM drafts WHERE id = $1`, id).Scan(&at); err != nil && err != sql.ErrNoRows {
			return c, fmt.Errorf("read oldest draft: %w", err)
		}
		if !at.IsZero() {
			c.OldestPending[risk] = at.UTC()
		}
	}
	return c, nil
}

// BulkItem names a draft and the version the reviewer saw.
type BulkItem struct {
	DraftID int64 `json:"id"`
	Version int   `json:"version"`
}

// BulkResult is what happened to each draft of a bulk approval.
type BulkResult struct {
	Approved []Draft           `json:"approved"`
	Failed   map[string]string `json:"failed"`
}

// BulkApprove approves low-risk drafts (notes and label changes) as they
// are. Other drafts are refused: they need a reviewer's grades each.
func (s *Service) BulkApprove(ctx context.Context, actor string, items []BulkItem) (BulkResult, error) {
	res := BulkResult{Approved: []Draft{}, Failed: map[string]string{}}
	if len(items) == 0 || len(items) > MaxLimit {
		return res, validation.Errors{"drafts": fmt.Sprintf("name from 1 to %d drafts", MaxLimit)}
	}
	for _, it := range items {
		key := strconv.FormatInt(it.DraftID, 10)
		d, err := s.Get(ctx, it.DraftID)
		if err != nil {
			res.Failed[key] = err.Error()
			continue
		}
		if d.Risk != RiskLow {
			res.Failed[key] = "bulk approval is for low-risk drafts only; this one is " + d.Risk + " risk"
			continue
		}
		d, err = s.Approve(ctx, Review{DraftID: it.DraftID, Version: it.Version, Actor: actor, Note: "bulk approval"})
		if err != nil {
			res.Failed[key] = err.Error()
			continue
		}
		res.Approved = append(res.Approved, d)
	}
	return res, nil
}

// Neighbours returns the drafts before and after d in its state's queue
// order (0 when there is none), for moving through the queue from one
// draft's page. d need no longer be in that state: after approving a
// draft, "next" is the one that followed it.
func (s *Service) Neighbours(ctx context.Context, d Draft, state string) (prev, next int64, err error) {
	if !worked(state) {
		return 0, 0, nil
	}
	due := d.DueAt
	if due.IsZero() {
		due = noDeadline
	}
	rank := riskRank(d.Risk)
	q := func(cmp, order string) (int64, error) {
		var id int64
		err := s.DB.Read.QueryRowContext(ctx, `SELECT id FROM drafts WHERE state = $1 AND (risk_rank, due_at, id) `+cmp+` ($2, $3, $4)
			ORDER BY risk_rank `+order+`, due_at `+order+`, id `+order+` LIMIT 1`, state, rank, due, d.ID).Scan(&id)
		if err == sql.ErrNoRows {
			return 0, nil
		}
		return id, err
	}
	if prev, err = q("<", "DESC"); err != nil {
		return 0, 0, fmt.Errorf("find the previous draft: %w", err)
	}
	if next, err = q(">", "ASC"); err != nil {
		return 0, 0, fmt.Errorf("find the next draft: %w", err)
	}
	return prev, next, nil
}
