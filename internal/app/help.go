package app

import (
	"context"
	"fmt"

	"github.com/hotdash/hotdash/internal/helpcenter"
)

// buildHelp assembles the Help Center and writes HotDash's own articles
// (those an editor has not changed).
func (a *App) buildHelp(ctx context.Context) error {
	a.Help = helpcenter.New(helpcenter.Deps{DB: a.DB, Clock: a.Clock, Decisions: a.Decisions})
	n, err := a.Help.LoadShipped(ctx)
	if err != nil {
		return fmt.Errorf("load the Help Center's articles: %w", err)
	}
	if n > 0 {
		a.Logger.Info("help center articles loaded", "written", n)
	}
	return nil
}
