package cli

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	"oncall/internal/actions"
)

// silenceExtend is `oncall silence extend ID`.
type silenceExtend struct {
	*App
	id  string
	dur time.Duration
}

func (a *App) silenceExtendCmd() *cobra.Command {
	v := &silenceExtend{App: a}
	cmd := &cobra.Command{
		Use:   "extend ID",
		Short: "Extend a silence in place (same ID): its end moves to max(now, end) + duration",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			v.id = args[0]
			return a.exec(cmd, v)
		},
	}
	cmd.Flags().DurationVarP(&v.dur, "duration", "d", time.Hour, "how much longer")
	a.addOutputFlag(cmd)
	return cmd
}

func (v *silenceExtend) run(ctx context.Context) error {
	return v.act(ctx, func(ctx context.Context, svc *actions.Service) (any, string, error) {
		id, end, err := svc.Extend(ctx, v.id, v.dur)
		return map[string]any{"id": id, "endsAt": end.UTC()}, id + " ends " + end.Local().Format(time.RFC3339), err
	})
}
