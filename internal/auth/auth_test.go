package auth_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/clock"
	"github.com/hotdash/hotdash/internal/store"
	"github.com/hotdash/hotdash/internal/store/storetest"
	"github.com/hotdash/hotdash/internal/validation"
)

var t0 = time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)

const password = "correct horse battery"

func newService(t *testing.T, db *store.DB, clk clock.Clock) *auth.Service {
	t.Helper()
	s, err := auth.New(db, clk, auth.Config{BcryptCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func createUser(t *testing.T, s *auth.Service, email string, role auth.Role) auth.User {
	t.Helper()
	u, err := s.CreateUser(context.Background(), auth.NewUser{Email: email, Role: role, Password: password})
	if err != nil {
		t.Fatalf("create %s: %v", email, err)
	}
	return u
}

func fieldError(t *testing.T, err error, field string) {
	t.Helper()
	var verrs validation.Errors
	if !errors.As(err, &verrs) || verrs[field] == "" {
		t.Fatalf("error = %v, want a message on %q", err, field)
	}
}

func TestCreateUserValidatesAndNormalises(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		s := newService(t, db.DB, clock.NewManual(t0))
		ctx := context.Background()
		u := createUser(t, s, "  Maria@Example.COM ", auth.Lead)
		if u.Email != "maria@example.com" || u.Name != "maria" || u.Role != auth.Lead {
			t.Fatalf("created %+v", u)
		}
		cases := []struct {
			nu    auth.NewUser
			field string
		}{
			{auth.NewUser{Email: "MARIA@example.com", Role: auth.Lead, Password: password}, "email"},
			{auth.NewUser{Email: "not an email", Role: auth.Lead, Password: password}, "email"},
			{auth.NewUser{Email: "a@example.com", Role: "boss", Password: password}, "role"},
			{auth.NewUser{Email: "a@example.com", Role: auth.Agent, Password: password}, "role"},
			{auth.NewUser{Email: "a@example.com", Role: auth.Lead, Password: "short"}, "password"},
			{auth.NewUser{Email: "a@example.com", Role: auth.Lead, Password: strings.Repeat("x", 73)}, "password"},
		}
		for _, c := range cases {
			_, err := s.CreateUser(ctx, c.nu)
			fieldError(t, err, c.field)
		}
		if n, _ := s.CountUsers(ctx); n != 1 {
			t.Fatalf("users = %d after rejected creations, want 1", n)
		}
	})
}

func TestLoginSessionsAndLogout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		ctx := context.Background()
		clk := clock.NewManual(t0)
		s := newService(t, db.DB, clk)
		u := createUser(t, s, "op@example.com", auth.Operator)
		sess, got, err := s.Login(ctx, auth.Attempt{Email: "OP@example.com", Password: password, RemoteAddr: "10.0.0.1:5555"})
		if err != nil || got.ID != u.ID {
			t.Fatalf("login: %v %+v", err, got)
		}
		p, err := s.SessionPrincipal(ctx, sess.Token)
		if err != nil || p.UserID != u.ID || p.Role != auth.Operator || p.Name != "op@example.com" {
			t.Fatalf("session principal = %+v, %v", p, err)
		}
		if _, _, err := s.Login(ctx, auth.Attempt{Email: "op@example.com", Password: "wrong password!"}); !errors.Is(err, auth.ErrBadCredentials) {
			t.Fatalf("wrong password: %v", err)
		}
		if _, _, err := s.Login(ctx, auth.Attempt{Email: "nobody@example.com", Password: password}); !errors.Is(err, auth.ErrBadCredentials) {
			t.Fatalf("unknown email: %v", err)
		}
		clk.Advance(s.Config().SessionLifetime)
		if _, err := s.SessionPrincipal(ctx, sess.Token); !errors.Is(err, auth.ErrUnauthenticated) {
			t.Fatalf("expired session: %v", err)
		}
		sess, _, _ = s.Login(ctx, auth.Attempt{Email: "op@example.com", Password: password})
		if err := s.Logout(ctx, sess.Token); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SessionPrincipal(ctx, sess.Token); !errors.Is(err, auth.ErrUnauthenticated) {
			t.Fatalf("after logout: %v", err)
		}
	})
}

func TestDisablingAndPasswordChangesEndSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		ctx := context.Background()
		s := newService(t, db.DB, clock.NewManual(t0))
		createUser(t, s, "admin@example.com", auth.Admin)
		u := createUser(t, s, "op@example.com", auth.Operator)
		login := func() string {
			sess, _, err := s.Login(ctx, auth.Attempt{Email: "op@example.com", Password: password})
			if err != nil {
				t.Fatal(err)
			}
			return sess.Token
		}
		tok := login()
		if err := s.ChangePassword(ctx, u.ID, "not it at all", "another long password"); err == nil {
			t.Fatal("password changed without the current one")
		}
		if err := s.ChangePassword(ctx, u.ID, password, "another long password"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SessionPrincipal(ctx, tok); !errors.Is(err, auth.ErrUnauthenticated) {
			t.Fatal("session survived a password change")
		}
		if err := s.SetPassword(ctx, u.ID, password); err != nil {
			t.Fatal(err)
		}
		tok = login()
		yes := true
		if _, err := s.UpdateUser(ctx, u.ID, auth.UserChange{Disabled: &yes}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SessionPrincipal(ctx, tok); !errors.Is(err, auth.ErrUnauthenticated) {
			t.Fatal("session survived disabling the user")
		}
		if _, _, err := s.Login(ctx, auth.Attempt{Email: "op@example.com", Password: password}); !errors.Is(err, auth.ErrBadCredentials) {
			t.Fatalf("disabled user signed in: %v", err)
		}
	})
}

func TestTheLastAdminCannotBeRemoved(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		ctx := context.Background()
		s := newService(t, db.DB, clock.NewManual(t0))
		lead := auth.Lead
		yes := true
		// Before any admin user exists (admins may be tokens only), other
		// users can still be changed.
		op := createUser(t, s, "op@example.com", auth.Operator)
		if _, err := s.UpdateUser(ctx, op.ID, auth.UserChange{Disabled: &yes}); err != nil {
			t.Fatalf("disabling a non-admin when no admin user exists: %v", err)
		}
		a := createUser(t, s, "admin@example.com", auth.Admin)
		_, err := s.UpdateUser(ctx, a.ID, auth.UserChange{Role: &lead})
		fieldError(t, err, "role")
		_, err = s.UpdateUser(ctx, a.ID, auth.UserChange{Disabled: &yes})
		fieldError(t, err, "role")
		b := createUser(t, s, "second@example.com", auth.Admin)
		if _, err := s.UpdateUser(ctx, a.ID, auth.UserChange{Role: &lead}); err != nil {
			t.Fatalf("demoting one of two admins: %v", err)
		}
		_, err = s.UpdateUser(ctx, b.ID, auth.UserChange{Role: &lead})
		fieldError(t, err, "role")
	})
}

func TestRepeatedFailuresAreRateLimited(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		ctx := context.Background()
		clk := clock.NewManual(t0)
		s := newService(t, db.DB, clk)
		createUser(t, s, "op@example.com", auth.Operator)
		bad := auth.Attempt{Email: "op@example.com", Password: "guess guess guess", RemoteAddr: "203.0.113.9:1000"}
		for range 5 {
			if _, _, err := s.Login(ctx, bad); !errors.Is(err, auth.ErrBadCredentials) {
				t.Fatalf("failure within limit: %v", err)
			}
			clk.Advance(time.Minute)
		}
		good := bad
		good.Password = password
		_, _, err := s.Login(ctx, good)
		var rl *auth.RateLimitedError
		if !errors.As(err, &rl) {
			t.Fatalf("sixth attempt: %v, want rate limited even with the right password", err)
		}
		// The first failure was at t0; it leaves the 15-minute window at t0+15m.
		if want := 10 * time.Minute; rl.RetryAfter != want {
			t.Fatalf("retry after %v, want %v", rl.RetryAfter, want)
		}
		clk.Advance(rl.RetryAfter + time.Second)
		if _, _, err := s.Login(ctx, good); err != nil {
			t.Fatalf("after the window: %v", err)
		}
		// Another address can still try other accounts; this one is
		// limited per address after 20 failures.
		other := auth.Attempt{Password: "nope nope nope", RemoteAddr: "198.51.100.7:1"}
		for i := range 20 {
			other.Email = strings.Repeat("x", i+1) + "@example.com"
			if _, _, err := s.Login(ctx, other); !errors.Is(err, auth.ErrBadCredentials) {
				t.Fatalf("address failure %d: %v", i, err)
			}
		}
		other.Email = "fresh@example.com"
		if _, _, err := s.Login(ctx, other); !errors.As(err, &rl) {
			t.Fatalf("21st failure from one address: %v, want rate limited", err)
		}
	})
}

