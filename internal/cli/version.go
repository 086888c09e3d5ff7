package cli

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"
)

func (a *App) versionCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and build date",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.checkOutput(); err != nil {
				return err
			}
			if a.output == "json" {
				return writeJSON(a.Stdout, map[string]string{"version": Version, "commit": Commit, "date": Date, "go": runtime.Version()})
			}
			fmt.Fprintf(a.Stdout, "oncall %s (commit %s, built %s, %s)\n", Version, Commit, Date, runtime.Version())
			return nil
		},
	}
	a.addOutputFlag(cmd)
	return cmd
}
