package chatwoot

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"
)

// The payload is decoded in one pass into wire structs whose leaves are
// json.RawMessage, so a wrong type never stops the decoder; the leaves are
// then converted here. Fields HotDash relies on go through a reader's
// strict methods, which record the first failure as a *FieldError naming
// the field's path; the others use the lenient functions, which turn a
// wrong type into the zero value.

// reader records the first strict failure.
type reader struct{ err *error }

func (r reader) fail(prefix, name string, err error) {
	if *r.err == nil {
		*r.err = &FieldError{Field: joinPath(prefix, name), Err: err}
	}
}

func joinPath(prefix, name string) string {
	switch {
	case prefix == "":
		return name
	case name == "":
		return prefix
	default:
		return prefix + "." + name
	}
}

func isNull(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) == 0 || string(raw) == "null"
}

// int64 reads an integer: Chatwoot's ids are integers; a float with no
// fraction (1.0) and a numeric string ("12") are accepted too, since
// proxies and forks re-encode numbers. Absent and null are 0.
func (r reader) int64(prefix, name string, raw json.RawMessage) int64 {
	v, err := toInt64(raw)
	if err != nil {
		r.fail(prefix, name, err)
	}
	return v
}

// requiredInt64 is int64 for a field that must be present.
func (r reader) requiredInt64(prefix, name string, raw json.RawMessage) int64 {
	if isNull(raw) {
		r.fail(prefix, name, errors.New("missing"))
		return 0
	}
	return r.int64(prefix, name, raw)
}

func optInt64(raw json.RawMessage) int64 {
	v, _ := toInt64(raw)
	return v
}

func toInt64(raw json.RawMessage) (int64, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return 0, nil
	}
	if raw[0] == '"' {
		s, err := toString(raw, false)
		if err != nil {
			return 0, err
		}
		if s == "" {
			return 0, nil
		}
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("want an integer, got string %q", truncate(s, 40))
		}
		return v, nil
	}
	if raw[0] != '-' && (raw[0] < '0' || raw[0] > '9') {
		return 0, fmt.Errorf("want an integer, got %s", jsonKind(raw))
	}
	if v, err := strconv.ParseInt(string(raw), 10, 64); err == nil {
		return v, nil
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil || f > 1<<62 || f < -(1<<62) || f != float64(int64(f)) {
		return 0, fmt.Errorf("want an integer, got %s", truncate(string(raw), 40))
	}
	return int64(f), nil
}

// string reads a string (null and absent are "").
func (r reader) string(prefix, name string, raw json.RawMessage) string {
	v, err := toString(raw, false)
	if err != nil {
		r.fail(prefix, name, err)
	}
	return v
}

// optString reads a string leniently; a number becomes its text (source
// ids are sometimes numeric), anything else "".
func optString(raw json.RawMessage) string {
	v, _ := toString(raw, true)
	return v
}

func toString(raw json.RawMessage, numbers bool) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	switch c := raw[0]; {
	case c == '"':
		if s, ok := fastString(raw); ok {
			return s, nil
		}
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", errors.New("invalid string")
		}
		return s, nil
	case numbers && (c == '-' || (c >= '0' && c <= '9')):
		return string(raw), nil
	default:
		return "", fmt.Errorf("want a string, got %s", jsonKind(raw))
	}
}

// fastString decodes a JSON string literal without escapes.
func fastString(raw []byte) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", false
	}
	inner := raw[1 : len(raw)-1]
	for _, c := range inner {
		if c == '\\' || c == '"' || c < 0x20 {
			return "", false
		}
	}
	if !utf8.Valid(inner) {
		return "", false
	}
	return string(inner), true
}

func (r reader) bool(prefix, name string, raw json.RawMessage) bool {
	switch string(bytes.TrimSpace(raw)) {
	case "", "null", "false":
		return false
	case "true":
		return true
	}
	r.fail(prefix, name, fmt.Errorf("want a boolean, got %s", jsonKind(raw)))
	return false
}

// optBool reads a boolean leniently ("true"/"false" strings included).
func optBool(raw json.RawMessage) bool {
	switch string(bytes.TrimSpace(raw)) {
	case "true", `"true"`:
		return true
	}
	return false
}

func (r reader) time(prefix, name string, raw json.RawMessage) time.Time {
	t, err := ParseTime(raw)
	if err != nil {
		r.fail(prefix, name, err)
	}
	return t
}

func (r reader) strings(prefix, name string, raw json.RawMessage) []string {
	if isNull(raw) {
		return nil
	}
	var vs []string
	if err := json.Unmarshal(raw, &vs); err != nil {
		r.fail(prefix, name, fmt.Errorf("want an array of strings, got %s", jsonKind(raw)))
		return nil
	}
	return vs
}

// optArray reads an array's elements leniently.
func optArray(raw json.RawMessage) []json.RawMessage {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '[' {
		return nil
	}
	var vs []json.RawMessage
	_ = json.Unmarshal(raw, &vs)
	return vs
}

// countArray counts an array's elements without keeping them (0 for
// anything but an array).
func countArray(raw json.RawMessage) int {
	raw = bytes.TrimSpace(raw)
	if len(raw) < 2 || raw[0] != '[' {
		return 0
	}
	var vs []json.RawMessage
	if json.Unmarshal(raw, &vs) != nil {
		return 0
	}
	return len(vs)
}

// rawObject returns a field that should be an object or array, verbatim;
// anything else is nil.
func rawObject(raw json.RawMessage) json.RawMessage {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || (raw[0] != '{' && raw[0] != '[') {
		return nil
	}
	return raw
}

// isObject reports whether raw is a JSON object.
func isObject(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) > 0 && raw[0] == '{'
}
