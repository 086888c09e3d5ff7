package cli

import (
	"github.com/spf13/cobra"

	"oncall/internal/config"
	"oncall/tui"
)

// Placeholder until the feature lands.

func (a *App) handoffCmd() *cobra.Command { return nil }

func (a *App) handoffScreens(cfg *config.Config) []tui.ScreenSpec { return nil }
