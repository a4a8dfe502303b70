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

// obj reads the members of one JSON object (already validated) by name.
// Fields HotDash relies on are read with the strict methods, which record
// the first wrong type as a *FieldError naming the field's path; the
// lenient functions (opt…) turn a wrong type into the zero value. Unknown
// members are never looked at.
type obj struct {
	path   string
	fields fieldList
	err    *error // the first strict failure, shared by nested readers
}

// newObj reads raw as an object. ok is false when raw is absent or null;
// any other non-object is a field error (recorded in *errp).
func newObj(raw json.RawMessage, path string, errp *error) (obj, bool) {
	o := obj{path: path, err: errp}
	if isNull(raw) {
		return o, false
	}
	fields, ok := members(raw)
	if !ok {
		o.fail("", fmt.Errorf("want an object, got %s", jsonKind(raw)))
		return o, false
	}
	o.fields = fields
	return o, true
}

// optObj is newObj for a member whose wrong type is ignored.
func optObj(raw json.RawMessage, path string, errp *error) (obj, bool) {
	o := obj{path: path, err: errp}
	fields, ok := members(raw)
	o.fields = fields
	return o, ok
}

func (o obj) fieldPath(name string) string { return joinPath(o.path, name) }

func (o obj) fail(name string, err error) {
	if *o.err == nil {
		*o.err = &FieldError{Field: o.fieldPath(name), Err: err}
	}
}

// get returns a member as it is (nil when absent).
func (o obj) get(name string) json.RawMessage { return o.fields.get(name) }

// raw returns a member, nil when absent or null.
func (o obj) raw(name string) json.RawMessage {
	r := o.get(name)
	if isNull(r) {
		return nil
	}
	return r
}

func (o obj) has(name string) bool { return o.raw(name) != nil }

// child reads a nested object strictly (a non-object is an error).
func (o obj) child(name string) (obj, bool) { return newObj(o.get(name), o.fieldPath(name), o.err) }

// optChild reads a nested object leniently.
func (o obj) optChild(name string) (obj, bool) { return optObj(o.get(name), o.fieldPath(name), o.err) }

func (o obj) int64(name string) int64 {
	v, err := toInt64(o.get(name))
	if err != nil {
		o.fail(name, err)
	}
	return v
}

// requiredInt64 is int64 for a member that must be present.
func (o obj) requiredInt64(name string) int64 {
	if !o.has(name) {
		o.fail(name, errors.New("missing"))
		return 0
	}
	return o.int64(name)
}

func (o obj) string(name string) string {
	v, err := toString(o.get(name), false)
	if err != nil {
		o.fail(name, err)
	}
	return v
}

func (o obj) bool(name string) bool {
	switch string(bytes.TrimSpace(o.get(name))) {
	case "", "null", "false":
		return false
	case "true":
		return true
	}
	o.fail(name, fmt.Errorf("want a boolean, got %s", jsonKind(o.get(name))))
	return false
}

func (o obj) time(name string) time.Time {
	t, err := ParseTime(o.get(name))
	if err != nil {
		o.fail(name, err)
	}
	return t
}

func (o obj) strings(name string) []string {
	raw := o.raw(name)
	if raw == nil {
		return nil
	}
	items, ok := elements(raw)
	if !ok {
		o.fail(name, fmt.Errorf("want an array of strings, got %s", jsonKind(raw)))
		return nil
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		if isNull(it) {
			continue
		}
		s, err := toString(it, false)
		if err != nil {
			o.fail(name, fmt.Errorf("want an array of strings, got an element that is %s", jsonKind(it)))
			return nil
		}
		out = append(out, s)
	}
	return out
}

// array reads an array's elements strictly.
func (o obj) array(name string) []json.RawMessage {
	raw := o.raw(name)
	if raw == nil {
		return nil
	}
	items, ok := elements(raw)
	if !ok {
		o.fail(name, fmt.Errorf("want an array, got %s", jsonKind(raw)))
	}
	return items
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

// optBool reads a boolean leniently ("true"/"false" strings included).
func optBool(raw json.RawMessage) bool {
	switch string(bytes.TrimSpace(raw)) {
	case "true", `"true"`:
		return true
	}
	return false
}

// countArray counts an array's elements (0 for anything but an array).
func countArray(raw json.RawMessage) int {
	items, _ := elements(raw)
	return len(items)
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