func TestTokensAreHashedListedRevokedAndRecordUse(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		ctx := context.Background()
		clk := clock.NewManual(t0)
		s := newService(t, db.DB, clk)
		secret, tok, err := s.CreateToken(ctx, "drafting-agent", auth.Agent, "admin@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(secret, "hdt_") || !strings.HasPrefix(secret, tok.Prefix) {
			t.Fatalf("secret %q, prefix %q", secret, tok.Prefix)
		}
		var stored int
		if err := db.Read.QueryRowContext(ctx, `SELECT count(*) FROM api_tokens WHERE token_hash = $1 OR token_prefix = $1`, secret).Scan(&stored); err != nil || stored != 0 {
			t.Fatalf("the secret is stored in the clear (%d rows, %v)", stored, err)
		}
		p, err := s.TokenPrincipal(ctx, secret)
		if err != nil || p.Role != auth.Agent || p.Name != "token:drafting-agent" || p.IsUser() {
			t.Fatalf("principal = %+v, %v", p, err)
		}
		lastUsed := func() time.Time {
			list, err := s.ListTokens(ctx)
			if err != nil || len(list) != 1 {
				t.Fatalf("list = %+v, %v", list, err)
			}
			return list[0].LastUsedAt
		}
		if !lastUsed().Equal(t0) {
			t.Fatalf("last used = %v, want %v", lastUsed(), t0)
		}
		clk.Advance(30 * time.Second)
		_, _ = s.TokenPrincipal(ctx, secret)
		if !lastUsed().Equal(t0) {
			t.Fatal("last use rewritten within the minute")
		}
		clk.Advance(time.Minute)
		_, _ = s.TokenPrincipal(ctx, secret)
		if !lastUsed().Equal(t0.Add(90 * time.Second)) {
			t.Fatalf("last used = %v after a minute", lastUsed())
		}
		// Another replica (a second Service on the same database) has the
		// token cached when this one revokes it: it stops accepting it once
		// its cache entry expires, within seconds.
		other := newService(t, db.DB, clk)
		if _, err := other.TokenPrincipal(ctx, secret); err != nil {
			t.Fatal(err)
		}
		if err := s.RevokeToken(ctx, tok.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.TokenPrincipal(ctx, secret); !errors.Is(err, auth.ErrUnauthenticated) {
			t.Fatalf("revoked token on the revoking replica: %v", err)
		}
		clk.Advance(5 * time.Second)
		if _, err := other.TokenPrincipal(ctx, secret); !errors.Is(err, auth.ErrUnauthenticated) {
			t.Fatalf("revoked token on another replica after 5s: %v", err)
		}
		if err := s.RevokeToken(ctx, 999); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("revoke unknown: %v", err)
		}
		for _, bad := range []string{"", "hdt_", "hdt_nope", "Bearer " + secret} {
			if _, err := s.TokenPrincipal(ctx, bad); !errors.Is(err, auth.ErrUnauthenticated) {
				t.Errorf("token %q: %v", bad, err)
			}
		}
		_, _, err = s.CreateToken(ctx, "", "root", "x")
		fieldError(t, err, "role")
	})
}

func TestSetupLinkCreatesTheFirstAdminOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		ctx := context.Background()
		clk := clock.NewManual(t0)
		s := newService(t, db.DB, clk)
		old, err := s.NewSetupLink(ctx)
		if err != nil {
			t.Fatal(err)
		}
		link, err := s.NewSetupLink(ctx) // a restart prints a new link
		if err != nil {
			t.Fatal(err)
		}
		if err := s.CheckSetupLink(ctx, old); !errors.Is(err, auth.ErrSetupLinkInvalid) {
			t.Fatalf("replaced link still valid: %v", err)
		}
		if err := s.CheckSetupLink(ctx, link); err != nil {
			t.Fatal(err)
		}
		nu := auth.NewUser{Email: "founder@example.com", Name: "Founder", Password: password, Role: auth.Operator}
		u, sess, err := s.CompleteSetup(ctx, link, nu, auth.Attempt{})
		if err != nil || u.Role != auth.Admin {
			t.Fatalf("setup = %+v, %v (the first user must be admin)", u, err)
		}
		if p, err := s.SessionPrincipal(ctx, sess.Token); err != nil || p.UserID != u.ID {
			t.Fatalf("setup did not sign in: %v", err)
		}
		nu.Email = "intruder@example.com"
		if _, _, err := s.CompleteSetup(ctx, link, nu, auth.Attempt{}); !errors.Is(err, auth.ErrSetupLinkInvalid) {
			t.Fatalf("second use: %v", err)
		}
		if _, err := s.NewSetupLink(ctx); !errors.Is(err, auth.ErrSetupDone) {
			t.Fatalf("new link after setup: %v", err)
		}
	})
}

