// Package validation carries per-field input errors from domain packages to
// the API (422 with a "fields" map) and the web forms (a message by each field).
package validation

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// Errors maps a field name (as the API spells it) to what is wrong with it.
type Errors map[string]string

// Error lists the fields and their problems in a stable order.
func (e Errors) Error() string {
	keys := make([]string, 0, len(e))
	for k := range e {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+": "+e[k])
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

// Add records a problem with field, keeping the first one reported.
func (e Errors) Add(field, format string, args ...any) {
	if _, ok := e[field]; !ok {
		e[field] = fmt.Sprintf(format, args...)
	}
}

// Err returns e as an error, or nil when nothing was wrong.
func (e Errors) Err() error {
	if len(e) == 0 {
		return nil
	}
	return e
}

// Required records a problem when value is blank.
func (e Errors) Required(field, value string) {
	if strings.TrimSpace(value) == "" {
		e.Add(field, "is required")
	}
}

// MaxLen records a problem when value is longer than max characters.
func (e Errors) MaxLen(field, value string, max int) {
	if utf8.RuneCountInString(value) > max {
		e.Add(field, "must be at most %d characters", max)
	}
}

// OneOf records a problem when value is not one of allowed.
func (e Errors) OneOf(field, value string, allowed ...string) {
	for _, a := range allowed {
		if value == a {
			return
		}
	}
	e.Add(field, "must be one of %s", strings.Join(allowed, ", "))
}
