package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
)

// silenceExpire is `oncall silence expire ID...`: each silence under its
// own --timeout; the ones that fail are reported and make the exit 1.
type silenceExpire struct {
	*App
	ids []string
}

func (a *App) silenceExpireCmd() *cobra.Command {
	v := &silenceExpire{App: a}
	cmd := &cobra.Command{
		Use:     "expire ID...",
		Aliases: []string{"rm"},
		Short:   "Expire silences",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			v.ids = args
			return a.exec(cmd, v)
		},
	}
	a.addOutputFlag(cmd)
	return cmd
}

func (v *silenceExpire) run(ctx context.Context) error {
	svc, err := v.actions()
	if err != nil {
		return err
	}
	var failed int
	var results []map[string]string
	for _, id := range v.ids {
		cctx, cancel := v.ctx(ctx)
		err := svc.Expire(cctx, id)
		cancel()
		r := map[string]string{"id": id, "result": "expired"}
		if err != nil {
			failed++
			r["result"], r["error"] = "error", v.scrub(err.Error())
			v.notef("%s", err)
		}
		results = append(results, r)
	}
	if v.json() {
		if err := writeJSON(v.Stdout, results); err != nil {
			return err
		}
	} else {
		for _, r := range results {
			if r["result"] == "expired" {
				fmt.Fprintf(v.Stdout, "expired %s\n", r["id"])
			}
		}
	}
	if failed > 0 {
		return exitError{code: 1, err: fmt.Errorf("%d of %d silences not expired", failed, len(v.ids))}
	}
	return nil
}
