package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// dict builds a map from alternating keys and values, so a template can pass
// several named values to a shared sub-template.
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, fmt.Errorf("dict needs key/value pairs, got %d arguments", len(kv))
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict key %v is not a string", kv[i])
		}
		m[k] = kv[i+1]
	}
	return m, nil
}

// rfc3339 is a time as a <time datetime> attribute wants it.
func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// utcText is the absolute time a page shows before (or without) JavaScript.
func utcText(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

// prettyJSON indents a JSON payload for reading; anything that is not valid
// JSON is shown as it is (and still escaped by the template).
func prettyJSON(raw json.RawMessage) string {
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		return string(raw)
	}
	return buf.String()
}

// linkable reports whether an evidence link may become an href: only
// absolute http(s) URLs and site-relative paths ever do.
func linkable(link string) bool {
	switch {
	case strings.HasPrefix(link, "http://"), strings.HasPrefix(link, "https://"):
		return true
	case strings.HasPrefix(link, "//"), strings.HasPrefix(link, `/\`):
		return false
	}
	return strings.HasPrefix(link, "/")
}

// decisionURL is the page of a decision.
func decisionURL(id int64) string { return "/decisions/" + strconv.FormatInt(id, 10) }
