package config

import (
	"errors"
	"fmt"
	"strings"
)

// RiskConfig is the policy file's risk section: the rules that give an AI
// draft its risk level. Terms match whole words, ignoring case; a trailing
// "*" matches any word that starts with the rest ("refund*" matches
// "refunded"); a term of several words matches them in a row.
//
//	risk:
//	  min_confidence: 0.6          # a draft less sure than this is high risk
//	  topics:                      # a public reply touching these is high risk
//	    refunds: ["refund*", "money back"]
//	  angry_terms: ["furious", "unacceptable"]
//	  vip_labels: [vip]            # conversations with these labels are high risk
//	  pii:
//	    allowed_emails: [support@example.com]   # beside the customer's own
//	    allowed_phones: ["+1 555 0100"]         # the support line
type RiskConfig struct {
	MinConfidence float64             `yaml:"min_confidence"`
	Topics        map[string][]string `yaml:"topics"`
	AngryTerms    []string            `yaml:"angry_terms"`
	VIPLabels     []string            `yaml:"vip_labels"`
	PII           PIIConfig           `yaml:"pii"`
}

// PIIConfig tunes the PII guard. The guard always runs on public replies.
type PIIConfig struct {
	// AllowedEmails may appear in replies (the team's own addresses).
	AllowedEmails []string `yaml:"allowed_emails"`
	// AllowedPhones may appear in replies (the support line); compared by
	// their digits.
	AllowedPhones []string `yaml:"allowed_phones"`
}

// DefaultRisk returns PRODUCT.md's defaults: money, refunds, cancellations,
// chargebacks and legal words, angry customers, the vip label, confidence
// below 0.6.
func DefaultRisk() RiskConfig {
	return RiskConfig{
		MinConfidence: 0.6,
		Topics: map[string][]string{
			"money": {"money", "pay", "paid", "payment*", "price*", "pricing", "invoice*", "billing", "billed", "bill",
				"charge", "charged", "charges", "charging", "credit", "credits", "discount*", "compensat*", "coupon*", "voucher*", "fee", "fees"},
			"refunds":       {"refund*", "reimburs*", "money back"},
			"cancellations": {"cancel*", "terminat*", "unsubscrib*"},
			"chargebacks":   {"chargeback*", "dispute*"},
			"legal": {"legal*", "lawyer*", "attorney*", "lawsuit*", "sue", "suing", "court", "gdpr", "liabil*", "compliance",
				"regulator*", "ombudsman"},
		},
		AngryTerms: []string{"angry", "furious", "unacceptable", "ridiculous", "outrage*", "scam*", "worst", "disgust*",
			"terrible", "fed up", "never again", "pathetic", "useless"},
		VIPLabels: []string{"vip"},
	}
}

// Validate reports problems with the risk rules.
func (r RiskConfig) Validate() error {
	var errs []error
	if r.MinConfidence < 0 || r.MinConfidence > 1 {
		errs = append(errs, fmt.Errorf("risk.min_confidence must be between 0 and 1, not %v", r.MinConfidence))
	}
	check := func(where string, terms []string) {
		for _, t := range terms {
			if strings.TrimSpace(strings.TrimSuffix(t, "*")) == "" {
				errs = append(errs, fmt.Errorf("%s: a term cannot be empty or only \"*\"", where))
			}
		}
	}
	for name, terms := range r.Topics {
		if strings.TrimSpace(name) == "" {
			errs = append(errs, errors.New("risk.topics: a topic needs a name"))
		}
		check("risk.topics."+name, terms)
	}
	check("risk.angry_terms", r.AngryTerms)
	for _, e := range r.PII.AllowedEmails {
		if !strings.Contains(e, "@") {
			errs = append(errs, fmt.Errorf("risk.pii.allowed_emails: %q is not an email address", e))
		}
	}
	return errors.Join(errs...)
}
