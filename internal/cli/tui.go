package cli

import (
	"context"
	"errors"
	"fmt"

	tea "charm.land/bubbletea/v2"

	"oncall/internal/config"
	"oncall/internal/wire"
	"oncall/tui"
)

// localFPS is the renderer's frame rate on a local terminal. Bubble Tea
// writes a frame only on its ticker, so the rate bounds both the wait for
// the first frame and the delay from a key to its frame: 120 (Bubble Tea's
// maximum) halves both against the default 60, for about 0.3 % more CPU
// when idle (docs/performance.md). SSH sessions keep the default, where
// fewer, coalesced frames save bandwidth.
const localFPS = 120

// tuiVerb is `oncall` without a command: the interactive screen on the
// current context.
type tuiVerb struct{ *App }

func (v *tuiVerb) run(ctx context.Context) error {
	cfg, err := v.Config()
	if err != nil {
		return err
	}
	return v.runTUI(ctx, cfg, "try `oncall demo`")
}

// runTUI opens the screen for an already loaded config. hint follows the
// error of a context with no source.
func (a *App) runTUI(ctx context.Context, cfg *config.Config, hint string) error {
	a.cfg = cfg
	deps, err := wire.Local(cfg, a.wireEnv())
	if err != nil {
		return withHint(err, hint)
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

// withHint adds "(hint)" to a wire.NoSourceError.
func withHint(err error, hint string) error {
	var ns wire.NoSourceError
	if hint != "" && errors.As(err, &ns) {
		return fmt.Errorf("%w (%s)", err, hint)
	}
	return err
}
