// Package center is HotDash's notification center: each person's
// notifications inside HotDash (a new high-risk draft, an SLA clock turning
// urgent or breached, an escalation, an incident change, a failed health
// check), with an unread count for the header's bell, mark read and mark
// all read, and preferences: which kinds to receive, and quiet hours.
//
// Domain packages call NotifyTx inside the transaction that records what
// happened, naming an Audience (roles and people); the Center writes one
// row per active person in it, skipping those who turned the kind off and
// those who already have a notification with the same key. During a
// person's quiet hours a notification that is not urgent is held: stored
// with held_until set to the end of those hours, and neither listed nor
// counted until then. Urgent notifications (high-risk drafts, S0 and S1)
// always come through at once.
//
// The Center never wakes live pages from inside a transaction: NotifyTx
// returns a Delivery, and the caller hands it to AfterCommit once its
// transaction has committed. Run wakes people whose held notifications
// come out of quiet hours.
package center
