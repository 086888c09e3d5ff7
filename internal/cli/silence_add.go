package cli

import (
	"context"
	"time"

	"github.com/prometheus/alertmanager/pkg/labels"
	"github.com/spf13/cobra"

	"oncall/internal/actions"
	"oncall/internal/config"
)

// silenceAdd is `oncall silence add`.
type silenceAdd struct {
	silenceWrite
	comment string
}

func (a *App) silenceAddCmd() *cobra.Command {
	v := &silenceAdd{silenceWrite: silenceWrite{App: a}}
	cmd := &cobra.Command{
		Use:   "add",
		Short: "Create a silence",
		Example: `  oncall silence add --matcher 'alertname="APIDown"' --matcher 'env="prod"' --duration 1h --comment "deploy rollback in progress"
  oncall silence add -m 'alertname="DiskFull"' -c 'OPS-12 disks' --dry-run   # what it would write and match
  oncall silence add APIDown env=prod -c 'OPS-12'   # matchers as arguments (amtool's way; a bare first one is the alertname)
  oncall silence add --all-contexts -m 'alertname="APIDown"' -c 'OPS-12'   # once in each watched context`,
		RunE: a.runE(v),
	}
	cmd.Flags().StringVarP(&v.comment, "comment", "c", "", "why (required)")
	v.flags(cmd, "matcher, e.g. 'alertname=\"APIDown\"' or 'instance=~\"db-.*\"' (repeatable)",
		func(c *config.Config) time.Duration { return c.Alerts.SilenceDuration.D() }, "how long")
	return cmd
}

func (v *silenceAdd) run(ctx context.Context) error {
	return v.write(ctx, func(ctx context.Context, svc *actions.Service, ms labels.Matchers, o actions.Options) (actions.Result, error) {
		return svc.CreateSilence(ctx, actions.SilenceRequest{Matchers: ms, Duration: v.dur, Comment: v.comment}, o)
	})
}
