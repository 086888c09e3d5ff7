package wire

import (
	"oncall/internal/config"
	"oncall/tui"
)

// Screens registers the screens beyond the alert list that this config
// can offer: logs (with a Loki), trace and traces (with a Jaeger), budget
// (with a Prometheus), runbook, handoff and the note dialog. It is the one
// place that knows the screens' registration API; clients come from
// wire.go. A source that cannot be built shows as the screen's error, or
// leaves its screen out with a warning.
func Screens(cfg *config.Config, env Env) []tui.ScreenSpec {
	cur, err := cfg.Current()
	if err != nil {
		return nil
	}
	var out []tui.ScreenSpec
	if HasLoki(cfg) {
		c, err := Loki(cfg)
		out = append(out, tui.LogsScreenSpec(tui.LogsOptions{
			Client: c, Err: err, AlertSelector: cur.Loki.AlertSelector, TraceRegex: cur.Loki.TraceRegex, MaxLines: cur.Loki.MaxLines,
		}))
	}
	if HasJaeger(cfg) {
		out = append(out, traceScreens(cfg, cur, env)...)
	}
	if cur.Prometheus.URL != "" {
		out = append(out, tui.BudgetScreenSpec(tui.BudgetOptions{}))
	}
	out = append(out, runbookScreen(cfg))
	h := tui.HandoffOptions{Webhook: Webhook(cfg, env.Getenv), JournalPath: JournalPath(cfg, env.Getenv)}
	return append(out, tui.HandoffScreenSpec(h), tui.NoteScreenSpec(h))
}

// traceScreens are the trace screen (opened from a log line) and the
// error-trace list (T on an alert). The trace's logs come from the
// context's Loki, when it has one.
func traceScreens(cfg *config.Config, cur *config.Context, env Env) []tui.ScreenSpec {
	jc, err := Jaeger(cfg)
	if err != nil {
		env.warn(cfg, "traces disabled", err)
		return nil
	}
	src := tui.TraceSources{
		Jaeger: jc, TraceSelector: cur.Loki.TraceSelector, TraceRegex: cur.Loki.TraceRegex,
		UIURL: JaegerUI(cur.Jaeger), Services: cur.Jaeger.Services, Timeout: env.Timeout,
	}
	if HasLoki(cfg) {
		if lc, err := Loki(cfg); err != nil {
			env.warn(cfg, "trace logs disabled", err)
		} else {
			src.Loki = lc
		}
	}
	return tui.TraceScreens(src)
}

// runbookScreen is the runbook screen (R) with a Finder built once for the
// program and a Loki client for logql blocks when the context has one.
func runbookScreen(cfg *config.Config) tui.ScreenSpec {
	d := tui.RunbookDeps{Steps: cfg.Escalation.Steps, After: cfg.Escalation.After.D()}
	if f, err := RunbookFinder(cfg); err != nil {
		d.SetupErr = scrub(cfg, err)
	} else {
		d.Finder = f
	}
	if HasLoki(cfg) {
		if lc, err := Loki(cfg); err != nil {
			d.LokiErr = scrub(cfg, err)
		} else {
			d.Loki = lc
		}
	}
	return tui.RunbookScreen(d)
}
