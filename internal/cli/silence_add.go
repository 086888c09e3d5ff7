package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"
)

func (a *App) silenceAddCmd() *cobra.Command {
	var matchers []string
	var comment string
	var dur time.Duration
	cmd := &cobra.Command{
		Use:     "add",
		Short:   "Create a silence",
		Example: `  oncall silence add --matcher 'alertname="APIDown"' --matcher 'env="prod"' --duration 1h --comment "deploy rollback in progress"`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.checkOutput(); err != nil {
				return err
			}
			ms, err := parseMatcherFlags(matchers)
			if err != nil {
				return err
			}
			if dur <= 0 {
				return fmt.Errorf("--duration must be positive, got %s", dur)
			}
			svc, err := a.Actions()
			if err != nil {
				return err
			}
			ctx, cancel := a.ctx(cmd.Context())
			defer cancel()
			id, err := svc.Silence(ctx, ms, dur, comment)
			if err != nil {
				return err
			}
			if a.output == "json" {
				return writeJSON(a.Stdout, map[string]string{"id": id})
			}
			fmt.Fprintln(a.Stdout, id)
			return nil
		},
	}
	cmd.Flags().StringArrayVarP(&matchers, "matcher", "m", nil, "matcher, e.g. 'alertname=\"APIDown\"' or 'instance=~\"db-.*\"' (repeatable)")
	cmd.Flags().StringVarP(&comment, "comment", "c", "", "why (required)")
	cmd.Flags().DurationVarP(&dur, "duration", "d", a.defaultSilenceDuration(), "how long")
	a.addOutputFlag(cmd)
	return cmd
}

// defaultSilenceDuration reads the config's default for the flag, falling
// back to 15m if the config cannot be read yet (the error surfaces later).
func (a *App) defaultSilenceDuration() time.Duration {
	if cfg, err := a.peekConfig(); err == nil {
		return cfg.Alerts.SilenceDuration.D()
	}
	return 15 * time.Minute
}

func (a *App) defaultAckDuration() time.Duration {
	if cfg, err := a.peekConfig(); err == nil {
		return cfg.Alerts.AckDuration.D()
	}
	return 15 * time.Minute
}
