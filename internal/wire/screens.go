package wire

import (
	"fmt"

	"oncall/internal/config"
	"oncall/tui/kit"
	"oncall/tui/screens/budget"
	graphscreen "oncall/tui/screens/graph"
	handoffscreen "oncall/tui/screens/handoff"
	"oncall/tui/screens/logs"
	"oncall/tui/screens/runbook"
	"oncall/tui/screens/trace"
	"oncall/tui/screens/traces"
)

// The screens beyond the alert list are registered here (k9s's
// registrar): every screen is listed, available with this config or saying
// why it is not. It is the one place that knows the screens' packages;
// clients come from wire.go. A source that cannot be built shows as the
// screen's error, or leaves its screen out with a warning.

// ClusterEntries are the screens that follow an alert's own cluster (its
// Loki, Jaeger and Prometheus): cfg's current context's.
func ClusterEntries(cfg *config.Config, env Env) []kit.Entry {
	cur, err := cfg.Current()
	if err != nil {
		return nil
	}
	out := []kit.Entry{logsEntry(cfg, cur)}
	out = append(out, traceEntries(cfg, cur, env)...)
	return append(out, budgetEntry(cfg, cur), runbookEntry(cfg), graphEntry(cfg, env))
}

// SessionEntries are the screens of the whole session: the handoff (every
// watched cluster) and notes.
func SessionEntries(cfg *config.Config, env Env) []kit.Entry {
	h := handoffscreen.Options{Webhook: Webhook(cfg, env.Getenv), JournalPath: JournalPath(cfg, env.Getenv)}
	return []kit.Entry{handoffscreen.Entry(h), handoffscreen.NotesEntry(h)}
}

// Entries are every screen of cfg's current context, for one cluster
// (ClusterEntries, then SessionEntries).
func Entries(cfg *config.Config, env Env) []kit.Entry {
	return append(ClusterEntries(cfg, env), SessionEntries(cfg, env)...)
}

// logsEntry is the logs screen (l), with the context's Loki.
func logsEntry(cfg *config.Config, cur *config.Context) kit.Entry {
	o := logs.Options{Context: cfg.CurrentContext}
	if HasLoki(cfg) {
		o.Client, o.Err = Loki(cfg)
		o.AlertSelector, o.TraceRegex, o.MaxLines, o.HideFields = cur.Loki.AlertSelector, cur.Loki.TraceRegex, cur.Loki.MaxLines, cur.Loki.HideFields
	}
	return logs.Entry(o)
}

// traceEntries are the trace screen (opened from a log line or the list)
// and the error-trace list (T on an alert). The trace's logs come from the
// context's Loki, when it has one.
func traceEntries(cfg *config.Config, cur *config.Context, env Env) []kit.Entry {
	var to trace.Options
	list := traces.Options{Timeout: env.Timeout}
	if HasJaeger(cfg) {
		if jc, err := Jaeger(cfg); err != nil {
			env.warn(cfg, "traces disabled", err)
		} else {
			to = trace.Options{Jaeger: jc, TraceSelector: cur.Loki.TraceSelector, TraceRegex: cur.Loki.TraceRegex, UIURL: JaegerUI(cur.Jaeger), Timeout: env.Timeout}
			list.Jaeger, list.Services = jc, cur.Jaeger.Services
			if HasLoki(cfg) {
				if lc, err := Loki(cfg); err != nil {
					env.warn(cfg, "trace logs disabled", err)
				} else {
					to.Loki = lc
				}
			}
		}
	}
	return []kit.Entry{trace.Entry(to), traces.Entry(list)}
}

// budgetEntry is the error-budget screen (b), with the context's
// Prometheus.
func budgetEntry(cfg *config.Config, cur *config.Context) kit.Entry {
	var o budget.Options
	if cur.Prometheus.URL == "" {
		o.Unavailable = fmt.Sprintf("no Prometheus configured for context %q", cfg.CurrentContext)
	}
	return budget.Entry(o)
}

// graphEntry is the alert graph screen (P), which also puts the alert's
// graph and firing history in the detail: the context's Prometheus comes
// from the session (Host.Sources); its Loki runs the graphs of log-based
// rules once the Loki client can run metric queries over a range.
func graphEntry(cfg *config.Config, env Env) kit.Entry {
	o := graphscreen.Options{Flapping: cfg.Alerts.FlappingEpisodes, Timeout: env.Timeout, History: env.History}
	if HasLoki(cfg) {
		if lc, err := Loki(cfg); err != nil {
			env.warn(cfg, "graphs of log-based alerts disabled", err)
		} else {
			o.Loki = lc
		}
	}
	return graphscreen.Entry(o)
}

// runbookEntry is the runbook screen (R) with a Finder built once for the
// program and a Loki client for logql blocks when the context has one.
func runbookEntry(cfg *config.Config) kit.Entry {
	o := runbook.Options{Steps: cfg.Escalation.Steps, After: cfg.Escalation.After.D()}
	if f, err := RunbookFinder(cfg); err != nil {
		o.SetupErr = scrub(cfg, err)
	} else {
		o.Finder = f
	}
	if HasLoki(cfg) {
		if lc, err := Loki(cfg); err != nil {
			o.LokiErr = scrub(cfg, err)
		} else {
			o.Loki = lc
		}
	}
	return runbook.Entry(o)
}
