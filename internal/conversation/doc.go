// Package conversation is HotDash's unified CX queue: every customer
// conversation (from Chatwoot today; email and SMS later) with its messages,
// status history and live SLA state.
//
// Conversations are a projection: Projection.Apply folds stored Chatwoot
// events into rows, keeping history (messages, status changes) so that SLA
// state can be recomputed from it whatever order the events arrived in. A
// snapshot older than the one already applied does not overwrite it. The
// Deadlines loop fires SLA band changes (ok → warning → urgent → breached)
// at the instants they are due and records each as an event later features
// (escalation, notifications) consume.
package conversation
