package tui

import (
	"fmt"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"

	"oncall/internal/alerts"
	"oncall/internal/config"
	"oncall/internal/sanitize"
	"oncall/tui/cmdline"
	"oncall/tui/dialog"
	"oncall/tui/kit"
)

// The ":" command mode (k9s's): the commands come from one registry, built
// from the root's own and every screen's opening binding, so the help, the
// completion and what runs agree.

// commands is the registry: the root's commands, then one per screen that
// a key opens (named after that key's action).
func (m *Model) commands() []cmdline.Command {
	out := []cmdline.Command{
		{Name: "ctx", Args: "[NAME[,NAME]]", Help: "list the contexts, or watch these", Complete: m.clusterNames},
		{Name: actAlerts, Help: "the alert list"},
		{Name: actSilences, Help: "the silences"},
		{Name: "filter", Args: "EXPR", Help: "filter the alerts (matchers, @cluster=…, text)"},
		{Name: "sort", Args: "KEY", Help: "sort the alerts", Complete: func() []string {
			var ks []string
			for _, k := range alerts.SortKeys() {
				ks = append(ks, string(k))
			}
			return ks
		}},
		{Name: "group", Args: "[LABEL[,LABEL]]", Help: "group the alerts (@cluster, alertname, …); none: ungrouped", Complete: func() []string {
			return []string{"@cluster", "alertname", "severity", "service", "@state", "@source", "@receiver"}
		}},
		{Name: "help", Help: "the keys"},
		{Name: "q", Help: "quit"},
	}
	for _, k := range m.openKeys {
		out = append(out, cmdline.Command{Name: k.action, Help: m.keys.Global().Key(k.action) + " " + m.specs[k.screen].Title})
	}
	return out
}

func newCmdline(m *Model) *cmdline.Line { return cmdline.New(m.commands(), m.deps.Config.View.Aliases) }

// commandNames lists the registry's names with their ":" (the help shows
// them).
func (m *Model) commandNames() []string {
	var out []string
	for _, c := range m.cmdline.Commands() {
		out = append(out, ":"+c.Name)
	}
	return out
}

// openCommandLine shows the ":" line at the bottom.
func (m *Model) openCommandLine() tea.Cmd {
	m.cmdline.SetWidth(m.width)
	return m.cmdline.Open()
}

// commandKey edits the command line; enter runs the command.
func (m *Model) commandKey(msg tea.KeyPressMsg) tea.Cmd {
	text, done, cmd := m.cmdline.HandleKey(msg)
	if !done || text == "" {
		return cmd
	}
	return tea.Batch(cmd, m.runCommand(text))
}

// runCommand runs one command line; an unknown command gets one line with
// the nearest known one.
func (m *Model) runCommand(text string) tea.Cmd {
	name, arg, _ := strings.Cut(strings.TrimSpace(text), " ")
	arg = strings.TrimSpace(arg)
	switch name {
	case "ctx", "context":
		return m.ctxCommand(arg)
	case actAlerts:
		m.view, m.focus = viewAlerts, focusList
		return nil
	case actSilences:
		m.view = viewSilences
		return nil
	case "filter":
		m.view, m.focus = viewAlerts, focusList
		m.alertsPane.SetFilter(arg)
		m.syncDetail()
		if f := alerts.ParseFilter(arg); f.Err != "" {
			return m.setStatus("filter: "+f.Err, true)
		}
		return nil
	case "sort":
		if !slices.Contains(alerts.SortKeys(), alerts.SortKey(arg)) {
			return m.setStatus(fmt.Sprintf("sort: %q is not a sort key (%s)", arg, m.sortKeyList()), true)
		}
		m.alertsPane.SetSort(alerts.SortKey(arg))
		m.syncDetail()
		return nil
	case "group":
		m.view, m.focus = viewAlerts, focusList
		m.alertsPane.SetGroupBy(config.SplitNames([]string{arg}))
		m.syncDetail()
		return nil
	case "help":
		m.overlays.push(dialog.NewHelp(m.currentKeys(), m.commandNames()...), m.now())
		return nil
	case "q", "quit", "q!":
		return m.quit()
	}
	for _, k := range m.openKeys {
		if k.action == name {
			return m.openWith(k, tea.KeyPressMsg{Text: ":" + name})
		}
	}
	var names []string
	for _, c := range m.cmdline.Commands() {
		names = append(names, c.Name)
	}
	msg := fmt.Sprintf("unknown command %q", ":"+sanitize.Text(name))
	if near := config.Nearest(name, names); near != "" {
		msg += "; did you mean :" + near + "?"
	}
	return m.setStatus(msg, true)
}

func (m *Model) sortKeyList() string {
	var ks []string
	for _, k := range alerts.SortKeys() {
		ks = append(ks, string(k))
	}
	return strings.Join(ks, ", ")
}

// ctxCommand lists the contexts (no argument) or watches the named ones.
func (m *Model) ctxCommand(arg string) tea.Cmd {
	if arg == "" {
		var lines []string
		for _, n := range m.clusterNames() {
			mark := "  "
			if slices.Contains(m.watched, n) {
				mark = "▸ "
			}
			lines = append(lines, mark+m.tag(n))
		}
		lines = append(lines, "", m.st.Muted.Render("▸ watched · :ctx a,b watches a and b"))
		m.overlays.push(&dialog.Info{Title: "Contexts", Lines: lines}, m.now())
		return nil
	}
	names := config.SplitNames([]string{arg})
	for _, n := range names {
		if m.clusters[n] == nil {
			msg := fmt.Sprintf("ctx: unknown context %q", sanitize.Text(n))
			if near := config.Nearest(n, m.clusterNames()); near != "" {
				msg += "; did you mean " + near + "?"
			}
			return m.setStatus(msg, true)
		}
	}
	if err := m.switchClusters(names); err != nil {
		return m.setStatus("ctx: "+err.Error(), true)
	}
	for _, n := range names {
		m.addClusterScreens(n)
	}
	if m.view == viewScreen {
		if in := m.current(); in.cluster != "" && !slices.Contains(m.watched, in.cluster) {
			m.view, m.focus = viewAlerts, focusList
		}
	}
	return m.setStatus("watching "+strings.Join(names, ", "), false)
}

// previousView swaps the view with the one shown before it ("-", like
// cd -).
func (m *Model) previousView() tea.Cmd {
	if m.prev.view == viewScreen {
		if _, ok := m.instanceOf(m.prev.screen); !ok {
			return m.setStatus("no previous screen", false)
		}
	}
	cur := backTo{view: m.view, screen: m.screen}
	m.view, m.screen = m.prev.view, m.prev.screen
	if m.view == viewDetail && m.wide {
		m.view, m.focus = viewAlerts, focusDetail
	}
	m.prev = cur
	return nil
}

// commandBindings are the root's keys for the command line and "-".
func commandBindings() []kit.Binding {
	return []kit.Binding{
		{Action: actCommand, Keys: []string{":"}, Help: "command line", Group: groupGeneral},
		{Action: actPrevious, Keys: []string{"-"}, Help: "previous view", Group: groupGo},
	}
}
