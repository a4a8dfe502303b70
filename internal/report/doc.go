// Package report is the shift rhythm: end-of-shift handoffs drafted from
// live state, the daily summary and the weekly gaps report. It computes
// everything from the tables other packages own (conversations and their
// SLA history, drafts and grades, incidents, escalations and timers, the
// Decision Log's open next actions, health checks), reading them with plain
// SQL that runs on both engines, and writes only its handoffs table and
// Decision Log entries. Days and weeks are calendar days in the shifts'
// time zone.
package report
