package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"
)

func (a *App) silenceExtendCmd() *cobra.Command {
	var dur time.Duration
	cmd := &cobra.Command{
		Use:   "extend ID",
		Short: "Extend a silence in place (same ID): its end moves to max(now, end) + duration",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := a.checkOutput(); err != nil {
				return err
			}
			svc, err := a.Actions()
			if err != nil {
				return err
			}
			ctx, cancel := a.ctx(cmd.Context())
			defer cancel()
			id, end, err := svc.Extend(ctx, args[0], dur)
			if err != nil {
				return err
			}
			if a.output == "json" {
				return writeJSON(a.Stdout, map[string]any{"id": id, "endsAt": end.UTC()})
			}
			fmt.Fprintf(a.Stdout, "%s ends %s\n", id, end.Local().Format(time.RFC3339))
			return nil
		},
	}
	cmd.Flags().DurationVarP(&dur, "duration", "d", time.Hour, "how much longer")
	a.addOutputFlag(cmd)
	return cmd
}
