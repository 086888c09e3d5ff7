package cli

import (
	"context"
	"fmt"
	"runtime"

	"github.com/spf13/cobra"
)

// version is `oncall version`.
type version struct{ *App }

func (a *App) versionCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and build date",
		Args:  cobra.NoArgs,
		RunE:  a.runE(version{a}),
	}
	a.addOutputFlag(cmd)
	return cmd
}

func (v version) run(context.Context) error {
	return v.result(map[string]string{"version": Version, "commit": Commit, "date": Date, "go": runtime.Version()},
		fmt.Sprintf("oncall %s (commit %s, built %s, %s)", Version, Commit, Date, runtime.Version()))
}
