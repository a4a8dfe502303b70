package sla

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Targets are a policy's limits for each clock, in business time of the
// policy's calendar. Zero means the clock is not used.
type Targets struct {
	FirstResponse time.Duration
	NextResponse  time.Duration
	Resolution    time.Duration
}

// DefaultTargets are PRODUCT.md's: first response 30 min, next response
// 30 min, resolution 24 h.
func DefaultTargets() Targets {
	return Targets{FirstResponse: 30 * time.Minute, NextResponse: 30 * time.Minute, Resolution: 24 * time.Hour}
}

// Match selects conversations. Each non-empty list must match: the
// conversation's channel is in Channels, its priority is in Priorities, and
// at least one of its labels is in Labels. An empty Match matches every
// conversation. Channels are normalised names (see NormalizeChannel),
// priorities are low, medium, high or urgent; labels compare without regard
// to case.
type Match struct {
	Channels   []string
	Priorities []string
	Labels     []string
}

// IsZero reports whether m matches every conversation.
func (m Match) IsZero() bool {
	return len(m.Channels) == 0 && len(m.Priorities) == 0 && len(m.Labels) == 0
}

// Matches reports whether a conversation on channel (a Chatwoot channel
// type or a normalised name) with the given priority and labels matches m.
func (m Match) Matches(channel, priority string, labels []string) bool {
	if len(m.Channels) > 0 && !slices.Contains(m.Channels, NormalizeChannel(channel)) {
		return false
	}
	if len(m.Priorities) > 0 && !slices.Contains(m.Priorities, strings.ToLower(strings.TrimSpace(priority))) {
		return false
	}
	if len(m.Labels) > 0 && !slices.ContainsFunc(labels, func(l string) bool {
		return slices.ContainsFunc(m.Labels, func(want string) bool { return strings.EqualFold(want, strings.TrimSpace(l)) })
	}) {
		return false
	}
	return true
}

// Validate reports unknown channel and priority names and empty labels.
func (m Match) Validate() error {
	var errs []error
	for _, c := range m.Channels {
		if !KnownChannel(c) {
			errs = append(errs, fmt.Errorf("unknown channel %q (want one of %s)", c, strings.Join(ChannelNames(), ", ")))
		}
	}
	for _, p := range m.Priorities {
		if !KnownPriority(p) {
			errs = append(errs, fmt.Errorf("unknown priority %q (want one of %s)", p, strings.Join(PriorityNames(), ", ")))
		}
	}
	for _, l := range m.Labels {
		if strings.TrimSpace(l) == "" {
			errs = append(errs, errors.New("empty label"))
		}
	}
	return errors.Join(errs...)
}

// Policy is a named set of targets measured on a calendar, for the
// conversations its Match selects. A nil Calendar means 24/7 wall time.
type Policy struct {
	// Name identifies the policy in the state and on pages.
	Name string
	// Match selects the conversations the policy applies to; empty for
	// the default policy.
	Match Match
	// Targets are the limits for the three clocks.
	Targets Targets
	// Calendar gives the business hours the clocks count in (nil: 24/7).
	Calendar *Calendar
}

// DefaultPolicy is the built-in policy: named "default", matching every
// conversation, DefaultTargets, around the clock.
func DefaultPolicy() Policy { return Policy{Name: "default", Targets: DefaultTargets()} }

// Policies is an ordered set of policies. The zero Policies selects
// DefaultPolicy for every conversation. Build one with NewPolicies.
type Policies struct {
	rules  []Policy
	def    Policy
	hasDef bool
}

