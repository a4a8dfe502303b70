// Package approval holds AI-drafted replies for a human: an agent submits a
// draft for a conversation, the rules give it a risk level and the reasons
// for it, a reviewer edits, grades and approves it (or asks for changes, or
// rejects it), and an approved reply is sent through Chatwoot exactly once.
//
// The states and rules are PRODUCT.md's:
//
//	pending_review ──approve──▶ approved ──send──▶ sent
//	      │  ▲                     │  ▲
//	      │  └──revise──┐          ▼  └─retry── send_failed
//	      ├──request changes──▶ changes_requested
//	      ├──reject──▶ rejected
//	      └──(conversation resolved or answered elsewhere)──▶ expired
//
// Every change bumps a draft's version; an action names the version it was
// taken on, so two reviewers acting on the same revision get one success
// and one ErrStale. Every review writes a Decision Log entry.
//
// Sending is a durable job (see Sender): just before posting, the
// conversation is re-read from Chatwoot; a newer customer message or a
// resolved conversation sends the draft back for review, and a message that
// already carries the draft's reference (a send whose acknowledgement was
// lost) is adopted instead of posted again.
package approval
