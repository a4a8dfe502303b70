package chatwoot

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Time is a time.Time that decodes every form Chatwoot uses for a point in
// time: ISO-8601 strings (with or without fraction and zone, "T" or space
// between date and time, Ruby's "… UTC" suffix), unix seconds as an integer,
// a float or a numeric string, and null, 0 or "" for "no time" (the zero
// time). It encodes as an RFC 3339 string in UTC, or null when zero.
type Time struct{ time.Time }

// UnmarshalJSON implements json.Unmarshaler with ParseTime.
func (t *Time) UnmarshalJSON(b []byte) error {
	v, err := ParseTime(b)
	if err != nil {
		return err
	}
	t.Time = v
	return nil
}

// MarshalJSON implements json.Marshaler.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return t.UTC().MarshalJSON()
}

// The range of instants ParseTime accepts: years 1 to 9999, the range
// time.Time can encode as RFC 3339.
const (
	minUnix = -62135596800 // 0001-01-01T00:00:00Z
	maxUnix = 253402300799 // 9999-12-31T23:59:59Z
)

var errTimeRange = errors.New("time out of range")

// ParseTime decodes one JSON value holding a point in time in any of the
// forms Time accepts. Absent, null, 0, 0.0, "" and "0" are the zero time. The
// result is in UTC. Unix fractions are decoded exactly from the digits (no
// float rounding), to the nanosecond.
func ParseTime(raw []byte) (time.Time, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return time.Time{}, nil
	}
	switch c := raw[0]; {
	case c == '"':
		s, ok := fastString(raw)
		if !ok {
			if err := json.Unmarshal(raw, &s); err != nil {
				return time.Time{}, fmt.Errorf("invalid string: %w", err)
			}
		}
		return parseTimeString(s)
	case c == '-' || (c >= '0' && c <= '9'):
		return parseUnix(string(raw))
	default:
		return time.Time{}, fmt.Errorf("want a time string or unix number, got %s", jsonKind(raw))
	}
}

// isoLayouts are tried in order on strings that are not numbers.
var isoLayouts = []string{
	time.RFC3339Nano,                      // 2026-09-21T09:14:05.412Z, 2026-09-21T09:14:05+01:00
	"2006-01-02T15:04:05.999999999",       // no zone: UTC
	"2006-01-02T15:04:05.999999999Z0700",  // +0100
	"2006-01-02 15:04:05.999999999",       // /api's timestamp and SQL style
	"2006-01-02 15:04:05.999999999 MST",   // Ruby Time#to_s in UTC: "2026-09-21 09:14:05 UTC"
	"2006-01-02 15:04:05.999999999 -0700", // Ruby Time#to_s elsewhere
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04",
	"2006-01-02",
}

func parseTimeString(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if c := s[0]; c == '-' || c == '+' || (c >= '0' && c <= '9') {
		if isNumber(s) {
			return parseUnix(strings.TrimPrefix(s, "+"))
		}
	}
	for _, layout := range isoLayouts {
		t, err := time.Parse(layout, s)
		if err != nil {
			continue
		}
		// Only "UTC" (or "GMT") is a trustworthy zone abbreviation; Go
		// treats unknown abbreviations as a zero offset, which could
		// silently shift a time.
		if strings.HasSuffix(layout, "MST") {
			if z := s[strings.LastIndexByte(s, ' ')+1:]; z != "UTC" && z != "GMT" {
				continue
			}
		}
		t = t.UTC()
		if t.Year() < 1 || t.Year() > 9999 {
			return time.Time{}, errTimeRange
		}
		return t, nil
	}
	return time.Time{}, fmt.Errorf("unrecognised time %q", truncate(s, 40))
}

// isNumber reports whether s is a decimal number as JSON writes one
// (optionally with a leading '+', as a numeric string might have).
func isNumber(s string) bool {
	s = strings.TrimPrefix(s, "+")
	s = strings.TrimPrefix(s, "-")
	mant, exp, hasExp := strings.Cut(strings.ToLower(s), "e")
	intPart, frac, hasFrac := strings.Cut(mant, ".")
	if intPart == "" || !allDigits(intPart) || (hasFrac && (frac == "" || !allDigits(frac))) {
		return false
	}
	if hasExp {
		exp = strings.TrimLeft(exp, "+-")
		return exp != "" && allDigits(exp)
	}
	return true
}

// parseUnix decodes unix seconds written as a JSON number: an integer, a
// decimal fraction (decoded exactly) or, rarely, an exponent.
func parseUnix(s string) (time.Time, error) {
	neg := strings.HasPrefix(s, "-")
	digits := strings.TrimPrefix(s, "-")
	if !strings.ContainsAny(digits, "eE") {
		intPart, frac, _ := strings.Cut(digits, ".")
		if intPart == "" || !allDigits(intPart) || !allDigits(frac) {
			return time.Time{}, fmt.Errorf("invalid unix time %q", truncate(s, 40))
		}
		sec, err := strconv.ParseInt(intPart, 10, 64)
		if err != nil || sec > maxUnix+1 {
			return time.Time{}, errTimeRange
		}
		var nsec int64
		if frac != "" {
			f := (frac + "000000000")[:9]
			nsec, _ = strconv.ParseInt(f, 10, 64)
		}
		if neg {
			sec, nsec = -sec, -nsec
		}
		if sec == 0 && nsec == 0 {
			return time.Time{}, nil
		}
		if sec < minUnix || sec > maxUnix {
			return time.Time{}, errTimeRange
		}
		return time.Unix(sec, nsec).UTC(), nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return time.Time{}, fmt.Errorf("invalid unix time %q", truncate(s, 40))
	}
	if f == 0 {
		return time.Time{}, nil
	}
	if f < minUnix || f > maxUnix {
		return time.Time{}, errTimeRange
	}
	sec, fr := math.Modf(f)
	return time.Unix(int64(sec), int64(math.Round(fr*1e9))).UTC(), nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// jsonKind names the JSON type of a raw value for error messages.
func jsonKind(raw []byte) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "nothing"
	}
	switch c := raw[0]; {
	case c == '{':
		return "an object"
	case c == '[':
		return "an array"
	case c == '"':
		return "a string"
	case c == 't' || c == 'f':
		return "a boolean"
	case c == 'n':
		return "null"
	default:
		return "a number"
	}
}
