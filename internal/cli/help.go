package cli

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hotdash/hotdash/internal/clock"
	"github.com/hotdash/hotdash/internal/decisionlog"
	"github.com/hotdash/hotdash/internal/helpcenter"
)

// newHelp replaces cobra's help command: "hotdash help [command]" still
// shows a command's help, and "hotdash help import DIR" imports Help Center
// articles.
func newHelp(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "help [command]",
		Short: "Help about any command; help import DIR loads Help Center articles",
		Long: `hotdash help COMMAND shows the help of a command.

hotdash help import DIR imports a folder of Help Center articles (markdown
files with YAML front matter) into the database named by the settings.`,
		PersistentPreRunE: func(*cobra.Command, []string) error { return nil },
		RunE: func(c *cobra.Command, args []string) error {
			target, _, err := c.Root().Find(args)
			if err != nil || target == nil {
				return fmt.Errorf("no command %q: run hotdash --help for the list", strings.Join(args, " "))
			}
			target.InitDefaultHelpFlag()
			return target.Help()
		},
	}
	cmd.AddCommand(helpImport(e))
	return cmd
}

func helpImport(e *env) *cobra.Command {
	actor := "cli"
	if u := lookup(e.Environ, "USER"); u != "" {
		actor = "cli:" + u
	}
	cmd := &cobra.Command{
		Use:   "import DIR",
		Short: "Import a folder of Help Center articles (markdown with front matter) into the database",
		Long: `Read every *.md file under DIR (each one article: YAML front matter with id,
title, kind, keywords, and for runbooks owner and review_by; then markdown)
and write them all in one transaction. A bad file stops the import with its
name and the problem, and nothing is written. Articles with an id that
exists are replaced (and count as edited: HotDash's shipped articles never
overwrite them). One Decision Log entry records the import.

It works directly on the database named by the settings, like hotdash user.`,
		Example: `  hotdash help import ./articles --actor lead@example.com`,
		Args:    cobra.ExactArgs(1),
		PersistentPreRunE: func(*cobra.Command, []string) error {
			return e.envErr
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			info, err := os.Stat(args[0])
			if err != nil {
				return err
			}
			if !info.IsDir() {
				return fmt.Errorf("%s is not a folder", args[0])
			}
			db, err := e.openStore(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			log := decisionlog.New(db, clock.System{}, decisionlog.Options{})
			defer log.Close()
			svc := helpcenter.New(helpcenter.Deps{DB: db, Clock: clock.System{}, Decisions: log})
			res, err := svc.Import(cmd.Context(), os.DirFS(args[0]), actor)
			if err != nil {
				return fmt.Errorf("nothing was imported: %w", err)
			}
			_, _ = fmt.Fprintf(e.Stdout, "imported %d articles (%d new, %d replaced)\n", len(res.Created)+len(res.Updated), len(res.Created), len(res.Updated))
			return nil
		},
	}
	cmd.Flags().StringVar(&actor, "actor", actor, "who the Decision Log records as importing")
	return cmd
}
