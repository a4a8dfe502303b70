package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"go.yaml.in/yaml/v3"
)

// Policy is the support floor's policy file. Every number is a default that
// the file may change.
type Policy struct {
	Auth AuthPolicy `yaml:"auth"`
	SLA  SLAConfig  `yaml:"sla"`
	Risk RiskConfig `yaml:"risk"`
	// Notify names the endpoints notifications leave through.
	Notify NotifyConfig `yaml:"notify"`
	// Escalation is the incident ladder: levels, contacts, timers.
	Escalation EscalationConfig `yaml:"escalation"`
	// Health says when Chatwoot's webhooks count as quiet.
	Health HealthPolicy `yaml:"health"`
	// Shifts are the support floor's shifts (handoffs belong to them).
	Shifts ShiftsConfig `yaml:"shifts"`
	// Reports schedules the daily summary.
	Reports ReportsConfig `yaml:"reports"`
	// Retention says how long records that only grow are kept.
	Retention RetentionPolicy `yaml:"retention"`
}

// AuthPolicy governs sessions and sign-in.
type AuthPolicy struct {
	// SessionLifetime is how long a sign-in lasts (a shift and some).
	SessionLifetime Duration `yaml:"session_lifetime"`
	// MaxFailuresPerAccount failed sign-ins within FailureWindow lock an
	// account's sign-in until the oldest leaves the window.
	MaxFailuresPerAccount int `yaml:"max_failures_per_account"`
	// MaxFailuresPerAddress does the same per client address.
	MaxFailuresPerAddress int      `yaml:"max_failures_per_address"`
	FailureWindow         Duration `yaml:"failure_window"`
	// SetupLinkLifetime is how long a first-run setup link stays valid.
	SetupLinkLifetime Duration `yaml:"setup_link_lifetime"`
}

// DefaultPolicy returns the built-in policy.
func DefaultPolicy() Policy {
	return Policy{Auth: AuthPolicy{
		SessionLifetime:       Duration(12 * time.Hour),
		MaxFailuresPerAccount: 5,
		MaxFailuresPerAddress: 20,
		FailureWindow:         Duration(15 * time.Minute),
		SetupLinkLifetime:     Duration(24 * time.Hour),
	}, SLA: DefaultSLA(), Risk: DefaultRisk(), Escalation: DefaultEscalation(), Health: DefaultHealth(),
		Shifts: DefaultShifts(), Reports: DefaultReports(), Retention: DefaultRetention()}
}

// LoadPolicy reads the policy file at path over the defaults; an empty path
// gives the defaults. Unknown keys are errors (with their line), so a typo
// cannot silently leave a default in force.
func LoadPolicy(path string) (Policy, error) {
	p := DefaultPolicy()
	if path == "" {
		return p, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return p, fmt.Errorf("read policy file: %w", err)
	}
	if err := decodeStrict(b, &p); err != nil {
		return p, fmt.Errorf("policy file %s: %w", path, err)
	}
	if err := p.Validate(); err != nil {
		return p, fmt.Errorf("policy file %s: %w", path, err)
	}
	return p, nil
}

func decodeStrict(b []byte, v any) error {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}

// Validate reports every problem with the policy.
func (p Policy) Validate() error {
	var errs []error
	a := p.Auth
	if a.SessionLifetime.D() < 5*time.Minute {
		errs = append(errs, errors.New("auth.session_lifetime must be at least 5m"))
	}
	if a.MaxFailuresPerAccount < 1 || a.MaxFailuresPerAddress < 1 {
		errs = append(errs, errors.New("auth.max_failures_per_account and auth.max_failures_per_address must be at least 1"))
	}
	if a.FailureWindow.D() < time.Minute {
		errs = append(errs, errors.New("auth.failure_window must be at least 1m"))
	}
	if a.SetupLinkLifetime.D() < time.Minute {
		errs = append(errs, errors.New("auth.setup_link_lifetime must be at least 1m"))
	}
	if err := p.SLA.Validate(); err != nil {
		errs = append(errs, err)
	}
	if err := p.Risk.Validate(); err != nil {
		errs = append(errs, err)
	}
	if err := p.Notify.Validate(); err != nil {
		errs = append(errs, err)
	}
	if err := p.Escalation.Validate(p.Notify); err != nil {
		errs = append(errs, err)
	}
	if _, err := p.Health.Build(p.SLA); err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, p.Retention.Validate()...)
	if err := p.Shifts.Validate(); err != nil {
		errs = append(errs, err)
	}
	if err := p.Reports.Validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Duration is a time.Duration written in YAML as "90s", "15m" or "12h".
type Duration time.Duration

// D returns the duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// UnmarshalYAML parses a Go duration string.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	var s string
	if err := n.Decode(&s); err != nil {
		return fmt.Errorf("line %d: want a duration such as 15m or 12h", n.Line)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("line %d: %q is not a duration such as 15m or 12h", n.Line, s)
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML writes the duration as a string.
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }
