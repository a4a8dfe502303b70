package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/hotdash/hotdash/internal/store"
	"github.com/hotdash/hotdash/internal/validation"
)

// Password rules.
const (
	MinPasswordLength = 10
	// MaxPasswordBytes is bcrypt's limit; longer passwords are refused
	// rather than silently cut.
	MaxPasswordBytes = 72
)

// User is a person who signs in to HotDash.
type User struct {
	ID        int64
	Email     string
	Name      string
	Role      Role
	Disabled  bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// NewUser is a user to create.
type NewUser struct {
	Email    string
	Name     string
	Role     Role
	Password string
}

// UserChange lists what to change about a user; nil fields stay as they are.
type UserChange struct {
	Name     *string
	Role     *Role
	Disabled *bool
}

// adminLock serialises changes that could leave HotDash without an admin.
const adminLock = "hotdash.auth.admins"

const selectUsers = `SELECT id, email, name, role, disabled, created_at, updated_at FROM users`

// CreateUser adds a user.
func (s *Service) CreateUser(ctx context.Context, nu NewUser) (User, error) {
	var u User
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		u, err = s.createUserTx(ctx, tx, nu)
		return err
	})
	return u, err
}

func (s *Service) createUserTx(ctx context.Context, tx *sql.Tx, nu NewUser) (User, error) {
	nu.Email = strings.ToLower(strings.TrimSpace(nu.Email))
	nu.Name = strings.TrimSpace(nu.Name)
	errs := validation.Errors{}
	if err := validEmail(nu.Email); err != "" {
		errs.Add("email", "%s", err)
	}
	if nu.Name == "" {
		nu.Name, _, _ = strings.Cut(nu.Email, "@")
	}
	errs.MaxLen("name", nu.Name, 200)
	if !validUserRole(nu.Role) {
		errs.Add("role", "must be one of %s", joinRoles(UserRoles()))
	}
	if msg := passwordProblem(nu.Password); msg != "" {
		errs.Add("password", "%s", msg)
	}
	if err := errs.Err(); err != nil {
		return User{}, err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(nu.Password), s.cfg.BcryptCost)
	if err != nil {
		return User{}, fmt.Errorf("hash password: %w", err)
	}
	now := s.now()
	u := User{Email: nu.Email, Name: nu.Name, Role: nu.Role, CreatedAt: now, UpdatedAt: now}
	err = tx.QueryRowContext(ctx, `
		INSERT INTO users (email, name, role, password_hash, disabled, created_at, updated_at, password_changed_at)
		VALUES ($1, $2, $3, $4, FALSE, $5, $5, $5) RETURNING id`,
		u.Email, u.Name, string(u.Role), string(hash), now).Scan(&u.ID)
	if s.db.IsUniqueViolation(err) {
		return User{}, validation.Errors{"email": "is already used by another account"}
	}
	if err != nil {
		return User{}, fmt.Errorf("insert user: %w", err)
	}
	return u, nil
}

// CountUsers returns how many users exist.
func (s *Service) CountUsers(ctx context.Context) (int, error) {
	var n int
	if err := s.db.Read.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count users: %w", err)
	}
	return n, nil
}

