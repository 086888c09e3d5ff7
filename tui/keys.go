package tui

import (
	"fmt"
	"sort"
	"strings"

	"charm.land/bubbles/v2/key"
)

// KeyMap holds every binding. Each model builds its own (no package-level
// keymap), optionally remapped from the config's [keys] table.
type KeyMap struct {
	Up, Down, Top, Bottom, PageUp, PageDown key.Binding
	Enter, Back, Tab, Filter, Refresh, Sort key.Binding
	Silence, Ack, Silences, Expire, Extend  key.Binding
	Logs, Traces, Budget, Runbook, Note     key.Binding
	Handoff, Help, Quit, Alerts             key.Binding
}

// action names, as used in the config's [keys] table.
func (k *KeyMap) named() map[string]*key.Binding {
	return map[string]*key.Binding{
		"up": &k.Up, "down": &k.Down, "top": &k.Top, "bottom": &k.Bottom, "page_up": &k.PageUp, "page_down": &k.PageDown,
		"enter": &k.Enter, "back": &k.Back, "tab": &k.Tab, "filter": &k.Filter, "refresh": &k.Refresh, "sort": &k.Sort,
		"silence": &k.Silence, "ack": &k.Ack, "silences": &k.Silences, "expire": &k.Expire, "extend": &k.Extend,
		"logs": &k.Logs, "traces": &k.Traces, "budget": &k.Budget, "runbook": &k.Runbook, "note": &k.Note,
		"handoff": &k.Handoff, "help": &k.Help, "quit": &k.Quit, "alerts": &k.Alerts,
	}
}

// DefaultKeyMap returns the default bindings. They avoid keys tmux and
// shells commonly take (ctrl+b, ctrl+a, ctrl+z, ctrl+s, ctrl+q).
func DefaultKeyMap() KeyMap {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return KeyMap{
		Up:       b("↑/k", "up", "up", "k"),
		Down:     b("↓/j", "down", "down", "j"),
		Top:      b("g", "top", "g", "home"),
		Bottom:   b("G", "bottom", "G", "end"),
		PageUp:   b("pgup", "page up", "pgup", "ctrl+u"),
		PageDown: b("pgdn", "page down", "pgdown", "ctrl+d"),
		Enter:    b("enter", "open", "enter"),
		Back:     b("esc", "back", "esc"),
		Tab:      b("tab", "switch pane", "tab"),
		Filter:   b("/", "filter", "/"),
		Refresh:  b("r", "refresh", "r"),
		Sort:     b("o", "sort order", "o"),
		Silence:  b("s", "silence", "s"),
		Ack:      b("a", "ack", "a"),
		Silences: b("S", "silences", "S"),
		Expire:   b("x", "expire silence", "x"),
		Extend:   b("e", "extend silence", "e"),
		Logs:     b("l", "logs", "l"),
		Traces:   b("T", "error traces", "T"),
		Budget:   b("b", "error budget", "b"),
		Runbook:  b("R", "runbook", "R"),
		Note:     b("n", "note", "n"),
		Handoff:  b("H", "handoff", "H"),
		Help:     b("?", "help", "?"),
		Quit:     b("q", "quit", "q", "ctrl+c"),
		Alerts:   b("A", "alerts", "A"),
	}
}

// NewKeyMap applies remappings ("silence" = "ctrl+x" or "s,ctrl+x").
func NewKeyMap(remap map[string]string) (KeyMap, error) {
	k := DefaultKeyMap()
	named := k.named()
	names := make([]string, 0, len(remap))
	for n := range remap {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		b, ok := named[n]
		if !ok {
			return k, fmt.Errorf("keys.%s: unknown action (known: %s)", n, strings.Join(actionNames(named), ", "))
		}
		var keys []string
		for _, s := range strings.Split(remap[n], ",") {
			if s = strings.TrimSpace(s); s != "" {
				keys = append(keys, s)
			}
		}
		if len(keys) == 0 {
			return k, fmt.Errorf("keys.%s: no key given", n)
		}
		b.SetKeys(keys...)
		b.SetHelp(strings.Join(keys, "/"), b.Help().Desc)
	}
	// Two actions on one key would make one of them unreachable.
	seen := map[string]string{}
	for _, n := range actionNames(named) {
		for _, key := range named[n].Keys() {
			if other, dup := seen[key]; dup && remap != nil && (remap[n] != "" || remap[other] != "") {
				return k, fmt.Errorf("keys: %q is bound to both %s and %s", key, other, n)
			}
			seen[key] = n
		}
	}
	return k, nil
}

func actionNames(m map[string]*key.Binding) []string {
	out := make([]string, 0, len(m))
	for n := range m {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// HelpGroups returns the bindings grouped for the help overlay.
func (k KeyMap) HelpGroups() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.Top, k.Bottom, k.PageUp, k.PageDown, k.Enter, k.Back, k.Tab},
		{k.Filter, k.Sort, k.Refresh, k.Alerts, k.Silences, k.Budget, k.Handoff, k.Help, k.Quit},
		{k.Silence, k.Ack, k.Expire, k.Extend, k.Logs, k.Traces, k.Runbook, k.Note},
	}
}

// ShortHelp is the one-line hint in the status bar.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Silence, k.Ack, k.Filter, k.Silences, k.Help, k.Quit}
}
