package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"oncall/internal/config"
	"oncall/internal/handoff"
	"oncall/internal/journal"
	"oncall/tui/kit"
	handoffscreen "oncall/tui/screens/handoff"
)

// envHandoffWebhook names the webhook the handoff is posted to; it wins
// over [shift] webhook.
const envHandoffWebhook = "ONCALL_HANDOFF_WEBHOOK"

// postConfigured is --post given without a URL: use the configured webhook.
const postConfigured = "[configured]"

func (a *App) handoffCmd() *cobra.Command {
	var since, format, out, post string
	cmd := &cobra.Command{
		Use:   "handoff",
		Short: "Shift handoff: what fired and resolved, silences, acks, error budget, notes and follow-ups",
		Long: `handoff summarises the shift for the next on-call: alerts firing now (who acked
or silenced them, until when), every alert that fired and resolved during the
shift with its episodes (from Prometheus' ALERTS history), silences created,
expired or expiring in the next shift, acks, error budget spent per SLO, notes
and open follow-ups, and actions that failed.

The window is the shift ([shift] starts and timezone, or length), --since a
duration, or --since last (since your last handoff). The output is
GitHub-flavoured Markdown or JSON (docs/handoff-schema.md). --post sends the
Markdown to a Slack-compatible incoming webhook: --post URL, or --post alone
for $ONCALL_HANDOFF_WEBHOOK or [shift] webhook. Each export is journaled.`,
		Example: `  oncall handoff
  oncall handoff --since 8h --format json --out handoff.json
  oncall handoff --since last --post`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				// `--post URL` with the value separated by a space.
				if post != postConfigured {
					return errors.New("handoff takes no arguments (to post, use --post URL)")
				}
				post = args[0]
			}
			return a.runHandoff(cmd.Context(), handoffRequest{since: since, format: format, out: out, post: post})
		},
	}
	f := cmd.Flags()
	f.StringVar(&since, "since", "", `window: a duration such as 12h or 1d, or "last" (since your last handoff); default: the shift`)
	f.StringVar(&format, "format", "md", "output format: md (Markdown) or json")
	f.StringVar(&out, "out", "", "write to this file instead of stdout")
	f.StringVar(&post, "post", "", "post the Markdown to this Slack-compatible webhook URL (alone: $"+envHandoffWebhook+" or [shift] webhook)")
	f.Lookup("post").NoOptDefVal = postConfigured
	return cmd
}

type handoffRequest struct {
	since, format, out, post string
}

func (a *App) runHandoff(parent context.Context, r handoffRequest) error {
	switch r.format {
	case "md", "markdown", "json":
	default:
		return fmt.Errorf("unknown format %q: use md or json", r.format)
	}
	if _, err := handoff.ParseSince(r.since); err != nil {
		return err
	}
	cfg, err := a.Config()
	if err != nil {
		return err
	}
	webhook := ""
	if r.post != "" {
		if webhook = r.post; webhook == postConfigured {
			if webhook = a.configuredWebhook(cfg); webhook == "" {
				return fmt.Errorf("--post: no webhook configured: pass --post URL, or set $%s or [shift] webhook", envHandoffWebhook)
			}
		}
	}
	src, j, err := a.handoffSources(cfg)
	if err != nil {
		return err
	}
	ctx, cancel := a.ctx(parent)
	defer cancel()
	s, err := handoff.Collect(ctx, src, handoff.Options{Context: cfg.CurrentContext, User: cfg.Identity.User, Since: r.since, Shift: cfg.Shift})
	if err != nil {
		return err
	}
	for _, e := range s.SourceErrors {
		fmt.Fprintf(a.Stderr, "oncall: warning: %s: %s\n", e.Source, oneLine(e.Error))
	}
	if n := len(s.JournalProblems); n > 0 {
		fmt.Fprintf(a.Stderr, "oncall: warning: journal: %d unreadable line(s) skipped (%s)\n", n, oneLine(s.JournalProblems[0]))
	}
	md := handoff.Markdown(s)
	body := []byte(md)
	if r.format == "json" {
		if body, err = handoff.JSON(s); err != nil {
			return err
		}
	}
	format := map[string]string{"md": "md", "markdown": "md", "json": "json"}[r.format]
	switch {
	case r.out != "":
		if err := os.WriteFile(r.out, body, 0o644); err != nil {
			return fmt.Errorf("writing the handoff: %w", unwrapPathError(err))
		}
		a.journalHandoff(j, cfg, s, handoff.TargetFile, format, map[string]string{"file": r.out}, nil)
		fmt.Fprintf(a.Stderr, "oncall: handoff written to %s\n", r.out)
	case webhook == "":
		if _, err := a.Stdout.Write(body); err != nil {
			return err
		}
		a.journalHandoff(j, cfg, s, handoff.TargetStdout, format, nil, nil)
	}
	if webhook == "" {
		return nil
	}
	pctx, pcancel := context.WithTimeout(parent, handoff.PostTimeout)
	defer pcancel()
	perr := handoff.Post(pctx, nil, webhook, md)
	a.journalHandoff(j, cfg, s, handoff.TargetWebhook, "md", nil, perr)
	if perr != nil {
		return perr
	}
	fmt.Fprintln(a.Stderr, "oncall: handoff posted to the webhook")
	return nil
}

