package bench

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestApprovalsDeliversEveryApprovedDraftOnce runs the approvals benchmark
// small: every read answers, and every draft approved reaches the
// simulated Chatwoot exactly once.
func TestApprovalsDeliversEveryApprovedDraftOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("starts HotDash and a simulated Chatwoot")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	res, err := Approvals(ctx, ApprovalsOptions{Engine: "sqlite", Conversations: 60, Drafts: 300, Requests: 5, Clients: 2,
		Rate: 20, Duration: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range res.Shapes {
		if s.Page && strings.HasPrefix(s.Name, "page /approvals") {
			continue // the approvals page may not exist yet
		}
		if s.Status != http.StatusOK || s.Error != "" {
			t.Errorf("%s: status %d, error %q", s.Name, s.Status, s.Error)
		}
		if !s.Page && s.Rows == 0 {
			t.Errorf("%s: no drafts listed", s.Name)
		}
	}
	d := res.Delivery
	t.Logf("delivery: %+v", d)
	if d.Approved != 40 || d.ApproveErrors != 0 {
		t.Fatalf("approved %d drafts (%d errors), want 40", d.Approved, d.ApproveErrors)
	}
	if d.Delivered != d.Approved || d.Missing != 0 || d.Duplicates != 0 || d.Sent != d.Approved {
		t.Fatalf("of %d approved: %d delivered, %d missing, %d delivered twice, %d shown sent", d.Approved, d.Delivered, d.Missing, d.Duplicates, d.Sent)
	}
}
