package cli

import "github.com/spf13/cobra"

// Placeholder until the feature lands.
func (a *App) serveCmd() *cobra.Command { return nil }
