package notify

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"time"

	"github.com/hotdash/hotdash/internal/config"
)

// Notifier carries a Message to one endpoint in its own format.
type Notifier interface {
	// Notify makes one try. It never returns a secret in Outcome.Err.
	Notify(ctx context.Context, e Envelope) Outcome
}

// Envelope is one try of one delivery, as a notifier sees it.
type Envelope struct {
	DeliveryID int64
	Endpoint   string
	// Attempt counts tries, from 1.
	Attempt int
	// Message has its relative links made absolute.
	Message Message
	// Now is the clock's reading as the try starts (webhook signatures
	// and email dates use it).
	Now time.Time
}

// KindUnknown is the kind recorded for a delivery to an endpoint the
// policy does not name.
const KindUnknown = "unknown"

// endpoint is a configured destination, ready to send or explaining why
// it cannot.
type endpoint struct {
	name, kind string
	notifier   Notifier
	// problem says why notifier is nil (a variable that is not set); it
	// names variables, never their values.
	problem string
	redact  redactor
}

// endpointDeps are what building endpoints needs.
type endpointDeps struct {
	env          func(string) string
	http         *http.Client
	smtp         config.SMTP
	smtpTLS      *tls.Config
	pagerDutyURL string
	publicURL    func() string
}

// buildEndpoints readies every configured endpoint.
func buildEndpoints(cfg config.NotifyConfig, d endpointDeps) map[string]*endpoint {
	out := make(map[string]*endpoint, len(cfg.Endpoints))
	for _, name := range cfg.EndpointNames() {
		out[name] = buildEndpoint(name, cfg.Endpoints[name], d)
	}
	return out
}

func buildEndpoint(name string, c config.NotifyEndpoint, d endpointDeps) *endpoint {
	e := &endpoint{name: name, kind: c.Type}
	var err error
	switch c.Type {
	case config.EndpointSlack:
		e.notifier, e.redact, err = slackEndpoint(c, d)
	case config.EndpointPagerDuty:
		e.notifier, e.redact, err = pagerDutyEndpoint(c, d)
	case config.EndpointEmail:
		e.notifier, e.redact, err = emailEndpoint(c, d)
	case config.EndpointWebhook:
		e.notifier, e.redact, err = webhookEndpoint(c, d)
	default:
		err = fmt.Errorf("type %q is not slack, pagerduty, email or webhook", c.Type)
	}
	if err != nil {
		e.notifier, e.problem = nil, e.redact.String(err.Error())
	}
	return e
}

// secretURL reads an http(s) URL held in the variable named by name.
func secretURL(d endpointDeps, name, what string) (string, redactor, error) {
	if name == "" {
		return "", redactor{}, fmt.Errorf("no variable named for the %s", what)
	}
	v := d.env(name)
	r := newRedactor().withURL(v)
	if v == "" {
		return "", r, fmt.Errorf("%s (the %s) is not set", name, what)
	}
	if !checkHTTPURL(v) {
		return "", r, fmt.Errorf("%s does not hold an http(s) URL (the value is not shown)", name)
	}
	return v, r, nil
}

// secretValue reads a secret held in the variable named by name.
func secretValue(d endpointDeps, name, what string) (string, error) {
	if name == "" {
		return "", fmt.Errorf("no variable named for the %s", what)
	}
	v := d.env(name)
	if v == "" {
		return "", fmt.Errorf("%s (the %s) is not set", name, what)
	}
	return v, nil
}

func slackEndpoint(c config.NotifyEndpoint, d endpointDeps) (Notifier, redactor, error) {
	u, r, err := secretURL(d, c.URLEnv, "Slack incoming-webhook URL")
	if err != nil {
		return nil, r, err
	}
	return &slackNotifier{poster{client: d.http, url: u, service: "slack", redact: r}}, r, nil
}

func pagerDutyEndpoint(c config.NotifyEndpoint, d endpointDeps) (Notifier, redactor, error) {
	key, err := secretValue(d, c.RoutingKeyEnv, "PagerDuty routing key")
	r := newRedactor(key)
	if err != nil {
		return nil, r, err
	}
	u := d.pagerDutyURL
	if u == "" {
		u = DefaultPagerDutyURL
	}
	p := poster{client: d.http, url: u, service: "pagerduty", redact: r}
	return &pagerDutyNotifier{poster: p, routingKey: key, publicURL: d.publicURL}, r, nil
}

func webhookEndpoint(c config.NotifyEndpoint, d endpointDeps) (Notifier, redactor, error) {
	u, r, err := secretURL(d, c.URLEnv, "webhook URL")
	if err != nil {
		return nil, r, err
	}
	secret, err := secretValue(d, c.SecretEnv, "webhook signing secret")
	r = r.with(secret)
	if err != nil {
		return nil, r, err
	}
	return &webhookNotifier{poster: poster{client: d.http, url: u, service: "webhook", redact: r}, secret: secret}, r, nil
}

func emailEndpoint(c config.NotifyEndpoint, d endpointDeps) (Notifier, redactor, error) {
	r := newRedactor().withURL(d.smtp.URL)
	if !d.smtp.Configured() {
		return nil, r, errors.New("HOTDASH_SMTP_URL is not set")
	}
	relay, err := parseRelay(d.smtp.URL, d.smtpTLS)
	if err != nil {
		return nil, r, err
	}
	r = r.with(relay.pass)
	from, err := mail.ParseAddress(d.smtp.From)
	if err != nil {
		return nil, r, errors.New("HOTDASH_SMTP_FROM is not an email address")
	}
	n := &emailNotifier{relay: relay, from: from, redact: r}
	for _, to := range c.To {
		a, err := mail.ParseAddress(to)
		if err != nil {
			return nil, r, fmt.Errorf("%q is not an email address", to)
		}
		n.to = append(n.to, a)
	}
	if len(n.to) == 0 {
		return nil, r, errors.New("no recipients (to: [])")
	}
	return n, r, nil
}
