package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/prometheus/alertmanager/pkg/labels"
	"github.com/spf13/cobra"

	"oncall/internal/actions"
	"oncall/internal/alerts"
	"oncall/internal/config"
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

// parseMatchers parses the repeated values of flag with Alertmanager's parser.
func parseMatchers(flag string, vals []string) (labels.Matchers, error) {
	var out labels.Matchers
	for _, v := range vals {
		ms, err := alerts.ParseMatchers(v)
		if err != nil {
			return nil, fmt.Errorf("%s %q: %v", flag, v, err)
		}
		out = append(out, ms...)
	}
	return out, nil
}

// silenceLs is `oncall silence ls`.
type silenceLs struct {
	*App
	expired bool
	filter  []string
}

func (a *App) silenceLsCmd() *cobra.Command {
	v := &silenceLs{App: a}
	cmd := &cobra.Command{
		Use:     "ls",
		Aliases: []string{"list", "query"},
		Short:   "List active and pending silences (--expired adds expired ones)",
		Args:    cobra.NoArgs,
		RunE:    a.runE(v),
	}
	cmd.Flags().BoolVar(&v.expired, "expired", false, "include expired silences")
	cmd.Flags().StringArrayVar(&v.filter, "filter", nil, "only silences with a matcher equal to one of these")
	a.addOutputFlag(cmd)
	return cmd
}

func (v *silenceLs) run(ctx context.Context) error {
	am, err := v.alertmanager()
	if err != nil {
		return err
	}
	ctx, cancel := v.ctx(ctx)
	defer cancel()
	st, err := fetch(ctx, am, nil, nil, nil)
	if err != nil {
		return err
	}
	if len(st.warns) > 0 {
		return st.warns[0] // silences are this command's whole point
	}
	f, err := parseMatchers("--filter", v.filter)
	if err != nil {
		return err
	}
	out := []*alerts.Silence{}
	for _, s := range st.silences {
		if (s.State != "expired" || v.expired) && hasMatchers(s, f) {
			out = append(out, s)
		}
	}
	if v.json() {
		return writeJSON(v.Stdout, out)
	}
	now := time.Now()
	t := newTable(v.Stdout, "ID", "STATE", "MATCHERS", "ENDS", "CREATED BY", "ALERTS", "COMMENT")
	for _, s := range out {
		ends := timefmt.Left(s.EndsAt, now)
		if s.State == "expired" {
			ends = "expired " + timefmt.Ago(s.EndsAt, now) + " ago"
		}
		t.row(s.ID, s.State, strings.Join(s.Matchers, ","), ends, s.CreatedBy, fmt.Sprint(s.Matching), s.Comment)
	}
	return t.flush()
}

// hasMatchers keeps a silence when each filter matcher appears among the
// silence's own matchers (amtool's semantics for silence query).
func hasMatchers(s *alerts.Silence, filter labels.Matchers) bool {
	have := map[string]bool{}
	for _, m := range s.Matchers {
		have[m] = true
	}
	for _, m := range filter {
		if !have[m.String()] {
			return false
		}
	}
	return true
}

// silenceWrite is what silence add and ack share: the matchers and the
// duration of the silence they write, and the writing.
type silenceWrite struct {
	*App
	matchers []string
	dur      time.Duration
}

// flags adds --matcher, --duration (its default from the config) and -o.
func (w *silenceWrite) flags(cmd *cobra.Command, matcherHelp string, dur func(*config.Config) time.Duration, durHelp string) {
	cmd.Flags().StringArrayVarP(&w.matchers, "matcher", "m", nil, matcherHelp)
	cmd.Flags().DurationVarP(&w.dur, "duration", "d", w.configDuration(dur), durHelp)
	w.addOutputFlag(cmd)
}

// write checks the flags, runs one write through the action service under
// --timeout and prints its result: the JSON value, or the text line.
func (w *silenceWrite) write(ctx context.Context, do func(context.Context, *actions.Service, labels.Matchers) (json any, text string, err error)) error {
	ms, err := parseMatchers("--matcher", w.matchers)
	if err != nil {
		return err
	}
	if len(ms) == 0 {
		return errors.New("at least one --matcher is required, e.g. --matcher 'alertname=\"APIDown\"'")
	}
	if w.dur <= 0 {
		return fmt.Errorf("--duration must be positive, got %s", w.dur)
	}
	return w.act(ctx, func(ctx context.Context, svc *actions.Service) (any, string, error) { return do(ctx, svc, ms) })
}

// configDuration is a duration default for a flag from the config, or 15m
// when the config cannot be read yet (the error surfaces later).
func (a *App) configDuration(get func(*config.Config) time.Duration) time.Duration {
	if cfg, err := a.peekConfig(); err == nil {
		return get(cfg)
	}
	return 15 * time.Minute
}

// act runs one write through the action service under --timeout and
// prints its result: the JSON value, or the text line.
func (a *App) act(ctx context.Context, write func(context.Context, *actions.Service) (json any, text string, err error)) error {
	svc, err := a.actions()
	if err != nil {
		return err
	}
	ctx, cancel := a.ctx(ctx)
	defer cancel()
	v, text, err := write(ctx, svc)
	if err != nil {
		return err
	}
	return a.result(v, text)
}
