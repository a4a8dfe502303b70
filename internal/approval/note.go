package approval

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hotdash/hotdash/internal/chatwoot"
	"github.com/hotdash/hotdash/internal/jobs"
	"github.com/hotdash/hotdash/internal/validation"
)

// JobNote turns a Chatwoot private note marked as a draft into one
// (noteArgs).
const JobNote = "approval.note"

// NoteSubmitter is who drafts raised from Chatwoot notes are submitted by.
const NoteSubmitter = "chatwoot"

// draftMarkers start a private note that asks for a reviewed reply: an
// agent (a person or Chatwoot's assistant) writes "/draft Hi Ada, …" and
// HotDash holds "Hi Ada, …" for review like any agent's draft.
func draftMarkers() []string { return []string{"/draft", "[draft]"} }

// draftText returns a note's text without its marker, if it has one.
func draftText(note string) (string, bool) {
	trimmed := strings.TrimSpace(note)
	for _, m := range draftMarkers() {
		if len(trimmed) > len(m) && strings.EqualFold(trimmed[:len(m)], m) {
			rest := trimmed[len(m):]
			if rest[0] == ' ' || rest[0] == '\n' || rest[0] == ':' {
				return strings.TrimSpace(strings.TrimPrefix(rest, ":")), true
			}
		}
	}
	return "", false
}

// noteMaxAge keeps old marked notes (met again when a conversation's
// history is reconciled) from raising drafts long after the fact.
const noteMaxAge = 24 * time.Hour

// noteArgs name the note a JobNote raises a draft from.
type noteArgs struct {
	ConversationID int64  `json:"conversation_id"`
	MessageID      int64  `json:"message_id"`
	Text           string `json:"text"`
	Author         string `json:"author"`
}

// FromNote is a conversation.NoteWatcher: a private note that starts with
// a draft marker enqueues a job (in the projecting transaction) that
// submits its text as a reply draft.
func (s *Service) FromNote(ctx context.Context, tx *sql.Tx, conversationID int64, m chatwoot.Message) error {
	text, ok := draftText(m.Content)
	if !ok || text == "" || s.Clock.Now().Sub(m.CreatedAt) > noteMaxAge {
		return nil
	}
	return s.Jobs.EnqueueTx(ctx, tx, JobNote, noteArgs{ConversationID: conversationID, MessageID: m.ID, Text: text, Author: m.Sender.Name})
}

// WorkNote is the JobNote handler. The note's message id is the draft's
// idempotency key, so a redelivered webhook raises no second draft.
func (s *Service) WorkNote(ctx context.Context, j jobs.Job) error {
	var a noteArgs
	if err := json.Unmarshal(j.Args, &a); err != nil {
		return jobs.Permanent(fmt.Errorf("decode note job: %w", err))
	}
	agent := a.Author
	if agent == "" {
		agent = "Chatwoot note"
	}
	_, _, err := s.Submit(ctx, Submission{ConversationID: a.ConversationID, Kind: KindReply, Text: a.Text, Agent: truncate(agent, 100),
		IdempotencyKey: "chatwoot-note:" + strconv.FormatInt(a.MessageID, 10), SubmittedBy: NoteSubmitter})
	var verrs validation.Errors
	if errors.As(err, &verrs) || errors.Is(err, ErrIdempotencyMismatch) || errors.Is(err, ErrUnknownConversation) {
		s.Logger.Warn("a Chatwoot note marked as a draft was not taken", "conversation_id", a.ConversationID, "message_id", a.MessageID, "error", err)
		return nil
	}
	return err
}
