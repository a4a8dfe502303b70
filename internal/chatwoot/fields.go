package chatwoot

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// obj reads the fields of one JSON object by name. Fields HotDash relies on
// are read with the strict methods, which record the first wrong type as a
// *FieldError naming the field's path; the lenient ones (the "opt" methods)
// turn a wrong type into the zero value. Unknown fields are never looked at.
type obj struct {
	path   string
	fields map[string]json.RawMessage
	err    *error // the first strict failure, shared by nested readers
}

// newObj parses raw as an object. ok is false when raw is absent or null.
// Any other non-object is a field error (recorded in *errp).
func newObj(raw json.RawMessage, path string, errp *error) (obj, bool) {
	o := obj{path: path, err: errp}
	if isNull(raw) {
		return o, false
	}
	if err := json.Unmarshal(raw, &o.fields); err != nil {
		o.fail("", fmt.Errorf("want an object, got %s", jsonKind(raw)))
		return o, false
	}
	return o, true
}

// optObj is newObj for a field whose wrong type is ignored.
func optObj(raw json.RawMessage, path string, errp *error) (obj, bool) {
	o := obj{path: path, err: errp}
	if isNull(raw) || bytes.TrimSpace(raw)[0] != '{' {
		return o, false
	}
	if json.Unmarshal(raw, &o.fields) != nil {
		return o, false
	}
	return o, true
}

func isNull(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) == 0 || string(raw) == "null"
}

func (o obj) fieldPath(name string) string {
	switch {
	case name == "":
		return o.path
	case o.path == "":
		return name
	default:
		return o.path + "." + name
	}
}

func (o obj) fail(name string, err error) {
	if *o.err == nil {
		*o.err = &FieldError{Field: o.fieldPath(name), Err: err}
	}
}

func (o obj) raw(name string) json.RawMessage {
	r := o.fields[name]
	if isNull(r) {
		return nil
	}
	return r
}

func (o obj) has(name string) bool { return o.raw(name) != nil }

// child reads a nested object strictly (a non-object is an error).
func (o obj) child(name string) (obj, bool) {
	return newObj(o.fields[name], o.fieldPath(name), o.err)
}

// optChild reads a nested object leniently.
func (o obj) optChild(name string) (obj, bool) {
	return optObj(o.fields[name], o.fieldPath(name), o.err)
}

// int64 reads an integer. Chatwoot's ids are integers; a float with no
// fraction (1.0) and a numeric string ("12") are accepted as well, since
// some proxies and forks re-encode numbers.
func (o obj) int64(name string) int64 {
	v, err := toInt64(o.raw(name))
	if err != nil {
		o.fail(name, err)
	}
	return v
}

// requiredInt64 is int64 for a field that must be present and non-zero.
func (o obj) requiredInt64(name string) int64 {
	if !o.has(name) {
		o.fail(name, errors.New("missing"))
		return 0
	}
	return o.int64(name)
}

func (o obj) optInt64(name string) int64 {
	v, _ := toInt64(o.raw(name))
	return v
}

func toInt64(raw json.RawMessage) (int64, error) {
	if raw == nil {
		return 0, nil
	}
	raw = bytes.TrimSpace(raw)
	if raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return 0, errors.New("invalid string")
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
func (o obj) string(name string) string {
	v, err := toString(o.raw(name), false)
	if err != nil {
		o.fail(name, err)
	}
	return v
}

// optString reads a string leniently; numbers are turned into their text
// (source ids are sometimes numeric), anything else is "".
func (o obj) optString(name string) string {
	v, _ := toString(o.raw(name), true)
	return v
}

func toString(raw json.RawMessage, numbers bool) (string, error) {
	if raw == nil {
		return "", nil
	}
	raw = bytes.TrimSpace(raw)
	switch {
	case raw[0] == '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", errors.New("invalid string")
		}
		return s, nil
	case numbers && (raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9')):
		return string(raw), nil
	default:
		return "", fmt.Errorf("want a string, got %s", jsonKind(raw))
	}
}

func (o obj) bool(name string) bool {
	raw := o.raw(name)
	if raw == nil {
		return false
	}
	var b bool
	if err := json.Unmarshal(raw, &b); err != nil {
		o.fail(name, fmt.Errorf("want a boolean, got %s", jsonKind(raw)))
	}
	return b
}

// optBool reads a boolean leniently ("true"/"false" strings included).
func (o obj) optBool(name string) bool {
	raw := o.raw(name)
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		return b
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		b, _ = strconv.ParseBool(s)
	}
	return b
}

func (o obj) time(name string) time.Time {
	t, err := ParseTime(o.raw(name))
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
	var vs []string
	if err := json.Unmarshal(raw, &vs); err != nil {
		o.fail(name, fmt.Errorf("want an array of strings, got %s", jsonKind(raw)))
		return nil
	}
	return vs
}

// array reads an array's elements strictly.
func (o obj) array(name string) []json.RawMessage {
	raw := o.raw(name)
	if raw == nil {
		return nil
	}
	var vs []json.RawMessage
	if err := json.Unmarshal(raw, &vs); err != nil {
		o.fail(name, fmt.Errorf("want an array, got %s", jsonKind(raw)))
		return nil
	}
	return vs
}

// optArray reads an array's elements leniently.
func (o obj) optArray(name string) []json.RawMessage {
	var vs []json.RawMessage
	_ = json.Unmarshal(o.raw(name), &vs)
	return vs
}

// rawObject returns a field that should be an object or array, verbatim;
// anything else is nil.
func (o obj) rawObject(name string) json.RawMessage {
	raw := bytes.TrimSpace(o.raw(name))
	if len(raw) == 0 || (raw[0] != '{' && raw[0] != '[') {
		return nil
	}
	return raw
}
