package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

func (a *App) silenceExpireCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "expire ID...",
		Aliases: []string{"rm"},
		Short:   "Expire silences",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := a.checkOutput(); err != nil {
				return err
			}
			svc, err := a.Actions()
			if err != nil {
				return err
			}
			var failed int
			var results []map[string]string
			for _, id := range args {
				ctx, cancel := a.ctx(cmd.Context())
				err := svc.Expire(ctx, id)
				cancel()
				r := map[string]string{"id": id, "result": "expired"}
				if err != nil {
					failed++
					r["result"], r["error"] = "error", oneLine(err.Error())
					fmt.Fprintf(a.Stderr, "oncall: %s\n", oneLine(err.Error()))
				}
				results = append(results, r)
			}
			if a.output == "json" {
				if err := writeJSON(a.Stdout, results); err != nil {
					return err
				}
			} else {
				for _, r := range results {
					if r["result"] == "expired" {
						fmt.Fprintf(a.Stdout, "expired %s\n", r["id"])
					}
				}
			}
			if failed > 0 {
				return exitError{code: 1, err: fmt.Errorf("%d of %d silences not expired", failed, len(args))}
			}
			return nil
		},
	}
	a.addOutputFlag(cmd)
	return cmd
}
