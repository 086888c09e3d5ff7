package cli

import (
	"context"
	"errors"
	"fmt"

	tea "charm.land/bubbletea/v2"

	"oncall/internal/config"
	"oncall/tui"
	"oncall/tui/kit"
)

// localFPS is the renderer's frame rate on a local terminal. Bubble Tea
// writes a frame only on its ticker, so the rate bounds both the wait for
// the first frame and the delay from a key to its frame: 120 (Bubble Tea's
// maximum) halves both against the default 60, for about 0.3 % more CPU
// when idle (docs/performance.md). SSH sessions keep the default, where
// fewer, coalesced frames save bandwidth.
const localFPS = 120

// runTUI opens the interactive screen on the current context.
func (a *App) runTUI(ctx context.Context) error {
	cfg, err := a.Config()
	if err != nil {
		return err
	}
	return a.runTUIWith(ctx, cfg, "")
}

// runTUIWith opens the screen for an already loaded config. journalPath
// overrides the journal location ("" = configured).
func (a *App) runTUIWith(ctx context.Context, cfg *config.Config, journalPath string) error {
	deps, err := a.tuiDeps(cfg, journalPath)
	if err != nil {
		return err
	}
	m, err := tui.New(deps, tui.Options{})
	if err != nil {
		return err
	}
	p := tea.NewProgram(m, tea.WithContext(ctx), tea.WithInput(a.Stdin), tea.WithOutput(a.Stdout), tea.WithFPS(localFPS))
	_, err = p.Run()
	m.Stop()
	if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		return nil
	}
	return err
}

// tuiDeps builds the sources and the action service for the UI.
func (a *App) tuiDeps(cfg *config.Config, journalPath string) (tui.Deps, error) {
	a.cfg = cfg
	cur, err := cfg.Current()
	if err != nil {
		return tui.Deps{}, err
	}
	d := tui.Deps{Config: cfg}
	if len(cur.Alertmanager.URLs) > 0 {
		if d.AM, err = a.Alertmanager(); err != nil {
			return d, err
		}
		svc, err := a.Actions()
		if err != nil {
			return d, err
		}
		if journalPath != "" {
			svc.Journal.Path = journalPath
		}
		d.Actions = svc
	}
	if d.Prom, err = a.Prometheus(); err != nil {
		return d, err
	}
	if d.AM == nil && d.Prom == nil {
		return d, fmt.Errorf("context %q has no Alertmanager or Prometheus: set --alertmanager-url/--prometheus-url, the ONCALL_* variables or a config file (try `oncall demo`)", cfg.CurrentContext)
	}
	d.Screens = a.screens(cfg)
	d.Entries = a.entries(cfg)
	return d, nil
}

// screens lists the extra screens still in the tui package (logs, traces,
// handoff) available with this config. Each feature file provides its own.
func (a *App) screens(cfg *config.Config) []tui.ScreenSpec {
	var out []tui.ScreenSpec
	for _, f := range []func(*config.Config) []tui.ScreenSpec{a.logScreens, a.traceScreens, a.handoffScreens} {
		out = append(out, f(cfg)...)
	}
	return out
}

// entries lists the screens registered as kit.Entry (tui/screens/…).
func (a *App) entries(cfg *config.Config) []kit.Entry {
	return append(a.budgetEntries(cfg), a.runbookEntries(cfg)...)
}