// configuredWebhook is $ONCALL_HANDOFF_WEBHOOK, else [shift] webhook.
func (a *App) configuredWebhook(cfg *config.Config) string {
	if v := strings.TrimSpace(a.Getenv(envHandoffWebhook)); v != "" {
		return v
	}
	return strings.TrimSpace(cfg.Shift.Webhook)
}

// handoffSources builds the sources of the current context. Unconfigured
// sources stay nil interfaces (never typed nils).
func (a *App) handoffSources(cfg *config.Config) (handoff.Sources, *journal.Journal, error) {
	var src handoff.Sources
	cur, err := cfg.Current()
	if err != nil {
		return src, nil, err
	}
	if len(cur.Alertmanager.URLs) > 0 {
		am, err := a.Alertmanager()
		if err != nil {
			return src, nil, err
		}
		src.Alertmanager = am
	}
	prom, err := a.Prometheus()
	if err != nil {
		return src, nil, err
	}
	if prom != nil {
		src.Prometheus = prom
		src.Budgets = handoff.PromBudgets{API: prom.API, Defs: handoff.Definitions(cur.SLO)}
	}
	if src.Alertmanager == nil && src.Prometheus == nil {
		return src, nil, fmt.Errorf("context %q has no Alertmanager or Prometheus: set --alertmanager-url/--prometheus-url, the ONCALL_* variables or a config file", cfg.CurrentContext)
	}
	j, err := a.Journal()
	if err != nil {
		return src, nil, err
	}
	j.Retention = cfg.Journal.Retention.D()
	src.Journal = j
	return src, j, nil
}

// journalHandoff records an export; a journal failure is only a warning
// (the handoff itself went out).
func (a *App) journalHandoff(j *journal.Journal, cfg *config.Config, s *handoff.Summary, target, format string, extra map[string]string, failed error) {
	e := handoff.ExportEntry(cfg.Identity.User, cfg.CurrentContext, s, target, format, time.Now(), failed)
	for k, v := range extra {
		e.Extra[k] = v
	}
	if err := j.Append(e); err != nil {
		fmt.Fprintf(a.Stderr, "oncall: warning: handoff not journaled: %s\n", oneLine(err.Error()))
	}
}

func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Path, pe.Err)
	}
	return err
}

// handoffScreens registers the handoff screen (H) and the note dialog (n).
func (a *App) handoffScreens(cfg *config.Config) []kit.Entry {
	jp := cfg.Journal.Path
	if jp == "" {
		jp = journal.DefaultPath(a.Getenv)
	}
	opts := handoffscreen.Options{Webhook: a.configuredWebhook(cfg), JournalPath: jp}
	return []kit.Entry{handoffscreen.Entry(opts), handoffscreen.NotesEntry(opts)}
}
