package cli

import (
	"context"
	"time"

	"github.com/prometheus/alertmanager/pkg/labels"
	"github.com/spf13/cobra"

	"oncall/internal/actions"
	"oncall/internal/config"
)

// ack is `oncall ack`: an "ACK! <user>: <note>" silence.
type ack struct {
	silenceWrite
	note string
}

func (a *App) ackCmd() *cobra.Command {
	v := &ack{silenceWrite: silenceWrite{App: a, ack: true}}
	cmd := &cobra.Command{
		Use:   "ack",
		Short: "Acknowledge alerts: an \"ACK! <user>: <note>\" silence (extended in place if you already acked)",
		Example: `  oncall ack --matcher 'alertname="APIDown"' --note "looking into it"
  oncall ack -m 'alertname="APIDown"' --dry-run   # what it would write and match`,
		RunE: a.runE(v),
	}
	cmd.Flags().StringVarP(&v.note, "note", "n", "", "note added to the ACK! comment")
	v.flags(cmd, "matcher (repeatable), e.g. 'alertname=\"APIDown\"'",
		func(c *config.Config) time.Duration { return c.Alerts.AckDuration.D() }, "ack duration (kept alive by the TUI while the alert fires)")
	return cmd
}

func (v *ack) run(ctx context.Context) error {
	return v.write(ctx, func(ctx context.Context, svc *actions.Service, ms labels.Matchers, o actions.Options) (actions.Result, error) {
		return svc.Acknowledge(ctx, actions.AckRequest{Matchers: ms, Duration: v.dur, Note: v.note}, o)
	})
}
