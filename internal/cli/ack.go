package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"
)

func (a *App) ackCmd() *cobra.Command {
	var matchers []string
	var note string
	var dur time.Duration
	cmd := &cobra.Command{
		Use:     "ack",
		Short:   "Acknowledge alerts: an \"ACK! <user>: <note>\" silence (extended in place if you already acked)",
		Example: `  oncall ack --matcher 'alertname="APIDown"' --note "looking into it"`,
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
			res, err := svc.Ack(ctx, ms, dur, note)
			if err != nil {
				return err
			}
			if a.output == "json" {
				return writeJSON(a.Stdout, res)
			}
			fmt.Fprintln(a.Stdout, res.SilenceID)
			return nil
		},
	}
	cmd.Flags().StringArrayVarP(&matchers, "matcher", "m", nil, "matcher (repeatable), e.g. 'alertname=\"APIDown\"'")
	cmd.Flags().StringVarP(&note, "note", "n", "", "note added to the ACK! comment")
	cmd.Flags().DurationVarP(&dur, "duration", "d", a.defaultAckDuration(), "ack duration (kept alive by the TUI while the alert fires)")
	a.addOutputFlag(cmd)
	return cmd
}
