// Package ingest receives Chatwoot's webhooks so that none is lost. Chatwoot
// delivers each event once, with no retry, sometimes twice, sometimes out of
// order; so the receiver checks the signature over the raw bytes, rejects
// stale timestamps, deduplicates on X-Chatwoot-Delivery (or on event, object
// and time), and commits the event durably (group-committed with concurrent
// deliveries) before it answers 2xx. A projector then turns stored events into
// conversations, in order; a reconciler asks Chatwoot's API for what changed
// and feeds the same pipeline, repairing what lost webhooks left wrong.
package ingest
