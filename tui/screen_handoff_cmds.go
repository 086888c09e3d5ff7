package tui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"oncall/internal/handoff"
	"oncall/internal/journal"
	"oncall/runbooks"
)

// collectTimeout bounds one collection of the handoff (every source in
// parallel, the budgets included).
const collectTimeout = 30 * time.Second

// handoffDataMsg carries a collected handoff.
type handoffDataMsg struct {
	seq int
	sum *handoff.Summary
	md  string
	err error
}

func (handoffDataMsg) Screen() string { return HandoffScreenName }

// handoffRenderedMsg carries the glamour rendering for a width and theme.
type handoffRenderedMsg struct {
	seq   int
	width int
	dark  bool
	lines []string
	err   error
}

func (handoffRenderedMsg) Screen() string { return HandoffScreenName }

// handoffExportedMsg reports an export (clipboard, file, webhook).
type handoffExportedMsg struct {
	what string
	err  error
}

func (handoffExportedMsg) Screen() string { return HandoffScreenName }

// handoffReloadMsg asks the screen to collect again (a note changed).
type handoffReloadMsg struct{}

func (handoffReloadMsg) Screen() string { return HandoffScreenName }

// actionWriteHandoff and actionPostHandoff come from the screen's dialogs.
type actionWriteHandoff struct{ path string }
type actionPostHandoff struct{}

// load collects the handoff from the session's sources in a command.
func (h *handoffScreen) load(m *Model) tea.Cmd {
	h.seq++
	h.loading = true
	seq := h.seq
	cfg := m.deps.Config
	var src handoff.Sources
	if m.deps.AM != nil {
		src.Alertmanager = m.deps.AM
	}
	if p := m.deps.Prom; p != nil {
		src.Prometheus = p
		pb := handoff.PromBudgets{API: p.API}
		if cur, err := cfg.Current(); err == nil {
			pb.Defs = handoff.Definitions(cur.SLO)
		}
		src.Budgets = pb
	}
	if j := noteJournal(m, h.opts); j != nil {
		src.Journal = j
	}
	user, ctx := whoAmI(m)
	o := handoff.Options{Context: ctx, User: user, Since: h.opts.Since, Shift: cfg.Shift, Now: m.now()}
	return func() tea.Msg {
		c, cancel := context.WithTimeout(context.Background(), collectTimeout)
		defer cancel()
		s, err := handoff.Collect(c, src, o)
		if err != nil {
			return handoffDataMsg{seq: seq, err: err}
		}
		return handoffDataMsg{seq: seq, sum: s, md: handoff.Markdown(s)}
	}
}

// rerender renders the Markdown again when the width or the theme changed
// since the last rendering (glamour runs in the command, never in View).
func (h *handoffScreen) rerender(m *Model) tea.Cmd {
	w, dark := m.width, m.st.Dark
	if h.md == "" || w <= 0 || (w == h.rwidth && dark == h.rdark) {
		return nil
	}
	h.rwidth, h.rdark = w, dark // one request per change
	h.rseq++
	seq, md := h.rseq, h.md
	return func() tea.Msg {
		out, err := runbooks.Render(md, w, dark)
		return handoffRenderedMsg{seq: seq, width: w, dark: dark, lines: strings.Split(strings.TrimRight(out, "\n"), "\n"), err: err}
	}
}

// copy puts the Markdown on the clipboard through the terminal (OSC 52,
// which also works over SSH) and journals it.
func (h *handoffScreen) copy(m *Model) tea.Cmd {
	if h.sum == nil {
		return m.setStatus("the handoff is still loading", true)
	}
	return tea.Batch(tea.SetClipboard(h.md), h.journalExport(m, handoff.TargetClipboard, nil, "handoff copied to the clipboard"))
}

// journalExport records an export and reports it.
func (h *handoffScreen) journalExport(m *Model, target string, extra map[string]string, what string) tea.Cmd {
	j := noteJournal(m, h.opts)
	user, ctx := whoAmI(m)
	e := handoff.ExportEntry(user, ctx, h.sum, target, "md", m.now(), nil)
	for k, v := range extra {
		e.Extra[k] = v
	}
	return func() tea.Msg {
		if j == nil {
			return handoffExportedMsg{what: what + " (not journaled: no journal)"}
		}
		c, cancel := context.WithTimeout(context.Background(), journalTimeout)
		defer cancel()
		if err := j.AppendContext(c, e); err != nil {
			return handoffExportedMsg{what: what + " (not journaled: " + err.Error() + ")"}
		}
		return handoffExportedMsg{what: what}
	}
}

// HandleAction implements ActionHandler for the screen's dialogs.
func (h *handoffScreen) HandleAction(m *Model, a Action) (tea.Cmd, bool) {
	switch a := a.(type) {
	case actionWriteHandoff:
		return h.writeFile(m, a.path), true
	case actionPostHandoff:
		return h.post(m), true
	}
	return nil, false
}

func (h *handoffScreen) writeFile(m *Model, path string) tea.Cmd {
	s, md := h.sum, h.md
	j := noteJournal(m, h.opts)
	user, ctx := whoAmI(m)
	now := m.now()
	return m.tracked("handoff written", path, func() tea.Msg {
		p, err := expandHome(strings.TrimSpace(path))
		if err != nil {
			return handoffExportedMsg{what: "writing the handoff", err: err}
		}
		body, format := []byte(md), "md"
		if strings.EqualFold(filepath.Ext(p), ".json") {
			if body, err = handoff.JSON(s); err != nil {
				return handoffExportedMsg{what: "writing the handoff", err: err}
			}
			format = "json"
		}
		if err := os.WriteFile(p, body, 0o644); err != nil {
			return handoffExportedMsg{what: "writing the handoff", err: fmt.Errorf("%s", strings.TrimPrefix(err.Error(), "open "))}
		}
		e := handoff.ExportEntry(user, ctx, s, handoff.TargetFile, format, now, nil)
		e.Extra["file"] = p
		what := "handoff written to " + p
		if j != nil {
			c, cancel := context.WithTimeout(context.Background(), journalTimeout)
			defer cancel()
			if err := j.AppendContext(c, e); err != nil {
				what += " (not journaled: " + err.Error() + ")"
			}
		}
		return handoffExportedMsg{what: what}
	})
}

func (h *handoffScreen) post(m *Model) tea.Cmd {
	s, md, hook := h.sum, h.md, h.opts.Webhook
	j := noteJournal(m, h.opts)
	user, ctx := whoAmI(m)
	now := m.now()
	return tea.Batch(m.setStatus("posting the handoff…", false), m.tracked("handoff posted", handoff.TargetWebhook, func() tea.Msg {
		c, cancel := context.WithTimeout(context.Background(), handoff.PostTimeout)
		defer cancel()
		err := handoff.Post(c, nil, hook, md)
		if j != nil {
			jc, jcancel := context.WithTimeout(context.Background(), journalTimeout)
			defer jcancel()
			_ = j.AppendContext(jc, handoff.ExportEntry(user, ctx, s, handoff.TargetWebhook, "md", now, err))
		}
		return handoffExportedMsg{what: "handoff posted to the webhook", err: err}
	}))
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

// journalStrike builds a strike (or unstrike) entry.
func journalStrike(user, context, id string, strike bool, at time.Time) journal.Entry {
	return journal.NoteStrikeEntry(user, context, id, strike, at)
}
