package handoff

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"oncall/internal/handoff"
	"oncall/runbooks"
	"oncall/tui/kit"
)

// collectTimeout bounds one collection of the handoff (every source in
// parallel, the budgets included).
const collectTimeout = 30 * time.Second

// dataMsg carries a collected handoff: its Markdown (copied, written)
// and the Markdown of its preview (lists that wrap between words).
type dataMsg struct {
	seq     int
	sum     *handoff.Summary
	md      string
	preview string
	err     error
}

func (dataMsg) Screen() string { return Name }

// renderedMsg carries the glamour rendering for a width and theme.
type renderedMsg struct {
	seq   int
	width int
	dark  bool
	lines []string
	err   error
}

func (renderedMsg) Screen() string { return Name }

// exportedMsg reports an export (clipboard, file, webhook).
type exportedMsg struct {
	what string
	err  error
}

func (exportedMsg) Screen() string { return Name }

// reloadMsg asks the handoff screen to collect again (a note changed).
type reloadMsg struct{}

func (reloadMsg) Screen() string { return Name }

// actionWrite and actionPost come from the screen's dialogs.
type actionWrite struct{ path string }
type actionPost struct{}

// load collects the handoff of every watched cluster (each from its own
// sources, the journal shared) in a command.
func (s *screen) load(h kit.Host) tea.Cmd {
	s.seq++
	s.loading = true
	seq := s.seq
	cfg := h.Config()
	j := journalOf(h, s.opts)
	var cs []handoff.ClusterSources
	for _, c := range h.Clusters() {
		var src handoff.Sources
		if c.AM != nil {
			src.Alertmanager = c.AM
		}
		if p := c.Prom; p != nil {
			src.Prometheus = p
			pb := handoff.PromBudgets{API: p.API}
			if cc := cfg.Contexts[c.Context]; cc != nil {
				pb.Defs = handoff.Definitions(cc.SLO)
			}
			src.Budgets = pb
		}
		if j != nil {
			src.Journal = j
		}
		cs = append(cs, handoff.ClusterSources{Name: c.Context, Sources: src})
	}
	user, _ := whoAmI(h)
	o := handoff.Options{User: user, Since: s.opts.Since, Shift: cfg.Shift, Now: h.Now()}
	return func() tea.Msg {
		if len(cs) == 0 {
			return dataMsg{seq: seq, err: fmt.Errorf("no cluster is watched")}
		}
		c, cancel := context.WithTimeout(context.Background(), collectTimeout)
		defer cancel()
		sum, err := handoff.CollectClusters(c, cs, o)
		if err != nil {
			return dataMsg{seq: seq, err: err}
		}
		return dataMsg{seq: seq, sum: sum, md: handoff.Markdown(sum), preview: handoff.PreviewMarkdown(sum)}
	}
}

// rerender renders the Markdown again when the width or the theme changed
// since the last rendering (glamour runs in the command, never in View).
func (s *screen) rerender(h kit.Host) tea.Cmd {
	w, _ := h.BodySize()
	dark := h.Styles().Dark
	if s.preview == "" || w <= 0 || (w == s.rwidth && dark == s.rdark) {
		return nil
	}
	s.rwidth, s.rdark = w, dark // one request per change
	s.rseq++
	seq, md := s.rseq, s.preview
	return func() tea.Msg {
		out, err := runbooks.Render(md, w, dark)
		return renderedMsg{seq: seq, width: w, dark: dark, lines: strings.Split(strings.TrimRight(out, "\n"), "\n"), err: err}
	}
}

// copy puts the Markdown on the clipboard through the terminal (OSC 52,
// which also works over SSH) and journals it.
func (s *screen) copy(h kit.Host) tea.Cmd {
	if s.sum == nil {
		return h.Status("the handoff is still loading", true)
	}
	return tea.Batch(tea.SetClipboard(s.md), s.journalExport(h, handoff.TargetClipboard, "handoff copied to the clipboard"))
}

