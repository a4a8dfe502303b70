package approval

import (
	"strings"
	"testing"
)

func defaultRules() RiskRules {
	return NewRiskRules(RiskConfig{
		MinConfidence: 0.6,
		Topics: map[string][]string{
			"refunds": {"refund*", "money back"},
			"legal":   {"lawyer*", "gdpr"},
		},
		AngryTerms:    []string{"furious", "fed up"},
		VIPLabels:     []string{"vip"},
		AllowedEmails: []string{"support@example.com"},
		AllowedPhones: []string{"+1 (555) 010-0100"},
	})
}

func ptr(f float64) *float64 { return &f }

func TestRiskLevels(t *testing.T) {
	r := defaultRules()
	cases := []struct {
		name  string
		s     Subject
		level string
		rules []string
	}{
		{"a plain reply is medium", Subject{Kind: KindReply, Text: "Your parcel ships today."}, RiskMedium, []string{"public_reply"}},
		{"a private note is low whatever it says", Subject{Kind: KindNote, Text: "Customer wants a refund, card 4242 4242 4242 4242"}, RiskLow, []string{"internal"}},
		{"labels are low", Subject{Kind: KindLabels}, RiskLow, []string{"internal"}},
		{"a prefix term matches a longer word", Subject{Kind: KindReply, Text: "We have refunded the order."}, RiskHigh, []string{"topic:refunds"}},
		{"a term matches whole words only", Subject{Kind: KindReply, Text: "Our refundable-looking offer: see prefunds."}, RiskHigh, []string{"topic:refunds"}},
		{"a phrase matches words in a row", Subject{Kind: KindReply, Text: "You will get your MONEY  back."}, RiskHigh, []string{"topic:refunds"}},
		{"a phrase split apart does not match", Subject{Kind: KindReply, Text: "Money is tight; we will get back to you."}, RiskMedium, []string{"public_reply"}},
		{"the customer's topic counts", Subject{Kind: KindReply, Text: "Thanks, looking into it.", CustomerText: "My lawyer will hear of this"}, RiskHigh, []string{"topic:legal"}},
		{"an angry customer", Subject{Kind: KindReply, Text: "Sorry!", CustomerText: "I am fed up with you"}, RiskHigh, []string{"angry_customer"}},
		{"a shouting customer", Subject{Kind: KindReply, Text: "Sorry!", CustomerText: "WHERE IS MY ORDER I PAID WEEKS AGO"}, RiskHigh, []string{"angry_customer"}},
		{"a few capitals are not shouting", Subject{Kind: KindReply, Text: "Sorry!", CustomerText: "Order ABC-123 from NYC"}, RiskMedium, []string{"public_reply"}},
		{"a VIP label, any case", Subject{Kind: KindReply, Text: "Hello", Labels: []string{"billing", "VIP"}}, RiskHigh, []string{"vip"}},
		{"low confidence", Subject{Kind: KindReply, Text: "Hello", Confidence: ptr(0.59)}, RiskHigh, []string{"low_confidence"}},
		{"confidence at the threshold is fine", Subject{Kind: KindReply, Text: "Hello", Confidence: ptr(0.6)}, RiskMedium, []string{"public_reply"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := r.Assess(c.s)
			if a.Level != c.level {
				t.Fatalf("level %s, want %s (reasons %+v)", a.Level, c.level, a.Reasons)
			}
			var got []string
			for _, re := range a.Reasons {
				got = append(got, re.Rule)
			}
			if strings.Join(got, ",") != strings.Join(c.rules, ",") {
				t.Fatalf("rules %v, want %v", got, c.rules)
			}
		})
	}
}

func TestTopicSpansPointAtTheWords(t *testing.T) {
	text := "We refunded you. The refund shows in 3 days."
	a := defaultRules().Assess(Subject{Kind: KindReply, Text: text})
	var spans []string
	for _, s := range a.Reasons[0].Spans {
		spans = append(spans, text[s[0]:s[1]])
	}
	if strings.Join(spans, "|") != "refunded|refund" {
		t.Fatalf("spans %q", spans)
	}
}

