package config_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hotdash/hotdash/internal/config"
)

func TestSettingsDefaultsAndStoreSelection(t *testing.T) {
	s, err := config.FromEnv(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	if s.Addr != "127.0.0.1:8080" || s.Env != "development" || s.BaseURL() != "http://127.0.0.1:8080" || s.SecureCookies() {
		t.Fatalf("defaults = %+v", s)
	}
	cases := []struct{ url, engine, target string }{
		{"", "sqlite", filepath.Join("hotdash-data", "hotdash.db")},
		{"sqlite:/var/lib/hotdash/h.db", "sqlite", "/var/lib/hotdash/h.db"},
		{"sqlite:///var/lib/h.db", "sqlite", "/var/lib/h.db"},
		{"postgres://u:p@db/hotdash", "postgres", "postgres://u:p@db/hotdash"},
		{"postgresql://db/hotdash", "postgres", "postgresql://db/hotdash"},
	}
	for _, c := range cases {
		s.DatabaseURL = c.url
		e, target, err := s.Store()
		if err != nil || e != c.engine || target != c.target {
			t.Errorf("%q → %s %s %v", c.url, e, target, err)
		}
	}
}

func TestSettingsValidationNamesEachProblemWithoutSecrets(t *testing.T) {
	s, err := config.FromEnv([]string{
		"HOTDASH_ADDR=8080", "HOTDASH_ENV=prod", "HOTDASH_PUBLIC_URL=ftp://x",
		"HOTDASH_DATABASE_URL=mysql://root:hunter2@db/x", "HOTDASH_LOG_LEVEL=loud", "HOTDASH_TRUSTED_PROXIES=10.0.0.0/8,proxy.internal",
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Validate()
	if err == nil {
		t.Fatal("invalid settings accepted")
	}
	for _, want := range []string{"HOTDASH_ADDR", "HOTDASH_ENV", "HOTDASH_PUBLIC_URL", "HOTDASH_DATABASE_URL", "HOTDASH_LOG_LEVEL", `HOTDASH_TRUSTED_PROXIES: "proxy.internal"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %s: %v", want, err)
		}
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("error leaks the database password: %v", err)
	}
}

func TestTrustedProxiesAreAddressesOrRanges(t *testing.T) {
	s, err := config.FromEnv([]string{"HOTDASH_TRUSTED_PROXIES=10.0.0.0/8, 192.168.1.5 ,2001:db8::/32"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Proxies()
	if err != nil || fmt.Sprint(got) != "[10.0.0.0/8 192.168.1.5/32 2001:db8::/32]" {
		t.Fatalf("proxies %v (%v)", got, err)
	}
}

func TestPublicHTTPSURLMakesCookiesSecure(t *testing.T) {
	s, _ := config.FromEnv([]string{"HOTDASH_PUBLIC_URL=https://hotdash.example.com/"})
	if s.BaseURL() != "https://hotdash.example.com" || !s.SecureCookies() {
		t.Fatalf("base %q secure %v", s.BaseURL(), s.SecureCookies())
	}
}

func TestPolicyFileIsStrict(t *testing.T) {
	dir := t.TempDir()
	write := func(body string) string {
		p := filepath.Join(dir, "policy.yaml")
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	p, err := config.LoadPolicy(write("auth:\n  session_lifetime: 8h\n"))
	if err != nil || p.Auth.SessionLifetime.D() != 8*time.Hour || p.Auth.MaxFailuresPerAccount != 5 {
		t.Fatalf("override one value: %+v %v", p.Auth, err)
	}
	bad := []struct{ body, want string }{
		{"auth:\n  session_lifetme: 8h\n", "line 2"},
		{"auth:\n  session_lifetime: soon\n", "not a duration"},
		{"auth:\n  session_lifetime: 1m\n", "at least 5m"},
		{"auth:\n  max_failures_per_account: 0\n", "at least 1"},
		{"incidents: []\n", "incidents"},
		{"health:\n  business_hours: office\n", `health.business_hours: unknown calendar "office"`},
		{"health:\n  webhook_quiet_after: 10s\n", "health.webhook_quiet_after must be at least 1m"},
	}
	for _, c := range bad {
		_, err := config.LoadPolicy(write(c.body))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want it to mention %q", c.body, err, c.want)
		}
	}
	p, err = config.LoadPolicy(write("sla:\n  calendars:\n    office:\n      time_zone: Europe/Berlin\n      hours: {weekdays: [\"09:00-17:00\"]}\n" +
		"health:\n  business_hours: office\n  webhook_quiet_after: 45m\n"))
	if err != nil || p.Health.WebhookQuietAfter.D() != 45*time.Minute {
		t.Fatalf("health section: %+v %v", p.Health, err)
	}
	if cal, err := p.Health.Build(p.SLA); err != nil || cal == nil || cal.IsOpen(time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("the office calendar is closed on Sunday: %v", err)
	}
	if _, err := config.LoadPolicy(filepath.Join(dir, "missing.yaml")); err == nil {
		t.Error("missing policy file accepted")
	}
}

func TestChatwootSettings(t *testing.T) {
	s, err := config.FromEnv([]string{"CHATWOOT_BASE_URL=https://chat.example.com", "CHATWOOT_API_TOKEN=secret-token-value", "CHATWOOT_ACCOUNT_ID=7"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(); err != nil || !s.Chatwoot.Configured() || s.Chatwoot.ReconcileEvery != time.Minute || !s.ChatwootDryRun() {
		t.Fatalf("settings %+v: %v", s.Chatwoot, err)
	}
	s.Env = "production"
	if s.ChatwootDryRun() {
		t.Fatal("production defaults to dry run")
	}
	s, _ = config.FromEnv([]string{"CHATWOOT_BASE_URL=chat.example.com", "CHATWOOT_API_TOKEN=secret-token-value", "CHATWOOT_WEBHOOK_TOKEN=short", "CHATWOOT_RECONCILE_EVERY=1s"})
	err = s.Validate()
	for _, want := range []string{"CHATWOOT_BASE_URL", "CHATWOOT_ACCOUNT_ID", "CHATWOOT_WEBHOOK_TOKEN", "CHATWOOT_RECONCILE_EVERY"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not name %s", err, want)
		}
	}
	if strings.Contains(err.Error(), "secret-token-value") {
		t.Fatal("the API token leaked into an error")
	}
	s, _ = config.FromEnv([]string{"CHATWOOT_DRY_RUN=false"})
	if s.ChatwootDryRun() {
		t.Fatal("CHATWOOT_DRY_RUN=false ignored in development")
	}
}

func TestRetentionKeepsAtLeastWhatPagesShow(t *testing.T) {
	p := config.DefaultPolicy()
	if p.Retention != (config.RetentionPolicy{HealthChecksDays: 90, NotificationsDays: 90, DeliveriesDays: 90}) {
		t.Fatalf("default retention %+v", p.Retention)
	}
	p.Retention = config.RetentionPolicy{HealthChecksDays: 30, NotificationsDays: 0, DeliveriesDays: 7}
	err := p.Validate()
	for _, want := range []string{"retention.health_checks_days must be at least 31", "retention.notifications_days must be at least 1"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not say %q", err, want)
		}
	}
	if err != nil && strings.Contains(err.Error(), "deliveries_days") {
		t.Errorf("7 days of deliveries refused: %v", err)
	}
}
