// Package config reads HotDash's settings: deployment settings from the
// environment (each also a command-line flag), and the support floor's policy
// (sessions and sign-in today; SLA, risk and the escalation ladder as they
// land) from one YAML file, parsed strictly and validated before anything
// starts.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"
)

// Environments HotDash runs in.
const (
	Development = "development"
	Production  = "production"
)

// Settings are the deployment settings. Secrets among them never appear in
// logs or errors.
type Settings struct {
	// Addr is the address to listen on.
	Addr string `env:"HOTDASH_ADDR" envDefault:"127.0.0.1:8080"`
	// DatabaseURL selects the store: postgres://… for PostgreSQL, or
	// sqlite:PATH; empty means SQLite under DataDir.
	DatabaseURL string `env:"HOTDASH_DATABASE_URL"`
	// DataDir holds the embedded SQLite database.
	DataDir string `env:"HOTDASH_DATA_DIR" envDefault:"hotdash-data"`
	// Env is development (the default: nothing reaches customers) or
	// production.
	Env string `env:"HOTDASH_ENV" envDefault:"development"`
	// ConfigFile is the policy YAML; empty means the built-in defaults.
	ConfigFile string `env:"HOTDASH_CONFIG"`
	// PublicURL is how people reach HotDash (used in links it prints and
	// sends); empty means http://Addr.
	PublicURL string `env:"HOTDASH_PUBLIC_URL"`
	// LogLevel is debug, info, warn or error.
	LogLevel string `env:"HOTDASH_LOG_LEVEL" envDefault:"info"`
	// TrustedProxies are the reverse proxies (addresses or CIDR ranges,
	// comma-separated) whose X-Forwarded-For HotDash believes, so sign-in
	// limits and logs see each person's address rather than the proxy's.
	// Empty: the connection's address is the client's.
	TrustedProxies []string `env:"HOTDASH_TRUSTED_PROXIES" envSeparator:","`
	// Chatwoot is the Chatwoot account HotDash works with.
	Chatwoot Chatwoot
	// SMTP is the relay email notifications leave through.
	SMTP SMTP
	// PagerDutyURL is the Events API v2 endpoint (default PagerDuty's US
	// service region; https://events.eu.pagerduty.com/v2/enqueue for EU).
	PagerDutyURL string `env:"HOTDASH_PAGERDUTY_EVENTS_URL"`
}

// Chatwoot says how to reach one Chatwoot account and how its webhooks
// authenticate. The token and secrets never appear in logs or errors.
type Chatwoot struct {
	// BaseURL is the Chatwoot installation, e.g. https://chat.example.com.
	BaseURL string `env:"CHATWOOT_BASE_URL"`
	// APIToken is a user or agent-bot access token (api_access_token).
	APIToken string `env:"CHATWOOT_API_TOKEN"`
	// AccountID is the numeric account id in Chatwoot's URLs.
	AccountID int64 `env:"CHATWOOT_ACCOUNT_ID"`
	// WebhookSecret is the account webhook's secret (Chatwoot 4.11.2+
	// signs deliveries with it).
	WebhookSecret string `env:"CHATWOOT_WEBHOOK_SECRET"`
	// WebhookToken, when set, also accepts unsigned deliveries that carry
	// it as ?token= in the webhook URL: the fallback for Chatwoot versions
	// that do not sign. Off by default.
	WebhookToken string `env:"CHATWOOT_WEBHOOK_TOKEN"`
	// ReconcileEvery is how often HotDash asks Chatwoot for conversations
	// changed since the last sync, to repair what a lost webhook left wrong.
	ReconcileEvery time.Duration `env:"CHATWOOT_RECONCILE_EVERY" envDefault:"1m"`
	// DryRun keeps HotDash from changing anything in Chatwoot (actions are
	// recorded, not sent). Unset: on outside production.
	DryRun *bool `env:"CHATWOOT_DRY_RUN"`
	// HealthEvery is how often the server checks Chatwoot's health.
	HealthEvery time.Duration `env:"CHATWOOT_HEALTH_EVERY" envDefault:"5m"`
	// SendAttempts is how many times an approved draft is tried (with
	// backoff) before it shows as send_failed.
	SendAttempts int `env:"CHATWOOT_SEND_ATTEMPTS" envDefault:"5"`
}

// Attempts is SendAttempts, 5 when unset.
func (c Chatwoot) Attempts() int {
	if c.SendAttempts <= 0 {
		return 5
	}
	return c.SendAttempts
}

// Configured reports whether HotDash can call Chatwoot's API.
func (c Chatwoot) Configured() bool { return c.BaseURL != "" }

