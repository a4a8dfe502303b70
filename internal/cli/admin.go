package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/hotdash/hotdash/internal/app"
	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/clock"
	"github.com/hotdash/hotdash/internal/config"
	"github.com/hotdash/hotdash/internal/store"
)

func newMigrate(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Bring the database schema up to date (hotdash serve also does this at start)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, err := e.openStore(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			return e.printStatus(cmd.Context(), db)
		},
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "status",
		Short: "Show the schema version without changing anything",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, err := app.OpenStore(cmd.Context(), e.settings)
			if err != nil {
				return err
			}
			defer db.Close()
			return e.printStatus(cmd.Context(), db)
		},
	})
	return cmd
}

func (e *env) printStatus(ctx context.Context, db *store.DB) error {
	st, err := db.Status(ctx)
	if err != nil {
		return err
	}
	state := "up to date"
	if st.Pending || st.JobsPending {
		state = "migrations pending: run hotdash migrate"
	}
	_, _ = fmt.Fprintf(e.Stdout, "%s schema version %d of %d: %s\n", db.Engine(), st.Version, st.Latest, state)
	return nil
}

// openStore opens and migrates the store named by the settings.
func (e *env) openStore(ctx context.Context) (*store.DB, error) {
	if err := e.settings.Validate(); err != nil {
		return nil, err
	}
	db, err := app.OpenStore(ctx, e.settings)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		_ = db.Close()
		return nil, err
	}
	return db, nil
}

// authService opens the store and an auth.Service over it.
func (e *env) authService(ctx context.Context) (*auth.Service, func(), error) {
	policy, err := config.LoadPolicy(e.settings.ConfigFile)
	if err != nil {
		return nil, nil, err
	}
	db, err := e.openStore(ctx)
	if err != nil {
		return nil, nil, err
	}
	s, err := auth.New(db, clock.System{}, app.AuthConfig(policy, 0))
	if err != nil {
		_ = db.Close()
		return nil, nil, err
	}
	return s, func() { _ = db.Close() }, nil
}

func newConfigCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{Use: "config", Short: "Check settings and the policy file"}
	cmd.AddCommand(&cobra.Command{
		Use:   "check",
		Short: "Validate the settings and the policy file, and print what is in force",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if err := e.settings.Validate(); err != nil {
				return err
			}
			policy, err := config.LoadPolicy(e.settings.ConfigFile)
			if err != nil {
				return err
			}
			engine, _, _ := e.settings.Store()
			source := "built-in defaults"
			if e.settings.ConfigFile != "" {
				source = e.settings.ConfigFile
			}
			a := policy.Auth
			_, _ = fmt.Fprintf(e.Stdout, "settings ok: %s store, %s mode, listening on %s, reached at %s\n",
				engine, e.settings.Env, e.settings.Addr, e.settings.BaseURL())
			_, _ = fmt.Fprintf(e.Stdout, "policy ok (%s): sessions last %s; sign-in locks after %d failures per account or %d per address within %s\n",
				source, a.SessionLifetime.D(), a.MaxFailuresPerAccount, a.MaxFailuresPerAddress, a.FailureWindow.D())
			return nil
		},
	})
	return cmd
}

func newUser(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "user",
		Short: "Manage users on this server's database",
		Long:  "Manage users directly in the database named by the settings (run it where the server runs).",
	}
	var email, name, role string
	var passwordStdin bool
	create := &cobra.Command{
		Use:   "create",
		Short: "Create a user; the password is read from stdin",
		Example: `  echo "$ADMIN_PASSWORD" | hotdash user create --email lead@example.com --role admin --password-stdin
  hotdash user create --email op@example.com --role operator --password-stdin < password.txt`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			password, err := e.readPassword(passwordStdin)
			if err != nil {
				return err
			}
			return e.withAuth(cmd.Context(), func(s *auth.Service) error {
				u, err := s.CreateUser(cmd.Context(), auth.NewUser{Email: email, Name: name, Role: auth.Role(role), Password: password})
				if err != nil {
					return err
				}
				_, _ = fmt.Fprintf(e.Stdout, "created user %s (%s), id %d\n", u.Email, u.Role, u.ID)
				return nil
			})
		},
	}
	create.Flags().StringVar(&email, "email", "", "email address (required)")
	create.Flags().StringVar(&name, "name", "", "display name (default: the part of the email before @)")
	create.Flags().StringVar(&role, "role", "", "one of operator, lead, manager, devops, executive, admin (required)")
	create.Flags().BoolVar(&passwordStdin, "password-stdin", false, "read the password from stdin (required; passwords are never taken as arguments)")
	_ = create.MarkFlagRequired("email")
	_ = create.MarkFlagRequired("role")
	cmd.AddCommand(create, userList(e), userSetRole(e), userSetDisabled(e, true), userSetDisabled(e, false), userSetPassword(e))
	return cmd
}

func userList(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List users",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return e.withAuth(cmd.Context(), func(s *auth.Service) error {
				users, err := s.ListUsers(cmd.Context())
				if err != nil {
					return err
				}
				tw := tabwriter.NewWriter(e.Stdout, 0, 4, 2, ' ', 0)
				_, _ = fmt.Fprintln(tw, "ID\tEMAIL\tNAME\tROLE\tSTATE")
				for _, u := range users {
					state := "active"
					if u.Disabled {
						state = "disabled"
					}
					_, _ = fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", u.ID, u.Email, u.Name, u.Role, state)
				}
				return tw.Flush()
			})
		},
	}
}

