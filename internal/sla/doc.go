// Package sla is HotDash's SLA arithmetic: business-hours calendars, the
// policies that pick targets for a conversation, the three clocks computed
// from a conversation's history, and the bands of time left. It is pure:
// no I/O, no clock of its own (every function takes the times it needs), no
// package-level state. The store, the deadline loop and the pages build on it.
//
// # Calendars
//
// A Calendar has a time zone, any number of open windows per weekday, and
// holidays. Windows are wall-clock times in the calendar's zone. A window
// whose end is earlier than its start runs past midnight: Saturday
// "22:00-02:00" belongs to Saturday and runs into Sunday morning. Windows may
// not overlap, within a day or across midnight; windows that touch are fine.
//
// Holidays are civil dates in the calendar's zone and close that whole local
// day, from its midnight to the next: a holiday closes the part of the
// previous evening's midnight-spanning window that falls on it, and a window
// that starts on a holiday and runs past midnight opens at midnight when the
// next day is not a holiday. One rule, by the date on the wall, with no
// exceptions for whom a window "belongs" to.
//
// Open time is measured between real instants, never by wall arithmetic. A
// window opens at the first instant the local clock reads its start time
// (or later) and closes at the first instant it reads its end time (or
// later). So on a spring-forward day in Europe/Berlin, 01:30-03:30 lasts one
// hour; on a fall-back day 01:00-04:00 lasts four, and 02:00-03:00 two (the
// hour is repeated); a window entirely inside the skipped hour is empty.
// Zones with 30- or 45-minute offsets and leap days need no special case.
//
// Calendar.Add and Calendar.Between step window by window and skip whole
// weeks that hold no holiday and no change of UTC offset, so 30 days of
// business time cost a few dozen steps. NewCalendar refuses a week with no
// open time, so Add always ends. A nil *Calendar is open around the clock
// (24/7 wall time), as is a week of 00:00-24:00 days with no holidays.
//
// # Policies
//
// A Policy has a Match (channels, priorities, labels), Targets for the three
// clocks (zero: the clock is not used) and a Calendar. Policies.Select picks
// the first policy whose non-empty match lists all match, else the default:
// the last policy if it has no match, else DefaultPolicy (30m first response,
// 30m next response, 24h resolution, around the clock). Channels are
// normalised lower-case names; NormalizeChannel maps Chatwoot's channel
// types ("Channel::WebWidget" → "web").
//
// # Clocks
//
// Evaluate computes a conversation's State from its creation time and its
// history of customer messages, agent replies and status changes. The state
// is a pure function of the history, whatever order the events arrive in.
//
//   - First response runs from the first customer message until the first
//     agent reply. If an agent wrote first (an outbound conversation), it
//     does not apply: there was no customer waiting for a first answer, and
//     the customer's reply starts a next-response clock.
//   - Next response runs from the first customer message after an agent
//     reply until the next agent reply; later customer messages in between
//     do not restart it.
//   - Resolution runs from creation until resolved. Reopening resumes it:
//     the time before resolving still counts, the time resolved does not.
//
// All clocks pause while the conversation is pending or snoozed. While it is
// resolved, resolution is stopped and the response clocks are paused: a
// customer message left unanswered is still unanswered after a reopen.
// A clock breaches when its elapsed business time exceeds the target; a
// running clock's Due is the instant that happens if nothing changes.
//
// # Bands
//
// Bands classify a deadline by the wall time left until it: ok (more than
// Warning, default 15m), warning (Urgent to Warning, default 5–15 min),
// urgent (less than Urgent, up to the due instant), breached (past due).
// Time left is wall time, not business time: Due already accounts for
// business hours, so a deadline at 09:10 tomorrow with the office closed
// overnight is ok tonight and turns warning at 08:55. Bands.NextChange tells
// a deadline loop exactly when to look again.
package sla
