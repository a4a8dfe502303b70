package config

import (
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"sort"
	"time"
)

// EscalationConfig is the policy file's escalation section: the ladder's
// levels with their contacts and endpoints, and its timers. Without it,
// the built-in ladder runs with no contacts: escalations reach people
// only through HotDash's notification center, and the on-call page says
// so. A level the file names must have at least one contact.
//
//	escalation:
//	  levels:
//	    L1:
//	      name: support lead
//	      contacts: [{name: Lia Lead, slack: "@lia", email: lia@example.com}]
//	      notify: [support-slack]          # endpoints from the notify section
//	      renotify_every: 15m              # until someone acknowledges
//	      runbook: https://help.example.com/runbooks/l1
//	    L3:
//	      name: on-call engineering
//	      contacts: [{name: Eng on-call, pagerduty: oncall-pagerduty}]
//	      notify: [oncall-pagerduty]
//	  timers:
//	    s2_to_l1: 30m
//	    s2_to_l2: 60m
//	    s1_customer_update: 30m            # S1: customers hear from us this often
//	    s1_update_reminder: 10m            # remind the owner this long before
//	    evidence_reminder: 15m             # chase missing evidence this often
//	    repeat_window: 24h                 # a second L3 within it goes to L4
type EscalationConfig struct {
	Levels map[string]LevelConfig `yaml:"levels"`
	Timers EscalationTimers       `yaml:"timers"`
}

// LevelConfig is one rung of the ladder.
type LevelConfig struct {
	// Name says who the level is ("support lead").
	Name string `yaml:"name"`
	// Contacts are the people on call for the level (the on-call page
	// starts from them; managers edit it there).
	Contacts []Contact `yaml:"contacts"`
	// Notify names the endpoints an escalation to the level goes to.
	Notify []string `yaml:"notify"`
	// RenotifyEvery repeats the notification until someone acknowledges
	// (0: once).
	RenotifyEvery Duration `yaml:"renotify_every"`
	// Runbook links the level's runbook in every notification: an
	// http(s) link, or a HotDash path (the shipped incident runbook's
	// section for the level when empty).
	Runbook string `yaml:"runbook"`
}

// Contact is a person (or rota) on call for a level.
type Contact struct {
	Name  string `yaml:"name"`
	Slack string `yaml:"slack"`
	Email string `yaml:"email"`
	// PagerDuty names the pagerduty endpoint that routes to them.
	PagerDuty string `yaml:"pagerduty"`
}

// EscalationTimers are the ladder's delays.
type EscalationTimers struct {
	S2ToL1           Duration `yaml:"s2_to_l1"`
	S2ToL2           Duration `yaml:"s2_to_l2"`
	S1CustomerUpdate Duration `yaml:"s1_customer_update"`
	S1UpdateReminder Duration `yaml:"s1_update_reminder"`
	EvidenceReminder Duration `yaml:"evidence_reminder"`
	RepeatWindow     Duration `yaml:"repeat_window"`
}

// LadderLevels lists the levels, lowest first.
func LadderLevels() []string { return []string{"L0", "L1", "L2", "L3", "L4"} }

// defaultLevelNames are the SOP's names for the levels.
func defaultLevelNames() map[string]string {
	return map[string]string{"L0": "self-service", "L1": "support lead", "L2": "manager", "L3": "on-call engineering", "L4": "executive"}
}

// defaultLevelRunbooks are the sections of the shipped Help Center's
// incident runbook, one per level: every escalation links one unless the
// policy file names a runbook of its own.
func defaultLevelRunbooks() map[string]string {
	return map[string]string{"L1": "/help?topic=runbook-l1", "L2": "/help?topic=runbook-l2",
		"L3": "/help?topic=runbook-l3", "L4": "/help?topic=runbook-l4"}
}

// DefaultEscalation returns the SOP's timers and no contacts.
func DefaultEscalation() EscalationConfig {
	return EscalationConfig{Timers: EscalationTimers{
		S2ToL1: Duration(30 * time.Minute), S2ToL2: Duration(60 * time.Minute),
		S1CustomerUpdate: Duration(30 * time.Minute), S1UpdateReminder: Duration(10 * time.Minute),
		EvidenceReminder: Duration(15 * time.Minute), RepeatWindow: Duration(24 * time.Hour),
	}}
}