func (c Chatwoot) validate() []error {
	var errs []error
	if c.BaseURL != "" {
		u, err := url.Parse(c.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("CHATWOOT_BASE_URL %q is not an http(s) URL", c.BaseURL))
		}
		if c.APIToken == "" {
			errs = append(errs, errors.New("CHATWOOT_API_TOKEN is required with CHATWOOT_BASE_URL"))
		}
		if c.AccountID <= 0 {
			errs = append(errs, errors.New("CHATWOOT_ACCOUNT_ID (a positive number) is required with CHATWOOT_BASE_URL"))
		}
	}
	if c.ReconcileEvery < 10*time.Second {
		errs = append(errs, fmt.Errorf("CHATWOOT_RECONCILE_EVERY must be at least 10s, not %s", c.ReconcileEvery))
	}
	if c.HealthEvery != 0 && c.HealthEvery < 30*time.Second {
		errs = append(errs, fmt.Errorf("CHATWOOT_HEALTH_EVERY must be at least 30s, not %s", c.HealthEvery))
	}
	if c.SendAttempts < 0 || c.SendAttempts > 25 {
		errs = append(errs, fmt.Errorf("CHATWOOT_SEND_ATTEMPTS must be from 1 to 25, not %d", c.SendAttempts))
	}
	if c.WebhookToken != "" && len(c.WebhookToken) < 24 {
		errs = append(errs, errors.New("CHATWOOT_WEBHOOK_TOKEN must be at least 24 characters (it is the only check on unsigned deliveries)"))
	}
	return errs
}

// ChatwootDryRun reports whether actions in Chatwoot are only recorded: as
// CHATWOOT_DRY_RUN says, else everywhere but production.
func (s Settings) ChatwootDryRun() bool {
	if s.Chatwoot.DryRun != nil {
		return *s.Chatwoot.DryRun
	}
	return !s.IsProduction()
}

// FromEnv reads Settings from environ ("KEY=value" pairs, as os.Environ).
func FromEnv(environ []string) (Settings, error) {
	m := map[string]string{}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	var s Settings
	if err := env.ParseWithOptions(&s, env.Options{Environment: m}); err != nil {
		return Settings{}, fmt.Errorf("read settings from the environment: %w", err)
	}
	return s, nil
}

// Validate reports every problem with the settings.
func (s Settings) Validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(s.Addr); err != nil {
		errs = append(errs, fmt.Errorf("HOTDASH_ADDR %q is not host:port", s.Addr))
	}
	if s.Env != Development && s.Env != Production {
		errs = append(errs, fmt.Errorf("HOTDASH_ENV must be %s or %s, not %q", Development, Production, s.Env))
	}
	if s.PublicURL != "" {
		u, err := url.Parse(s.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("HOTDASH_PUBLIC_URL %q is not an http(s) URL", s.PublicURL))
		}
	}
	switch s.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("HOTDASH_LOG_LEVEL must be debug, info, warn or error, not %q", s.LogLevel))
	}
	if _, _, err := s.Store(); err != nil {
		errs = append(errs, err)
	}
	if _, err := s.Proxies(); err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, s.Chatwoot.validate()...)
	errs = append(errs, s.SMTP.validate()...)
	return errors.Join(errs...)
}

// Proxies parses TrustedProxies: each an address ("10.0.0.7") or a CIDR
// range ("10.0.0.0/8").
func (s Settings) Proxies() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, v := range s.TrustedProxies {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		if p, err := netip.ParsePrefix(v); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(v)
		if err != nil {
			return nil, fmt.Errorf("HOTDASH_TRUSTED_PROXIES: %q is not an address or a CIDR range", v)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

// Store returns the engine ("sqlite" or "postgres") and what to open: a file
// path for SQLite, the URL for PostgreSQL.
func (s Settings) Store() (engine, target string, err error) {
	u := s.DatabaseURL
	switch {
	case u == "":
		return "sqlite", filepath.Join(s.DataDir, "hotdash.db"), nil
	case strings.HasPrefix(u, "postgres://"), strings.HasPrefix(u, "postgresql://"):
		return "postgres", u, nil
	case strings.HasPrefix(u, "sqlite://"):
		return "sqlite", strings.TrimPrefix(u, "sqlite://"), nil
	case strings.HasPrefix(u, "sqlite:"):
		return "sqlite", strings.TrimPrefix(u, "sqlite:"), nil
	}
	return "", "", errors.New("HOTDASH_DATABASE_URL must start with postgres://, postgresql:// or sqlite: (the value is not shown: it may hold a password)")
}

// BaseURL is the URL people use to reach HotDash, without a trailing slash.
func (s Settings) BaseURL() string {
	if s.PublicURL != "" {
		return strings.TrimRight(s.PublicURL, "/")
	}
	host, port, err := net.SplitHostPort(s.Addr)
	if err != nil {
		return "http://" + s.Addr
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// SecureCookies reports whether cookies must be marked Secure: whenever
// HotDash is reached over HTTPS.
func (s Settings) SecureCookies() bool { return strings.HasPrefix(s.BaseURL(), "https://") }

// IsProduction reports whether HotDash runs in production mode.
func (s Settings) IsProduction() bool { return s.Env == Production }
