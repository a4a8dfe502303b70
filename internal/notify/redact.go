package notify

import (
	"errors"
	"net/url"
	"slices"
	"strings"
)

// redacted replaces a secret wherever it would have appeared.
const redacted = "[redacted]"

// redactor hides an endpoint's secrets (webhook URLs, routing keys,
// passwords, signing secrets) in any text bound for an error, a log line
// or the outbox: every secret, and its escaped forms, becomes [redacted].
type redactor struct{ secrets []string }

// newRedactor hides each non-empty secret.
func newRedactor(secrets ...string) redactor {
	var r redactor
	for _, s := range secrets {
		r = r.with(s)
	}
	return r
}

// with returns r also hiding s and its URL-escaped forms.
func (r redactor) with(s string) redactor {
	out := redactor{secrets: slices.Clone(r.secrets)}
	for _, v := range []string{s, url.QueryEscape(s), url.PathEscape(s)} {
		if v != "" && !slices.Contains(out.secrets, v) {
			out.secrets = append(out.secrets, v)
		}
	}
	// Longest first, so a secret containing another is hidden whole.
	slices.SortFunc(out.secrets, func(a, b string) int { return len(b) - len(a) })
	return out
}

// withURL returns r also hiding a URL that is itself a secret (a Slack
// incoming webhook's path is its credential): the whole URL, its path,
// query and user information.
func (r redactor) withURL(raw string) redactor {
	r = r.with(raw)
	u, err := url.Parse(raw)
	if err != nil {
		return r
	}
	r = r.with(strings.TrimPrefix(raw, u.Scheme+"://"))
	if len(u.Path) > 1 {
		r = r.with(u.Path).with(u.EscapedPath())
	}
	r = r.with(u.RawQuery)
	if u.User != nil {
		r = r.with(u.User.String())
		if p, ok := u.User.Password(); ok {
			r = r.with(p)
		}
	}
	return r
}

// String returns s with every secret replaced.
func (r redactor) String(s string) string {
	for _, secret := range r.secrets {
		if strings.Contains(s, secret) {
			s = strings.ReplaceAll(s, secret, redacted)
		}
	}
	return s
}

// describe is err's text without the URL a *url.Error quotes (the URL may
// be the secret), and on one line.
func describe(err error) string {
	var parts []string
	for err != nil {
		var ue *url.Error
		if !errors.As(err, &ue) {
			parts = append(parts, err.Error())
			break
		}
		// Keep what wrapped the *url.Error, minus the URL error's own text.
		if outer := strings.TrimSuffix(err.Error(), ue.Error()); outer != err.Error() && outer != "" {
			parts = append(parts, strings.TrimSuffix(strings.TrimSpace(outer), ":"))
		}
		parts = append(parts, strings.ToLower(ue.Op))
		err = ue.Err
	}
	return oneLine(strings.Join(parts, ": "), 500)
}

// oneLine folds s onto one line of at most n bytes (valid UTF-8).
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}
