package web_test

import (
	"context"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/hotdash/hotdash/internal/apptest"
	"github.com/hotdash/hotdash/internal/config"
	"github.com/hotdash/hotdash/internal/conversation"
	"github.com/hotdash/hotdash/internal/web/webtest"
)

// startCX runs the app accepting webhooks signed with webtest.Secret for
// webtest.AccountID, with the settings adjusted further by adjust.
func startCX(t *testing.T, adjust ...func(*config.Settings)) *server {
	t.Helper()
	t.Parallel()
	a := apptest.Start(t, apptest.Options{Settings: func(s *config.Settings) {
		webtest.Settings(s)
		for _, f := range adjust {
			f(s)
		}
	}})
	return &server{App: a, url: a.URL()}
}

// deliver posts webhooks in order.
func (s *server) deliver(t *testing.T, bodies ...[]byte) {
	t.Helper()
	for _, b := range bodies {
		webtest.Deliver(t, s.url, b)
	}
}

// queue reads conversations as the pages do.
func (s *server) queue() *conversation.Queue { return conversation.NewQueue(s.DB) }

// waitConversation waits until the projector has shown conversation
// display with at least messages messages, and returns it.
func (s *server) waitConversation(t *testing.T, display int64, messages int) conversation.Conversation {
	t.Helper()
	return s.waitConversationIn(t, webtest.AccountID, display, messages)
}

// waitConversationIn is waitConversation for a conversation of account.
func (s *server) waitConversationIn(t *testing.T, account, display int64, messages int) conversation.Conversation {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(15 * time.Second)
	for {
		c, err := s.queue().ByDisplayID(ctx, account, display)
		if err == nil {
			msgs, err := s.queue().Messages(ctx, c.ID, 1000)
			if err == nil && len(msgs) >= messages {
				return c
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("conversation #%d with %d messages was not projected in time (last error %v)", display, messages, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// queueRows lists the display ids of a queue page's rows, in order.
func queueRows(body string) []string {
	var ids []string
	for _, m := range queueRow.FindAllStringSubmatch(body, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

var queueRow = regexp.MustCompile(`<a id="queue-conv-\d+" href="/conversations/\d+">#(\d+)</a>`)

// bearer fetches path with an API token, as an AI agent's client would.
func (s *server) bearer(t *testing.T, token, path string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.url+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := (&http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
