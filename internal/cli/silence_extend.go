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
	silenceRef
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
	v.refFlags(cmd, "confirm what the context's guard asks to confirm (a longer silence than its duration rule allows)")
	a.addOutputFlag(cmd)
	return cmd
}

func (v *silenceExtend) run(ctx context.Context) error {
	ref, err := v.ref(v.id)
	if err != nil {
		return err
	}
	targets, err := v.writeTargets(false)
	if err != nil {
		return err
	}
	svc := targets[0].svc
	if v.dryRun {
		return v.dry(ctx, v.App, targets[0].name, []string{v.id}, func(ctx context.Context, ref actions.SilenceRef, o actions.Options) (actions.Result, error) {
			return svc.ExtendSilence(ctx, ref, v.dur, o)
		}, "extend")
	}
	ctx, cancel := v.ctx(ctx)
	defer cancel()
	res, err := svc.ExtendSilence(ctx, ref, v.dur, actions.Options{Force: v.force})
	if err != nil && res.JournalErr == nil {
		return railError(err, v.force, "extend", "silence "+v.id)
	}
	if perr := v.result(map[string]any{"id": res.SilenceID, "endsAt": res.EndsAt.UTC(), "guard": res.Guard},
		res.SilenceID+" ends "+res.EndsAt.Local().Format(time.RFC3339)); perr != nil {
		return perr
	}
	return err
}
