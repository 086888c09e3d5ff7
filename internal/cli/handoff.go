package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"oncall/internal/config"
	"oncall/internal/handoff"
	"oncall/internal/journal"
	"oncall/internal/wire"
)

// postConfigured is --post given without a URL: use the configured webhook.
const postConfigured = "[configured]"

// handoffVerb is `oncall handoff`: collected under --timeout, posted under
// handoff.PostTimeout; every export is journaled.
type handoffVerb struct {
	*App
	since, format, out, post string
	args                     []string
}

func (a *App) handoffCmd() *cobra.Command {
	v := &handoffVerb{App: a}
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
GitHub-flavoured Markdown or JSON (docs/handoff-schema.md). --post sends it
to an incoming webhook: --post URL, or --post alone for
$ONCALL_HANDOFF_WEBHOOK or [shift] webhook. What is posted follows
[shift] webhook_format: Slack mrkdwn (*bold*, lists instead of tables,
<url|text> links) for a Slack webhook (hooks.slack.com) or "slack", GitHub
Markdown with tables for Mattermost and other webhooks or "markdown". Each
export is journaled.`,
		Example: `  oncall handoff
  oncall handoff --since 8h --format json --out handoff.json
  oncall handoff --since last --post`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			v.args = args
			return a.exec(cmd, v)
		},
	}
	f := cmd.Flags()
	f.StringVar(&v.since, "since", "", `window: a duration such as 12h or 1d, or "last" (since your last handoff); default: the shift`)
	f.StringVar(&v.format, "format", "md", "output format: md (Markdown) or json")
	f.StringVar(&v.out, "out", "", "write to this file instead of stdout")
	f.StringVar(&v.post, "post", "", "post to this incoming webhook URL (alone: $"+wire.EnvHandoffWebhook+" or [shift] webhook) as Slack mrkdwn or Markdown ([shift] webhook_format; default: mrkdwn for a Slack webhook)")
	f.Lookup("post").NoOptDefVal = postConfigured
	return cmd
}

func (v *handoffVerb) run(parent context.Context) error {
	if len(v.args) == 1 {
		// `--post URL` with the value separated by a space.
		if v.post != postConfigured {
			return errors.New("handoff takes no arguments (to post, use --post URL)")
		}
		v.post = v.args[0]
	}
	format, ok := map[string]string{"md": "md", "markdown": "md", "json": "json"}[v.format]
	if !ok {
		return fmt.Errorf("unknown format %q: use md or json", v.format)
	}
	if _, err := handoff.ParseSince(v.since); err != nil {
		return err
	}
	cfg, err := v.Config()
	if err != nil {
		return err
	}
	webhook := v.post
	if webhook == postConfigured {
		if webhook = wire.Webhook(cfg, v.Getenv); webhook == "" {
			return fmt.Errorf("--post: no webhook configured: pass --post URL, or set $%s or [shift] webhook", wire.EnvHandoffWebhook)
		}
	}
	var postAs handoff.Format
	if webhook != "" {
		if postAs, err = handoff.WebhookFormat(cfg.Shift.WebhookFormat, webhook); err != nil {
			return fmt.Errorf("--post: %w", err)
		}
	}
	names, err := cfg.Watched(nil, false)
	if err != nil {
		return err
	}
	j, err := wire.Journal(cfg, v.Getenv)
	if err != nil {
		return err
	}
	cs := make([]handoff.ClusterSources, 0, len(names))
	for _, n := range names {
		src, err := sources(wire.ForContext(cfg, n), j)
		if err != nil {
			return err
		}
		cs = append(cs, handoff.ClusterSources{Name: n, Sources: src})
	}
	ctx, cancel := v.ctx(parent)
	defer cancel()
	s, err := handoff.CollectClusters(ctx, cs, handoff.Options{User: cfg.Identity.User, Since: v.since, Shift: cfg.Shift})
	if err != nil {
		return err
	}
	for _, e := range s.SourceErrors {
		if e.Cluster != "" {
			v.warnf("%s: %s: %s", e.Cluster, e.Source, e.Error)
			continue
		}
		v.warnf("%s: %s", e.Source, e.Error)
	}
	if n := len(s.JournalProblems); n > 0 {
		v.warnf("journal: %d unreadable line(s) skipped (%s)", n, s.JournalProblems[0])
	}
	exp := export{handoffVerb: v, cfg: cfg, j: j, s: s, md: handoff.Markdown(s)}
	if err := exp.write(format, webhook != ""); err != nil || webhook == "" {
		return err
	}
	return exp.post(parent, webhook, postAs)
}

// sources builds the sources of cfg's current context, with the shared
// journal. Unconfigured sources stay nil interfaces (never typed nils).
func sources(cfg *config.Config, j *journal.Journal) (handoff.Sources, error) {
	src := handoff.Sources{Journal: j}
	cur, err := cfg.Current()
	if err != nil {
		return src, err
	}
	if len(cur.Alertmanager.URLs) > 0 {
		am, err := wire.Alertmanager(cfg)
		if err != nil {
			return src, err
		}
		src.Alertmanager = am
	}
	prom, err := wire.Prometheus(cfg)
	if err != nil {
		return src, err
	}
	if prom != nil {
		src.Prometheus = prom
		src.Budgets = handoff.PromBudgets{API: prom.API, Defs: handoff.Definitions(cur.SLO)}
	}
	if src.Alertmanager == nil && src.Prometheus == nil {
		return src, wire.NoSourceError{Context: cfg.CurrentContext}
	}
	return src, nil
}

// export sends one collected handoff out and journals each target.
type export struct {
	*handoffVerb
	cfg *config.Config
	j   *journal.Journal
	s   *handoff.Summary
	md  string // the summary as Markdown
}

// write writes the handoff to --out, or to stdout unless it is only posted.
func (e export) write(format string, posted bool) error {
	body := []byte(e.md)
	if format == "json" {
		var err error
		if body, err = handoff.JSON(e.s); err != nil {
			return err
		}
	}
	switch {
	case e.out != "":
		if err := os.WriteFile(e.out, body, 0o644); err != nil {
			return fmt.Errorf("writing the handoff: %w", unwrapPathError(err))
		}
		e.journal(handoff.TargetFile, format, map[string]string{"file": e.out}, nil)
		e.notef("handoff written to %s", e.out)
	case !posted:
		if _, err := e.Stdout.Write(body); err != nil {
			return err
		}
		e.journal(handoff.TargetStdout, format, nil, nil)
	}
	return nil
}

// post posts the handoff to the webhook in format f (Slack mrkdwn or
// Markdown) under its own timeout, the config's secrets scrubbed from it.
func (e export) post(parent context.Context, webhook string, f handoff.Format) error {
	ctx, cancel := context.WithTimeout(parent, handoff.PostTimeout)
	defer cancel()
	err := handoff.PostSummary(ctx, nil, webhook, e.s, f, e.cfg.Secrets()...)
	e.journal(handoff.TargetWebhook, string(f), nil, err)
	if err != nil {
		return err
	}
	e.notef("handoff posted to the webhook as %s", map[handoff.Format]string{handoff.FormatSlack: "Slack mrkdwn", handoff.FormatMarkdown: "Markdown"}[f])
	return nil
}

// journal records an export; a journal failure is only a warning (the
// handoff itself went out).
func (e export) journal(target, format string, extra map[string]string, failed error) {
	en := handoff.ExportEntry(e.cfg.Identity.User, e.s.Context, e.s, target, format, time.Now(), failed)
	for k, val := range extra {
		en.Extra[k] = val
	}
	if err := e.j.Append(en); err != nil {
		e.warnf("handoff not journaled: %s", err)
	}
}

func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Path, pe.Err)
	}
	return err
}