func userSetRole(e *env) *cobra.Command {
	var email, role string
	cmd := &cobra.Command{
		Use:   "set-role",
		Short: "Change a user's role",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return e.withUser(cmd.Context(), email, func(s *auth.Service, u auth.User) error {
				r := auth.Role(role)
				if _, err := s.UpdateUser(cmd.Context(), u.ID, auth.UserChange{Role: &r}); err != nil {
					return err
				}
				_, _ = fmt.Fprintf(e.Stdout, "%s is now %s\n", u.Email, r)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&email, "email", "", "the user's email (required)")
	cmd.Flags().StringVar(&role, "role", "", "the new role (required)")
	_ = cmd.MarkFlagRequired("email")
	_ = cmd.MarkFlagRequired("role")
	return cmd
}

func userSetDisabled(e *env, disabled bool) *cobra.Command {
	var email string
	use, short, done := "enable", "Let a disabled user sign in again", "enabled"
	if disabled {
		use, short, done = "disable", "Stop a user from signing in (and end their sessions)", "disabled"
	}
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return e.withUser(cmd.Context(), email, func(s *auth.Service, u auth.User) error {
				if _, err := s.UpdateUser(cmd.Context(), u.ID, auth.UserChange{Disabled: &disabled}); err != nil {
					return err
				}
				_, _ = fmt.Fprintf(e.Stdout, "%s %s\n", u.Email, done)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&email, "email", "", "the user's email (required)")
	_ = cmd.MarkFlagRequired("email")
	return cmd
}

func userSetPassword(e *env) *cobra.Command {
	var email string
	var passwordStdin bool
	cmd := &cobra.Command{
		Use:   "set-password",
		Short: "Replace a user's password (read from stdin) and end their sessions",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			password, err := e.readPassword(passwordStdin)
			if err != nil {
				return err
			}
			return e.withUser(cmd.Context(), email, func(s *auth.Service, u auth.User) error {
				if err := s.SetPassword(cmd.Context(), u.ID, password); err != nil {
					return err
				}
				_, _ = fmt.Fprintf(e.Stdout, "password of %s replaced; their sessions ended\n", u.Email)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&email, "email", "", "the user's email (required)")
	cmd.Flags().BoolVar(&passwordStdin, "password-stdin", false, "read the password from stdin (required)")
	_ = cmd.MarkFlagRequired("email")
	return cmd
}

func (e *env) readPassword(fromStdin bool) (string, error) {
	if !fromStdin {
		return "", errors.New("--password-stdin is required: passwords are never taken as command-line arguments")
	}
	line, err := bufio.NewReader(e.Stdin).ReadString('\n')
	if err != nil && line == "" {
		return "", errors.New("no password on stdin")
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func (e *env) withAuth(ctx context.Context, fn func(*auth.Service) error) error {
	s, done, err := e.authService(ctx)
	if err != nil {
		return err
	}
	defer done()
	return fn(s)
}

func (e *env) withUser(ctx context.Context, email string, fn func(*auth.Service, auth.User) error) error {
	return e.withAuth(ctx, func(s *auth.Service) error {
		users, err := s.ListUsers(ctx)
		if err != nil {
			return err
		}
		for _, u := range users {
			if strings.EqualFold(u.Email, strings.TrimSpace(email)) {
				return fn(s, u)
			}
		}
		return fmt.Errorf("no user with email %q", email)
	})
}

func newToken(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Manage API tokens on this server's database",
		Long:  "API tokens authenticate scripts and AI agents (Authorization: Bearer <token>). Only a hash is stored.",
	}
	var name, role string
	create := &cobra.Command{
		Use:   "create",
		Short: "Create an API token and print it (only the token, on stdout)",
		Example: `  export HOTDASH_TOKEN=$(hotdash token create --name nightly-report --role lead)
  hotdash token create --name drafting-agent --role agent`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return e.withAuth(cmd.Context(), func(s *auth.Service) error {
				secret, _, err := s.CreateToken(cmd.Context(), name, auth.Role(role), "cli")
				if err != nil {
					return err
				}
				_, _ = fmt.Fprintln(e.Stdout, secret)
				return nil
			})
		},
	}
	create.Flags().StringVar(&name, "name", "", "what the token is for (required)")
	create.Flags().StringVar(&role, "role", "", "a user role, or agent for AI agents (required)")
	_ = create.MarkFlagRequired("name")
	_ = create.MarkFlagRequired("role")
	list := &cobra.Command{
		Use:   "list",
		Short: "List API tokens (never their secrets)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return e.withAuth(cmd.Context(), func(s *auth.Service) error {
				tokens, err := s.ListTokens(cmd.Context())
				if err != nil {
					return err
				}
				tw := tabwriter.NewWriter(e.Stdout, 0, 4, 2, ' ', 0)
				_, _ = fmt.Fprintln(tw, "ID\tNAME\tROLE\tPREFIX\tCREATED\tLAST USED\tSTATE")
				for _, t := range tokens {
					state := "active"
					if t.Revoked() {
						state = "revoked " + t.RevokedAt.Format(time.DateTime)
					}
					_, _ = fmt.Fprintf(tw, "%d\t%s\t%s\t%s…\t%s\t%s\t%s\n", t.ID, t.Name, t.Role, t.Prefix,
						t.CreatedAt.Format(time.DateTime), orNever(t.LastUsedAt), state)
				}
				return tw.Flush()
			})
		},
	}
	revoke := &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke an API token",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var id int64
			if _, err := fmt.Sscan(args[0], &id); err != nil {
				return fmt.Errorf("token id %q is not a number (see hotdash token list)", args[0])
			}
			return e.withAuth(cmd.Context(), func(s *auth.Service) error {
				if err := s.RevokeToken(cmd.Context(), id); err != nil {
					return err
				}
				_, _ = fmt.Fprintf(e.Stdout, "token %d revoked\n", id)
				return nil
			})
		},
	}
	cmd.AddCommand(create, list, revoke)
	return cmd
}

func orNever(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.Format(time.DateTime)
}
