package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hotdash/hotdash/internal/store"
	"github.com/hotdash/hotdash/internal/validation"
)

// tokenPrefix starts every API token, so a leaked one is easy to recognise
// (and to scan for in repositories).
const tokenPrefix = "hdt_"

// lastUsedPrecision is how stale a token's last-use time may get before a
// request refreshes it: one write a minute per token, not one per request.
const lastUsedPrecision = time.Minute

// Token is an API token as listed; the secret itself is shown once at creation.
type Token struct {
	ID         int64
	Name       string
	Role       Role
	Prefix     string
	CreatedBy  string
	CreatedAt  time.Time
	LastUsedAt time.Time
	RevokedAt  time.Time
}

// Revoked reports whether the token was revoked.
func (t Token) Revoked() bool { return !t.RevokedAt.IsZero() }

// CreateToken makes an API token and returns its secret, which is not stored
// and cannot be shown again.
func (s *Service) CreateToken(ctx context.Context, name string, role Role, createdBy string) (string, Token, error) {
	name = strings.TrimSpace(name)
	errs := validation.Errors{}
	errs.Required("name", name)
	errs.MaxLen("name", name, 100)
	if !role.Valid() {
		errs.Add("role", "must be one of %s", joinRoles(TokenRoles()))
	}
	if err := errs.Err(); err != nil {
		return "", Token{}, err
	}
	secret := newSecret(tokenPrefix)
	t := Token{Name: name, Role: role, Prefix: secret[:len(tokenPrefix)+6], CreatedBy: createdBy, CreatedAt: s.now()}
	err := s.db.Write.QueryRowContext(ctx, `
		INSERT INTO api_tokens (name, role, token_hash, token_prefix, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		t.Name, string(t.Role), hashSecret(secret), t.Prefix, t.CreatedBy, t.CreatedAt).Scan(&t.ID)
	if err != nil {
		return "", Token{}, fmt.Errorf("create token: %w", err)
	}
	return secret, t, nil
}

// ListTokens returns every token, newest first, revoked ones included.
func (s *Service) ListTokens(ctx context.Context) ([]Token, error) {
	rows, err := s.db.Read.QueryContext(ctx, `
		SELECT id, name, role, token_prefix, created_by, created_at, last_used_at, revoked_at
		FROM api_tokens ORDER BY id DESC`)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		var t Token
		var role string
		var used, revoked sql.NullTime
		if err := rows.Scan(&t.ID, &t.Name, &role, &t.Prefix, &t.CreatedBy, &t.CreatedAt, &used, &revoked); err != nil {
			return nil, fmt.Errorf("read token: %w", err)
		}
		t.Role, t.CreatedAt = Role(role), t.CreatedAt.UTC()
		t.LastUsedAt, t.RevokedAt = store.TimeOf(used), store.TimeOf(revoked)
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeToken stops a token from working: on this replica at once, on the
// others within a few seconds (they cache resolved tokens briefly). Revoking
// it again changes nothing.
func (s *Service) RevokeToken(ctx context.Context, id int64) error {
	defer s.tokens.forget(id)
	res, err := s.db.Write.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2`, s.now(), id)
	if err != nil {
		return fmt.Errorf("revoke token %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("token %d: %w", id, store.ErrNotFound)
	}
	return nil
}

const tokenLookupQuery = `SELECT id, name, role, last_used_at FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL`

// TokenPrincipal returns who an API token acts for, or ErrUnauthenticated.
// It records the token's last use (to the minute).
func (s *Service) TokenPrincipal(ctx context.Context, secret string) (Principal, error) {
	if !strings.HasPrefix(secret, tokenPrefix) {
		return Principal{}, ErrUnauthenticated
	}
	hash := hashSecret(secret)
	now := s.now()
	if p, ok := s.tokens.get(hash, now); ok {
		return p, nil
	}
	var p Principal
	var role, name string
	var used sql.NullTime
	err := s.tokenLookup.QueryRowContext(ctx, hash).Scan(&p.TokenID, &name, &role, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return Principal{}, ErrUnauthenticated
	}
	if err != nil {
		return Principal{}, fmt.Errorf("look up token: %w", err)
	}
	if !used.Valid || now.Sub(used.Time) >= lastUsedPrecision {
		if _, err := s.db.Write.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = $1 WHERE id = $2`, now, p.TokenID); err != nil {
			return Principal{}, fmt.Errorf("record token use: %w", err)
		}
	}
	p.Name, p.DisplayName, p.Role = "token:"+name, name, Role(role)
	s.tokens.put(hash, p, now)
	return p, nil
}
