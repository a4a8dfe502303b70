package center

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // time zones by IANA name, whatever the host has installed

	"github.com/hotdash/hotdash/internal/store"
	"github.com/hotdash/hotdash/internal/validation"
)

// Prefs are one person's notification preferences.
type Prefs struct {
	// Disabled lists the kinds the person does not want. Kinds HotDash
	// adds later reach them until they turn those off too.
	Disabled []Kind
	// QuietStart and QuietEnd are times of day, "HH:MM" in TimeZone; both
	// "" means no quiet hours. They may span midnight (22:00 to 07:00).
	// The start is quiet, the end is not.
	QuietStart string
	QuietEnd   string
	// TimeZone is an IANA time zone name ("Europe/Berlin").
	TimeZone string
	// UpdatedAt is when they were saved (zero: never, these are the
	// defaults).
	UpdatedAt time.Time
}

// DefaultPrefs are the preferences of someone who never saved any: every
// kind, no quiet hours.
func DefaultPrefs() Prefs { return Prefs{TimeZone: "UTC"} }

// Enabled reports whether the person wants notifications of kind k.
func (p Prefs) Enabled(k Kind) bool { return !slices.Contains(p.Disabled, k) }

// HasQuietHours reports whether quiet hours are set.
func (p Prefs) HasQuietHours() bool { return p.QuietStart != "" && p.QuietEnd != "" }

