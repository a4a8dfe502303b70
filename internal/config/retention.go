package config

import (
	"fmt"
	"time"
)

// RetentionPolicy is the policy file's retention section: how many days
// HotDash keeps records that only grow. The Decision Log, incidents,
// drafts and conversations are kept for good.
//
//	retention:
//	  health_checks_days: 90   # Chatwoot health checks (at least 31: uptime covers 30 days)
//	  notifications_days: 90   # notification center entries, read or not
//	  deliveries_days: 90      # finished outside deliveries and their attempts
type RetentionPolicy struct {
	HealthChecksDays  int `yaml:"health_checks_days"`
	NotificationsDays int `yaml:"notifications_days"`
	DeliveriesDays    int `yaml:"deliveries_days"`
}

// DefaultRetention keeps each for 90 days.
func DefaultRetention() RetentionPolicy {
	return RetentionPolicy{HealthChecksDays: 90, NotificationsDays: 90, DeliveriesDays: 90}
}

// Validate refuses a retention shorter than what HotDash shows.
func (r RetentionPolicy) Validate() []error {
	var errs []error
	if r.HealthChecksDays < 31 {
		errs = append(errs, fmt.Errorf("retention.health_checks_days must be at least 31 (the health page shows 30 days of uptime), not %d", r.HealthChecksDays))
	}
	if r.NotificationsDays < 1 {
		errs = append(errs, fmt.Errorf("retention.notifications_days must be at least 1, not %d", r.NotificationsDays))
	}
	if r.DeliveriesDays < 1 {
		errs = append(errs, fmt.Errorf("retention.deliveries_days must be at least 1, not %d", r.DeliveriesDays))
	}
	return errs
}

// Days turns a number of days into a duration.
func Days(n int) time.Duration { return time.Duration(n) * 24 * time.Hour }
