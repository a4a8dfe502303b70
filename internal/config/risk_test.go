package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writePolicy(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRiskSectionOverridesTopicsByName(t *testing.T) {
	p, err := LoadPolicy(writePolicy(t, `
risk:
  min_confidence: 0.75
  topics:
    refunds: ["refund*", "store credit"]
    legal: []
    shipping: ["courier*"]
  vip_labels: [vip, enterprise]
  pii:
    allowed_emails: [help@example.com]
`))
	if err != nil {
		t.Fatal(err)
	}
	r := p.Risk
	if r.MinConfidence != 0.75 || strings.Join(r.Topics["refunds"], ",") != "refund*,store credit" || len(r.Topics["legal"]) != 0 ||
		len(r.Topics["shipping"]) != 1 || len(r.Topics["money"]) == 0 || strings.Join(r.VIPLabels, ",") != "vip,enterprise" ||
		len(r.AngryTerms) == 0 || r.PII.AllowedEmails[0] != "help@example.com" {
		t.Fatalf("risk section read as %+v", r)
	}
}

func TestRiskSectionErrors(t *testing.T) {
	_, err := LoadPolicy(writePolicy(t, `
risk:
  min_confidence: 1.5
  angry_terms: ["*"]
  pii:
    allowed_emails: [not-an-address]
`))
	if err == nil {
		t.Fatal("a bad risk section loaded")
	}
	for _, want := range []string{"risk.min_confidence must be between 0 and 1", `risk.angry_terms: a term cannot be empty or only "*"`, `"not-an-address" is not an email address`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}