// Location is the preferences' time zone (UTC when it is not one).
func (p Prefs) Location() *time.Location {
	loc, err := loadZone(p.TimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// QuietUntil returns the end of the quiet hours that t falls in, or the
// zero time when t is outside quiet hours (or there are none).
func (p Prefs) QuietUntil(t time.Time) time.Time { return quietUntil(p, p.Location(), t) }

// quietUntil is QuietUntil in a time zone already loaded. Quiet hours are
// wall-clock times: on a day that gains or loses an hour they are an hour
// longer or shorter.
func quietUntil(p Prefs, loc *time.Location, t time.Time) time.Time {
	start, okStart := parseClock(p.QuietStart)
	end, okEnd := parseClock(p.QuietEnd)
	if !okStart || !okEnd || start == end {
		return time.Time{}
	}
	local := t.In(loc)
	y, m, d := local.Date()
	at := func(days, minutes int) time.Time {
		return time.Date(y, m, d+days, minutes/60, minutes%60, 0, 0, loc)
	}
	switch {
	case start < end: // within one day: 13:00–14:00
		if !local.Before(at(0, start)) && local.Before(at(0, end)) {
			return at(0, end).UTC()
		}
	case !local.Before(at(0, start)): // across midnight, evening part: 22:00–24:00
		return at(1, end).UTC()
	case local.Before(at(0, end)): // across midnight, morning part: 00:00–07:00
		return at(0, end).UTC()
	}
	return time.Time{}
}

// parseClock reads "HH:MM" (or "H:MM") as minutes after midnight.
func parseClock(s string) (int, bool) {
	hh, mm, ok := strings.Cut(s, ":")
	if !ok || len(hh) < 1 || len(hh) > 2 || len(mm) != 2 {
		return 0, false
	}
	h, err1 := strconv.Atoi(hh)
	m, err2 := strconv.Atoi(mm)
	if err1 != nil || err2 != nil || h < 0 || h > 23 || m < 0 || m > 59 || strings.ContainsAny(s, "+- ") {
		return 0, false
	}
	return h*60 + m, true
}

// clockText writes minutes after midnight as "HH:MM".
func clockText(minutes int) string { return fmt.Sprintf("%02d:%02d", minutes/60, minutes%60) }

// loadZone loads an IANA time zone; "Local" (the server's zone, which
// says nothing about the person) is not one.
func loadZone(name string) (*time.Location, error) {
	if name == "" || name == "Local" {
		return nil, fmt.Errorf("time zone %q is not an IANA name", name)
	}
	return time.LoadLocation(name)
}

// Normalise checks p and returns it in its stored form: known kinds in
// Kinds order, times as "HH:MM", a time zone HotDash knows ("" is UTC).
// Its validation.Errors name the fields as the API spells them:
// disabled_kinds, quiet_start, quiet_end, time_zone.
func (p Prefs) Normalise() (Prefs, error) {
	errs := validation.Errors{}
	for _, k := range p.Disabled {
		if !k.Valid() {
			errs.Add("disabled_kinds", "%q is not a kind of notification (the kinds are %s)", k, kindList())
		}
	}
	var disabled []Kind
	for _, k := range Kinds() {
		if slices.Contains(p.Disabled, k) {
			disabled = append(disabled, k)
		}
	}
	p.Disabled = disabled
	p.QuietStart, p.QuietEnd = strings.TrimSpace(p.QuietStart), strings.TrimSpace(p.QuietEnd)
	start, okStart := parseClock(p.QuietStart)
	end, okEnd := parseClock(p.QuietEnd)
	switch {
	case p.QuietStart == "" && p.QuietEnd == "":
	case p.QuietStart == "":
		errs.Add("quiet_start", "is needed as well as the end; leave both empty for no quiet hours")
	case p.QuietEnd == "":
		errs.Add("quiet_end", "is needed as well as the start; leave both empty for no quiet hours")
	}
	if p.QuietStart != "" && !okStart {
		errs.Add("quiet_start", "must be a time of day written HH:MM, such as 22:00")
	}
	if p.QuietEnd != "" && !okEnd {
		errs.Add("quiet_end", "must be a time of day written HH:MM, such as 07:00")
	}
	if okStart && okEnd {
		if start == end {
			errs.Add("quiet_end", "must differ from the start; leave both empty for no quiet hours")
		}
		p.QuietStart, p.QuietEnd = clockText(start), clockText(end)
	}
	p.TimeZone = strings.TrimSpace(p.TimeZone)
	if p.TimeZone == "" {
		p.TimeZone = "UTC"
	}
	if _, err := loadZone(p.TimeZone); err != nil {
		errs.Add("time_zone", "is not a time zone HotDash knows: use an IANA name such as Europe/Berlin or America/New_York")
	}
	return p, errs.Err()
}

func kindList() string {
	names := make([]string, 0, len(Kinds()))
	for _, k := range Kinds() {
		names = append(names, string(k))
	}
	return strings.Join(names, ", ")
}

// prefsRow is a notification_prefs row as read, nullable because the
// audience query reads it through a LEFT JOIN.
type prefsRow struct {
	disabled, start, end, zone sql.NullString
	updated                    sql.NullTime
}

// prefsFrom turns a stored row into Prefs: the defaults when there is none.
func (c *Center) prefsFrom(userID int64, r prefsRow) Prefs {
	if !r.disabled.Valid {
		return DefaultPrefs()
	}
	p := Prefs{QuietStart: r.start.String, QuietEnd: r.end.String, TimeZone: r.zone.String, UpdatedAt: store.TimeOf(r.updated)}
	if err := json.Unmarshal([]byte(r.disabled.String), &p.Disabled); err != nil {
		c.logger.Warn("notification preferences unreadable; using every kind", "user_id", userID, "error", err)
		p.Disabled = nil
	}
	return p
}

// quietUntil is p.QuietUntil(now) with the time zone cached: a fan-out to
// many people in few zones loads each zone once.
func (c *Center) quietUntil(p Prefs, now time.Time) time.Time {
	if !p.HasQuietHours() {
		return time.Time{}
	}
	c.mu.Lock()
	loc, ok := c.zones[p.TimeZone]
	c.mu.Unlock()
	if !ok {
		var err error
		if loc, err = loadZone(p.TimeZone); err != nil {
			c.logger.Warn("notification quiet hours: unknown time zone; using UTC", "time_zone", p.TimeZone, "error", err)
			loc = time.UTC
		}
		c.mu.Lock()
		c.zones[p.TimeZone] = loc
		c.mu.Unlock()
	}
	return quietUntil(p, loc, now)
}

// Prefs returns a person's preferences (the defaults if they never saved
// any).
func (c *Center) Prefs(ctx context.Context, userID int64) (Prefs, error) {
	var r prefsRow
	err := c.db.Read.QueryRowContext(ctx, `
		SELECT disabled_kinds, quiet_start, quiet_end, time_zone, updated_at
		FROM notification_prefs WHERE user_id = $1`, userID).
		Scan(&r.disabled, &r.start, &r.end, &r.zone, &r.updated)
	if errors.Is(err, sql.ErrNoRows) {
		return DefaultPrefs(), nil
	}
	if err != nil {
		return Prefs{}, fmt.Errorf("read notification preferences of user %d: %w", userID, err)
	}
	return c.prefsFrom(userID, r), nil
}

// SetPrefs checks and saves a person's preferences and returns them as
// stored. Invalid preferences are a validation.Errors (see Normalise).
// Notifications held for quiet hours follow the new ones: they appear now
// when the person is no longer in quiet hours, or at the new end.
func (c *Center) SetPrefs(ctx context.Context, userID int64, p Prefs) (Prefs, error) {
	p, err := p.Normalise()
	if err != nil {
		return Prefs{}, err
	}
	now := c.clk.Now().UTC()
	p.UpdatedAt = now
	disabled := make([]string, 0, len(p.Disabled))
	for _, k := range p.Disabled {
		disabled = append(disabled, string(k))
	}
	kinds, err := json.Marshal(disabled)
	if err != nil {
		return Prefs{}, fmt.Errorf("encode disabled kinds: %w", err)
	}
	until := c.quietUntil(p, now)
	var moved int64
	err = c.db.InTx(ctx, func(tx *sql.Tx) error {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM users WHERE id = $1`, userID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("user %d: %w", userID, store.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("read user %d: %w", userID, err)
		}
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO notification_prefs (user_id, disabled_kinds, quiet_start, quiet_end, time_zone, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (user_id) DO UPDATE SET disabled_kinds = excluded.disabled_kinds,
				quiet_start = excluded.quiet_start, quiet_end = excluded.quiet_end,
				time_zone = excluded.time_zone, updated_at = excluded.updated_at`,
			userID, string(kinds), p.QuietStart, p.QuietEnd, p.TimeZone, now); err != nil {
			return fmt.Errorf("save notification preferences of user %d: %w", userID, err)
		}
		release := until
		if release.IsZero() {
			release = now
		}
		res, err := tx.ExecContext(ctx, `UPDATE notifications SET held_until = $1 WHERE user_id = $2 AND held_until > $3`,
			release, userID, now)
		if err != nil {
			return fmt.Errorf("move held notifications of user %d: %w", userID, err)
		}
		moved, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return Prefs{}, err
	}
	switch {
	case moved > 0 && until.IsZero():
		c.publish([]int64{userID})
	case moved > 0:
		c.wakeRun()
	}
	return p, nil
}
