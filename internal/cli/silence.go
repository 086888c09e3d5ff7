package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/prometheus/alertmanager/pkg/labels"
	"github.com/spf13/cobra"

	"oncall/internal/alerts"
	"oncall/internal/timefmt"
)

func (a *App) silenceCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "silence",
		Short: "Add, list, expire and extend silences",
	}
	cmd.AddCommand(a.silenceAddCmd(), a.silenceLsCmd(), a.silenceExpireCmd(), a.silenceExtendCmd())
	return cmd
}

// parseMatcherFlags parses repeated --matcher values with Alertmanager's parser.
func parseMatcherFlags(vals []string) (labels.Matchers, error) {
	var out labels.Matchers
	for _, v := range vals {
		ms, err := alerts.ParseMatchers(v)
		if err != nil {
			return nil, fmt.Errorf("--matcher %q: %v", v, err)
		}
		out = append(out, ms...)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("at least one --matcher is required, e.g. --matcher 'alertname=\"APIDown\"'")
	}
	return out, nil
}

func (a *App) silenceLsCmd() *cobra.Command {
	var expired bool
	var filter []string
	cmd := &cobra.Command{
		Use:     "ls",
		Aliases: []string{"list", "query"},
		Short:   "List active and pending silences (--expired adds expired ones)",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.checkOutput(); err != nil {
				return err
			}
			am, err := a.Alertmanager()
			if err != nil {
				return err
			}
			ctx, cancel := a.ctx(cmd.Context())
			defer cancel()
			as, ss, warns, err := snapshot(ctx, am, nil, nil)
			if err != nil {
				return err
			}
			for _, w := range warns {
				return w // silences are this command's whole point
			}
			f := alerts.Filter{}
			if len(filter) > 0 {
				ms, err := parseMatcherFlags(filter)
				if err != nil {
					return err
				}
				f.Matchers = ms
			}
			_ = as
			out := []*alerts.Silence{}
			for _, s := range ss {
				if s.State == "expired" && !expired {
					continue
				}
				if len(f.Matchers) > 0 && !silenceMatchesFilter(s, f) {
					continue
				}
				out = append(out, s)
			}
			if a.output == "json" {
				return writeJSON(a.Stdout, out)
			}
			now := time.Now()
			t := newTable(a.Stdout, "ID", "STATE", "MATCHERS", "ENDS", "CREATED BY", "ALERTS", "COMMENT")
			for _, s := range out {
				ends := timefmt.Left(s.EndsAt, now)
				if s.State == "expired" {
					ends = "expired " + timefmt.Ago(s.EndsAt, now) + " ago"
				}
				t.row(s.ID, s.State, strings.Join(s.Matchers, ","), ends, s.CreatedBy, fmt.Sprint(s.Matching), s.Comment)
			}
			return t.flush()
		},
	}
	cmd.Flags().BoolVar(&expired, "expired", false, "include expired silences")
	cmd.Flags().StringArrayVar(&filter, "filter", nil, "only silences with a matcher equal to one of these")
	a.addOutputFlag(cmd)
	return cmd
}

// silenceMatchesFilter keeps a silence when each filter matcher appears
// among the silence's own matchers (amtool's semantics for silence query).
func silenceMatchesFilter(s *alerts.Silence, f alerts.Filter) bool {
	have := map[string]bool{}
	for _, m := range s.Matchers {
		have[m] = true
	}
	for _, m := range f.Matchers {
		if !have[m.String()] {
			return false
		}
	}
	return true
}