// ListUsers returns every user, ordered by email.
func (s *Service) ListUsers(ctx context.Context) ([]User, error) {
	rows, err := s.db.Read.QueryContext(ctx, selectUsers+` ORDER BY email`)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// GetUser returns the user with the given id.
func (s *Service) GetUser(ctx context.Context, id int64) (User, error) {
	return getUser(ctx, s.db.Read, id)
}

type queryRower interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func getUser(ctx context.Context, q queryRower, id int64) (User, error) {
	u, err := scanUser(q.QueryRowContext(ctx, selectUsers+` WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, fmt.Errorf("user %d: %w", id, store.ErrNotFound)
	}
	return u, err
}

// UpdateUser changes a user's name, role or disabled flag. It refuses a change
// that would leave no active admin, and signs a disabled user out everywhere.
func (s *Service) UpdateUser(ctx context.Context, id int64, ch UserChange) (User, error) {
	var u User
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		if err := s.db.LockTx(ctx, tx, adminLock); err != nil {
			return err
		}
		var err error
		if u, err = getUser(ctx, tx, id); err != nil {
			return err
		}
		wasAdmin := u.activeAdmin()
		if err := applyChange(&u, ch); err != nil {
			return err
		}
		if wasAdmin && !u.activeAdmin() {
			if err := s.keepAnAdmin(ctx, tx, u.ID); err != nil {
				return err
			}
		}
		u.UpdatedAt = s.now()
		if _, err := tx.ExecContext(ctx, `UPDATE users SET name = $1, role = $2, disabled = $3, updated_at = $4 WHERE id = $5`,
			u.Name, string(u.Role), u.Disabled, u.UpdatedAt, u.ID); err != nil {
			return fmt.Errorf("update user %d: %w", id, err)
		}
		if u.Disabled {
			return deleteSessions(ctx, tx, u.ID)
		}
		return nil
	})
	return u, err
}

func applyChange(u *User, ch UserChange) error {
	errs := validation.Errors{}
	if ch.Name != nil {
		u.Name = strings.TrimSpace(*ch.Name)
		errs.Required("name", u.Name)
		errs.MaxLen("name", u.Name, 200)
	}
	if ch.Role != nil {
		if !validUserRole(*ch.Role) {
			errs.Add("role", "must be one of %s", joinRoles(UserRoles()))
		}
		u.Role = *ch.Role
	}
	if ch.Disabled != nil {
		u.Disabled = *ch.Disabled
	}
	return errs.Err()
}

func (u User) activeAdmin() bool { return u.Role == Admin && !u.Disabled }

// keepAnAdmin refuses a change that takes user id out of the admins when no
// other active admin would remain.
func (s *Service) keepAnAdmin(ctx context.Context, tx *sql.Tx, id int64) error {
	var others int
	err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE role = 'admin' AND disabled = FALSE AND id <> $1`, id).Scan(&others)
	if err != nil {
		return fmt.Errorf("count admins: %w", err)
	}
	if others == 0 {
		return validation.Errors{"role": "HotDash needs at least one active admin: make someone else admin first"}
	}
	return nil
}

// SetPassword replaces a user's password and signs them out everywhere.
func (s *Service) SetPassword(ctx context.Context, id int64, password string) error {
	if msg := passwordProblem(password); msg != "" {
		return validation.Errors{"password": msg}
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), s.cfg.BcryptCost)
	if err != nil {
		return fmt.Errorf("hash password: %w", err)
	}
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		now := s.now()
		res, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $1, password_changed_at = $2, updated_at = $2 WHERE id = $3`,
			string(hash), now, id)
		if err != nil {
			return fmt.Errorf("set password of user %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("user %d: %w", id, store.ErrNotFound)
		}
		return deleteSessions(ctx, tx, id)
	})
}

// ChangePassword lets a user replace their own password, given the current one.
func (s *Service) ChangePassword(ctx context.Context, id int64, current, next string) error {
	var hash string
	err := s.db.Read.QueryRowContext(ctx, `SELECT password_hash FROM users WHERE id = $1`, id).Scan(&hash)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("user %d: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("read user %d: %w", id, err)
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(current)) != nil {
		return validation.Errors{"current_password": "is not correct"}
	}
	return s.SetPassword(ctx, id, next)
}

type scanner interface{ Scan(dest ...any) error }

func scanUser(row scanner) (User, error) {
	var u User
	var role string
	if err := row.Scan(&u.ID, &u.Email, &u.Name, &role, &u.Disabled, &u.CreatedAt, &u.UpdatedAt); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return User{}, err
		}
		return User{}, fmt.Errorf("read user: %w", err)
	}
	u.Role = Role(role)
	u.CreatedAt, u.UpdatedAt = u.CreatedAt.UTC(), u.UpdatedAt.UTC()
	return u, nil
}

func validEmail(email string) string {
	if email == "" {
		return "is required"
	}
	if len(email) > 254 {
		return "must be at most 254 characters"
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || !strings.Contains(email, "@") {
		return "is not an email address"
	}
	return ""
}

func passwordProblem(p string) string {
	switch {
	case len([]rune(p)) < MinPasswordLength:
		return fmt.Sprintf("must be at least %d characters", MinPasswordLength)
	case len(p) > MaxPasswordBytes:
		return fmt.Sprintf("must be at most %d bytes", MaxPasswordBytes)
	case strings.TrimSpace(p) == "":
		return "must not be only spaces"
	}
	return ""
}

func validUserRole(r Role) bool {
	return slices.Contains(UserRoles(), r)
}

func joinRoles(rs []Role) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, ", ")
}
