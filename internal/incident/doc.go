// Package incident runs incidents and the escalation ladder of the SOP:
// severities S0–S3, levels L0–L4, rules that move an incident up the
// ladder by themselves (time, severity, SLA, health checks, escalation
// history), an evidence gate on escalating by hand, acknowledgements, and
// notifications through the outbox and the notification center.
//
// Every timer lives in the database (incident_timers) and is fired in the
// transaction that takes its step, so a restart neither loses nor repeats
// a step. Every change is a Decision Log entry referencing the incident;
// those entries are its timeline.
package incident
