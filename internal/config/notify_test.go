package config_test

import (
	"strings"
	"testing"

	"github.com/hotdash/hotdash/internal/config"
)

func TestSMTPSettingsAreCheckedWithoutShowingThePassword(t *testing.T) {
	const password = "hunter2-smtp-secret"
	cases := []struct {
		env  []string
		want string
	}{
		{[]string{"HOTDASH_SMTP_URL=smtp://u:" + password + "@relay.example.com:587", "HOTDASH_SMTP_FROM=HotDash <hotdash@example.com>"}, ""},
		{[]string{"HOTDASH_SMTP_URL=smtps://u:" + password + "@relay.example.com", "HOTDASH_SMTP_FROM=hotdash@example.com"}, ""},
		{[]string{"HOTDASH_SMTP_URL=http://u:" + password + "@relay.example.com", "HOTDASH_SMTP_FROM=hotdash@example.com"}, "HOTDASH_SMTP_URL must be smtp://"},
		{[]string{"HOTDASH_SMTP_URL=smtp://u:" + password + "@relay.example.com"}, "HOTDASH_SMTP_FROM is required"},
		{[]string{"HOTDASH_SMTP_URL=smtp://relay.example.com", "HOTDASH_SMTP_FROM=not an address"}, "HOTDASH_SMTP_FROM \"not an address\" is not an email address"},
		{[]string{"HOTDASH_SMTP_URL=smtp://relay.example.com?tls=off", "HOTDASH_SMTP_FROM=a@example.com"}, "the only tls option is tls=none"},
		{[]string{"HOTDASH_SMTP_FROM=a@example.com"}, "HOTDASH_SMTP_URL is not"},
	}
	for _, c := range cases {
		s, err := config.FromEnv(c.env)
		if err != nil {
			t.Fatal(err)
		}
		err = s.Validate()
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%v: %v, want valid", c.env, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%v: %v, want %q", c.env, err, c.want)
		case err != nil && strings.Contains(err.Error(), password):
			t.Errorf("the error shows the password: %v", err)
		}
	}
}

func TestNotifyEndpointsAndAttemptsAreValidated(t *testing.T) {
	n := config.NotifyConfig{MaxAttempts: 30, Endpoints: map[string]config.NotifyEndpoint{
		"mail": {Type: config.EndpointEmail, To: []string{"managers@example.com", "nobody"}},
	}}
	err := n.Validate()
	for _, want := range []string{"notify.max_attempts must be from 1 to 25", `notify.endpoints.mail: "nobody" is not an email address`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate = %v, want it to say %q", err, want)
		}
	}
	if got := (config.NotifyConfig{}).Attempts(); got != config.DefaultNotifyAttempts {
		t.Errorf("Attempts() with none set = %d, want %d", got, config.DefaultNotifyAttempts)
	}
}
