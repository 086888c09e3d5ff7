package cli

import (
	"context"
	"errors"
	"fmt"
	"strconv"
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

// alertnameFirst reads a first argument without an operator as the alert's
// name, as amtool does: `silence add APIDown env=prod`.
func alertnameFirst(args []string) []string {
	if len(args) == 0 || strings.ContainsAny(args[0], "=!~") {
		return args
	}
	return append([]string{"alertname=" + strconv.Quote(args[0])}, args[1:]...)
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
	cs, err := v.watched(true)
	if err != nil {
		return err
	}
	for i := range cs {
		cs[i].prom, cs[i].ruler = nil, nil // silences only
	}
	ctx, cancel := v.ctx(ctx)
	defer cancel()
	st, err := fetchWatched(ctx, cs, nil)
	if err != nil {
		return err
	}
	if len(st.warns) > 0 && len(cs) == 1 {
		return st.warns[0] // silences are this command's whole point
	}
	for _, w := range st.warns {
		v.warnf("%s", w)
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
	head := []string{"ID", "STATE", "MATCHERS", "ENDS", "CREATED BY", "ALERTS", "COMMENT"}
	if len(cs) > 1 {
		head = append([]string{"CLUSTER"}, head...)
	}
	t := newTable(v.Stdout, head...)
	for _, s := range out {
		ends := timefmt.Left(s.EndsAt, now)
		if s.State == "expired" {
			ends = "expired " + timefmt.Ago(s.EndsAt, now) + " ago"
		}
		cells := []string{s.ID, s.State, strings.Join(s.Matchers, ","), ends, s.CreatedBy, fmt.Sprint(s.Matching), s.Comment}
		if len(cs) > 1 {
			cells = append([]string{s.Cluster}, cells...)
		}
		t.row(cells...)
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
// duration of the silence they write, the rails' flags, and the writing.
type silenceWrite struct {
	*App
	matchers []string
	args     []string // matchers given as arguments, as amtool takes them
	dur      time.Duration
	dryRun   bool
	force    bool
	ack      bool // prints the ack's comment and end
}

// flags adds --matcher, --duration (its default from the config),
// --dry-run, --force and -o, and takes matchers as arguments too
// (amtool's `silence add alertname=APIDown env=prod`).
func (w *silenceWrite) flags(cmd *cobra.Command, matcherHelp string, dur func(*config.Config) time.Duration, durHelp string) {
	cmd.Args = func(_ *cobra.Command, args []string) error {
		w.args = args
		return nil
	}
	cmd.Flags().StringArrayVarP(&w.matchers, "matcher", "m", nil, matcherHelp)
	cmd.Flags().DurationVarP(&w.dur, "duration", "d", w.configDuration(dur), durHelp)
	cmd.Flags().BoolVar(&w.dryRun, "dry-run", false, "print what would be written and what it matches, and what the guard says; write nothing")
	cmd.Flags().BoolVar(&w.force, "force", false, "confirm what the context's guard asks to confirm (a refusing rule cannot be forced)")
	w.addOutputFlag(cmd)
}

// write checks the flags, resolves the contexts to write to and runs the
// write in each through its action service (see writeEach).
func (w *silenceWrite) write(ctx context.Context, do func(context.Context, *actions.Service, labels.Matchers, actions.Options) (actions.Result, error)) error {
	ms, err := parseMatchers("--matcher", w.matchers)
	if err != nil {
		return err
	}
	more, err := parseMatchers("argument", alertnameFirst(w.args))
	if err != nil {
		return err
	}
	ms = append(ms, more...)
	if len(ms) == 0 {
		return errors.New("at least one --matcher is required, e.g. --matcher 'alertname=\"APIDown\"'")
	}
	if w.dur <= 0 {
		return fmt.Errorf("--duration must be positive, got %s", w.dur)
	}
	targets, err := w.writeTargets(true)
	if err != nil {
		return err
	}
	return w.writeEach(ctx, targets, func(ctx context.Context, svc *actions.Service, o actions.Options) (actions.Result, error) {
		return do(ctx, svc, ms, o)
	})
}

// configDuration is a duration default for a flag from the config, or 15m
// when the config cannot be read yet (the error surfaces later).
func (a *App) configDuration(get func(*config.Config) time.Duration) time.Duration {
	if cfg, err := a.peekConfig(); err == nil {
		return get(cfg)
	}
	return 15 * time.Minute
}
