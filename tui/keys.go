package tui

import (
	"oncall/tui/kit"
)

// The root's own actions (the global ones are kit.Up, kit.Down, …).
const (
	actAlerts   = "alerts"
	actSilences = "silences"
	actSilence  = "silence"
	actAck      = "ack"
	actSort     = "sort"
	actExpire   = "expire"
	actExtend   = "extend"
	actCommand  = "command"
	actPrevious = "previous"
	actUndo     = "undo"
)

// The root's views, as key scopes.
const (
	scopeAlerts   = "@alerts"
	scopeSilences = "@silences"
)

// Help groups of the global keys.
const (
	groupMove    = "Move"
	groupGo      = "Go to"
	groupGeneral = "General"
)

// globalBindings are the keys that work everywhere (a screen may shadow
// one with its own). Defaults avoid what tmux and shells commonly take
// (ctrl+b, ctrl+a, ctrl+z, ctrl+s, ctrl+q). The keys that open screens come
// from the screens' specs.
func globalBindings() []kit.Binding {
	return []kit.Binding{
		{Action: kit.Up, Keys: []string{"up", "k"}, Display: "↑/k", Help: "up", Group: groupMove},
		{Action: kit.Down, Keys: []string{"down", "j"}, Display: "↓/j", Help: "down", Group: groupMove},
		{Action: kit.Top, Keys: []string{"g", "home"}, Display: "g", Help: "top", Group: groupMove},
		{Action: kit.Bottom, Keys: []string{"G", "end"}, Display: "G", Help: "bottom", Group: groupMove},
		{Action: kit.PageUp, Keys: []string{"pgup", "ctrl+u"}, Display: "pgup", Help: "page up", Group: groupMove},
		{Action: kit.PageDown, Keys: []string{"pgdown", "ctrl+d"}, Display: "pgdn", Help: "page down", Group: groupMove},
		{Action: kit.Enter, Keys: []string{"enter"}, Help: "open", Group: groupMove},
		{Action: kit.Back, Keys: []string{"esc"}, Help: "back", Group: groupMove},
		{Action: kit.Tab, Keys: []string{"tab"}, Help: "switch pane", Group: groupMove},
		{Action: actAlerts, Keys: []string{"A"}, Help: "alerts", Group: groupGo},
		{Action: actSilences, Keys: []string{"S"}, Help: "silences", Group: groupGo},
		{Action: kit.Filter, Keys: []string{"/"}, Help: "filter", Group: groupGeneral},
		{Action: kit.Refresh, Keys: []string{"r"}, Help: "refresh", Group: groupGeneral},
		{Action: kit.Help, Keys: []string{"?"}, Help: "help", Group: groupGeneral},
		{Action: kit.Quit, Keys: []string{"q", "ctrl+c"}, Display: "q", Help: "quit", Group: groupGeneral},
		commandBindings()[0], commandBindings()[1],
	}
}

// rootScopes are the root's views with their own keys.
func rootScopes() []kit.Scope {
	return []kit.Scope{
		{Name: scopeAlerts, Title: "Alert list", Bindings: []kit.Binding{
			{Action: actSilence, Keys: []string{"s"}, Help: "silence", Short: "silence"},
			{Action: actAck, Keys: []string{"a"}, Help: "ack", Short: "ack"},
			{Action: kit.Enter, Help: "detail", Short: ""},
			{Action: kit.Filter, Help: "filter alerts", Short: "filter"},
			{Action: actSort, Keys: []string{"o"}, Help: "sort order"},
		}},
		{Name: scopeSilences, Title: "Silences", Bindings: []kit.Binding{
			{Action: actExpire, Keys: []string{"x"}, Help: "expire silence", Short: "expire"},
			{Action: actExtend, Keys: []string{"e"}, Help: "extend silence", Short: "extend"},
			// a root key: it works in every view for a few seconds after
			// an expire, and the status bar shows it meanwhile
			{Action: actUndo, Keys: []string{"u"}, Help: "undo the last expire (for a few seconds)"},
			{Action: kit.Filter, Help: "filter silences", Short: "filter"},
		}},
	}
}
