// Package auth knows who is asking and what they may do: users with roles,
// browser sessions, API tokens for agents and scripts, the one-time setup link
// of a new installation, and login rate limiting.
//
// Secrets never rest in the clear: passwords are bcrypt hashes, and session
// tokens, API tokens and setup tokens are stored as SHA-256 hashes (they are
// long random strings, so a fast hash is enough). What each role may do is
// decided in one table, Can, which every HTTP route consults.
package auth
