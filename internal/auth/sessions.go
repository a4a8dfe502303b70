package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// Session is a browser sign-in. Token goes in the cookie and is never stored.
type Session struct {
	Token     string
	ExpiresAt time.Time
}

// Attempt is one sign-in attempt.
type Attempt struct {
	Email      string
	Password   string
	RemoteAddr string
	UserAgent  string
}

// Login checks an email and password and opens a session. Repeated failures
// for one account or from one address are refused for a while
// (*RateLimitedError) before the password is even checked.
func (s *Service) Login(ctx context.Context, a Attempt) (Session, User, error) {
	email := strings.ToLower(strings.TrimSpace(a.Email))
	keys := []string{"account:" + email, "address:" + hostOf(a.RemoteAddr)}
	if err := s.checkRate(ctx, keys); err != nil {
		return Session{}, User{}, err
	}
	var (
		u        User
		hash     string
		role     string
		disabled bool
	)
	err := s.db.Read.QueryRowContext(ctx, `SELECT id, email, name, role, disabled, created_at, updated_at, password_hash FROM users WHERE email = $1`, email).
		Scan(&u.ID, &u.Email, &u.Name, &role, &disabled, &u.CreatedAt, &u.UpdatedAt, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		_ = bcrypt.CompareHashAndPassword(s.dummyHash, []byte(a.Password))
		return Session{}, User{}, s.fail(ctx, keys)
	}
	if err != nil {
		return Session{}, User{}, fmt.Errorf("look up user: %w", err)
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(a.Password)) != nil || disabled {
		return Session{}, User{}, s.fail(ctx, keys)
	}
	u.Role, u.Disabled = Role(role), disabled
	sess, err := s.openSession(ctx, u.ID, a)
	return sess, u, err
}

func (s *Service) openSession(ctx context.Context, userID int64, a Attempt) (Session, error) {
	now := s.now()
	sess := Session{Token: newSecret("hds_"), ExpiresAt: now.Add(s.cfg.SessionLifetime)}
	_, err := s.db.Write.ExecContext(ctx, `
		INSERT INTO sessions (token_hash, user_id, created_at, expires_at, last_seen_at, user_agent, remote_addr)
		VALUES ($1, $2, $3, $4, $3, $5, $6)`,
		hashSecret(sess.Token), userID, now, sess.ExpiresAt, truncate(a.UserAgent, 300), hostOf(a.RemoteAddr))
	if err != nil {
		return Session{}, fmt.Errorf("open session: %w", err)
	}
	return sess, nil
}

// SessionPrincipal returns who a session token signs in, or
// ErrUnauthenticated when it is unknown, expired, or its user is disabled.
func (s *Service) SessionPrincipal(ctx context.Context, token string) (Principal, error) {
	if token == "" {
		return Principal{}, ErrUnauthenticated
	}
	var p Principal
	var role string
	err := s.sessionLookup.QueryRowContext(ctx, hashSecret(token), s.now()).Scan(&p.UserID, &p.Name, &p.DisplayName, &role)
	if errors.Is(err, sql.ErrNoRows) {
		return Principal{}, ErrUnauthenticated
	}
	if err != nil {
		return Principal{}, fmt.Errorf("look up session: %w", err)
	}
	p.Role = Role(role)
	return p, nil
}

const sessionLookupQuery = `
	SELECT u.id, u.email, u.name, u.role
	FROM sessions s JOIN users u ON u.id = s.user_id
	WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled = FALSE`

// Logout ends the session holding token.
func (s *Service) Logout(ctx context.Context, token string) error {
	if _, err := s.db.Write.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = $1`, hashSecret(token)); err != nil {
		return fmt.Errorf("end session: %w", err)
	}
	return nil
}

func deleteSessions(ctx context.Context, tx *sql.Tx, userID int64) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID); err != nil {
		return fmt.Errorf("end sessions of user %d: %w", userID, err)
	}
	return nil
}

// checkRate refuses an attempt when any key has too many recent failures. It
// reads a key's most recent failures up to the limit: when the limit is
// reached, attempts resume once the oldest of those leaves the window.
func (s *Service) checkRate(ctx context.Context, keys []string) error {
	now := s.now()
	limits := []int{s.cfg.MaxFailuresPerAccount, s.cfg.MaxFailuresPerAddress}
	for i, key := range keys {
		rows, err := s.db.Read.QueryContext(ctx, `SELECT failed_at FROM login_failures
			WHERE key = $1 AND failed_at > $2 ORDER BY failed_at DESC LIMIT $3`,
			key, now.Add(-s.cfg.FailureWindow), limits[i])
		if err != nil {
			return fmt.Errorf("check sign-in rate: %w", err)
		}
		var n int
		var oldest time.Time
		for rows.Next() {
			if err := rows.Scan(&oldest); err != nil {
				rows.Close()
				return fmt.Errorf("check sign-in rate: %w", err)
			}
			n++
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("check sign-in rate: %w", err)
		}
		if n >= limits[i] {
			retry := oldest.Add(s.cfg.FailureWindow).Sub(now)
			return &RateLimitedError{RetryAfter: max(retry, time.Second)}
		}
	}
	return nil
}

// fail records a failed attempt under every key.
func (s *Service) fail(ctx context.Context, keys []string) error {
	now := s.now()
	for _, key := range keys {
		if _, err := s.db.Write.ExecContext(ctx, `INSERT INTO login_failures (key, failed_at) VALUES ($1, $2)`, key, now); err != nil {
			return fmt.Errorf("record failed sign-in: %w", err)
		}
	}
	return ErrBadCredentials
}

func hostOf(addr string) string {
	if host, _, err := net.SplitHostPort(addr); err == nil {
		return host
	}
	return addr
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