// Level returns a level's configuration, with its SOP name and the
// shipped runbook when the file gives none.
func (e EscalationConfig) Level(level string) LevelConfig {
	l := e.Levels[level]
	if l.Name == "" {
		l.Name = defaultLevelNames()[level]
	}
	if l.Runbook == "" {
		l.Runbook = defaultLevelRunbooks()[level]
	}
	return l
}

// Validate refuses a ladder that cannot work: an unknown level, a level
// without a contact, an endpoint that does not exist (a step nobody would
// hear), and timers that make a step unreachable.
func (e EscalationConfig) Validate(n NotifyConfig) error {
	var errs []error
	names := make([]string, 0, len(e.Levels))
	for k := range e.Levels {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, name := range names {
		errs = append(errs, e.validateLevel(name, n)...)
	}
	errs = append(errs, e.Timers.validate()...)
	return errors.Join(errs...)
}

func (e EscalationConfig) validateLevel(name string, n NotifyConfig) []error {
	var errs []error
	where := "escalation.levels." + name
	if !slices.Contains(LadderLevels()[1:], name) {
		return []error{fmt.Errorf("%s: unknown level (use L1, L2, L3 or L4; L0 is self-service and has no contacts)", where)}
	}
	l := e.Levels[name]
	if len(l.Contacts) == 0 {
		errs = append(errs, fmt.Errorf("%s: a level needs at least one contact (name and slack, email or pagerduty)", where))
	}
	for i, c := range l.Contacts {
		if c.Name == "" {
			errs = append(errs, fmt.Errorf("%s.contacts[%d]: name is required", where, i))
		}
		if c.Email != "" {
			if _, err := mail.ParseAddress(c.Email); err != nil {
				errs = append(errs, fmt.Errorf("%s.contacts[%d]: %q is not an email address", where, i, c.Email))
			}
		}
		if c.PagerDuty != "" && n.Endpoints[c.PagerDuty].Type != EndpointPagerDuty {
			errs = append(errs, fmt.Errorf("%s.contacts[%d]: pagerduty %q is not a pagerduty endpoint in notify.endpoints", where, i, c.PagerDuty))
		}
	}
	for _, ep := range l.Notify {
		if _, ok := n.Endpoints[ep]; !ok {
			errs = append(errs, fmt.Errorf("%s.notify: endpoint %q is not in notify.endpoints, so nobody would hear this step", where, ep))
		}
	}
	if d := l.RenotifyEvery.D(); d != 0 && d < time.Minute {
		errs = append(errs, fmt.Errorf("%s.renotify_every must be 0 (once) or at least 1m", where))
	}
	return errs
}

func (t EscalationTimers) validate() []error {
	var errs []error
	positive := map[string]Duration{"s2_to_l1": t.S2ToL1, "s2_to_l2": t.S2ToL2, "s1_customer_update": t.S1CustomerUpdate,
		"s1_update_reminder": t.S1UpdateReminder, "evidence_reminder": t.EvidenceReminder, "repeat_window": t.RepeatWindow}
	for _, k := range []string{"s2_to_l1", "s2_to_l2", "s1_customer_update", "s1_update_reminder", "evidence_reminder", "repeat_window"} {
		if positive[k].D() <= 0 {
			errs = append(errs, fmt.Errorf("escalation.timers.%s must be positive", k))
		}
	}
	if t.S2ToL2.D() <= t.S2ToL1.D() {
		errs = append(errs, fmt.Errorf("escalation.timers: s2_to_l2 (%s) must be later than s2_to_l1 (%s), or the L1 step is unreachable",
			t.S2ToL2.D(), t.S2ToL1.D()))
	}
	if t.S1UpdateReminder.D() >= t.S1CustomerUpdate.D() {
		errs = append(errs, fmt.Errorf("escalation.timers: s1_update_reminder (%s) must be shorter than s1_customer_update (%s)",
			t.S1UpdateReminder.D(), t.S1CustomerUpdate.D()))
	}
	return errs
}