// journalExport records an export and reports it.
func (s *screen) journalExport(h kit.Host, target, what string) tea.Cmd {
	j := journalOf(h, s.opts)
	user, _ := whoAmI(h)
	e := handoff.ExportEntry(user, s.sum.Context, s.sum, target, "md", h.Now(), nil) // every cluster it covers
	return func() tea.Msg {
		if j == nil {
			return exportedMsg{what: what + " (not journaled: no journal)"}
		}
		c, cancel := context.WithTimeout(context.Background(), journalTimeout)
		defer cancel()
		if err := j.AppendContext(c, e); err != nil {
			return exportedMsg{what: what + " (not journaled: " + err.Error() + ")"}
		}
		return exportedMsg{what: what}
	}
}

// HandleAction implements kit.ActionHandler for the screen's dialogs.
func (s *screen) HandleAction(h kit.Host, a kit.Action) (tea.Cmd, bool) {
	switch a := a.(type) {
	case actionWrite:
		return s.writeFile(h, a.path), true
	case actionPost:
		return s.post(h), true
	}
	return nil, false
}

func (s *screen) writeFile(h kit.Host, path string) tea.Cmd {
	sum, md := s.sum, s.md
	j := journalOf(h, s.opts)
	user, _ := whoAmI(h)
	now := h.Now()
	return h.Track("handoff written", path, func() tea.Msg {
		p, err := expandHome(strings.TrimSpace(path))
		if err != nil {
			return exportedMsg{what: "writing the handoff", err: err}
		}
		body, format := []byte(md), "md"
		if strings.EqualFold(filepath.Ext(p), ".json") {
			if body, err = handoff.JSON(sum); err != nil {
				return exportedMsg{what: "writing the handoff", err: err}
			}
			format = "json"
		}
		if err := os.WriteFile(p, body, 0o644); err != nil {
			return exportedMsg{what: "writing the handoff", err: fmt.Errorf("%s", strings.TrimPrefix(err.Error(), "open "))}
		}
		e := handoff.ExportEntry(user, sum.Context, sum, handoff.TargetFile, format, now, nil)
		e.Extra["file"] = p
		what := "handoff written to " + p
		if j != nil {
			c, cancel := context.WithTimeout(context.Background(), journalTimeout)
			defer cancel()
			if err := j.AppendContext(c, e); err != nil {
				what += " (not journaled: " + err.Error() + ")"
			}
		}
		return exportedMsg{what: what}
	})
}

// post posts the handoff in the webhook's format ([shift] webhook_format,
// or Slack mrkdwn for a Slack webhook and Markdown otherwise), the
// config's secrets scrubbed from it.
func (s *screen) post(h kit.Host) tea.Cmd {
	cfg := h.Config()
	sum, hook := s.sum, s.opts.Webhook
	f, err := handoff.WebhookFormat(cfg.Shift.WebhookFormat, hook)
	if err != nil {
		return h.Status("posting the handoff: "+err.Error(), true)
	}
	secrets := cfg.Secrets()
	j := journalOf(h, s.opts)
	user, _ := whoAmI(h)
	now := h.Now()
	return tea.Batch(h.Status("posting the handoff…", false), h.Track("handoff posted", handoff.TargetWebhook, func() tea.Msg {
		c, cancel := context.WithTimeout(context.Background(), handoff.PostTimeout)
		defer cancel()
		err := handoff.PostSummary(c, nil, hook, sum, f, secrets...)
		if j != nil {
			jc, jcancel := context.WithTimeout(context.Background(), journalTimeout)
			defer jcancel()
			_ = j.AppendContext(jc, handoff.ExportEntry(user, sum.Context, sum, handoff.TargetWebhook, string(f), now, err))
		}
		return exportedMsg{what: "handoff posted to the webhook (" + formatName(f) + ")", err: err}
	}))
}

// formatName is how the screen names a post format.
func formatName(f handoff.Format) string {
	if f == handoff.FormatSlack {
		return "Slack mrkdwn"
	}
	return "Markdown"
}

// expandHome turns a leading ~/ into the home directory.
func expandHome(p string) (string, error) {
	if p == "~" || strings.HasPrefix(p, "~/") {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("no home directory for %q", p)
		}
		return filepath.Join(home, strings.TrimPrefix(p, "~")), nil
	}
	return p, nil
}
