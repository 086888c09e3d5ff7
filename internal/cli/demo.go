package cli

import "github.com/spf13/cobra"

func (a *App) demoCmd() *cobra.Command { return &cobra.Command{Use: "demo"} }
