package report

import (
	"context"
	"fmt"

	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/notify/center"
)

// LeadNotifier tells the leads through the notification center.
type LeadNotifier struct{ Center *center.Center }

// HandoffUnacknowledged notifies every lead of an overdue handoff.
func (n LeadNotifier) HandoffUnacknowledged(ctx context.Context, h Handoff, key string) error {
	_, err := n.Center.Notify(ctx, center.Audience{Roles: []auth.Role{auth.Lead}}, center.Notification{
		Kind: center.Handoff, Urgent: true,
		Title: fmt.Sprintf("Handoff of the %s shift not acknowledged", h.Shift),
		Body: fmt.Sprintf("%s saved handoff #%d; the %s shift was to acknowledge it by %s.", h.Author, h.ID, h.NextShift,
			h.AckDueAt.Format("15:04 MST")),
		Link: h.Path(), Key: key,
	})
	return err
}
