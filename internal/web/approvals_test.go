package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/hotdash/hotdash/client"
	"github.com/hotdash/hotdash/internal/auth"
)

// submitDraft submits a draft for the simulated conversation as an AI
// agent would.
func (s *simulated) submitDraft(t *testing.T, d client.NewDraft) client.Draft {
	t.Helper()
	d.ConversationDisplayID = s.display
	if d.Agent == "" {
		d.Agent = "helper-bot"
	}
	out, err := s.Client(auth.Agent).SubmitDraft(context.Background(), d, "")
	if err != nil {
		t.Fatalf("submit draft: %v", err)
	}
	return out
}

func draftPath(id int64) string { return "/approvals/" + strconv.FormatInt(id, 10) }

func TestTheQueueShowsHighRiskFirstAndTheReviewPageHighlightsWhy(t *testing.T) {
	s := startSimulated(t, true)
	s.user(t, "lead@example.com", auth.Lead)
	plain := s.submitDraft(t, client.NewDraft{Kind: "reply", Text: "Your parcel is on its way."})
	risky := s.submitDraft(t, client.NewDraft{Kind: "reply", Text: "Card 4242 4242 4242 4242 is refunded <script>alert(1)</script>"})
	note := s.submitDraft(t, client.NewDraft{Kind: "note", Text: "Prefers email"})
	b := s.browser(t)
	b.signIn("lead@example.com")

	q := b.get("/approvals")
	q.want(t, http.StatusOK, "Pending review", "High risk <span class=\"count\">1</span>", "Medium risk <span class=\"count\">1</span>",
		"Approve selected low-risk drafts", `value="`+strconv.FormatInt(note.ID, 10)+`:1"`)
	order := []int{strings.Index(q.body, "draft-link-"+strconv.FormatInt(risky.ID, 10)), strings.Index(q.body, "draft-link-"+strconv.FormatInt(plain.ID, 10)),
		strings.Index(q.body, "draft-link-"+strconv.FormatInt(note.ID, 10))}
	if order[0] < 0 || order[0] > order[1] || order[1] > order[2] {
		t.Fatalf("queue order (high, medium, low) positions %v", order)
	}
	if strings.Contains(q.body, "<script>alert(1)") {
		t.Fatal("the queue renders a draft's markup")
	}

	p := b.get(draftPath(risky.ID))
	p.want(t, http.StatusOK, `<mark title="the reply shows a full card number">4242 4242 4242 4242</mark>`,
		`<mark title="the reply touches refunds (&#34;refund*&#34;)">refunded</mark>`, "&lt;script&gt;alert(1)&lt;/script&gt;",
		`name="version" value="1"`, "My parcel never arrived", "Approve and send")
	if strings.Contains(p.body, "<script>alert(1)") {
		t.Fatal("the review page renders a draft's markup")
	}

	d := b.get("/")
	d.want(t, http.StatusOK, "Approvals", `<span class="headline-number">3</span>`, "waiting for review")
}

func TestReviewingFromThePage(t *testing.T) {
	s := startSimulated(t, true)
	s.user(t, "lead@example.com", auth.Lead)
	s.user(t, "exec@example.com", auth.Executive)
	first := s.submitDraft(t, client.NewDraft{Kind: "reply", Text: "It ships Monday."})
	second := s.submitDraft(t, client.NewDraft{Kind: "reply", Text: "Anything else?"})
	b := s.browser(t)
	b.signIn("lead@example.com")
	path := draftPath(first.ID)

	p := b.post(path+"/review", url.Values{"action": {"approve"}, "version": {"1"}, "text": {"It ships Monday!"}, "tone": {"5"}})
	p.want(t, http.StatusUnprocessableEntity, "2 fields need attention", `href="#grade-accuracy"`, `href="#grade-policy"`, "It ships Monday!")
	p = b.post(path+"/review", url.Values{"action": {"approve"}, "version": {"1"}, "text": {"It ships Monday!"}, "tone": {"5"}, "accuracy": {"4"}, "policy": {"5"}})
	if p.status != http.StatusSeeOther || p.location != draftPath(second.ID) {
		t.Fatalf("approve: %d → %q, want the next draft\n%s", p.status, p.location, p.body)
	}
	b.get(p.location).want(t, http.StatusOK, "Draft #"+strconv.FormatInt(first.ID, 10)+" approved; it is being sent (dry run")
	// Someone acting on the version already reviewed loses, and keeps their text.
	p = b.post(path+"/review", url.Values{"action": {"reject"}, "version": {"1"}, "note": {"too chatty"}})
	p.want(t, http.StatusConflict, "Someone else acted on this draft first", "too chatty")

	p = b.post(draftPath(second.ID)+"/review", url.Values{"action": {"request_changes"}, "version": {"1"}})
	p.want(t, http.StatusUnprocessableEntity, "tell the agent what to change")
	p = b.post(draftPath(second.ID)+"/review", url.Values{"action": {"request_changes"}, "version": {"1"}, "note": {"Ask for the order number"}})
	if p.status != http.StatusSeeOther || p.location != "/approvals" {
		t.Fatalf("request changes: %d → %q", p.status, p.location)
	}
	got, err := s.Client(auth.Agent).Draft(context.Background(), second.ID)
	if err != nil || got.State != "changes_requested" || got.ReviewNote != "Ask for the order number" {
		t.Fatalf("the agent sees %+v (%v)", got.Draft, err)
	}

	// An executive may read drafts but not review them.
	e := s.browser(t)
	e.signIn("exec@example.com")
	page := e.get(path)
	page.want(t, http.StatusOK, "Your role may read drafts but not review them")
	if e.post(draftPath(second.ID)+"/review", url.Values{"action": {"approve"}, "version": {"2"}}).status != http.StatusForbidden {
		t.Fatal("an executive could review a draft")
	}
}

func TestBulkApprovalTakesLowRiskOnly(t *testing.T) {
	s := startSimulated(t, true)
	s.user(t, "op@example.com", auth.Operator)
	n1 := s.submitDraft(t, client.NewDraft{Kind: "note", Text: "VIP, be quick"})
	n2 := s.submitDraft(t, client.NewDraft{Kind: "labels", Labels: &client.LabelChange{Add: []string{"shipping"}}})
	reply := s.submitDraft(t, client.NewDraft{Kind: "reply", Text: "Hello"})
	b := s.browser(t)
	b.signIn("op@example.com")
	p := b.post("/approvals/bulk", url.Values{"draft": {
		strconv.FormatInt(n1.ID, 10) + ":1", strconv.FormatInt(n2.ID, 10) + ":1", strconv.FormatInt(reply.ID, 10) + ":1"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("bulk: %d", p.status)
	}
	b.get(p.location).want(t, http.StatusOK, "Approved 2 low-risk drafts. 1 could not be approved")
	got, err := s.Client(auth.Lead).Draft(context.Background(), reply.ID)
	if err != nil || got.State != "pending_review" {
		t.Fatalf("the reply is %s (%v)", got.State, err)
	}
}