func TestSetupLinkExpires(t *testing.T) {
	db := storetest.OpenSQLite(t)
	clk := clock.NewManual(t0)
	s := newService(t, db.DB, clk)
	link, err := s.NewSetupLink(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(25 * time.Hour)
	_, _, err = s.CompleteSetup(context.Background(), link, auth.NewUser{Email: "a@example.com", Password: password}, auth.Attempt{})
	if !errors.Is(err, auth.ErrSetupLinkInvalid) {
		t.Fatalf("expired link: %v", err)
	}
}

func TestSweepRemovesOnlyWhatExpired(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		ctx := context.Background()
		clk := clock.NewManual(t0)
		s := newService(t, db.DB, clk)
		createUser(t, s, "op@example.com", auth.Operator)
		old, _, _ := s.Login(ctx, auth.Attempt{Email: "op@example.com", Password: password})
		_, _, _ = s.Login(ctx, auth.Attempt{Email: "op@example.com", Password: "wrong wrong wrong"})
		clk.Advance(11 * time.Hour)
		fresh, _, _ := s.Login(ctx, auth.Attempt{Email: "op@example.com", Password: password})
		clk.Advance(2 * time.Hour)
		swept, err := s.Sweep(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if swept.Sessions != 1 || swept.LoginFailures != 2 {
			t.Fatalf("swept %+v, want the expired session and the old failure under both its keys", swept)
		}
		if _, err := s.SessionPrincipal(ctx, fresh.Token); err != nil {
			t.Fatalf("live session swept: %v", err)
		}
		if _, err := s.SessionPrincipal(ctx, old.Token); err == nil {
			t.Fatal("expired session still works")
		}
	})
}

func TestPermissionTable(t *testing.T) {
	cases := []struct {
		role auth.Role
		perm auth.Permission
		want bool
	}{
		{auth.Operator, auth.WriteDecisions, true},
		{auth.Executive, auth.ReadDecisions, true},
		{auth.Operator, auth.VerifyDecisions, false},
		{auth.DevOps, auth.VerifyDecisions, true},
		{auth.Agent, auth.ReadDecisions, false},
		{auth.Agent, auth.WriteDecisions, false},
		{auth.Agent, auth.Signedin, true},
		{auth.Manager, auth.ManageUsers, false},
		{auth.Admin, auth.ManageUsers, true},
		{auth.Admin, auth.ManageTokens, true},
		{auth.Lead, auth.ManageTokens, false},
		{auth.Agent, auth.ReadConversations, true},
		{auth.Executive, auth.ReadConversations, true},
		{auth.Operator, auth.ActOnConversations, true},
		{auth.Executive, auth.ActOnConversations, false},
		{auth.Agent, auth.ActOnConversations, false},
		{auth.Agent, auth.SubmitDrafts, true},
		{auth.Agent, auth.ReadDrafts, true},
		{auth.Agent, auth.ReviewDrafts, false},
		{auth.Operator, auth.ReviewDrafts, true},
		{auth.Executive, auth.ReadDrafts, true},
		{auth.Executive, auth.ReviewDrafts, false},
		{auth.DevOps, auth.SubmitDrafts, false},
		{auth.Executive, auth.ManageIncidents, true},
		{auth.Agent, auth.ReadIncidents, false},
		{auth.Lead, auth.EditOnCall, false},
		{auth.Manager, auth.EditOnCall, true},
		{"", auth.Signedin, false},
		{"", auth.Public, true},
	}
	for _, c := range cases {
		if got := c.role.Can(c.perm); got != c.want {
			t.Errorf("%q can %q = %v, want %v", c.role, c.perm, got, c.want)
		}
	}
	person := auth.Principal{UserID: 1, Role: auth.Operator}
	token := auth.Principal{TokenID: 1, Role: auth.Admin}
	if !person.Can(auth.OwnAccount) || token.Can(auth.OwnAccount) || !token.Can(auth.ManageUsers) {
		t.Error("only people have an account of their own; tokens keep their role's other rights")
	}
}
