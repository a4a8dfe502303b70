// Package httpx is HotDash's HTTP plumbing: the router on which every route
// declares the permission it needs (so access is decided in one place),
// middleware (request ids, access logs, metrics, panic recovery, sign-in,
// cross-origin protection), the JSON error envelope, strict request decoding,
// and the server with graceful shutdown.
package httpx
