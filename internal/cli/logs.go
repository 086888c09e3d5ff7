package cli

import (
	"context"

	"github.com/spf13/cobra"

	"oncall/internal/config"
	"oncall/internal/sim"
	"oncall/tui"
)

// Placeholder until the feature lands: no command, no screen, no demo data.

func (a *App) logsCmd() *cobra.Command { return nil }

func (a *App) logScreens(cfg *config.Config) []tui.ScreenSpec { return nil }

func (a *App) demoLogs(ctx context.Context, b *sim.Backend, cfg *config.Config) error { return nil }