// NewPolicies builds a policy set from list, in order. If the last policy
// has an empty Match it is the default; otherwise DefaultPolicy is. Names
// must be present and unique, targets not negative, matches valid, and only
// the last policy may have an empty Match (one earlier would hide every
// policy after it). Every problem is reported.
func NewPolicies(list ...Policy) (Policies, error) {
	var errs []error
	seen := map[string]bool{}
	for i, p := range list {
		name := p.Name
		if name == "" {
			name = fmt.Sprintf("#%d", i+1)
			errs = append(errs, fmt.Errorf("policy %s: a name is required", name))
		} else if seen[name] {
			errs = append(errs, fmt.Errorf("policy %q: the name is used twice", name))
		}
		seen[p.Name] = true
		if err := p.Targets.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("policy %q: %w", name, err))
		}
		if err := p.Match.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("policy %q: %w", name, err))
		}
		if p.Match.IsZero() && i != len(list)-1 {
			errs = append(errs, fmt.Errorf("policy %q matches every conversation, so the policies after it would never apply", name))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return Policies{}, err
	}
	var ps Policies
	for _, p := range list {
		p.Match = Match{
			Channels:   slices.Clone(p.Match.Channels),
			Priorities: slices.Clone(p.Match.Priorities),
			Labels:     slices.Clone(p.Match.Labels),
		}
		ps.rules = append(ps.rules, p)
	}
	if n := len(ps.rules); n > 0 && ps.rules[n-1].Match.IsZero() {
		ps.def, ps.hasDef = ps.rules[n-1], true
		ps.rules = ps.rules[:n-1]
	}
	return ps, nil
}

// Validate reports negative targets.
func (t Targets) Validate() error {
	var errs []error
	for _, x := range []struct {
		name string
		d    time.Duration
	}{{"first response", t.FirstResponse}, {"next response", t.NextResponse}, {"resolution", t.Resolution}} {
		if x.d < 0 {
			errs = append(errs, fmt.Errorf("the %s target %s is negative", x.name, x.d))
		}
	}
	return errors.Join(errs...)
}

// Select returns the first policy whose Match matches the conversation,
// else the default policy.
func (ps Policies) Select(channel, priority string, labels []string) Policy {
	for _, p := range ps.rules {
		if p.Match.Matches(channel, priority, labels) {
			return p
		}
	}
	return ps.Default()
}

// Default is the policy for conversations no other policy matches.
func (ps Policies) Default() Policy {
	if !ps.hasDef {
		return DefaultPolicy()
	}
	return ps.def
}

// List returns every policy in the order they are tried, the default last.
func (ps Policies) List() []Policy {
	return append(slices.Clone(ps.rules), ps.Default())
}

// PriorityNames returns the conversation priorities a Match may name,
// lowest first: low, medium, high, urgent.
func PriorityNames() []string { return []string{"low", "medium", "high", "urgent"} }

// KnownPriority reports whether p is one of PriorityNames.
func KnownPriority(p string) bool {
	switch p {
	case "low", "medium", "high", "urgent":
		return true
	}
	return false
}

// NormalizeChannel maps a Chatwoot channel type to HotDash's channel name:
// "Channel::WebWidget" → "web", "Channel::Email" → "email", "Channel::Api" →
// "api", "Channel::TwilioSms" and "Channel::Sms" → "sms", "Channel::Whatsapp"
// → "whatsapp", "Channel::FacebookPage" → "facebook", "Channel::Instagram" →
// "instagram", "Channel::Telegram" → "telegram", "Channel::Line" → "line",
// "Channel::TwitterProfile" → "twitter", "Channel::Voice" → "voice",
// "Channel::Tiktok" → "tiktok". Anything else is lower-cased without the
// "Channel::" prefix. Case is ignored and normalised names map to
// themselves, so NormalizeChannel(NormalizeChannel(x)) == NormalizeChannel(x).
func NormalizeChannel(chatwootChannelType string) string {
	s := strings.ToLower(strings.TrimSpace(chatwootChannelType))
	s = strings.TrimPrefix(s, "channel::")
	switch s {
	case "webwidget":
		return "web"
	case "twiliosms":
		return "sms"
	case "facebookpage":
		return "facebook"
	case "twitterprofile":
		return "twitter"
	}
	return s
}

// ChannelNames returns the normalised channel names a Match may name.
func ChannelNames() []string {
	return []string{"web", "email", "api", "sms", "whatsapp", "facebook", "instagram", "telegram", "line", "twitter", "voice", "tiktok"}
}

// KnownChannel reports whether name is one of ChannelNames.
func KnownChannel(name string) bool { return slices.Contains(ChannelNames(), name) }
