package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// NewSetupLink returns a one-time secret for the first-run setup page, valid
// for the configured lifetime, replacing any earlier unused one. It returns
// ErrSetupDone once any user exists.
func (s *Service) NewSetupLink(ctx context.Context) (string, error) {
	secret := newSecret("hdsetup_")
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&n); err != nil {
			return fmt.Errorf("count users: %w", err)
		}
		if n > 0 {
			return ErrSetupDone
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM setup_tokens WHERE used_at IS NULL`); err != nil {
			return fmt.Errorf("replace setup link: %w", err)
		}
		now := s.now()
		_, err := tx.ExecContext(ctx, `INSERT INTO setup_tokens (token_hash, created_at, expires_at) VALUES ($1, $2, $3)`,
			hashSecret(secret), now, now.Add(s.cfg.SetupLinkLifetime))
		if err != nil {
			return fmt.Errorf("create setup link: %w", err)
		}
		return nil
	})
	return secret, err
}

// CheckSetupLink reports whether secret can still complete setup.
func (s *Service) CheckSetupLink(ctx context.Context, secret string) error {
	return s.checkSetupLink(ctx, s.db.Read, secret)
}

func (s *Service) checkSetupLink(ctx context.Context, q queryRower, secret string) error {
	var expires time.Time
	var users int
	err := q.QueryRowContext(ctx, `SELECT expires_at, (SELECT count(*) FROM users) FROM setup_tokens WHERE token_hash = $1 AND used_at IS NULL`,
		hashSecret(secret)).Scan(&expires, &users)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return ErrSetupLinkInvalid
	case err != nil:
		return fmt.Errorf("check setup link: %w", err)
	case users > 0:
		return ErrSetupDone
	case !expires.After(s.now()):
		return ErrSetupLinkInvalid
	}
	return nil
}

// CompleteSetup uses the setup link to create the first admin and signs them
// in. The link works once.
func (s *Service) CompleteSetup(ctx context.Context, secret string, nu NewUser, a Attempt) (User, Session, error) {
	nu.Role = Admin
	var u User
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		if err := s.checkSetupLink(ctx, tx, secret); err != nil {
			return err
		}
		var err error
		if u, err = s.createUserTx(ctx, tx, nu); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE setup_tokens SET used_at = $1 WHERE token_hash = $2`, s.now(), hashSecret(secret))
		if err != nil {
			return fmt.Errorf("use setup link: %w", err)
		}
		return nil
	})
	if err != nil {
		return User{}, Session{}, err
	}
	sess, err := s.openSession(ctx, u.ID, a)
	return u, sess, err
}

// Swept counts what Sweep removed.
type Swept struct {
	Sessions, LoginFailures, SetupLinks int64
}

// Sweep deletes expired sessions, setup links and sign-in failures that no
// longer count. A periodic job runs it.
func (s *Service) Sweep(ctx context.Context) (Swept, error) {
	now := s.now()
	var out Swept
	steps := []struct {
		n    *int64
		stmt string
		arg  time.Time
	}{
		{&out.Sessions, `DELETE FROM sessions WHERE expires_at <= $1`, now},
		{&out.LoginFailures, `DELETE FROM login_failures WHERE failed_at <= $1`, now.Add(-s.cfg.FailureWindow)},
		{&out.SetupLinks, `DELETE FROM setup_tokens WHERE expires_at <= $1`, now},
	}
	for _, st := range steps {
		res, err := s.db.Write.ExecContext(ctx, st.stmt, st.arg)
		if err != nil {
			return out, fmt.Errorf("sweep: %w", err)
		}
		*st.n, _ = res.RowsAffected()
	}
	return out, nil
}
