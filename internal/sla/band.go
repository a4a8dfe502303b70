package sla

import (
	"errors"
	"fmt"
	"time"
)

// Band says how close a deadline is. Bands order by severity, so they
// compare with < and >: BandOK < BandWarning < BandUrgent < BandBreached.
type Band int

// The bands, least severe first.
const (
	BandOK       Band = iota // more than Bands.Warning left
	BandWarning              // from Bands.Urgent to Bands.Warning left, both included
	BandUrgent               // less than Bands.Urgent left, up to and including the due instant
	BandBreached             // past due
)

// String returns "ok", "warning", "urgent" or "breached".
func (b Band) String() string {
	switch b {
	case BandOK:
		return "ok"
	case BandWarning:
		return "warning"
	case BandUrgent:
		return "urgent"
	case BandBreached:
		return "breached"
	}
	return fmt.Sprintf("Band(%d)", int(b))
}

// ParseBand parses the String form of a band.
func ParseBand(s string) (Band, error) {
	for b := BandOK; b <= BandBreached; b++ {
		if b.String() == s {
			return b, nil
		}
	}
	return 0, fmt.Errorf("%q is not a band (ok, warning, urgent, breached)", s)
}

// MarshalText encodes the band as its String form.
func (b Band) MarshalText() ([]byte, error) {
	if b < BandOK || b > BandBreached {
		return nil, fmt.Errorf("invalid band %d", int(b))
	}
	return []byte(b.String()), nil
}

// UnmarshalText decodes a band from its String form.
func (b *Band) UnmarshalText(text []byte) error {
	v, err := ParseBand(string(text))
	if err != nil {
		return err
	}
	*b = v
	return nil
}

// Bands are the thresholds of time left that separate the bands.
//
// Time left is wall time from now to the due instant, not business time: a
// deadline at 09:10 tomorrow, with the calendar closed overnight, shows ok
// tonight and turns warning at 08:55 tomorrow. The due instant itself already
// accounts for business hours; the bands only say how soon it comes.
type Bands struct {
	Warning time.Duration // warning from this much time left (default 15m)
	Urgent  time.Duration // urgent below this much time left (default 5m)
}

// DefaultBands are PRODUCT.md's: warning at 15 minutes left, urgent below 5.
func DefaultBands() Bands { return Bands{Warning: 15 * time.Minute, Urgent: 5 * time.Minute} }

// Validate requires 0 < Urgent < Warning.
func (b Bands) Validate() error {
	var errs []error
	if b.Urgent <= 0 {
		errs = append(errs, fmt.Errorf("the urgent threshold %s must be positive", b.Urgent))
	}
	if b.Warning <= b.Urgent {
		errs = append(errs, fmt.Errorf("the warning threshold %s must be greater than the urgent threshold %s", b.Warning, b.Urgent))
	}
	return errors.Join(errs...)
}

// Band returns the band of a deadline due at due, seen at now:
// breached when now is after due; urgent when less than Urgent is left (due
// itself included); warning from Urgent to Warning left, both included; ok
// otherwise. A zero due (no deadline) is ok.
func (b Bands) Band(due, now time.Time) Band {
	if due.IsZero() {
		return BandOK
	}
	left := due.Sub(now)
	switch {
	case left < 0:
		return BandBreached
	case left < b.Urgent:
		return BandUrgent
	case left <= b.Warning:
		return BandWarning
	}
	return BandOK
}

// NextChange returns the first instant after now at which Band(due, ·)
// differs from Band(due, now), so a deadline loop can sleep exactly until
// then; zero when the band can no longer change (breached, or no deadline).
//
// The warning band includes exactly Urgent left, and the urgent band includes
// the due instant, so those two changes happen one nanosecond after
// due-Urgent and after due. A caller that stores instants at a coarser
// precision (PostgreSQL keeps microseconds) must round up, not down.
func (b Bands) NextChange(due, now time.Time) time.Time {
	if due.IsZero() {
		return time.Time{}
	}
	switch b.Band(due, now) {
	case BandOK:
		return due.Add(-b.Warning)
	case BandWarning:
		return due.Add(-b.Urgent + 1)
	case BandUrgent:
		return due.Add(1)
	}
	return time.Time{}
}
