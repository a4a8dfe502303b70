// Package notify carries HotDash's notifications to people outside it:
// Slack incoming webhooks, PagerDuty Events API v2, email through an SMTP
// relay and generic signed webhooks. Deliveries are written to a durable
// outbox in the caller's transaction, then drained by a pool of senders
// that retry with backoff, deduplicate, and record every attempt.
package notify
