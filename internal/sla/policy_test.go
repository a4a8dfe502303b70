package sla_test

import (
	"strings"
	"testing"
	"time"

	"github.com/hotdash/hotdash/internal/sla"
)

func TestNormalizeChannel(t *testing.T) {
	for in, want := range map[string]string{
		"Channel::WebWidget":      "web",
		"Channel::Email":          "email",
		"Channel::Api":            "api",
		"Channel::TwilioSms":      "sms",
		"Channel::Sms":            "sms",
		"Channel::Whatsapp":       "whatsapp",
		"Channel::FacebookPage":   "facebook",
		"Channel::Instagram":      "instagram",
		"Channel::Telegram":       "telegram",
		"Channel::Line":           "line",
		"Channel::TwitterProfile": "twitter",
		"Channel::Voice":          "voice",
		"Channel::Tiktok":         "tiktok",
		"Channel::NewThing":       "newthing",
		"channel::webwidget":      "web",
		"web":                     "web",
		"Email":                   "email",
		" Channel::Email ":        "email",
	} {
		if got := sla.NormalizeChannel(in); got != want {
			t.Errorf("NormalizeChannel(%q) = %q, want %q", in, got, want)
		}
		if got := sla.NormalizeChannel(sla.NormalizeChannel(in)); got != want {
			t.Errorf("NormalizeChannel is not idempotent on %q", in)
		}
	}
	for _, c := range sla.ChannelNames() {
		if !sla.KnownChannel(c) || sla.NormalizeChannel(c) != c {
			t.Errorf("channel name %q", c)
		}
	}
}

func TestPoliciesSelect(t *testing.T) {
	vip := sla.Policy{Name: "vip-email", Match: sla.Match{Channels: []string{"email"}, Priorities: []string{"urgent", "high"}, Labels: []string{"vip"}},
		Targets: sla.Targets{FirstResponse: 15 * time.Minute}}
	chat := sla.Policy{Name: "chat", Match: sla.Match{Channels: []string{"web", "whatsapp"}}, Targets: sla.Targets{FirstResponse: 5 * time.Minute}}
	billing := sla.Policy{Name: "billing", Match: sla.Match{Labels: []string{"billing", "refund"}}, Targets: sla.Targets{Resolution: 4 * time.Hour}}
	fallback := sla.Policy{Name: "everyone", Targets: sla.Targets{Resolution: 48 * time.Hour}}

	ps, err := sla.NewPolicies(vip, chat, billing, fallback)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		channel, priority string
		labels            []string
		want              string
	}{
		{"Channel::Email", "high", []string{"vip"}, "vip-email"},
		{"email", "URGENT", []string{"x", "VIP"}, "vip-email"},
		{"email", "low", []string{"vip"}, "everyone"},    // priority does not match
		{"email", "high", nil, "everyone"},               // no label
		{"email", "high", []string{"refund"}, "billing"}, // not vip, but billing
		{"Channel::WebWidget", "", nil, "chat"},          // channel only
		{"Channel::Whatsapp", "urgent", []string{"vip"}, "chat"},
		{"sms", "", []string{"billing"}, "billing"},
		{"sms", "", nil, "everyone"},
	}
	for _, c := range cases {
		if got := ps.Select(c.channel, c.priority, c.labels).Name; got != c.want {
			t.Errorf("Select(%q, %q, %v) = %s, want %s", c.channel, c.priority, c.labels, got, c.want)
		}
	}
	if l := ps.List(); len(l) != 4 || l[3].Name != "everyone" {
		t.Errorf("List = %v", l)
	}

	// Without a catch-all the built-in default applies; so does the zero set.
	ps, err = sla.NewPolicies(vip)
	if err != nil {
		t.Fatal(err)
	}
	for _, set := range []sla.Policies{ps, {}} {
		d := set.Select("sms", "", nil)
		if d.Name != "default" || d.Targets != sla.DefaultTargets() || d.Calendar != nil {
			t.Errorf("default = %+v", d)
		}
	}
	if (sla.DefaultTargets() != sla.Targets{FirstResponse: 30 * time.Minute, NextResponse: 30 * time.Minute, Resolution: 24 * time.Hour}) {
		t.Error("default targets differ from PRODUCT.md")
	}
}

func TestNewPoliciesValidation(t *testing.T) {
	_, err := sla.NewPolicies(
		sla.Policy{Name: "a", Match: sla.Match{Channels: []string{"Channel::Email", "fax"}, Priorities: []string{"critical"}}},
		sla.Policy{Name: "catch-all"},
		sla.Policy{Name: "a", Match: sla.Match{Labels: []string{" "}}, Targets: sla.Targets{FirstResponse: -time.Minute}},
		sla.Policy{},
	)
	if err == nil {
		t.Fatal("invalid policies accepted")
	}
	for _, want := range []string{
		`unknown channel "Channel::Email"`, `unknown channel "fax"`, `unknown priority "critical"`,
		`"catch-all" matches every conversation`, `"a": the name is used twice`, "empty label",
		"first response target -1m0s is negative", "#4: a name is required",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q:\n%v", want, err)
		}
	}
}
