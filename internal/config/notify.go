package config

import (
	"errors"
	"fmt"
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
type NotifyConfig struct {
	Endpoints map[string]NotifyEndpoint `yaml:"endpoints"`
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
