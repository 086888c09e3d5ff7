package tui

import (
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"oncall/internal/alerts"
	"oncall/internal/config"
	"oncall/tui/kit"
)

// openKey is a global action that opens a screen, or says why it cannot.
type openKey struct {
	action, screen, unavailable string
}

// newKeyTable resolves the global keys, the root's views' and every
// screen's own, with the config's remaps.
func newKeyTable(d Deps, cfg *config.Config) (*kit.KeyTable, error) {
	global := globalBindings()
	scopes := rootScopes()
	opens := map[string]bool{}
	for _, e := range d.Entries {
		if e.Open.Action != "" {
			b := e.Open
			if b.Group == "" {
				b.Group = groupGo
			}
			global = append(global, b)
			opens[b.Action] = true
		}
		scopes = append(scopes, kit.Scope{Name: e.Name, Title: e.Title, Bindings: e.Keys})
	}
	return kit.NewKeyTable(global, scopes, kit.KeyRemap{Global: cfg.Keys.Global, Screens: cfg.Keys.Screens})
}

// registerScreens builds the session's screens, in registration order.
func (m *Model) registerScreens() {
	have := map[string]bool{}
	for _, e := range m.deps.Entries {
		if e.Open.Action != "" {
			m.openKeys = append(m.openKeys, openKey{action: e.Open.Action, screen: e.Name, unavailable: e.Unavailable})
			have[e.Open.Action] = true
		}
		if e.New == nil {
			continue
		}
		m.addScreen(e.Name, e.Title, e.New(m, m.keys.Scope(e.Name)))
	}
}

func (m *Model) addScreen(name, title string, s kit.Screen) {
	if _, dup := m.screens[name]; !dup {
		m.screenOrder = append(m.screenOrder, name)
	}
	m.screens[name] = s
	m.screenTitles[name] = title
}

// openKeyFor finds the screen a key opens.
func (m *Model) openKeyFor(msg tea.KeyPressMsg) (openKey, bool) {
	g := m.keys.Global()
	for _, k := range m.openKeys {
		if g.Is(msg, k.action) {
			return k, true
		}
	}
	return openKey{}, false
}

func (m *Model) openWith(k openKey, msg tea.KeyPressMsg) tea.Cmd {
	if k.unavailable != "" || m.screens[k.screen] == nil {
		why := k.unavailable
		if why == "" {
			why = "not configured"
		}
		return m.setStatus(fmt.Sprintf("%q: %s is not available (%s)", msg.String(), k.action, why), true)
	}
	return m.openScreen(k.screen)
}

// currentKeys is the keymap of what is shown: a screen's, a view's, or the
// global one.
func (m *Model) currentKeys() *kit.Keymap {
	switch m.view {
	case viewScreen:
		return m.keys.Scope(m.screen)
	case viewSilences:
		return m.keys.Scope(scopeSilences)
	default:
		return m.keys.Scope(scopeAlerts)
	}
}

// detailExtensions collects the screens' lines for the alert detail, in
// registration order.
func (m *Model) detailExtensions() []DetailExtra {
	var out []DetailExtra
	for _, name := range m.screenOrder {
		if s, ok := m.screens[name].(kit.DetailExtender); ok {
			out = append(out, s.DetailLines)
		}
	}
	return out
}

// resizeScreens tells every Resizer screen its new body size; the commands
// are queued and returned by the Update that handled the resize.
func (m *Model) resizeScreens(w, h int) {
	for _, name := range m.screenOrder {
		if r, ok := m.screens[name].(kit.Resizer); ok {
			if cmd := r.Resize(m, w, h); cmd != nil {
				m.pending = append(m.pending, cmd)
			}
		}
	}
}

// takePending returns the commands queued outside Update's return path.
func (m *Model) takePending() tea.Cmd {
	if len(m.pending) == 0 {
		return nil
	}
	cmds := m.pending
	m.pending = nil
	return tea.Batch(cmds...)
}

// DetailExtra is a function that adds lines to the alert detail.
type DetailExtra func(a *alerts.Alert, st *kit.Styles, now time.Time) []string
