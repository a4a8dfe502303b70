package bench

import (
	"context"
	"testing"
	"time"
)

// TestNotifyDeliversEveryMessageOnceSigned runs the notify benchmark
// small: in both phases every delivery arrives once, correctly signed, and
// every try is recorded.
func TestNotifyDeliversEveryMessageOnceSigned(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the notification outbox against a local receiver")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := Notify(ctx, NotifyOptions{Engine: "sqlite", Messages: 200, Endpoints: 2, Batch: 25, Senders: 4, Rate: 400})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", res)
	if len(res.Phases) != 2 || res.Unsettled != 0 {
		t.Fatalf("phases %d, unsettled %d; want 2 phases and every try recorded", len(res.Phases), res.Unsettled)
	}
	for _, p := range res.Phases {
		if p.Deliveries != 400 || p.Missing != 0 || p.Duplicates != 0 || p.BadSigs != 0 {
			t.Errorf("%s: of %d deliveries %d missing, %d twice, %d badly signed", p.Name, p.Deliveries, p.Missing, p.Duplicates, p.BadSigs)
		}
		if p.PerSecond <= 0 || p.LagMax <= 0 || p.LagP99 > p.LagMax {
			t.Errorf("%s: figures do not add up: %+v", p.Name, p)
		}
	}
}
