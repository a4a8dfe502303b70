package config

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/hotdash/hotdash/internal/sla"
)

// HealthPolicy is the policy file's health section: when Chatwoot's
// webhooks count as quiet.
//
//	health:
//	  webhook_quiet_after: 30m      # business time without a Chatwoot event
//	  business_hours: support-hours # a calendar of sla.calendars; omitted: around the clock
type HealthPolicy struct {
	WebhookQuietAfter Duration `yaml:"webhook_quiet_after"`
	BusinessHours     string   `yaml:"business_hours"`
}

// DefaultHealth is PRODUCT.md's freshness rule: 30 minutes, around the
// clock unless a calendar is named.
func DefaultHealth() HealthPolicy {
	return HealthPolicy{WebhookQuietAfter: Duration(30 * time.Minute)}
}

// Build validates the section against the sla section's calendars and
// returns the business-hours calendar (nil: around the clock).
func (h HealthPolicy) Build(s SLAConfig) (*sla.Calendar, error) {
	if h.WebhookQuietAfter.D() < time.Minute {
		return nil, errors.New("health.webhook_quiet_after must be at least 1m")
	}
	if h.BusinessHours == "" {
		return nil, nil
	}
	cc, ok := s.Calendars[h.BusinessHours]
	if !ok {
		return nil, fmt.Errorf("health.business_hours: unknown calendar %q%s", h.BusinessHours, known(slices.Sorted(maps.Keys(s.Calendars))))
	}
	cal, errs := buildCalendar("sla.calendars."+h.BusinessHours, h.BusinessHours, cc)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return cal, nil
}
