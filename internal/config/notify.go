package config

import (
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"sort"
)

// NotifyConfig is the policy file's notify section: the named endpoints
// notifications leave through. Secrets (webhook URLs, routing keys, signing
// secrets) are never written in the file: an endpoint names the
// environment variable that holds each.
//
//	notify:
//	  endpoints:
//	    support-slack:    {type: slack, url_env: HOTDASH_SLACK_SUPPORT_URL}
//	    oncall-pagerduty: {type: pagerduty, routing_key_env: HOTDASH_PAGERDUTY_ONCALL_KEY}
//	    managers-email:   {type: email, to: [managers@example.com]}
//	    audit-webhook:    {type: webhook, url_env: HOTDASH_AUDIT_HOOK_URL, secret_env: HOTDASH_AUDIT_HOOK_SECRET}
//	  max_attempts: 8    # tries (with backoff) before a delivery shows as failed
type NotifyConfig struct {
	Endpoints map[string]NotifyEndpoint `yaml:"endpoints"`
	// MaxAttempts bounds the tries of one delivery (default 8, at most 25).
	MaxAttempts int `yaml:"max_attempts"`
}

// DefaultNotifyAttempts is how many times a delivery is tried when the
// policy does not say.
const DefaultNotifyAttempts = 8

// Attempts is MaxAttempts, DefaultNotifyAttempts when unset.
func (n NotifyConfig) Attempts() int {
	if n.MaxAttempts <= 0 {
		return DefaultNotifyAttempts
	}
	return n.MaxAttempts
}

// NotifyEndpoint is one destination.
type NotifyEndpoint struct {
	// Type is slack, pagerduty, email or webhook.
	Type string `yaml:"type"`
	// URLEnv names the variable holding a Slack incoming-webhook URL or a
	// generic webhook's URL.
	URLEnv string `yaml:"url_env"`
	// RoutingKeyEnv names the variable holding a PagerDuty integration
	// (routing) key.
	RoutingKeyEnv string `yaml:"routing_key_env"`
	// SecretEnv names the variable holding a generic webhook's signing
	// secret.
	SecretEnv string `yaml:"secret_env"`
	// To lists an email endpoint's recipients.
	To []string `yaml:"to"`
}

// Notify endpoint types.
const (
	EndpointSlack     = "slack"
	EndpointPagerDuty = "pagerduty"
	EndpointEmail     = "email"
	EndpointWebhook   = "webhook"
)

// EndpointNames lists the configured endpoints, sorted.
func (n NotifyConfig) EndpointNames() []string {
	names := make([]string, 0, len(n.Endpoints))
	for k := range n.Endpoints {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// Validate reports problems with the endpoints.
func (n NotifyConfig) Validate() error {
	var errs []error
	if n.MaxAttempts < 0 || n.MaxAttempts > 25 {
		errs = append(errs, fmt.Errorf("notify.max_attempts must be from 1 to 25, not %d", n.MaxAttempts))
	}
	for _, name := range n.EndpointNames() {
		e := n.Endpoints[name]
		switch e.Type {
		case EndpointSlack:
			if e.URLEnv == "" {
				errs = append(errs, fmt.Errorf("notify.endpoints.%s: a slack endpoint needs url_env", name))
			}
		case EndpointPagerDuty:
			if e.RoutingKeyEnv == "" {
				errs = append(errs, fmt.Errorf("notify.endpoints.%s: a pagerduty endpoint needs routing_key_env", name))
			}
		case EndpointEmail:
			if len(e.To) == 0 {
				errs = append(errs, fmt.Errorf("notify.endpoints.%s: an email endpoint needs to: [addresses]", name))
			}
			for _, to := range e.To {
				if _, err := mail.ParseAddress(to); err != nil {
					errs = append(errs, fmt.Errorf("notify.endpoints.%s: %q is not an email address", name, to))
				}
			}
		case EndpointWebhook:
			if e.URLEnv == "" || e.SecretEnv == "" {
				errs = append(errs, fmt.Errorf("notify.endpoints.%s: a webhook endpoint needs url_env and secret_env", name))
			}
		default:
			errs = append(errs, fmt.Errorf("notify.endpoints.%s: type must be slack, pagerduty, email or webhook, not %q", name, e.Type))
		}
	}
	return errors.Join(errs...)
}

// SMTP is the relay email notifications leave through. The URL holds the
// relay's password, so neither it nor its parts appear in logs or errors.
type SMTP struct {
	// URL is smtp://user:pass@host:port (STARTTLS, required unless the
	// relay is on loopback or the URL ends in ?tls=none) or
	// smtps://user:pass@host:port (TLS from the first byte).
	URL string `env:"HOTDASH_SMTP_URL"`
	// From is the sender address, e.g. "HotDash <hotdash@example.com>".
	From string `env:"HOTDASH_SMTP_FROM"`
}

// Configured reports whether email can be sent.
func (s SMTP) Configured() bool { return s.URL != "" }

func (s SMTP) validate() []error {
	var errs []error
	if s.URL == "" {
		if s.From != "" {
			errs = append(errs, errors.New("HOTDASH_SMTP_FROM is set but HOTDASH_SMTP_URL is not"))
		}
		return errs
	}
	u, err := url.Parse(s.URL)
	switch {
	case err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "":
		errs = append(errs, errors.New("HOTDASH_SMTP_URL must be smtp://[user:pass@]host[:port] or smtps://… (the value is not shown: it may hold a password)"))
	case u.Query().Has("tls") && u.Query().Get("tls") != "none":
		errs = append(errs, errors.New("HOTDASH_SMTP_URL: the only tls option is tls=none"))
	}
	if s.From == "" {
		errs = append(errs, errors.New("HOTDASH_SMTP_FROM is required with HOTDASH_SMTP_URL"))
	} else if _, err := mail.ParseAddress(s.From); err != nil {
		errs = append(errs, fmt.Errorf("HOTDASH_SMTP_FROM %q is not an email address", s.From))
	}
	return errs
}
