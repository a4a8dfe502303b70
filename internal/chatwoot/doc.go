// Package chatwoot speaks to Chatwoot: it decodes and verifies the webhooks
// Chatwoot sends (DecodeEvent, Verify, EventKey) and calls its Application
// REST API (Client).
//
// The decoder tolerates what real Chatwoot sends: message_type as a string
// at a webhook's top level and as an integer in push format and REST
// answers, times as ISO strings, unix integers, floats or numeric strings,
// waiting_since 0 for "not waiting", and fields it does not know. Shapes
// follow ../shared/reference/chatwoot.md (§1 webhooks, §2 REST).
package chatwoot
