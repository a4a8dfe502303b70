package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/decisionlog"
)

// TestTheHeaderSearchFindsHelpAndDecisions: text typed in the header's
// search box finds Help Center articles and decisions on one page, escaped;
// a number still opens that decision.
func TestTheHeaderSearchFindsHelpAndDecisions(t *testing.T) {
	s := start(t)
	s.user(t, "op@example.com", auth.Operator)
	if _, _, err := s.Decisions.Append(context.Background(), decisionlog.Draft{Scope: "ops", Actor: "support", Action: "webhook.secret_rotated",
		Rationale: "Rotated the Chatwoot webhook secret after a leak", RecordedBy: "op@example.com"}); err != nil {
		t.Fatal(err)
	}
	b := s.browser(t)
	b.signIn("op@example.com")
	b.get("/").want(t, http.StatusOK, `action="/search"`)
	page := b.get("/search?q=webhook+secret")
	page.want(t, http.StatusOK, `id="search-help"`, `href="/help/webhook-setup`, "<mark>", `id="search-decisions"`, "webhook.secret_rotated",
		`href="/help?q=webhook&#43;secret"`, `href="/decisions?q=webhook&#43;secret"`, `id="search-cx-title"`)
	if p := b.get("/search?q=1"); p.status != http.StatusSeeOther || p.location != "/decisions/1" {
		t.Errorf("a number: %d → %q", p.status, p.location)
	}
	hostile := b.get(`/search?q=%3Cscript%3Ezzqx(1)%3C%2Fscript%3E+%22AND%22+*`)
	hostile.want(t, http.StatusOK, "&lt;script&gt;zzqx(1)&lt;/script&gt;", "No article matches.", "No decision mentions this.")
	if strings.Contains(hostile.body, "<script>zzqx(1)") {
		t.Fatal("the query is rendered as HTML")
	}
	b.get("/search").want(t, http.StatusOK, "Type what you are looking for")
}
