// Package decisionlog is the SOP's logDecision(): an append-only,
// hash-chained record of what was decided, by whom, why, and what happens next.
//
// Every entry holds the hash of the one before it, so altering, removing or
// re-ordering any entry breaks the chain from that point on, and Verify names
// the first broken entry. The database refuses UPDATE and DELETE on the table
// (triggers on both engines); a correction is a new entry that references the
// old one. Appends from all requests in a process are group-committed by one
// appender goroutine. Each appender holds the chain lock (the head row) for
// the length of its transaction and gives the next entry the id head + 1,
// the primary key, so replicas appending at once cannot fork the chain.
package decisionlog
