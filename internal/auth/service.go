package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/hotdash/hotdash/internal/clock"
	"github.com/hotdash/hotdash/internal/store"
)

// Errors callers tell apart.
var (
	// ErrBadCredentials is returned for an unknown email, a wrong password
	// or a disabled account alike, so sign-in reveals nothing about which.
	ErrBadCredentials = errors.New("email or password is not correct")
	// ErrUnauthenticated is returned for a missing, expired or revoked
	// session or token.
	ErrUnauthenticated = errors.New("not signed in")
	// ErrSetupDone is returned when the setup link is used after an admin
	// already exists.
	ErrSetupDone = errors.New("HotDash is already set up: sign in instead")
	// ErrSetupLinkInvalid is returned for an unknown, used or expired link.
	ErrSetupLinkInvalid = errors.New("this setup link is not valid any more: restart hotdash serve for a new one, or run hotdash user create")
)

// RateLimitedError is returned when too many sign-ins failed recently.
type RateLimitedError struct {
	RetryAfter time.Duration
}

func (e *RateLimitedError) Error() string {
	return fmt.Sprintf("too many failed sign-ins: try again in %s", e.RetryAfter.Round(time.Second))
}

// Config sets the auth policy. Zero fields take the defaults in Defaults.
type Config struct {
	SessionLifetime       time.Duration
	MaxFailuresPerAccount int
	MaxFailuresPerAddress int
	FailureWindow         time.Duration
	SetupLinkLifetime     time.Duration
	// BcryptCost is bcrypt's work factor; tests lower it.
	BcryptCost int
}

// Defaults returns the default auth policy.
func Defaults() Config {
	return Config{
		SessionLifetime:       12 * time.Hour,
		MaxFailuresPerAccount: 5,
		MaxFailuresPerAddress: 20,
		FailureWindow:         15 * time.Minute,
		SetupLinkLifetime:     24 * time.Hour,
		BcryptCost:            bcrypt.DefaultCost,
	}
}

func (c Config) withDefaults() Config {
	d := Defaults()
	if c.SessionLifetime <= 0 {
		c.SessionLifetime = d.SessionLifetime
	}
	if c.MaxFailuresPerAccount <= 0 {
		c.MaxFailuresPerAccount = d.MaxFailuresPerAccount
	}
	if c.MaxFailuresPerAddress <= 0 {
		c.MaxFailuresPerAddress = d.MaxFailuresPerAddress
	}
	if c.FailureWindow <= 0 {
		c.FailureWindow = d.FailureWindow
	}
	if c.SetupLinkLifetime <= 0 {
		c.SetupLinkLifetime = d.SetupLinkLifetime
	}
	if c.BcryptCost == 0 {
		c.BcryptCost = d.BcryptCost
	}
	return c
}

// Service manages users, sessions, tokens and setup.
type Service struct {
	db    *store.DB
	clock clock.Clock
	cfg   Config
	// dummyHash is compared against when the email is unknown, so a
	// sign-in takes as long whether or not the account exists.
	dummyHash []byte
	// Every API request and page view resolves its credential: these
	// lookups are prepared once instead of parsed per request.
	sessionLookup, tokenLookup *sql.Stmt
	tokens                     *tokenCache
}

// New returns a Service.
func New(db *store.DB, clk clock.Clock, cfg Config) (*Service, error) {
	cfg = cfg.withDefaults()
	dummy, err := bcrypt.GenerateFromPassword([]byte("hotdash-timing-equaliser"), cfg.BcryptCost)
	if err != nil {
		return nil, fmt.Errorf("prepare password hashing: %w", err)
	}
	s := &Service{db: db, clock: clk, cfg: cfg, dummyHash: dummy, tokens: newTokenCache()}
	if s.sessionLookup, err = db.Read.Prepare(sessionLookupQuery); err != nil {
		return nil, fmt.Errorf("prepare session lookup: %w", err)
	}
	if s.tokenLookup, err = db.Read.Prepare(tokenLookupQuery); err != nil {
		return nil, fmt.Errorf("prepare token lookup: %w", err)
	}
	return s, nil
}

// Config returns the policy in force.
func (s *Service) Config() Config { return s.cfg }

func (s *Service) now() time.Time { return s.clock.Now().UTC().Truncate(time.Microsecond) }

// newSecret returns a random token with the given prefix.
func newSecret(prefix string) string {
	b := make([]byte, 20)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return prefix + base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)
}

// hashSecret is how session, setup and API tokens are stored.
func hashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}