func TestPIIGuard(t *testing.T) {
	r := defaultRules()
	cases := []struct {
		name string
		text string
		// want is the highlighted text per rule, "" for none.
		want map[string][]string
	}{
		{"a full card number", "Your card 4242 4242 4242 4242 was charged.", map[string][]string{"pii_card": {"4242 4242 4242 4242"}}},
		{"a card written with dashes", "Card 4000-0566-5566-5556 is on file", map[string][]string{"pii_card": {"4000-0566-5566-5556"}}},
		{"a masked card is fine", "Your card ending 4242 (**** **** **** 4242) was charged.", nil},
		{"sixteen digits failing Luhn are neither card nor phone", "Tracking 1234567812345678.", nil},
		{"a full phone number", "Call Sam on +44 20 7946 0958 tomorrow.", map[string][]string{"pii_phone": {"+44 20 7946 0958"}}},
		{"our own support line is allowed", "Call us on +1 (555) 010-0100.", nil},
		{"an order number is not a phone", "Order #123456789 shipped.", nil},
		{"a date is not a phone", "It ships 2026-11-30 10:00.", nil},
		{"a short number is fine", "Use code 12345 or call ext. 5567.", nil},
		{"another person's email", "Write to jane.doe@othercorp.com for help.", map[string][]string{"pii_email": {"jane.doe@othercorp.com"}}},
		{"the customer's own email is fine", "We wrote to Ada@Example.org already.", nil},
		{"our support address is fine", "Mail support@example.com any time.", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := r.Assess(Subject{Kind: KindReply, Text: c.text, CustomerEmail: "ada@example.org"})
			got := map[string][]string{}
			for _, re := range a.Reasons {
				if !strings.HasPrefix(re.Rule, "pii_") {
					continue
				}
				got[re.Rule] = []string{}
				for _, s := range re.Spans {
					got[re.Rule] = append(got[re.Rule], c.text[s[0]:s[1]])
				}
			}
			for rule, spans := range c.want {
				g, ok := got[rule]
				if !ok {
					t.Fatalf("%s did not fire; reasons %+v", rule, a.Reasons)
				}
				if len(spans) > 0 && strings.Join(g, "|") != strings.Join(spans, "|") {
					t.Fatalf("%s highlighted %q, want %q", rule, g, spans)
				}
				if a.Level != RiskHigh {
					t.Fatalf("PII left the draft %s", a.Level)
				}
			}
			for rule := range got {
				if _, ok := c.want[rule]; !ok {
					t.Fatalf("%s fired unexpectedly: %v", rule, got[rule])
				}
			}
		})
	}
}

func TestLuhn(t *testing.T) {
	for d, want := range map[string]bool{"4242424242424242": true, "4242424242424241": false, "79927398713": true, "0": true} {
		if luhn(d) != want {
			t.Errorf("luhn(%s) = %v", d, !want)
		}
	}
}

func FuzzAssessNeverPanicsAndSpansAreInText(f *testing.F) {
	f.Add("Refund 4242 4242 4242 4242 to a@b.co or +1 555 010 0199", "I AM FURIOUS")
	f.Add("", "")
	f.Add("é'' ' refund*", "\xff\xfe")
	r := defaultRules()
	f.Fuzz(func(t *testing.T, text, customer string) {
		a := r.Assess(Subject{Kind: KindReply, Text: text, CustomerText: customer})
		if a.Level == "" || len(a.Reasons) == 0 {
			t.Fatalf("no level or reasons: %+v", a)
		}
		for _, re := range a.Reasons {
			for _, s := range re.Spans {
				if s[0] < 0 || s[1] > len(text) || s[0] >= s[1] {
					t.Fatalf("span %v outside %q", s, text)
				}
			}
		}
	})
}

func TestDraftMarkers(t *testing.T) {
	for note, want := range map[string]string{
		"/draft Hi Ada, it ships today.": "Hi Ada, it ships today.",
		"  [DRAFT]: Hello\nthere ":       "Hello\nthere",
		"/drafted a reply":               "",
		"Please /draft this":             "",
		"/draft":                         "",
	} {
		got, ok := draftText(note)
		if got != want || ok != (want != "") {
			t.Errorf("draftText(%q) = %q, %v; want %q", note, got, ok, want)
		}
	}
}
